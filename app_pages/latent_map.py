"""Latent map: the corpus's codes in 2-D, coloured, searchable, selectable, and decodable anywhere."""

import numpy as np
import pandas as pd
import streamlit as st

from explorer import corpora, feedback, maps, scatter, state, store, widgets
from explorer.models import load_model
from textae import clouds, geometry, rewrite, search
from textae.config import NoiseConfig
from textae.errors import TextaeError
from textae.projection import kmeans
from textae.regions import to_csv

st.title("Latent map")
m = state.model()
c = state.corpus(m)
with feedback.warnings_shown():
    Z = corpora.codes(m, c)  # [N, dim_z]: from the server's store or the disk cache after the first time

METHODS = {"PCA": "pca", "UMAP": "umap", "Along a vector": "axis"}
left, mid, right = st.columns([1, 1, 2])
method = METHODS[left.radio("Projection", list(METHODS), key="map_method", horizontal=True)]
nn, md, v = 15, 0.1, None
if method == "umap":
    nn = mid.slider("UMAP neighbours", 2, 100, 15, key="map_umap_neighbors")
    md = mid.slider("UMAP min_dist", 0.0, 0.99, 0.1, 0.01, key="map_umap_min_dist")
elif method == "axis":
    with mid:
        picked = widgets.vector_picker(m, "map_vector", (widgets.PRESETS, widgets.SAVED))
    if picked is None:
        st.stop()
    v, about = picked.v, picked.about
color_options = (["label"] if c.labels else []) + ["sentence length", "word / regex search", "k-means cluster", "none"]
color_by = right.selectbox("Colour by", color_options, key="map_color")

with feedback.errors_shown():
    shown = maps.projection(m, c, Z, method, nn, md, v)
proj, P = shown.proj, shown.points
if method == "axis":
    st.caption(
        f"x: each code's projection on *{feedback.md(about)}* (‖v‖ = {np.linalg.norm(v):.2f}); y: the leading "
        "principal direction orthogonal to it. Colour by label to see whether the attribute lies along x."
    )

# ---- an n x n grid of decoded sentences over the plane (needs an exact inverse: not UMAP)
g1, g2 = st.columns([1, 2])
overlay = g1.toggle(
    "Decoded grid", key="map_grid", disabled=not proj.exact_inverse,
    help="Decode the code under each node of an n × n grid and write it on the map"
    + ("" if proj.exact_inverse else ". Off for UMAP: it has no exact inverse, so the grid would decode "
       "guesses interpolated between nearby codes rather than the codes under the nodes"),
)  # fmt: skip
grid_labels = None
if overlay and proj.exact_inverse:
    n_grid = g2.slider("grid nodes per side", 2, geometry.MAX_GRID, 4, key="map_grid_n")
    with feedback.errors_shown():
        grid_labels = geometry.decoded_grid(m, proj, P, n_grid)
elif not proj.exact_inverse:
    g2.caption("The decoded grid needs PCA or *Along a vector*: UMAP cannot be read backwards exactly.")

# ---- the decoded landscape: an n x n grid beneath the points, each cell coloured by what it decodes to
LAYERS = {"none": None, "territories": "territories", "change": "change"}
l1, l2, l3 = st.columns([2, 1, 1])
kind = LAYERS[l1.radio(
    "Decoded landscape", list(LAYERS), key="map_layer", horizontal=True, disabled=not proj.exact_inverse,
    help="Territories: cells that decode to the same sentence share a colour, and a region's border is darker. "
    "Change: how far each cell's decode is from its neighbours' (word edit distance over the longer sentence)."
    + ("" if proj.exact_inverse else " Off for UMAP: it cannot be read backwards exactly."),
)]  # fmt: skip
layer, land = None, None
if kind and proj.exact_inverse:
    n_land = l2.select_slider("cells per side", [8, 16, 32, 48, 64], 32, key="map_layer_n")
    with feedback.errors_shown():
        land = maps.landscape(m, c, shown, n_land)
    layer = scatter.landscape_layer(land, kind)
    f = land.figures()
    k1, k2, k3 = st.columns(3)
    k1.metric("distinct decodes", f"{f['distinct']:,}", help=f"of the {land.n * land.n:,} cells")
    k2.metric("mean neighbour edit distance", f"{f['mean_neighbour_edit']:.3f}",
              help="word edit distance between adjacent cells' decodes, over the longer sentence")  # fmt: skip
    k3.metric("neighbour pairs that differ", f"{f['share_differ']:.0%}")
show_points = l3.toggle("corpus points", True, key="map_points", disabled=layer is None) or layer is None

# ---- regions labelled by the model: k-means of the codes at three levels, each named by its centroid's decode
# and its keywords (textae.regions), written on the map: the large regions first, smaller ones on zooming in
labelled = None
REGIONS_HELP = ("The codes clustered into 4, 16 and 48 regions (k-means); each labelled by the sentence its mean "
                "code decodes to and by its keywords (class-based TF-IDF)")  # fmt: skip
found = []
if st.toggle("Region labels", key="map_regions", help=REGIONS_HELP):
    try:
        found = maps.regions(m, c, Z, shown)
    except TextaeError as e:  # too few sentences: the map goes on without labels
        st.warning(feedback.md(str(e)), icon=":material/warning:")
if found:
    labelled = scatter.region_labels(found)
    table_rows = [{"level": r.level, "region": r.index, "sentences": r.size, "keywords": " ".join(r.keywords),
                   "decoded centre": r.label, **{f"share {k}": round(v, 3) for k, v in r.classes.items()}}
                  for r in found]  # fmt: skip
    with st.expander(f"{len(found)} regions at 3 levels (zoom in on the map to see the finer ones)"):
        st.dataframe(pd.DataFrame(table_rows), key="map_regions_table", hide_index=True)
        st.download_button("Download the regions (CSV)", to_csv(found).encode(), "regions.csv", "text/csv",
                           key="map_regions_download")  # fmt: skip

color, title = None, ""
if color_by == "label":
    color, title = scatter.by_label(c.labels)
elif color_by == "sentence length":
    color, title = np.array([len(s.split()) for s in c.sentences]), "words"
elif color_by == "word / regex search":
    pattern = right.text_input("Search", key="map_search", placeholder=r"e.g. great|good, or \bwas\b",
                               max_chars=search.MAX_PATTERN)  # fmt: skip
    if pattern:  # RE2: linear in the corpus whatever the pattern (textae.search), held once per server
        with feedback.errors_shown():
            found = store.held(("search", c.digest, pattern), lambda: search.search(c.sentences, pattern))
        if found.note:
            st.warning(f"{feedback.md(pattern)} is {feedback.md(found.note)}.", icon=":material/warning:")
        color, title = np.where(found.matches, "match", "no match"), ""
        st.caption(f"{int(found.matches.sum()):,} of {len(c.sentences):,} sentences match.")
elif color_by == "k-means cluster":
    k = right.slider("clusters", 2, 20, 8, key="map_k")
    color, title = store.held(("k-means", *shown.key[:2], k), lambda: kmeans(Z, k).astype(str)), "cluster"

# ---- a typed query, marked on the map with its latent nearest neighbours
query = st.text_input("Encode a sentence and find its neighbours", key="map_query", placeholder="the food was great")
marks = {}
if query.strip():
    with feedback.errors_shown():
        zq = m.encode(query)
    marks["query"] = (proj.transform(zq), [query])

# ---- a noise cloud: a sentence and k copies through the DAAE's C(x), encoded and marked where they land
with st.expander("Noise cloud: where do a sentence's noisy copies land?"):
    n1, n2 = st.columns([3, 1])
    said = n1.text_input(
        "Sentence", key="map_cloud_text", placeholder="the food was great and the staff was friendly ."
    )
    k_copies = n2.slider("copies", 10, clouds.MAX_COPIES // 5, 50, key="map_cloud_k")
    r = st.columns(4)
    rates = {
        name: r[i].number_input(
            name, 0.0, 1.0 if name != "shuffle_k" else 10.0, default, 0.05, key=f"map_cloud_{name}"
        )  # fmt: skip
        for i, (name, default) in enumerate((("drop", 0.3), ("blank", 0.0), ("sub", 0.1), ("shuffle_k", 0.0)))
    }
    if said.strip():
        with feedback.errors_shown():
            noise = NoiseConfig(**rates)
            made = clouds.cloud(m, said.strip(), k_copies, noise, Z)
        marks["noisy copies"] = (proj.transform(made.codes[1:]), made.copies)
        marks["sentence"] = (proj.transform(made.codes[:1]), [said.strip()])
        ratio = {"this model": made.ratio}
        if state.selection().checkpoint2:  # the same copies through the second checkpoint
            with feedback.errors_shown():
                m2 = load_model(state.selection().checkpoint2)
                other = clouds.cloud(m2, said.strip(), k_copies, noise, corpora.codes(m2, c), copies=made.copies)
            ratio[f"{m2.cfg.model_type.upper()} (compare with)"] = other.ratio
        cols = st.columns(len(ratio))
        for col, (who, value) in zip(cols, ratio.items()):
            col.metric(f"cloud spread / corpus spread: {who}", f"{value:.2f}",
                       help="RMS distance of the copies' codes from the sentence's code, over the RMS distance "
                       "of the corpus's codes from their mean")  # fmt: skip
        st.dataframe(pd.DataFrame({"noisy copy": made.copies, "decodes to": made.decodes}), key="map_cloud_table",
                     hide_index=True)  # fmt: skip

# ---- the map: a WebGL scatter that holds the view's points in the browser (explorer/scatter); a click on
# empty space decodes the code under it, a box or lasso lists what it holds
extra = {"word / regex search": st.session_state.get("map_search"), "k-means cluster": st.session_state.get("map_k")}
view = scatter.view_id(shown.key, color_by, extra.get(color_by))  # as the Interpolation page names the same view
points = scatter.corpus_points(view, P, c.sentences, color, title)


SHOWN_RECONSTRUCTIONS = 100  # decoded for the first selected rows only: a lasso of 10k lists at once


@st.fragment  # a click or a selection reruns only the map and what it lists, not the sidebar and the corpus
def interact() -> None:
    event = scatter.scatter("map_chart", view, len(P), points, marks, grid_labels, proj.axis_titles, layer=layer,
                            points=show_points, regions=labelled)  # fmt: skip
    picked = event.picked
    if event.problem:
        st.warning(event.problem, icon=":material/warning:")
    st.caption(
        f"{len(P):,} sentences, drawn in a shuffled order (seed 0). Hover a point to read its sentence; drag to "
        "pan, scroll to zoom. Click a point, or choose Box or Lasso above the map, to list sentences with their "
        "reconstructions; click empty space to decode the code under it"
        + (" (UMAP's inverse is approximate)." if not proj.exact_inverse else " (exact on this plane).")
    )
    if event.click is not None:
        x, y = event.click
        with feedback.errors_shown():
            decoded = m.decode(proj.inverse(np.array([[x, y]], dtype=np.float32)))[0]
        st.success(f"Decoded at ({x:.2f}, {y:.2f}): **{feedback.md(decoded)}**", icon=":material/my_location:")

    if len(picked):
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
        st.dataframe(df, key="map_selected", hide_index=True)
        mean = Z[picked].mean(0)  # [dim_z] the selection's mean code
        with feedback.errors_shown():
            centre = m.decode(mean[None])[0]
        st.caption(
            f"Reconstructions of the first {len(first):,} rows. Their mean code (‖z̄‖ = {np.linalg.norm(mean):.2f}) "
            f"decodes to **{feedback.md(centre)}**."
        )
        d1, d2, d3, a, b = st.columns(5)
        d1.download_button("Download as CSV", df.to_csv(index=False).encode(), "selection.csv", "text/csv",
                           key="map_download")  # fmt: skip
        text = "\n".join(df["sentence"]).encode() + b"\n"
        d2.download_button("Download as text", text, "selection.txt", "text/plain", key="map_download_txt")
        d3.download_button("Mean code (CSV)", ",".join(f"{x:.6g}" for x in mean).encode() + b"\n", "mean_code.csv",
                           "text/csv", key="map_download_mean")  # fmt: skip
        chosen = [c.sentences[i] for i in picked]
        for col, side in ((a, "A"), (b, "B")):
            if col.button(f"Use as set {side}", key=f"map_set_{side}", help="a set for the Style arithmetic page"):
                st.session_state.setdefault("map_sets", {})[side] = chosen
        sets = st.session_state.get("map_sets", {})
        if sets:
            st.caption(" · ".join(f"set {k}: {len(v):,} sentences" for k, v in sorted(sets.items())))
        if {"A", "B"} <= sets.keys():
            st.page_link("app_pages/style.py", label="Slide from set A to set B on the Style arithmetic page",
                         icon=":material/functions:")  # fmt: skip
        with st.expander(f"Rewrite the {len(picked):,} selected sentence(s) with a vector"):
            rewrite_selection([c.sentences[i] for i in picked])


def rewrite_selection(chosen: list[str]) -> None:
    """z + k·v for every selected sentence, decoded in batches, with each pair's edit distance and a
    classifier's verdict (textae.rewrite)."""
    picked_v = widgets.vector_picker(m, "map_rw", (widgets.MAP, widgets.PRESETS, widgets.SAVED))
    if picked_v is None:
        return
    k = st.slider("k", -3.0, 3.0, 1.5, 0.25, key="map_rw_k")
    clf = corpora.classifier(c)
    if clf is None:
        st.caption("This corpus has no labels, so no classifier scores the rewrites: only their edit distance.")
    else:
        st.caption(f"Scored by logistic regression over word and bigram TF-IDF, trained on {clf.trained_on:,} of "
                   f"this corpus's labelled sentences; {clf.accuracy:.1%} accurate on the other 20 %.")  # fmt: skip
    job = (scatter.view_id(chosen), scatter.view_id(picked_v.v.tobytes()), k)
    if st.button(f"Rewrite {len(chosen):,} sentence(s)", key="map_rw_run", type="primary"):
        bar = st.progress(0.0, text=f"Decoding {len(chosen):,} rewrites…")
        with feedback.errors_shown():
            after = rewrite.rewrite(m, chosen, picked_v.v, k, lambda f: bar.progress(f, text=f"Rewriting: {f:.0%}"))
        bar.empty()
        st.session_state["map_rw_done"] = (job, rewrite.score(chosen, after, clf))
    done = st.session_state.get("map_rw_done")
    if not done or done[0] != job:
        return
    scored = done[1]
    if scored.flip_share is not None:
        st.metric(f"rows whose predicted class flipped (towards {scored.target})", f"{scored.flip_share:.0%}")
    st.dataframe(pd.DataFrame(scored.rows()), key="map_rw_table", hide_index=True)
    st.download_button("Download the pairs (CSV)", scored.to_csv().encode(), "rewrites.csv", "text/csv",
                       key="map_rw_download")  # fmt: skip


interact()

if query.strip():
    st.subheader("Latent neighbours of the query")
    found = m.neighbors([query], c.sentences, 10, corpus_codes=Z)[0]
    st.dataframe(
        pd.DataFrame([{"sentence": n.sentence, "distance": round(n.distance, 3)} for n in found]),
        key="map_neighbors", hide_index=True,
    )  # fmt: skip
