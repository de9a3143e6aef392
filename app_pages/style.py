"""Style arithmetic: v = mean z(B) - mean z(A); decode z + k·v and watch the sentences change."""

import numpy as np
import streamlit as st

from explorer import feedback, keep, state, text, widgets
from explorer.scrubber import scrubber

st.title("Style arithmetic")
m = state.model()
picked = widgets.vector_picker(m, "style")
if picked is None:
    st.stop()
v, about = picked.v, picked.about

inputs = widgets.sentences_input(
    "Sentences to change (one per line)",
    "style_inputs",
    "the food was cold and the service was slow.\ni will never come back here.\nthe waiter was rude to us.",
    lower=m.vocab.lowercase,
)
if not inputs:
    st.warning("Type at least one sentence to change.")
    st.stop()

KS = np.round(np.arange(-3, 3.0001, 0.05), 2) + 0.0  # 121 positions in one batch; + 0.0 makes -0.0 0.0
with feedback.errors_shown():
    by_k = dict(zip(KS.tolist(), m.sweep_vector(inputs, v, KS)))  # k -> [len(inputs)] sentences

rows = {f"{j + 1}. {text.shown(s)}": text.shown_all([by_k[k][j] for k in KS.tolist()]) for j, s in enumerate(inputs)}
scrubber("style_k", "k", [f"{k:+.2f}" for k in KS], rows, default=int(np.abs(KS - 1.5).argmin()), url="k")
st.caption(
    "Each input's z + k·v, decoded (k = 0 is the reconstruction). Drag the slider or use the arrow keys: the "
    "text changes in the browser. The bands mark the stretches of k that decode to one sentence."
)

COARSE = [kk for kk in KS.tolist() if abs(kk * 4 - round(kk * 4)) < 1e-9]  # multiples of 0.25 for the table
ks = st.multiselect("Several k at once", COARSE, key=keep.kept("style_ks", [0.0, 1.0, 2.0]))  # three fit the page
if ks:
    columns = {f"k = {kk:+.2f}": by_k[float(kk)] for kk in sorted(ks)}
    st.dataframe(
        text.table({"input": inputs, **columns}, "input", *columns),
        hide_index=True,
        key="style_table",
    )

if not picked.saved:
    with st.expander("Save this vector next to the checkpoint"):
        name = st.text_input("Name", "sentiment" if "sentiment" in about else "", key="style_save_name").strip()
        taken = name in m.vectors()
        if taken:  # never replaced silently: the shipped sentiment vector has the opposite sign of pos → neg
            st.warning(
                f"A vector named {feedback.md(name)} is already saved. Tick *Replace it* to overwrite it, "
                f"or save under a new name, such as {feedback.md(m.free_vector_name(name))}."
            )
        replace = st.checkbox("Replace it", key="style_save_replace", disabled=not taken)
        if st.button("Save vector", key="style_save"):
            with feedback.errors_shown():
                out = m.save_vector(name, v, {"about": about}, overwrite=taken and replace)
            st.session_state["style_saved_note"] = f"Saved as {out.name}; pick *A saved vector* above to use it again."
            st.rerun()  # so that the list of saved vectors above includes it
if note := st.session_state.pop("style_saved_note", None):
    st.success(feedback.md(note))
