"""Draw the validation curve of every shipped checkpoint from its train_log.jsonl: checkpoints/curves.png.

    python checkpoints/curves.py [--out checkpoints/curves.png] [CHECKPOINT ...]

Records a run took over from the checkpoint it started from (train.py --init) are drawn with the rest,
so a run continued across sessions reads as one curve.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textae.storage.checkpoint import read_train_log  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="*", help="default: every checkpoints/yelp-*/")
    ap.add_argument("--out", default=str(ROOT / "checkpoints" / "curves.png"))
    a = ap.parse_args()
    dirs = [Path(c) for c in a.checkpoints] or sorted((ROOT / "checkpoints").glob("yelp-*/"))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for d in dirs:
        valid = [r for r in read_train_log(d) if r.get("split") == "valid"]
        if valid:
            ax.plot([r["epoch"] for r in valid], [r["rec"] for r in valid], "-o", ms=3, label=d.name)
            print(f"{d.name}: " + " ".join(f"{r['epoch']}:{r['rec']:.2f}" for r in valid))
    ax.set(xlabel="epoch", ylabel="valid rec (nats / sentence)", title="Validation reconstruction per epoch")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(a.out, dpi=110)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
