"""A training run for test_parallel.py, started by torchrun (or alone, as one process).

    python -m torch.distributed.run --standalone --nproc_per_node 2 tests/ddp_worker.py \
        PRESET TRAIN VALID SAVE_DIR OUT_DIR STEPS [--resume]

z is set to the posterior mean instead of a sample, so an AE's run holds no randomness
beyond the batch plan: one process and two ranks must then end with the same weights.
Each rank writes its weights and its view of the step count to OUT_DIR/rank<r>.pt.
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textae.config import TrainConfig, preset  # noqa: E402
from textae.data import read_sentences  # noqa: E402
from textae.model import TextAutoencoder  # noqa: E402
from textae.training.parallel import teardown  # noqa: E402
from textae.training.train import Trainer  # noqa: E402

TINY = dict(dim_emb=32, dim_h=64, dim_z=16, dim_d=32, dropout=0.0)


def main() -> None:
    name, train, valid, save_dir, out, steps = sys.argv[1:7]
    TextAutoencoder.reparameterize = staticmethod(lambda mu, logvar: mu)
    tc = TrainConfig(batch_size=32, epochs=100, max_steps=int(steps), lr=2e-3, log_every=1, seed=7)
    dims = dict(TINY, dim_z=0) if name == "lm" else TINY  # the language model has no code
    t = Trainer(
        preset(name, **dims),
        tc,
        read_sentences(train),
        read_sentences(valid),
        save_dir,
        resume="--resume" in sys.argv,
        log=lambda *_: None,
    )
    t.fit(progress=False)
    Path(out).mkdir(parents=True, exist_ok=True)
    torch.save({"weights": t.model.state_dict(), "step": t.progress.step}, Path(out) / f"rank{t.world.rank}.pt")
    teardown()


if __name__ == "__main__":
    main()
