"""Interpolation: decode the codes on the way from one sentence to another."""

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import ui
from textae import ops, plots

st.title("Interpolation")
m = ui.model()
sel = ui.selection()
models = {"": m}
if sel.checkpoint2:
    with ui.errors_shown():
        models = {"A: ": m, "B: ": ui.load_model(sel.checkpoint2)}

pairs = ui.interpolation_pairs()
DEFAULT = ("the food was cold and the service was slow .", "great place , friendly staff !")


def use_preset() -> None:
    i = st.session_state["interp_preset"]
    if i is not None:
        st.session_state["interp_a"], st.session_state["interp_b"] = pairs[i]


if pairs:
    st.selectbox(
        "The paper's example pairs", range(len(pairs)), index=None, key="interp_preset", on_change=use_preset,
        format_func=lambda i: f"{pairs[i][0]}  →  {pairs[i][1]}", placeholder="pick a pair, or type below",
    )  # fmt: skip
st.session_state.setdefault("interp_a", DEFAULT[0])
st.session_state.setdefault("interp_b", DEFAULT[1])
a = st.text_input("From", key="interp_a").strip()
b = st.text_input("To", key="interp_b").strip()
if not a or not b:
    st.warning("Type a sentence in both boxes: an interpolation needs two ends.")
    st.stop()

c1, c2 = st.columns([1, 1])
method = c1.radio("Path", ["lerp", "slerp"], key="interp_method", horizontal=True)
n = c2.number_input("steps in the table", 2, 30, 10, key="interp_n")

TS = np.round(np.arange(0, 1.0001, 0.05), 2)  # the slider's positions: decoded in one batch, then looked up
with ui.errors_shown():
    along = {tag: model.interpolate(a, b, TS, method) for tag, model in models.items()}


@st.fragment
def slider(along: dict[str, list[str]]) -> None:
    """The t slider and the sentence under it: a fragment, so moving it reruns only this (a lookup)."""
    t = st.slider("t", 0.0, 1.0, 0.5, 0.05, key="interp_t", help="0 is the first sentence's code, 1 the second's")
    for col, (tag, texts) in zip(st.columns(len(along)), along.items()):
        name = f"{tag}{models[tag].cfg.model_type.upper()}: " if len(along) > 1 else ""
        col.markdown(f"#### t = {t:.2f}\n{name}**{ui.md(texts[int(round(t / 0.05))])}**")


slider(along)
cols = st.columns(len(models))
for col, (tag, model) in zip(cols, models.items()):
    with col, ui.errors_shown():
        z = model.encode([a, b])
        if len(models) > 1:
            st.markdown(f"**{tag}{model.cfg.model_type.upper()}** · `{model.path}`")
        ts = ops.steps(int(n))
        table = pd.DataFrame(
            {"t": ts.round(3), **{kind: model.interpolate(a, b, ts, kind) for kind in ("lerp", "slerp")}}
        )
        st.dataframe(table, hide_index=True, key=f"interp_table{tag}")
        distinct = table[method].nunique()
        st.caption(f"{distinct} distinct sentences along the {method} path of {int(n)} steps.")
        c = ui.corpus(model, required=False)
        if c is not None:
            Zc = model.encode(c.sentences)
            proj, P = ui.projection(model, c.sentences, Zc, "pca")
            fig = plots.path_on_map(
                P,
                proj.transform(ops.path(z[0], z[1], ts, method)),
                table[method].tolist(),
                "the path on the corpus's PCA map",
            )
            st.plotly_chart(fig, key=f"interp_map{tag}")
