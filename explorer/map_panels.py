"""The Latent map's panels where the decoder draws (app_pages/latent_map.py calls them; docs/landscape.md):
the decoded landscape beneath the points, regions labelled by the model, a sentence's noise cloud, and a
selection rewritten by a vector. Each parses its widgets, calls the library, and shows the result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from explorer import charts, corpora, feedback, keep, maps, scatter, state, store, text, widgets
from explorer.models import load_model
from textae.config import NoiseConfig
from textae.errors import TextaeError
from textae.maps import clouds, rewrite
from textae.maps.landscape import shown as shown_figures
from textae.maps.regions import LEVELS, to_csv
from textae.maps.regions import rows as region_rows
from textae.storage.access import as_given
from textae.storage.checkpoint import aae_beside
from textae.storage.keys import View


def landscape(m, c, shown) -> tuple[dict | None, bool]:
    """The decoded landscape's controls and figures (textae.maps.landscape): the layer the map draws beneath its
    points (None for none) and whether the points are shown."""
    LAYERS = {"none": None, "territories": "territories", "change": "change"}
    l1, l2, l3 = st.columns([2, 1, 1])
    kind = LAYERS[
        l1.radio(
            "Decoded landscape",
            list(LAYERS),
            key=keep.kept("map_layer", options=LAYERS),
            horizontal=True,
            disabled=not shown.proj.exact_inverse,
            help="Territories: cells that decode to the same sentence share a colour, with lines where neighbouring "
            "cells decode differently; hover a cell to light its territory and read its sentence. Change: how far each "
            "cell's decode is from its neighbours' (word edit distance over the longer sentence).",
        )
    ]
    if not shown.proj.exact_inverse:
        l1.caption(
            "Off for UMAP: its map cannot be read backwards exactly, so a cell would decode a guess "
            "interpolated between nearby codes. Choose PCA or *Along a vector* to see it."
        )
    layer, land = None, None
    if kind and shown.proj.exact_inverse:
        n_land = l2.select_slider("cells per side", maps.SIDES, key=keep.kept("map_layer_n", 32, maps.SIDES))
        with feedback.errors_shown():
            land = maps.landscape(m, c, shown, n_land)
        layer = scatter.landscape_layer(land, kind)
        helps = (
            f"of the {land.n * land.n:,} cells",
            "word edit distance between adjacent cells' decodes, over the longer sentence",
            None,
        )
        for col, (name, value), why in zip(st.columns(3), shown_figures(land.figures()).items(), helps):
            col.metric(name, value, help=why)
        st.caption(
            "A cell decodes the point of this plane beneath it, the code's other coordinates at the corpus's "
            "mean. A sentence's own code lies off the plane, so the cell under its point is not its "
            "reconstruction: click the point for that."
        )
    show_points = l3.toggle("corpus points", key=keep.kept("map_points", True), disabled=layer is None) or layer is None
    return layer, show_points


REGIONS_HELP = (
    f"The codes clustered into {', '.join(map(str, LEVELS[:-1]))} and {LEVELS[-1]} regions (k-means); "
    "each labelled by what sets it apart from the regions of its level: its word range (the middle "
    "80 % of its sentences' lengths) where length does, and up to 8 keywords, words and phrases "
    "chosen so that a reader who sees only the labels guesses a sentence's region; beside them, the "
    "sentence its mean code decodes to and its share of each class"
)


def regions(m, c, Z, shown) -> list[dict] | None:
    """Region labels (textae.maps.regions): the labels the map writes, by zoom level, listed and downloadable;
    None when off, or when the corpus is too small (said, and the map goes on)."""
    labelled = None
    found = []
    if st.toggle("Region labels", key=keep.kept("map_regions"), help=REGIONS_HELP):
        try:
            found = maps.regions(m, c, Z, shown)
        except TextaeError as e:  # too few sentences: the map goes on without labels
            st.warning(feedback.md(str(e)), icon=":material/warning:")
        except Exception as e:  # anything else the library raises: said, and the map goes on without labels
            st.error(
                f"The regions could not be found ({feedback.md(f'{type(e).__name__}: {e}')}); the map is shown "
                "without them.",
                icon=":material/error:",
            )
    if found:
        labelled = scatter.region_labels(found)
        table_rows = region_rows(found)  # the CSV's columns, the same names
        with st.expander(f"{len(found)} regions at 3 levels (zoom in on the map to see the finer ones)"):
            # each keyword as read, joined by " · " (the map's way), never through the detokeniser as one text
            listed = [
                {**row, "keywords": " · ".join(text.shown(k) for k in r.keywords)} for row, r in zip(table_rows, found)
            ]
            st.dataframe(
                text.table(listed, "decoded centre", "keywords"),
                key="map_regions_table",
                hide_index=True,
                column_config=text.widths("decoded centre", "keywords"),
            )
            st.download_button(
                "Download the regions (CSV)",
                to_csv(found).encode(),
                "regions.csv",
                "text/csv",
                key="map_regions_download",
            )
    return labelled


# the page's default noise: the DAAE's training noise, where the figure the page leads with (how much of the corpus
# the median copy is closer than) tells the models apart; at light word drop (0.1) both models' copies are closer
# than all of the corpus (benchmarks/clouds.py, docs/landscape.md)
CLOUD_NOISE = (("drop", 0.3), ("blank", 0.0), ("sub", 0.1), ("shuffle_k", 0.0))
# each rate's box: its label and help in words (NoiseConfig's fields, as the paper's C(x) describes them),
# its largest value, step and format
CLOUD_BOXES = {
    "drop": ("word drop", "The chance that each word is deleted.", 1.0, 0.05, "%.2f"),
    "blank": ("blank", "The chance that each word is replaced by a blank token.", 1.0, 0.05, "%.2f"),
    "sub": (
        "substitute",
        "The chance that each word is replaced by a random word of the vocabulary.",
        1.0,
        0.05,
        "%.2f",
    ),
    "shuffle_k": ("local shuffle (places)", "Words move at most this many places (0: no shuffle).", 10.0, 0.5, "%.1f"),
}


def second_model(m):
    """The checkpoint the cloud is compared with: the sidebar's second one, else the AAE beside a DAAE (its
    sibling folder named ...-aae), else None."""
    other = state.selection().checkpoint2
    if not other:
        sibling = aae_beside(m.path)
        other = sibling if sibling is not None and Path(sibling).is_dir() else None
    return load_model(other) if other else None


DECODES_TO = " → decodes to: "


def hovered(made: clouds.Cloud) -> list[str]:
    """What hovering each copy's star says: the copy, and what this model decodes it to (as read)."""
    return [f"{text.shown(copy)}{DECODES_TO}{text.shown(dec)}" for copy, dec in zip(made.copies, made.decodes)]


def noise_cloud(m, c, Z, proj, marks: dict) -> None:
    """A sentence and k noisy copies through the DAAE's C(x) (textae.maps.clouds), encoded and added to the map's
    `marks`; listed with their decodes, and how far they land against a random pair, for this model and a
    second one beside it."""
    # open while it holds a sentence: a rerun that moves the panel (a message above it) would otherwise fold it
    with st.expander(
        "Noise cloud: where do a sentence's noisy copies land?", expanded=bool(st.session_state.get("map_cloud_text"))
    ):
        n1, n2 = st.columns([3, 1])
        raw = n1.text_input(
            "Sentence",
            key=keep.kept("map_cloud_text"),
            placeholder="the food was great and the staff was friendly.",
        )
        # as the model reads it: the corpus's tokens (none typed: the model is not loaded for it)
        said = text.typed(raw, m.vocab.lowercase) if raw.strip() else ""
        k_copies = n2.slider("copies", 10, clouds.MAX_COPIES // 5, key=keep.kept("map_cloud_k", 50))
        r = st.columns(4)
        rates = {}
        for box, (name, default) in zip(r, CLOUD_NOISE):
            label, about, top, step, fmt = CLOUD_BOXES[name]
            rates[name] = box.number_input(
                label, 0.0, top, step=step, format=fmt, help=about, key=keep.kept(f"map_cloud_{name}", default)
            )
        if raw and not said:  # typed, but only spaces: said so, as docs/failures.md promises
            st.warning(
                "The sentence is empty: type a few words to see where their noisy copies land.",
                icon=":material/warning:",
            )
        if said:
            m2 = codes2 = None
            try:  # a second checkpoint that cannot be read leaves the cloud through this one
                m2 = second_model(m)
                codes2 = corpora.codes(m2, c) if m2 is not None else None
            except (TextaeError, OSError, ValueError) as e:
                m2 = None
                st.warning(
                    f"The second checkpoint is left out: {feedback.md(as_given(str(e)))}", icon=":material/warning:"
                )
            with feedback.errors_shown():
                noise = NoiseConfig(**rates)
                pairs = [(m, Z)] + ([(m2, codes2)] if m2 is not None else [])
                # one call (textae.maps.clouds.compare), held: a rerun that changed nothing (a click on the map)
                # neither encodes nor decodes the copies again
                key = View.of(m, c).key("cloud", said, k_copies, repr(noise), m2.fingerprint() if m2 else "", "corpus")
                made, *rest = store.held(key, lambda: clouds.compare(pairs, said, k_copies, noise))
            other = rest[0] if rest else None
            stars = st.toggle(
                "Also mark the copies as stars on the 2-D map",
                key=keep.kept("map_cloud_stars", False),
                help="The map's plane holds a small share of the codes' variance, so how close the "
                "stars lie on it need not be how close the codes are.",
            )
            if stars:
                marks["noisy copies"] = (proj.transform(made.codes[1:]), hovered(made))
                marks["sentence"] = (proj.transform(made.codes[:1]), [text.shown(said)])
            clouds_shown = {state.checkpoint_name(m.path): (m, made)}
            if other is not None:
                clouds_shown[state.checkpoint_name(m2.path)] = (m2, other)
            if made.note:
                st.info(made.note, icon=":material/info:")
            cols = st.columns(len(clouds_shown))
            for col, (who, (model, one)) in zip(cols, clouds_shown.items()):
                kind = model.cfg.model_type.upper()
                col.metric(
                    f"{feedback.md(who)}: the median copy is closer to the sentence than",
                    f"{one.closer_than_text} of the corpus",
                    help="Each copy's distance from the sentence's code, in the codes' own space, against "
                    "the distances of this corpus's sentences from the same code",
                )
                col.plotly_chart(
                    charts.cloud_distances(one.corpus, one.distances, f"{who} ({kind})"), key=f"map_cloud_chart_{who}"
                )
                col.caption(f"{one.summary(kind)} The copies' RMS distance is {one.ratio:.2f} of a random pair's.")
            st.caption(
                "A model that keeps a sentence's perturbations near its code (the paper's DAAE) puts its "
                "copies nearer the sentence than more of the corpus."
            )
            if stars and proj.exact_inverse:
                share = clouds.plane_share(Z, proj.transform(Z))
                st.caption(
                    f"On the 2-D map the stars are drawn on a plane that holds {share:.0%} of the codes' "
                    "variance: their spread there need not be their spread in the codes' space."
                )
            elif stars:
                st.caption(
                    "On the UMAP map the stars are placed among their nearest codes' points: their spread "
                    "there is not their distance in the codes' space."
                )
            listing = {"noisy copy": made.copies, "decodes to": made.decodes}
            if other is not None:  # the second model's decodes; with the stars, its cloud on its own PCA map
                listing[f"{m2.cfg.model_type.upper()} decodes to"] = other.decodes
            if other is not None and stars:
                shown2 = maps.projection(m2, c, codes2, "pca")
                view2 = scatter.view_id(shown2.view.key("points"))
                share2 = clouds.plane_share(codes2, shown2.points)
                st.caption(
                    f"The same copies through the second checkpoint ({m2.cfg.model_type.upper()}), on its "
                    f"PCA map of the corpus (a plane holding {share2:.0%} of its codes' variance):"
                )
                scatter.scatter(
                    "map_cloud_other",
                    scatter.corpus_points(view2, shown2.points, c.sentences, digest=c.digest),
                    height=380,
                    marks={
                        "noisy copies": (shown2.proj.transform(other.codes[1:]), hovered(other)),
                        "sentence": (shown2.proj.transform(other.codes[:1]), [text.shown(said)]),
                    },
                    axis_titles=shown2.proj.axis_titles,
                    select=False,
                )
            st.dataframe(text.table(listing, *listing), key="map_cloud_table", hide_index=True)


def rewrite_selection(m, c, picked, Z) -> None:
    """z + k·v for every selected sentence (`picked`: their indices in corpus c), decoded in batches, with each
    pair's edit distance and a classifier's verdict (textae.maps.rewrite); Z [N, dim_z] are the corpus's codes."""
    picked = np.asarray(picked, dtype=np.int64)
    chosen, codes = [c.sentences[i] for i in picked], Z[picked]
    picked_v = widgets.vector_picker(m, "map_rw", (widgets.MAP, widgets.PRESETS, widgets.SAVED))
    if picked_v is None:
        return
    k = st.slider("k", -3.0, 3.0, step=0.25, key=keep.kept("map_rw_k", 1.5))
    clf = corpora.classifier(c)
    if clf is None:
        st.caption("This corpus has no labels, so no classifier scores the rewrites: only their edit distance.")
    else:
        st.caption(
            f"Scored by logistic regression over word and bigram TF-IDF (the classifier `textae eval` "
            f"judges transfer by), trained on {clf.trained_on:,} of this corpus's labelled sentences; "
            f"{clf.accuracy:.1%} accurate on the other 20 %."
        )
    job = scatter.view_id(c.digest, c.labels_digest, picked, picked_v.v, k)  # what the scores depend on, hashed
    if st.button(f"Rewrite {len(chosen):,} sentence(s)", key="map_rw_run", type="primary"):
        bar = st.progress(0.0, text=f"Decoding {len(chosen):,} rewrites…")
        labels = [c.labels[i] for i in picked] if c.labels else None
        with feedback.errors_shown():
            scored = rewrite.transfer(
                m,
                chosen,
                picked_v.v,
                k,
                clf,
                labels,
                lambda f: bar.progress(f, text=f"Rewriting: {f:.0%}"),
                codes=codes,
            )
        bar.empty()
        st.session_state["map_rw_done"] = (job, scored)
    done = st.session_state.get("map_rw_done")
    if not done or done[0] != job:
        return
    scored = done[1]
    if scored.target is not None:
        outside, there = int(scored.started_elsewhere.sum()), scored.already_there()
        target = feedback.md(scored.target)  # a label from the labels file: shown as text, never as Markdown
        f1, f2 = st.columns(2)
        how = "labelled" if scored.by_labels else "read as"
        if outside:
            f1.metric(
                f"of {outside:,} rows {how} another class, now read as {target}",
                f"{int(scored.reached.sum()):,} ({scored.flip_share:.0%})",
            )
        if there:
            f2.metric(f"{there[0]:,} rows already {how} {target}: mean change of P({target})", f"{there[1]:+.3f}")
        if scored.by_labels:
            if scored.misread:
                st.caption(
                    f"Counted by the corpus's labels. Of the {outside:,} rows labelled another class, the "
                    f"classifier already read {scored.misread:,} as {target} before the rewrite; "
                    "they count in the share."
                )
        else:
            st.caption(
                "This corpus's labels do not cover these rows, so the classifier decided which rows "
                "started in another class."
            )
    st.dataframe(text.table(scored.rows(), "before", "after"), key="map_rw_table", hide_index=True)
    st.download_button(
        "Download the pairs (CSV)", scored.to_csv().encode(), "rewrites.csv", "text/csv", key="map_rw_download"
    )
