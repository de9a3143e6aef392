"""Welcome page: what textae is, what each page shows, and how to get a checkpoint to explore."""

import streamlit as st

import textae
from explorer import feedback, store
from textae import precision
from textae.storage import access
from textae.storage.checkpoint import find_checkpoints

st.title("textae: text autoencoders, explored")
st.markdown(
    "Train, compare and explore the autoencoders of *Educating Text Autoencoders: Latent Representation "
    "Guidance via Denoising* (Shen et al., ICML 2020): AE, β-VAE, AAE, LAAE and the denoising DAAE. "
    "Every page decodes codes back to text: pick a point, a path or a direction in the latent space and read it."
)
found = find_checkpoints(access.CHECKPOINT_ROOT)
if found:
    st.success(
        f"{len(found)} checkpoint(s) found under {access.CHECKPOINT_ROOT.name}/: "
        + feedback.md(", ".join(p.name for p in found))
    )
    cols = st.columns(3)
    cols[0].page_link("app_pages/latent_map.py", label="Latent map: the corpus in 2-D", icon=":material/scatter_plot:")
    cols[1].page_link("app_pages/interpolation.py", label="Interpolate sentences", icon=":material/linear_scale:")
    cols[2].page_link("app_pages/style.py", label="Change style with z + k·v", icon=":material/functions:")
    st.page_link(
        "app_pages/geometry.py",
        label="Geometry: do one-word edits stay near? AAE and DAAE side by side",
        icon=":material/straighten:",
    )
    cols = st.columns(2)
    cols[0].page_link(
        "app_pages/compare.py",
        label="Compare models: figures, samples and landscapes side by side",
        icon=":material/compare:",
    )
    cols[1].page_link(
        "app_pages/inspector.py",
        label="Checkpoint inspector: config, training curves, samples",
        icon=":material/search_insights:",
    )
else:
    st.info("No checkpoint found under `checkpoints/` yet. Train one:")
    st.code(
        "python train.py --preset daae --train ../shared/data/yelp/train.txt "
        "--valid ../shared/data/yelp/valid.txt --save-dir checkpoints/my-daae",
        language="bash",
    )
    st.markdown("or import a checkpoint of the reference implementation (a directory with `model.pt` and `vocab.txt`):")
    st.code("python -m textae export --checkpoint path/to/reference_dir --out checkpoints/imported", language="bash")
    st.markdown("You can also type any checkpoint's path in the sidebar under *Another path…*.")
st.page_link(
    "app_pages/toy_lab.py",
    label="Toy lab: watch an AAE and a DAAE learn, no checkpoint needed",
    icon=":material/bubble_chart:",
)
st.page_link(
    "app_pages/text_lab.py",
    label="Text lab: the same lesson on real sentences, as a replay or live",
    icon=":material/model_training:",
)
wanted, problem = precision.from_env()
if problem:
    st.warning(feedback.md(problem))
st.caption(
    f"Inference precision: {precision.describe(wanted)} · set by {precision.ENV} (fp32, bf16, int8 or auto); "
    "a page's codes and maps are kept per precision"
)
held = store.usage()  # what this server shares in memory between sessions (explorer/store.py)
st.caption(
    f"textae {textae.__version__} · this server holds {held.bytes / 2**20:,.0f} MB of codes and maps in memory "
    f"({held.entries} entries; at most {held.limit / 2**20:,.0f} MB, set by {store.ENV})"
)
