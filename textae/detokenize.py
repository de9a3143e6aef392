"""Text as a person reads it: the corpus's tokens ("do n't", "i 've", "$ _num_ .") joined back into prose.

The corpora are tokenised the Penn Treebank way, and the models read and write those tokens. Everything a
person reads (the app, the figures, `--readable` output) passes through `detokenize`; exports, caches and
everything fed back to a model keep the tokens. The joining is sacremoses's Moses detokeniser, a maintained
one; the few Treebank habits it does not undo (split contractions, `` '' quotes, "gon na") are undone first,
and the corpora's placeholders are given a form that reads as one.
"""

from __future__ import annotations

from functools import lru_cache

# the corpora's and the vocabulary's placeholders, as a reader sees them
PLACEHOLDERS = {
    "_num_": "#",  # Yelp: a number
    "_UNK": "<unk>",  # Yahoo: a word outside its vocabulary
    "<unk>": "<unk>",  # the model's own unknown word
    "<blank>": "___",  # the DAAE's blanked word (textae.noise)
    "-lrb-": "(",
    "-rrb-": ")",
    "``": '"',
    "''": '"',
}
SPLIT_WORDS = {("gon", "na"), ("wan", "na"), ("got", "ta"), ("can", "not")}  # Treebank splits one word in two


@lru_cache(maxsize=1)
def _moses():
    from sacremoses import MosesDetokenizer  # on first use: `import textae` stays light

    return MosesDetokenizer(lang="en")


def _treebank(tokens: list[str]) -> list[str]:
    """Undo what Moses does not: "ca n't" -> "can't", "gon na" -> "gonna", "freakin '" -> "freakin'"."""
    out: list[str] = []
    for tok in tokens:
        low = tok.lower()
        if out and (low == "n't" or (out[-1].lower(), low) in SPLIT_WORDS):
            out[-1] += tok
        elif out and tok == "'" and out[-1].lower().endswith(("in", "s")):  # a dropped g, a plural's possessive
            out[-1] += tok
        else:
            out.append(PLACEHOLDERS.get(tok, tok))
    return out


def detokenize(sentence: str) -> str:
    """One tokenised sentence as prose: "i do n't like it ." -> "i don't like it."."""
    tokens = sentence.split()
    if not tokens:
        return ""
    # unescape=False: the text's own "&amp;" stays as written; the app escapes what it shows itself
    return _moses().detokenize(_treebank(tokens), unescape=False)


def detokenize_all(sentences: list[str]) -> list[str]:
    """`detokenize` of each sentence (about 11 µs each: 155k sentences in under 2 s)."""
    return [detokenize(s) for s in sentences]
