"""Interpolation: decode the codes on the way from one sentence to another."""

import numpy as np
import streamlit as st

from explorer import corpora, feedback, keep, maps, scatter, state, text, widgets
from explorer.models import load_model
from explorer.scrubber import scrubber
from textae import ops

st.title("Interpolation")
m = state.model()
sel = state.selection()
models = {"": m}
if sel.checkpoint2:
    with feedback.errors_shown():
        models = {"A: ": m, "B: ": load_model(sel.checkpoint2)}

pairs = widgets.interpolation_pairs()
DEFAULT = ("the food was cold and the service was slow.", "great place, friendly staff!")  # typed as prose


def use_preset() -> None:
    i = st.session_state["interp_preset"]
    if i is not None:
        st.session_state["interp_a"], st.session_state["interp_b"] = (text.shown(s) for s in pairs[i])


if pairs:
    st.selectbox(
        "The paper's example pairs",
        range(len(pairs)),
        index=None,
        key="interp_preset",
        on_change=use_preset,
        format_func=lambda i: f"{text.shown(pairs[i][0])}  →  {text.shown(pairs[i][1])}",
        placeholder="pick a pair, or type below",
    )
# as the model reads them: prose split into the corpus's tokens (explorer.text.typed)
a = text.typed(st.text_input("From", key=keep.kept("interp_a", DEFAULT[0])), m.vocab.lowercase)
b = text.typed(st.text_input("To", key=keep.kept("interp_b", DEFAULT[1])), m.vocab.lowercase)
if not a or not b:
    st.warning("Type a sentence in both boxes: an interpolation needs two ends.")
    st.stop()

c1, c2 = st.columns([1, 1])
method = c1.radio("Path", ["lerp", "slerp"], key=keep.kept("interp_method"), horizontal=True)
n = c2.number_input("steps in the table", 2, 30, key=keep.kept("interp_n", 10))

TS = np.round(np.arange(0, 1.0001, 0.01), 2)  # the slider's 101 positions, decoded in one batch per model
names = {tag: f"{tag}{model.cfg.model_type.upper()}" for tag, model in models.items()}
along, routes = {}, {}
for tag, model in models.items():
    with feedback.errors_shown():
        along[names[tag]] = model.interpolate(a, b, TS, method)
        c = state.corpus(model, required=False)
        if c is not None:
            shown = maps.projection(model, c, corpora.codes(model, c), "pca")
            points = scatter.labelled_points(shown, c)  # as the Latent map names and colours it
            z = model.encode([a, b])
            path = shown.proj.transform(ops.path(z[0], z[1], TS, method))  # [101, 2] the path on the map
            routes[tag] = (points, shown.proj, path)

i = scrubber(
    "interp_t", "t", [f"{t:.2f}" for t in TS], {k: text.shown_all(v) for k, v in along.items()}, default=50, url="t"
)
t = float(TS[i])
stretches = ", ".join(
    f"{name.removeprefix('A: ').removeprefix('B: ')} {len(ops.runs(texts))}" for name, texts in along.items()
)
st.caption(
    "Drag the slider or use the arrow keys: the text changes in the browser. Each band marks the stretches "
    "of t that decode to one sentence (a smoother space has fewer, longer ones); the marker on the map follows "
    f"t. Stretches along this path: {stretches}."
)

cols = st.columns(len(models))
for col, (tag, model) in zip(cols, models.items()):
    with col, feedback.errors_shown():
        if len(models) > 1:
            st.markdown(f"**{names[tag]}** · {feedback.md(state.checkpoint_name(model.path))}")
        if tag in routes:  # the whole corpus, drawn as on the Latent map (the same points, held once)
            points, proj, path = routes[tag]
            n_points = points.n
            scatter.scatter(
                f"interp_map{tag}",
                points,
                axis_titles=proj.axis_titles,
                height=380,
                route=(path, "interp_t", i),
                select=False,
            )
            st.caption(
                f"The {method} path on the PCA map of the corpus's {n_points:,} sentences; the red marker "
                "follows t. Hover a point to read its sentence, drag to pan, scroll to zoom."
            )
        ts = ops.steps(int(n))
        paths = {kind: model.interpolate(a, b, ts, kind) for kind in ("lerp", "slerp")}
        table = text.table({"t": ts.round(3), **paths}, *paths)
        near = int(np.abs(ts - t).argmin())  # the table's row nearest the slider, highlighted
        marked = table.style.apply(widgets.highlight, row=near, axis=1).format({"t": "{:.3f}"})
        st.dataframe(marked, hide_index=True, key=f"interp_table{tag}")
        runs = len(ops.runs(along[names[tag]]))
        st.caption(
            f"{table[method].nunique()} distinct sentences along the {method} path of {int(n)} steps; "
            f"{runs} stretches of one sentence over the slider's {len(TS)} positions."
        )
