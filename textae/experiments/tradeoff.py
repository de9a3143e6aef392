"""Experiments that train before they measure: the language model that scores samples, and the sweeps.

Measurement itself lives in evaluation.py, which never trains; this module calls the trainer and
then evaluation's Suite.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textae.api import TextAE, load
from textae.config import NoiseConfig, preset
from textae.errors import InputError
from textae.measure.evaluation import DataDir, Suite
from textae.storage.checkpoint import is_checkpoint
from textae.training.train import Trainer

LM_SIZES = {"small": dict(dim_emb=128, dim_h=256, dim_d=8), "paper": dict(dim_emb=512, dim_h=1024, dim_d=8)}
SWEEP_GRIDS = {
    "vae": ("lambda_kl", [0.01, 0.05, 0.1, 0.5]),
    "aae": ("lambda_adv", [1.0, 5.0, 10.0, 20.0]),
    "laae": ("lambda_p", [0.01, 0.05, 0.1]),
    "daae": ("noise", [0.1, 0.3, 0.5]),  # the word-drop probability
}


def train_run(model_cfg, train_cfg, data: DataDir, save_dir: Path, log: Callable[[str], None] = print) -> TextAE:
    """Train on data.train (selecting on valid.txt, or the last 5% of train.txt) and load the best checkpoint;
    a run that `save_dir` already holds is resumed (one that finished trains no further), so a sweep of many
    models, hours long, goes on where it was stopped."""
    if data.valid:
        train, valid = data.train, data.valid
    else:
        cut = max(1, len(data.train) // 20)
        train, valid = data.train[:-cut], data.train[-cut:]
    resume = (Path(save_dir) / "last").is_dir()
    Trainer(
        model_cfg, train_cfg, [s.split() for s in train], [s.split() for s in valid], save_dir, resume=resume, log=log
    ).fit()
    return load(save_dir, train_cfg.device)


def language_model(path: Path, data: DataDir, size: str, train_cfg, log: Callable[[str], None] = print) -> TextAE:
    """The LM that scores generated text: loaded from `path`, or trained there on data.train first."""
    if is_checkpoint(path):
        log(f"language model: {path}")
        lm = load(path, train_cfg.device)
        if lm.cfg.dim_z != 0:
            raise InputError(
                f"{path} has codes (dim_z {lm.cfg.dim_z}); a language model has none: train one of preset 'lm'"
            )
        return lm
    log(f"training a {size} LSTM language model on {len(data.train):,} sentences of train.txt into {path}")
    return train_run(preset("lm", **LM_SIZES[size]), train_cfg, data, path, log)


def sweep(
    presets: list[str],
    grids: dict[str, list[float]],
    base: dict,
    train_cfg,
    data: DataDir,
    suite: Suite,
    out_dir: Path,
    log: Callable[[str], None] = print,
) -> list[dict]:
    """Train each preset at each grid value (its family's knob) and measure rec BLEU and sample perplexity."""
    rows = []
    for name in presets:
        knob, _ = SWEEP_GRIDS[name]
        for value in grids[name]:
            over = dict(base, **({knob: NoiseConfig(drop=value)} if knob == "noise" else {knob: value}))
            run = out_dir / f"{name}-{value:g}"
            log(f"{name} with {knob} = {value:g} -> {run}")
            m = train_run(preset(name, **over), train_cfg, data, run, log)
            r = suite.run(m, parts=("rec", "gen"))
            rows.append(
                {
                    "preset": name,
                    "knob": knob,
                    "value": value,
                    "run": str(run),
                    **{k: r[k] for k in ("rec_bleu", "sample_ppl", "distinct-1", "distinct-2")},
                }
            )
    return rows
