"""Text as a person reads it, and back: the corpus's tokens ("do n't", "i 've", "$ _num_ .") joined into
prose, and prose a person types split into those tokens.

The corpora are tokenised the Penn Treebank way, and the models read and write those tokens. Everything a
person reads (the app, the figures, `--readable` output) passes through `detokenize`; exports, caches and
everything fed back to a model keep the tokens. The joining is sacremoses's Moses detokeniser, a maintained
one; the few Treebank habits it does not undo (split contractions, `` '' quotes, "gon na") are undone first,
and the corpora's placeholders are given a form that reads as one. `tokenize` is the way back for what a
person types into the app ("I don't like it." -> "i do n't like it ."): the corpora's own lines pass
`tokenize(detokenize(x)) == x` (all of Yelp's and Yahoo's train lines but the few docs/python.md lists), so a
sentence copied from the page and pasted back reads as the model wrote it. Each placeholder therefore has a
form of its own that reads back as the token it came from (Yahoo's `_UNK`, a word outside the corpus's
vocabulary, is not the model's `<unk>`), and a token that is written like a placeholder's form ("#", "___")
is shown in a form of its own too.
"""

from __future__ import annotations

import re
from functools import lru_cache

# the corpora's and the vocabulary's placeholders, as a reader sees them
PLACEHOLDERS = {
    "_num_": "#",  # Yelp: a number
    "_UNK": "<rare>",  # Yahoo: a word outside the corpus's own vocabulary (a word of the model's)
    "<unk>": "<unk>",  # the model's own unknown word
    "<blank>": "___",  # the DAAE's blanked word (textae.noise)
    "-lrb-": "(",
    "-rrb-": ")",
    "``": "\u201c",  # an opening double quote, joined to the word after it
    "''": "\u201d",  # a closing one, joined to the word before it
    "#": "\uff03",  # the corpus's own number sign ("c #", "# _num_"): "#" is a number's placeholder
    "___": "\uff3f\uff3f\uff3f",  # the corpus's own underscores: "___" is a blank's
}
SPLIT_WORDS = {("gon", "na"), ("wan", "na"), ("got", "ta"), ("can", "not")}  # Treebank splits one word in two
# the words "n't" is joined to ("do n't" -> "don't"); after any other ("the staff n't friendly", a decode that
# dropped "was") it stays a word of its own, so no "staffn't" is written
NOT_STEMS = frozenset({"do", "does", "did", "ca", "wo", "is", "was", "are", "were", "would", "could", "should",
                       "have", "has", "had", "ai", "sha", "need", "must", "might", "dare", "may", "ought"})  # fmt: skip
OPEN, CLOSE = PLACEHOLDERS["``"], PLACEHOLDERS["''"]
APART = "\ue000"  # a lone "'" while Moses joins the others (a private-use character: no text holds one)


@lru_cache(maxsize=1)
def _moses():
    from sacremoses import MosesDetokenizer  # on first use: `import textae` stays light

    return MosesDetokenizer(lang="en")


def _treebank(tokens: list[str]) -> list[str]:
    """Undo what Moses does not: "ca n't" -> "can't", "gon na" -> "gonna", "freakin '" -> "freakin'"."""
    out: list[str] = []
    for tok in tokens:
        low = tok.lower()
        if out and ((low == "n't" and out[-1].lower() in NOT_STEMS) or (out[-1].lower(), low) in SPLIT_WORDS):
            out[-1] += tok
        elif out and tok == "'" and out[-1].lower().endswith(("in", "s")):  # a dropped g, a plural's possessive
            out[-1] += tok
        elif tok == "'":  # any other stands apart: Moses would join it to a word as a quote, which reads back joined
            out.append(APART)
        else:
            out.append(PLACEHOLDERS.get(tok, tok))
    return out


def detokenize(sentence: str) -> str:
    """One tokenised sentence as prose: "i do n't like it ." -> "i don't like it."."""
    tokens = sentence.split()
    if not tokens:
        return ""
    # unescape=False: the text's own "&amp;" stays as written; the app escapes what it shows itself
    text = _moses().detokenize(_treebank(tokens), unescape=False).replace(APART, "'")
    return text.replace(OPEN + " ", OPEN).replace(" " + CLOSE, CLOSE) if OPEN in text or CLOSE in text else text


def plain_words(sentence: str) -> str:
    """A tokenised sentence's words up to the first that prose writes otherwise than its token (punctuation, a
    clitic, a number, a placeholder, a Treebank split such as "gon na"): the same text as tokens and as prose,
    made without loading Moses (a page's first run need not wait for it)."""
    out: list[str] = []
    for tok in sentence.split():
        if out and (out[-1].lower(), tok.lower()) in SPLIT_WORDS:
            out.pop()  # "gon" of "gon na" reads "gonna" in prose
            break
        if not tok.isalpha():
            if out and (tok.startswith("'") or tok.lower() == "n't"):
                out.pop()  # "do" of "do n't" reads "don't"
            break
        out.append(tok)
    return " ".join(out)


def detokenize_all(sentences: list[str]) -> list[str]:
    """`detokenize` of each sentence."""
    return [detokenize(s) for s in sentences]


# `tokenize`: Treebank splits, as regular expressions over the text (sacremoses's penn_tokenize fails on
# this version); each keeps the corpora's own tokens as they are, so tokenising tokenised text changes nothing
_SPLITS = [
    (re.compile(OPEN), " `` "),  # `detokenize`'s quotes
    (re.compile(CLOSE), " '' "),
    (re.compile(r"(?<=\w)(n't)\b", re.I), r" \1"),  # don't -> do n't, can't -> ca n't
    (re.compile(r"(?<=[\w#>.\uff03])('(?:s|m|d|ll|re|ve))\b", re.I), r" \1"),  # it's -> it 's, #'s -> # 's
    (re.compile(r"(?<=\w)'(?=[\s.,!?;:)\]}]|$)"), " '"),  # a possessive's or a dropped g's: parents' -> parents '
    (re.compile(r"\b(can)(not)\b", re.I), r"\1 \2"),
    (re.compile(r"\b(gon|wan)(na)\b", re.I), r"\1 \2"),
    (re.compile(r"\b(got)(ta)\b", re.I), r"\1 \2"),
    (re.compile(r"(^|[\s(\[{])\""), r"\1 `` "),  # an opening double quote
    (re.compile(r"\""), " '' "),  # a closing one
    (re.compile(r"([;!?()\[\]{}$%&]|(?<!\d)[,:]|[,:](?!\d))"), r" \1 "),  # not inside 5:30 or 20,000
    (re.compile(r"\.\.+"), lambda m: f" {_dots(len(m.group()))} "),  # an ellipsis: "...." -> "... ."
    (re.compile(r"(?<![.\s])\.((?:\s*(?:''|'|[)\]}]))*)\s*$"), r" . \1"),  # the sentence's full stop
]
_READ_BACK = {v: k for k, v in PLACEHOLDERS.items() if k not in ("-lrb-", "-rrb-")}  # each form, back


def _dots(n: int) -> str:
    """A run of n full stops as the corpora's tokens: ellipses, then the "." or ".." left ("...." -> "... .")."""
    return " ".join(["..."] * (n // 3) + ([".."] if n % 3 == 2 else ["."] if n % 3 == 1 else []))


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
