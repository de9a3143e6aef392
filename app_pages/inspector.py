"""Checkpoint inspector: config, sizes, training curves, latent statistics, prior samples, import."""

import re

import numpy as np
import pandas as pd
import streamlit as st

from explorer import charts, corpora, feedback, state, text
from textae.generate import STRATEGIES
from textae.measure.metrics import latent_stats
from textae.model import MODULES
from textae.storage import access
from textae.storage.checkpoint import export, read_train_log

st.title("Checkpoint inspector")

with st.expander("Import a reference checkpoint (model.pt + vocab.txt) into our format"):
    src = st.text_input("Reference directory or model.pt", key="insp_import_src").strip()
    dst_name = st.text_input("Save as checkpoints/…", "imported", key="insp_import_name").strip()
    if dst_name and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", dst_name):
        st.error("Name the checkpoint with letters, digits, '.', '_' or '-' (a folder under checkpoints/).")
        dst_name = ""
    fp16 = st.checkbox("fp16 weights (half the size)", key="insp_import_fp16")
    if st.button("Import", key="insp_import", disabled=not (src and dst_name)):
        dst = access.CHECKPOINT_ROOT / dst_name
        if dst.exists():
            st.error(feedback.md(f"{dst} already exists; choose another name."))
        else:
            with feedback.errors_shown(), st.spinner("Importing…"):
                out = export(access.readable(src), dst, fp16=fp16)
            st.success(feedback.md(f"Saved in our format at {out}. It is now in the sidebar's checkpoint list."))

m = state.model()
tab_cfg, tab_log, tab_lat, tab_prior = st.tabs(
    ["Config and sizes", "Training curves", "Latent statistics", "Prior samples"]
)

with tab_cfg:
    counts = m.param_counts()
    c1, c2 = st.columns(2)
    c1.metric("parameters", f"{sum(counts.values()):,}")
    c1.json(
        {
            "model": m.meta.get("model"),
            "train": m.meta.get("train"),
            "data": m.meta.get("data"),
            "progress": m.meta.get("progress"),
            "best": m.meta.get("best"),
        },
        expanded=1,
    )
    df = pd.DataFrame(
        {
            "module": list(counts),
            "parameters": list(counts.values()),
            "what it is": [MODULES.get(k, "") for k in counts],
        }
    )
    c2.plotly_chart(charts.parameter_bars(df), key="insp_params")
    st.dataframe(
        df,
        hide_index=True,
        key="insp_params_table",  # grouped as the total above: 1,197,312
        column_config={"parameters": st.column_config.NumberColumn(format="localized")},
    )

with tab_log:
    log = read_train_log(m.path)
    if not log:
        st.info("This checkpoint has no train_log.jsonl (imported checkpoints usually have none).")
    else:
        df = pd.DataFrame(log)
        terms = [t for t in ("rec", "kl", "adv", "loss_d", "|lvar|", "loss") if t in df]
        shown = st.multiselect(
            "Loss terms", terms, [t for t in ("rec", "adv") if t in terms] or terms[:1], key="insp_terms"
        )
        st.plotly_chart(charts.training_curves(df, shown), key="insp_curves")

with tab_lat:
    c = state.corpus(m, required=False)
    if c is not None:
        with feedback.warnings_shown():
            stats = latent_stats(corpora.codes(m, c))
        a, b = st.columns(2)
        a.metric("active units (variance > 0.01)", f"{stats['active']} / {stats['dim_z']}")
        b.metric("mean ‖mean‖ / mean variance", f"{np.linalg.norm(stats['mean']):.2f} / {stats['var'].mean():.2f}")
        st.plotly_chart(charts.latent_moments(stats["mean"], stats["var"]), key="insp_latent")
        st.caption(
            f"Posterior means of {len(c.sentences):,} sentences of {feedback.md(access.as_given(c.source))}, per "
            "dimension, against N(0, I)."
        )

with tab_prior:
    c1, c2, c3 = st.columns(3)
    n = c1.slider("samples", 1, 50, 10, key="insp_prior_n")
    seed = c2.number_input("seed", 0, 1_000_000, 0, key="insp_prior_seed")
    strategy = c3.selectbox("decoding", STRATEGIES, key="insp_prior_strategy")
    with feedback.errors_shown():
        samples = m.sample(int(n), seed=int(seed), strategy=strategy)
    st.dataframe(text.table({"sample": samples}, "sample"), hide_index=True, key="insp_prior")
    name = feedback.md(state.checkpoint_name(m.path))
    st.caption(f"z ~ N(0, I), decoded with {strategy} decoding. Checkpoint: {name}")
