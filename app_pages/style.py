"""Style arithmetic: v = mean z(B) - mean z(A); decode z + k·v and watch the sentences change."""

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import ui
from app_pages.scrubber import scrubber
from textae.checkpoint import list_vectors, load_vector, save_vector
from textae.data import decode_lines

st.title("Style arithmetic")
m = ui.model()
presets = ui.attribute_presets()
saved = list_vectors(m.path)
sources = (["Presets from the shared data"] if presets else []) + ["Your sentences", "Upload two files"]
sources += ["A saved vector"] if saved else []
source = st.radio("Attribute vector from", sources, key="style_source", horizontal=True)

v, about = None, ""
with ui.errors_shown():
    if source == "A saved vector":
        name = st.selectbox("Saved vectors", saved, key="style_saved")
        v, info = load_vector(m.path, name, m.cfg.dim_z)
        about = info.get("about", name)
    else:
        if source == "Presets from the shared data":
            label = st.selectbox("Preset", list(presets), key="style_preset")
            fa, fb = presets[label]
            set_a, set_b = ui.file_sentences(str(fa)), ui.file_sentences(str(fb))
            about = f"{label}: {fa.name} → {fb.name}"
        elif source == "Your sentences":
            ca, cb = st.columns(2)
            with ca:
                set_a = ui.sentences_input("Set A (from)", "style_set_a", "the food was cold .\nthe staff was rude .")
            with cb:
                set_b = ui.sentences_input(
                    "Set B (to)", "style_set_b", "the food was great .\nthe staff was friendly ."
                )
            about = f"{len(set_a)} typed sentences → {len(set_b)} typed sentences"
        else:
            ca, cb = st.columns(2)
            fa = ca.file_uploader("Set A (one sentence per line)", type=["txt"], key="style_file_a")
            fb = cb.file_uploader("Set B (one sentence per line)", type=["txt"], key="style_file_b")
            if fa is None or fb is None:
                st.info("Upload a file for each set.")
                st.stop()
            set_a = [s for s in decode_lines(fa.getvalue(), fa.name) if s.strip()]
            set_b = [s for s in decode_lines(fb.getvalue(), fb.name) if s.strip()]
            about = f"{fa.name} → {fb.name}"
        if not set_a or not set_b:
            st.warning("Both sets need at least one sentence.")
            st.stop()
        v = m.style_vector(set_a, set_b)
        st.caption(f"v from {len(set_a):,} → {len(set_b):,} sentences · ‖v‖ = {np.linalg.norm(v):.2f}")

inputs = ui.sentences_input(
    "Sentences to change (one per line)", "style_inputs",
    "the food was cold and the service was slow .\ni will never come back here .\nthe waiter was rude to us .",
)  # fmt: skip
if not inputs:
    st.warning("Type at least one sentence to change.")
    st.stop()

KS = np.round(np.arange(-3, 3.0001, 0.05), 2) + 0.0  # 121 positions in one batch; + 0.0 makes -0.0 0.0
with ui.errors_shown():
    by_k = dict(zip(KS.tolist(), m.sweep_vector(inputs, v, KS)))  # k -> [len(inputs)] sentences

rows = {f"{j + 1}. {s}": [by_k[k][j] for k in KS.tolist()] for j, s in enumerate(inputs)}
scrubber("style_k", "k", [f"{k:+.2f}" for k in KS], rows, default=int(np.abs(KS - 1.5).argmin()), url="k")
st.caption(
    "Each input's z + k·v, decoded (k = 0 is the reconstruction). Drag the slider or use the arrow keys: the "
    "text changes in the browser. The bands mark the stretches of k that decode to one sentence."
)

COARSE = [kk for kk in KS.tolist() if abs(kk * 4 - round(kk * 4)) < 1e-9]  # multiples of 0.25 for the table
ks = st.multiselect("Several k at once", COARSE, [0.0, 1.0, 1.5, 2.0], key="style_ks")
if ks:
    st.dataframe(
        pd.DataFrame({"input": inputs, **{f"k = {kk:+.2f}": by_k[float(kk)] for kk in sorted(ks)}}),
        hide_index=True, key="style_table",
    )  # fmt: skip

if source != "A saved vector":
    with st.expander("Save this vector next to the checkpoint"):
        name = st.text_input("Name", "sentiment" if "sentiment" in about else "", key="style_save_name")
        if st.button("Save vector", key="style_save"):
            with ui.errors_shown():
                out = save_vector(m.path, name, v, {"about": about})
            st.session_state["style_saved_note"] = f"Saved as {out}; pick *A saved vector* above to use it again."
            st.rerun()  # so that the list of saved vectors above includes it
if note := st.session_state.pop("style_saved_note", None):
    st.success(note)
