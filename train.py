"""Train a text autoencoder: `python train.py --preset daae --train T --valid V --save-dir runs/daae`.

A thin caller of textae's trainer; `python train.py --help` lists every option.
"""

import sys

from textae.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
