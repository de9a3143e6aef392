"""Text as a person reads it, and back: the corpus's tokens ("do n't", "i 've", "$ _num_ .") joined into
prose, and prose a person types split into those tokens.

The corpora are tokenised the Penn Treebank way, and the models read and write those tokens. Everything a
person reads (the app, the figures, `--readable` output) passes through `detokenize`; exports, caches and
everything fed back to a model keep the tokens. The joining is sacremoses's Moses detokeniser, a maintained
one; the few Treebank habits it does not undo (split contractions, `` '' quotes, "gon na") are undone first,
and the corpora's placeholders are given a form that reads as one. `tokenize` is the way back for what a
person types into the app ("I don't like it." -> "i do n't like it ."): the corpora's own lines pass it
unchanged, so a sentence copied from the page and pasted back reads as the model wrote it.
"""

from __future__ import annotations

import re
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


# `tokenize`: Treebank splits, as regular expressions over the text (sacremoses's penn_tokenize fails on
# this version); each keeps the corpora's own tokens as they are, so tokenising tokenised text changes nothing
_SPLITS = [
    (re.compile(r"(?<=\w)(n't)\b", re.I), r" \1"),  # don't -> do n't, can't -> ca n't
    (re.compile(r"(?<=\w)('(?:s|m|d|ll|re|ve))\b", re.I), r" \1"),  # it's -> it 's
    (re.compile(r"\b(can)(not)\b", re.I), r"\1 \2"),
    (re.compile(r"\b(gon|wan)(na)\b", re.I), r"\1 \2"),
    (re.compile(r"\b(got)(ta)\b", re.I), r"\1 \2"),
    (re.compile(r"(^|[\s(\[{])\""), r"\1 `` "),  # an opening double quote
    (re.compile(r"\""), " '' "),  # a closing one
    (re.compile(r"([;!?()\[\]{}$%&]|(?<!\d)[,:]|[,:](?!\d))"), r" \1 "),  # not inside 5:30 or 20,000
    (re.compile(r"\.\.\.+"), r" \g<0> "),  # an ellipsis
    (re.compile(r"(?<![.\s])\.((?:\s*(?:''|[)\]}]))*)\s*$"), r" . \1"),  # the sentence's full stop
]
_READ_BACK = {"#": "_num_", "___": "<blank>"}  # `detokenize`'s forms of a number and a blank, back


def tokenize(text: str, lower: bool = True) -> str:
    """Typed prose as the corpora's tokens: "I don't like it." -> "i do n't like it ."; `lower` for a model
    whose vocabulary has no upper-case word (both shipped corpora). Placeholders keep their case ("_UNK")."""
    s = text
    for pattern, repl in _SPLITS:
        s = pattern.sub(repl, s)
    out = []
    for tok in s.split():
        tok = _READ_BACK.get(tok, tok)
        out.append(tok.lower() if lower and tok not in PLACEHOLDERS else tok)
    return " ".join(out)
