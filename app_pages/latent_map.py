"""Latent map: the corpus's codes in 2-D, coloured, searchable, selectable, and decodable anywhere."""

import numpy as np
import streamlit as st

from explorer import corpora, feedback, keep, map_panels, maps, scatter, state, store, stream, text, widgets
from textae.maps import search
from textae.maps.projection import Projection, kmeans
from textae.storage.files import csv_text

st.title("Latent map")
m = state.model()
c = state.corpus(m)
with feedback.errors_shown():
    Z = corpora.codes(m, c, stream=True)  # [N, dim_z]: from the server's store or the disk cache after the first time
if Z is None:  # a cold corpus: drawn as its codes come, the whole page once they are all in (explorer/stream)
    stream.show(m, c)
    st.stop()

METHODS = {"PCA": "pca", "UMAP": "umap", "Along a vector": "axis"}
left, mid, right = st.columns([1, 1, 2])
method = METHODS[left.radio("Projection", list(METHODS), key=keep.kept("map_method", options=METHODS), horizontal=True)]
nn, md, v = 15, 0.1, None
if method == "umap":
    nn = mid.slider("UMAP neighbours", 2, 100, key=keep.kept("map_umap_neighbors", 15))
    md = mid.slider("UMAP min_dist", 0.0, 0.99, step=0.01, key=keep.kept("map_umap_min_dist", 0.1))
elif method == "axis":
    with mid:
        picked = widgets.vector_picker(m, "map_vector", (widgets.PRESETS, widgets.SAVED))
    if picked is None:
        st.stop()
    v, about = picked.v, picked.about
color_options = (["label"] if c.labels else []) + ["sentence length", "word / regex search", "k-means cluster", "none"]
color_by = right.selectbox("Colour by", color_options, key=keep.kept("map_color", options=color_options))

if method == "umap" and stream.umap_streams(m, c, Z, umap := Projection("umap", nn, md)):
    stream.show_umap(m, c, Z, umap)  # drawn as it is made: the fit's sample, then the rest (explorer/stream)
    st.stop()
with feedback.errors_shown():
    shown = maps.projection(m, c, Z, method, nn, md, v)
proj, P = shown.proj, shown.points
if method == "axis":
    st.caption(
        f"x: each code's projection on *{feedback.md(about)}* (‖v‖ = {np.linalg.norm(v):.2f}); y: the leading "
        "principal direction orthogonal to it. Colour by label to see whether the attribute lies along x."
    )

# ---- what the decoder draws (explorer/map_panels.py): a landscape beneath the points, regions it names
layer, show_points = map_panels.landscape(m, c, shown)
labelled = map_panels.regions(m, c, Z, shown)

# how the search box reads a pattern, as the sentences are shown (explorer/text.py)
SEARCH_HELP = {
    "readable": "Matched against each sentence as the page shows it (`don't`, `$#`, a number as `#`, Yahoo's "
    "rare word as `<rare>`), as an RE2 regular expression, case-sensitive. *Show tokens* in the sidebar "
    "searches the corpus's tokens (`do n't`, `$ _num_`) instead.",
    "tokens": "Matched against each sentence's tokens, as shown (`do n't`, `$ _num_`), as an RE2 regular "
    "expression, case-sensitive. Without *Show tokens*, the search reads the prose the page shows instead.",
}
color, title = None, ""
if color_by == "label":
    color, title = scatter.by_label(c.labels)
elif color_by == "sentence length":
    color, title = corpora.sentence_lengths(c), "words"
elif color_by == "word / regex search":
    # max_chars lets a paste past MAX_PATTERN through, to be told so (textae.maps.search) rather than cut off unseen
    pattern = right.text_input(
        "Search",
        key=keep.kept("map_search"),
        placeholder=r"e.g. great|good, or \bwas\b",
        max_chars=4 * search.MAX_PATTERN,
    )
    right.caption(SEARCH_HELP[text.mode()])
    if pattern:  # RE2: linear in the corpus whatever the pattern (textae.maps.search), held once per server
        with feedback.errors_shown():  # over the sentences as the page shows them: prose, or the tokens
            hits = store.held(
                shown.view.key("search", text.mode(), pattern),
                lambda: search.search(text.shown_corpus(c.sentences, c.digest), pattern),
            )
        if hits.note:
            st.warning(f"{feedback.md(pattern)} is {feedback.md(hits.note)}.", icon=":material/warning:")
        color, title = np.where(hits.matches, scatter.MATCH, scatter.NO_MATCH), ""
        st.caption(f"{int(hits.matches.sum()):,} of {len(c.sentences):,} sentences match.")
elif color_by == "k-means cluster":
    k = right.slider("clusters", 2, 20, key=keep.kept("map_k", 8))
    color, title = store.held(shown.view.key("k-means", k), lambda: kmeans(Z, k).astype(str)), "cluster"

# ---- a typed query, marked on the map with its latent nearest neighbours
example = text.suggested(c.sentences[0])  # a sentence of this corpus, not a Yelp one on a Yahoo map
query = st.text_input(
    "Encode a sentence and find its neighbours", key=keep.kept("map_query"), placeholder=f"e.g. {example}"
)
if query.strip():  # as the model reads it: the corpus's tokens (the model loads for it, explorer/models.py)
    query = text.typed(query, m.vocab.lowercase)
marks = {}
if query.strip():
    with feedback.errors_shown():
        zq = m.encode(query)
    marks["query"] = (proj.transform(zq), [text.shown(query)])

# a noise cloud's sentence belongs to the model and corpus it was typed for: another of either clears its stars
cloud_for = (m.fingerprint(), c.digest)
if st.session_state.get("_map_cloud_for", cloud_for) != cloud_for:
    st.session_state["map_cloud_text"] = st.session_state[keep.KEPT + "map_cloud_text"] = ""
st.session_state["_map_cloud_for"] = cloud_for
map_panels.noise_cloud(m, c, Z, proj, marks)  # a sentence's noisy copies, marked where they land

# ---- the map: a WebGL scatter that holds the view's points in the browser (explorer/scatter); a click on
# empty space decodes the code under it, a box or lasso lists what it holds
# the points are named by their projection (as the Interpolation page names the same view); a colouring apart,
# so that a new search or k sends the browser its colours alone (explorer/scatter)
extra = {
    "word / regex search": st.session_state.get("map_search"),
    "k-means cluster": st.session_state.get("map_k"),
    "label": c.labels_digest,
}  # other labels for the same sentences are another colouring
view, order = scatter.view_id(shown.view.key("points")), None
if method != "axis" and scatter.holds(stream.streamed_id(m, c, proj)):  # this browser drew it as it was made
    view, order = stream.streamed_id(m, c, proj), stream.arrival(len(P), method)  # the same points, as they came
tint = (color_by, extra.get(color_by)) if color is not None else None
points = scatter.corpus_points(view, P, c.sentences, color, title, c.digest, order=order, colours_id=tint)


# a view of more than scatter.LOD points that this browser lacks: a seeded subset first, the rest in slices
# (explorer/stream); the page below the map, and a selection, come once every point is drawn
if stream.sliced(view, len(P)):
    stream.in_slices(
        view,
        len(P),
        lambda drawn: scatter.corpus_points(view, P, c.sentences, color, title, c.digest, order=drawn, colours_id=tint),
        marks=marks,
        axis_titles=proj.axis_titles,
        layer=layer,
        points=show_points,
        regions=labelled,
    )
    st.stop()


SHOWN_RECONSTRUCTIONS = 100  # decoded for the first selected rows only: a lasso of 10k lists at once


@st.fragment  # a click or a selection reruns only the map and what it lists, not the sidebar and the corpus
def interact() -> None:
    event = scatter.scatter(
        "map_chart", points, marks, axis_titles=proj.axis_titles, layer=layer, points=show_points, regions=labelled
    )
    picked = event.picked
    if event.problem:
        st.warning(event.problem, icon=":material/warning:")
    st.caption(
        f"{len(P):,} sentences, drawn in "
        + ("a shuffled order (seed 0)" if order is None else "the order they were encoded in (a seeded sample first)")
        + ". Hover a point to read its sentence; drag to "
        "pan, scroll to zoom. Click a point, or choose Box or Lasso above the map, to list sentences with their "
        "reconstructions; click empty space to decode the code under it"
        + (" (UMAP's inverse is approximate)." if not proj.exact_inverse else " (exact on this plane).")
    )
    if event.click is not None:
        x, y = event.click
        with feedback.errors_shown():
            decoded = m.decode(proj.inverse(np.array([[x, y]], dtype=np.float32)))[0]
        st.success(
            f"Decoded at ({x:.2f}, {y:.2f}): **{feedback.md(text.shown(decoded))}**", icon=":material/my_location:"
        )

    if len(picked):
        import pandas as pd  # here: a map's first run lists nothing, and pandas takes a quarter second

        st.subheader(f"{len(picked):,} selected sentence(s)")
        first = picked[:SHOWN_RECONSTRUCTIONS]
        with feedback.errors_shown():
            rec = m.decode(Z[first])  # on demand: only what is selected is reconstructed
        df = pd.DataFrame(
            {
                "sentence": [c.sentences[i] for i in picked],
                "reconstruction": rec + [None] * (len(picked) - len(first)),
                **({"label": [c.labels[i] for i in picked]} if c.labels else {}),
                "x": P[picked, 0],
                "y": P[picked, 1],
            }
        )
        # as read; the downloads below keep the tokens
        st.dataframe(
            text.table(df, "sentence", "reconstruction"),
            key="map_selected",
            hide_index=True,
            column_config=text.widths("sentence", "reconstruction"),
        )
        mean = Z[picked].mean(0)  # [dim_z] the selection's mean code
        with feedback.errors_shown():
            centre = m.decode(mean[None])[0]
        st.caption(
            f"Reconstructions of the first {len(first):,} rows. Their mean code (‖z̄‖ = {np.linalg.norm(mean):.2f}) "
            f"decodes to **{feedback.md(text.shown(centre).rstrip(' .'))}**."  # the sentence's own full stop, not two
        )
        d1, d2, d3, a, b = st.columns(5)
        as_csv = csv_text(df.to_dict("records"), df.columns).encode()  # a sentence "=1+1" stays text
        d1.download_button("Download as CSV", as_csv, "selection.csv", "text/csv", key="map_download")
        as_lines = "\n".join(df["sentence"]).encode() + b"\n"  # the tokens, as the corpus file has them
        d2.download_button("Download as text", as_lines, "selection.txt", "text/plain", key="map_download_txt")
        d3.download_button(
            "Mean code (CSV)",
            csv_text([[f"{x:.6g}" for x in mean]]).encode(),
            "mean_code.csv",
            "text/csv",
            key="map_download_mean",
        )
        chosen = [c.sentences[i] for i in picked]
        for col, side in ((a, "A"), (b, "B")):
            if col.button(f"Use as set {side}", key=f"map_set_{side}", help="a set for the Style arithmetic page"):
                st.session_state.setdefault("map_sets", {})[side] = chosen
        sets = st.session_state.get("map_sets", {})
        if sets:
            st.caption(" · ".join(f"set {k}: {len(v):,} sentences" for k, v in sorted(sets.items())))
        if {"A", "B"} <= sets.keys():
            st.page_link(
                "app_pages/style.py",
                label="Slide from set A to set B on the Style arithmetic page",
                icon=":material/functions:",
            )
        with st.expander(f"Rewrite the {len(picked):,} selected sentence(s) with a vector"):
            map_panels.rewrite_selection(m, c, picked, Z)


interact()
text.prepare_prose(c.sentences, c.digest)  # the map is drawn whole: a first search finds the prose made
m.prefetch()  # drawn without the model (explorer/models.py): loaded now for the first click or query

if query.strip():
    st.subheader("Latent neighbours of the query")
    found = m.neighbors([query], c.sentences, 10, corpus_codes=Z)[0]
    st.dataframe(
        text.table([{"sentence": n.sentence, "distance": round(n.distance, 3)} for n in found], "sentence"),
        key="map_neighbors",
        hide_index=True,
        column_config={"distance": st.column_config.NumberColumn(format="%.3f")},  # one format for the column
    )
