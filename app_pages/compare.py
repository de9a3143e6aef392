"""Compare models: the same inputs through 2-5 checkpoints, side by side, and a table of figures."""

import pandas as pd
import streamlit as st

from explorer import charts, corpora, feedback, keep, maps, scatter, state, text, widgets
from explorer.models import load_model
from textae import ops
from textae.errors import TextaeError
from textae.maps.landscape import shown as shown_figures
from textae.measure.evaluation import quick_figures
from textae.storage.checkpoint import aae_beside

st.title("Compare models")
choices = state.checkpoint_choices()
sel = state.selection()
default = [k for k, p in choices.items() if p in (sel.checkpoint, sel.checkpoint2)]
if len(default) < 2:  # no second pick in the sidebar: the AAE beside a DAAE (the paper's pair), else another one
    pair = [k for k in map(aae_beside, default) if k in choices]
    default += (pair or [k for k in choices if k not in default])[: 2 - len(default)]
default.sort(key=lambda k: k.endswith("daae"))  # the AAE left of the DAAE, as the README's figure has them
names = st.multiselect("Checkpoints (2 to 5)", list(choices), default, key="cmp_ckpts", max_selections=5)
if len(names) < 2:
    st.info("Pick at least two checkpoints (the sidebar's *Compare with* box preselects a second one).")
    st.stop()
models = {}
for name in names:
    try:
        models[name] = load_model(choices[name])
    except (TextaeError, OSError) as e:  # one bad checkpoint must not hide the others
        st.error(feedback.md(f"{name}: {e}"))
if len(models) < 2:
    st.stop()

LOWER = all(m.vocab.lowercase for m in models.values())  # typed text lowercased for models that read it so
inputs = widgets.sentences_input(
    "Inputs (one per line)",
    "cmp_inputs",
    "the food was cold and the service was slow.\ngreat place, friendly staff!",
    lower=LOWER,
)
if not inputs:
    st.warning("Type at least one sentence.")
    st.stop()

tab_rec, tab_int, tab_vec, tab_nn, tab_fig, tab_land = st.tabs(
    ["Reconstructions", "Interpolation", "Vector arithmetic", "Neighbours", "Figures", "Landscapes"]
)
with tab_rec, feedback.errors_shown():
    st.dataframe(
        text.table({"input": inputs, **{n: m.reconstruct(inputs) for n, m in models.items()}}, "input", *models),
        hide_index=True,
        key="cmp_rec",
    )

with tab_int, feedback.errors_shown():
    if len(inputs) < 2:
        st.info("Type two inputs to interpolate between the first two.")
    else:
        n = st.slider("steps", 3, 15, key=keep.kept("cmp_int_n", 7))
        rows = {
            "t": ops.steps(n).round(2),
            **{name: m.interpolate(inputs[0], inputs[1], n) for name, m in models.items()},
        }
        st.dataframe(text.table(rows, *models), hide_index=True, key="cmp_int")

with tab_vec, feedback.errors_shown():
    ca, cb = st.columns(2)
    with ca:
        set_a = widgets.sentences_input(
            "Set A (from)", "cmp_set_a", "the food was cold.\nthe staff was rude.", 100, lower=LOWER
        )
    with cb:
        set_b = widgets.sentences_input(
            "Set B (to)", "cmp_set_b", "the food was great.\nthe staff was friendly.", 100, lower=LOWER
        )
    k = st.slider("k", -3.0, 3.0, step=0.25, key=keep.kept("cmp_k", 1.5))
    if set_a and set_b:
        out = {name: m.apply_vector(inputs, m.style_vector(set_a, set_b), k) for name, m in models.items()}
        st.dataframe(text.table({"input": inputs, **out}, "input", *out), hide_index=True, key="cmp_vec")

c = state.corpus(required=False)
with tab_nn, feedback.errors_shown():
    if c is None:
        st.info("Pick a corpus in the sidebar to search for neighbours in it.")
    else:
        q = st.selectbox("Query", inputs, key="cmp_nn_query")
        cols = st.columns(len(models))
        for col, (name, m) in zip(cols, models.items()):
            found = m.neighbors([q], c.sentences, 5, corpus_codes=corpora.codes(m, c))[0]
            col.markdown(f"**{feedback.md(name)}**")
            rows = [{"neighbour": n.sentence, "distance": round(n.distance, 2)} for n in found]
            col.dataframe(
                text.table(rows, "neighbour"),
                hide_index=True,
                key=f"cmp_nn_{name}",
                column_config={"distance": st.column_config.NumberColumn(format="%.2f")},
            )

with tab_fig:
    if c is None:
        st.info("Pick a corpus in the sidebar to compute figures on it.")
    else:
        n_eval = st.select_slider("sentences", [100, 200, 500, 1000], key=keep.kept("cmp_fig_n", 200))
        st.caption(
            "**BLEU**: greedy reconstructions against their inputs. **Neighbourhood**: of each sentence's 10 "
            "nearest by word edit distance, the fraction among its 10 nearest codes. **distinct-1/2**: of 200 "
            "sentences decoded from N(0, I), distinct unigrams/bigrams over all (diversity)."
        )
        if st.button("Compute figures", key="cmp_fig_run", type="primary"):
            bar = st.progress(0.0)
            rows = quick_figures(models, c.sentences[:n_eval], progress=lambda f, text: bar.progress(f, text=text))
            bar.empty()
            st.session_state["cmp_figures"] = pd.DataFrame(rows)
        if "cmp_figures" in st.session_state:
            df = st.session_state["cmp_figures"]
            st.dataframe(df.round(3), hide_index=True, key="cmp_fig_table")
            st.plotly_chart(charts.figure_bars(df), key="cmp_fig_chart")

with tab_land:  # the same sentences, each model's PCA map decoded on the same n x n grid, side by side
    if c is None:
        st.info("Pick a corpus in the sidebar: each model's landscape is drawn over its map of it.")
    elif not st.toggle(
        "Draw the landscapes",
        key=keep.kept("cmp_land_on"),
        help="Every cell of each grid is decoded: seconds per model, once",
    ):
        st.caption("Each model's PCA map of the corpus, decoded cell by cell, side by side with its figures.")
    else:
        l1, l2, l3 = st.columns([2, 1, 1])
        kind = l1.radio("View", ["territories", "change"], key=keep.kept("cmp_land_kind"), horizontal=True)
        n_land = l2.select_slider("cells per side", maps.SIDES, key=keep.kept("cmp_land_n", 32, maps.SIDES))
        # off by default: side by side, the landscapes are the lesson, and 5,000 points at half width hide them
        dots = l3.toggle("corpus points", key=keep.kept("cmp_land_points", False))
        figures, cols = {}, st.columns(len(models))
        for col, (name, m) in zip(cols, models.items()):
            with col, feedback.errors_shown():
                shown = maps.projection(m, c, corpora.codes(m, c), "pca")
                land = maps.landscape(m, c, shown, n_land)
                figures[name] = land.figures()
                st.markdown(f"**{feedback.md(name)}**")
                points = scatter.labelled_points(shown, c)  # in their class colours, as on the map
                scatter.scatter(
                    f"cmp_land_{name}",
                    points,
                    height=420,
                    axis_titles=shown.proj.axis_titles,
                    select=False,
                    layer=scatter.landscape_layer(land, kind),
                    points=dots,
                )
        table = pd.DataFrame([{"checkpoint": k, **shown_figures(f)} for k, f in figures.items()])  # as on the map
        st.dataframe(table, hide_index=True, key="cmp_land_table")
        st.caption(
            f"Each model's PCA map of the same {len(c.sentences):,} sentences, a grid of {n_land} × {n_land} cells "
            "over its central 99 %, every cell decoded. A smoother latent space has fewer distinct decodes, larger "
            "territories and a smaller edit distance between neighbouring cells. Hover a cell to read its decode."
        )
