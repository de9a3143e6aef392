"""Welcome page: what textae is and how to get a checkpoint to explore."""

from pathlib import Path

import streamlit as st

import textae
from textae.checkpoint import is_checkpoint

st.title("textae: text autoencoders, explored")
st.markdown(
    "Train, compare and explore the autoencoders of *Educating Text Autoencoders: Latent Representation "
    "Guidance via Denoising* (Shen et al., ICML 2020): AE, β-VAE, AAE, LAAE and the denoising DAAE."
)
ROOT = Path(__file__).resolve().parents[1]
found = sorted(p.name for p in (ROOT / "checkpoints").glob("*") if p.is_dir() and is_checkpoint(p))
if found:
    st.success(f"{len(found)} checkpoint(s) found under checkpoints/: " + ", ".join(found))
else:
    st.info("No checkpoint found under `checkpoints/` yet. Train one:")
    st.code(
        "python train.py --preset daae --train ../shared/data/yelp/train.txt "
        "--valid ../shared/data/yelp/valid.txt --save-dir checkpoints/my-daae",
        language="bash",
    )
    st.markdown("or import a checkpoint of the reference implementation (a directory with `model.pt` and `vocab.txt`):")
    st.code("python -m textae export --checkpoint path/to/reference_dir --out checkpoints/imported", language="bash")
st.caption(f"textae {textae.__version__}")
