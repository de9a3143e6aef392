"""Geometry: do one-word edits stay near a sentence's code, and what do small latent moves decode to? Two models."""

import numpy as np
import pandas as pd
import streamlit as st

from explorer import feedback, state, text
from explorer.models import load_model
from textae.config import MAX_TOKENS
from textae.errors import TextaeError
from textae.figures import svg
from textae.measure import geometry
from textae.storage.checkpoint import default_pair

st.title("Geometry of the latent space")
st.caption(
    "The paper's claim on real sentences: a plain AAE can put a sentence and its one-word edits far apart, and "
    "small moves around a code can decode to unrelated text; denoising (DAAE) keeps similar sentences close."
)

# ---- the two models: the shipped AAE and DAAE by default, any pair from the picker
choices = state.checkpoint_choices()
labels = list(choices)
if not labels:
    st.info("No checkpoints to compare: see the Welcome page for how to train or import one.")
    st.stop()
ca, cb = st.columns(2)
aae, daae = default_pair(labels)
pick_a = ca.selectbox("Model A", labels, index=labels.index(aae) if aae else 0, key="geo_a")
pick_b = cb.selectbox("Model B", labels, index=labels.index(daae) if daae else min(1, len(labels) - 1), key="geo_b")
with feedback.errors_shown():
    models = {pick_a: load_model(choices[pick_a]), pick_b: load_model(choices[pick_b])}
if pick_a == pick_b:
    st.info("Both sides show the same checkpoint; pick two to compare.", icon=":material/info:")
    models = {pick_a: models[pick_a]}
m_a = models[pick_a]
c = state.corpus(m_a)

N_VARIANTS, N_RANDOM = 8, 100
# the radius slider's positions, all decoded in one batch per model; up to about half the distance between
# unrelated sentences' codes for the shipped models (about 14 for the AAE, 16 for the DAAE, 8 for the others)
RADII = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
EXAMPLES = c.sentences[:200]


def use_example() -> None:
    if st.session_state.get("geo_pick") is not None:
        st.session_state["geo_sentence"] = text.shown(st.session_state["geo_pick"])


def jitters(sentence: str, n_codes: int) -> dict[str, geometry.Jitter]:
    """Each model's decodes of n_codes codes at every radius, the models side by side (cached by the models)."""
    with feedback.errors_shown():
        return geometry.jitters(models, sentence, RADII, n_codes, seed=0, initializer=feedback.in_this_run())


@st.fragment
def jitter_view(sentence: str, hoods: dict[str, geometry.Neighbourhood]) -> None:
    """Section 2's widgets, decodes and curve: a fragment, so a slider reruns only this (a radius move is a lookup)."""
    n_codes = st.select_slider("codes per radius", [8, 12, 16], 8, key="geo_n", help="codes drawn at each radius")
    jit = jitters(sentence, n_codes)
    help_r = "decode codes drawn uniformly on the sphere of radius r around the sentence's code"
    r = st.select_slider("radius r", RADII, 1.0, key="geo_r", help=help_r)
    i = RADII.index(r)
    for col, (name, j) in zip(st.container(key="geo_jitter").columns(len(jit)), jit.items()):
        top, times = j.counts(i)[0]
        col.markdown(
            f"**{feedback.md(name)}** · r = {r:g} · {len(j.counts(i))} distinct of {len(j.decodes[i])} · "
            f"{j.curve()[i]:.2f} edits on average  \nmost frequent ({times}×): *{feedback.md(text.shown(top))}*"
        )
        col.table(
            feedback.md_table(text.table(pd.DataFrame(j.counts(i), columns=["decoded", "count"]), "decoded")),
            hide_index=True,
        )
    scale = " · ".join(f"{feedback.md(name)}: {h.scale:.2f}" for name, h in hoods.items())
    curves = {name: dict(zip(j.radii, j.curve())) for name, j in jit.items()}
    st.container(key="geo_jitter_curve").image(svg.jitter_curves(curves, mark=r), width="stretch")
    st.caption(
        "Mean word edits between the sentence and the decodes at each radius (r = 0 is the reconstruction). "
        f"For scale, the mean distance to a random sentence is {scale}."
    )


@st.fragment
def analysis() -> None:
    """The sentence and both sections: a fragment, so a new sentence reruns only this, not the app's frame."""
    st.selectbox(
        "A corpus sentence",
        EXAMPLES,
        index=None,
        key="geo_pick",
        on_change=use_example,
        format_func=text.shown,
        placeholder="pick one, or type below",
    )
    st.session_state.setdefault("geo_sentence", "the waiter was rude to us.")
    lower = all(m.vocab.lowercase for m in models.values())
    words = text.typed(st.text_input("Sentence", key="geo_sentence"), lower).split()  # as the models read it
    if len(words) > MAX_TOKENS:  # cut here, once, rather than in every encode of its variants
        st.warning(
            f"The sentence has {len(words):,} words; its first {MAX_TOKENS} are used, as the models read "
            f"at most {MAX_TOKENS} tokens.",
            icon=":material/content_cut:",
        )
    sentence = " ".join(words[:MAX_TOKENS])
    if not sentence:
        st.warning("Type a sentence (or pick one from the corpus) to see its neighbourhood.")
        st.stop()
    vocabs = [m.vocab.idx2word for m in models.values()]
    if len(models) > 1 and vocabs[0] != vocabs[1]:
        views = "; ".join(
            f"{feedback.md(name)} reads *{feedback.md(text.shown(geometry.as_read(m, sentence)))}*"
            for name, m in models.items()
        )
        st.info(
            f"The two checkpoints have different vocabularies ({len(vocabs[0]):,} and {len(vocabs[1]):,} words): each "
            f"model encodes its own view of the sentences, and substitutions use only words both know. {views}.",
            icon=":material/translate:",
        )

    # ---- both sections' work before anything is sent: the browser drawing section 1 would share the two
    # cores with section 2's decodes and slow them down (docs/benchmarks.md, Geometry page)
    subs = geometry.frequent_words([m.vocab for m in models.values()])
    with feedback.errors_shown():
        variants = geometry.edit_variants(sentence, subs, N_VARIANTS, seed=0)
        randoms = geometry.random_sentences(c.sentences, N_RANDOM, exclude=sentence, seed=0)
        hoods = {}
        for name, m in models.items():
            try:
                hoods[name] = geometry.neighbourhood(m, sentence, variants, randoms)
            except TextaeError as e:
                raise TextaeError(f"{name}: {e}") from None
    jitters(sentence, st.session_state.get("geo_n", 8))  # what jitter_view shows, so there a cache lookup

    # ---- 1. neighbourhoods of edits
    st.header("1 · Neighbourhoods of edits")
    missing = [d for d in geometry.DISTANCES if not any(v.distance == d for v in variants)]
    if missing:
        n_words = len(sentence.split())
        why = "it has one word, so it can only be substituted" if n_words == 1 else f"it has only {n_words} words"
        st.info(f"No variants at word edit distance {' or '.join(map(str, missing))}: {why}.", icon=":material/info:")
    # plain SVG shown as an image and static tables, not plotly nor st.dataframe's canvas grid: the browser
    # draws them in milliseconds (docs/benchmarks.md, Geometry page)
    boxes = svg.distance_boxes({name: h.groups() for name, h in hoods.items()})
    st.container(key="geo_distances").image(boxes, width="stretch")
    st.caption(
        f"Each point is one of {len(variants)} seeded variants (word drop, substitution by a frequent word, swap of "
        f"neighbours) or one of {len(randoms)} random corpus sentences; its latent distance from the sentence's code "
        "is divided by the mean distance to the random sentences, so 1 means *as far as an unrelated sentence*."
    )
    ones = [v for v in variants if v.distance == 1]
    if ones:
        rank_cols = {name: h.ranks(1) for name, h in hoods.items()}
        ranks = {f"rank in {name}": [f"{r} / {len(randoms) + 1}" for r in rs] for name, rs in rank_cols.items()}
        table = {"one-edit variant": [v.sentence for v in ones], "edit": [v.edits[0] for v in ones], **ranks}
        st.table(feedback.md_table(text.table(table, "one-edit variant")), hide_index=True)  # cells read as Markdown
        st.caption(
            "Rank: where the variant falls among the random corpus sentences when all are sorted by latent distance "
            "from the sentence (1 = nearer than every random sentence). "
            + " · ".join(f"{feedback.md(name)}: {np.mean(r == 1):.0%} at rank 1" for name, r in rank_cols.items())
        )

    # ---- 2. jitter: decode codes drawn at distance r around the sentence's code
    st.header("2 · Jitter")
    jitter_view(sentence, hoods)


analysis()
