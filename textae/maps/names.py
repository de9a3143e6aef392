"""Names a person can read for the places of a map: a territory of the decoded landscape, a region's centre.

A name is the model's own greedy decode of the place's code, but a decode that holds an unknown word (the
model's `<unk>`, or Yahoo's own `_UNK`, a word of the model's vocabulary standing for the corpus's rare words)
names nothing: on Yahoo most of the AAE's region centres and territories read "<unk>, the <unk> of <unk>.".
So a place is named by the greedy decode with those words kept from being chosen (`TextAE.decode(avoid=)`: the
next likeliest word stands in their place), or, for a region whose own decode is mostly unknown words, by its
commonest member sentence, the one of those that reads best. The hover still shows the model's own decode.

Names are shortened on the map (explorer/scatter): `distinct_words` says how many of a name's words tell it
apart from the other names, so that no two places read the same cut ("the food is not so …").
"""

from __future__ import annotations

from collections import Counter

import numpy as np

UNKNOWN = ("<unk>", "_UNK")  # the model's unknown word, and the corpus's own (Yahoo)
MOSTLY = 0.5  # a decode with more than this share of unknown words is named by a member sentence
VERSION = 1  # how places are named, in the disk cache's keys of what holds names (regions, landscapes)


def unknown_share(sentence: str) -> float:
    """The share of a tokenised sentence's words (tokens with a letter or a digit: "<unk> ." is one word) that
    are unknown words (UNKNOWN); 0 for a sentence without a word."""
    words = [t for t in sentence.split() if any(ch.isalnum() for ch in t)]
    return sum(t in UNKNOWN for t in words) / len(words) if words else 0.0


def readable(m, Z: np.ndarray, decodes: list[str] | None = None) -> list[str]:
    """Names for codes Z [K, dim_z]: each one's greedy decode (`decodes`, when the caller has them), decoded
    again with the unknown words kept from being chosen where it holds one."""
    Z = np.asarray(Z, dtype=np.float32)
    out = list(decodes) if decodes is not None else m.decode(Z)
    redo = [i for i, s in enumerate(out) if unknown_share(s) > 0]
    if redo:
        for i, s in zip(redo, m.decode(Z[redo], avoid=UNKNOWN)):
            out[i] = s
    return out


def commonest(sentences: list[str], Z: np.ndarray, centre: np.ndarray) -> str:
    """The member sentence that names a region when its decode cannot: of those with the fewest unknown words,
    the commonest, and of equally common ones the nearest to the centre (codes Z [n, dim_z]); "" for none."""
    if not sentences:
        return ""
    unknown = np.array([unknown_share(s) for s in sentences])
    best = np.flatnonzero(unknown == unknown.min())
    counts = Counter(sentences[i] for i in best)
    top = max(counts.values())
    common = [i for i in best if counts[sentences[i]] == top]
    near = np.linalg.norm(np.asarray(Z, dtype=np.float32)[common] - centre, axis=1)
    return sentences[common[int(np.argmin(near))]]


def region_names(m, centres: np.ndarray, Z: np.ndarray, sentences: list[str], part: np.ndarray) -> list[str]:
    """Names for k regions (centres [k, dim_z] of codes Z [N, dim_z], sentence i in region part[i]): each centre's
    `readable` decode, or its commonest member (`commonest`) when the model's own decode is mostly unknown."""
    own = m.decode(np.asarray(centres, dtype=np.float32))
    names = readable(m, centres, own)
    for c, s in enumerate(own):
        members = np.flatnonzero(part == c)
        if unknown_share(s) > MOSTLY and len(members):
            names[c] = commonest([sentences[i] for i in members], Z[members], centres[c]) or names[c]
    return names


def deepest_cells(territory: np.ndarray) -> dict[int, int]:
    """Each territory's cell farthest (in steps) from any other territory or the grid's edge, as the map writes
    its name there (explorer/scatter/scatter.js): territory id -> its row-major cell index (the first of ties)."""
    from scipy.ndimage import distance_transform_cdt

    t = np.asarray(territory)
    out: dict[int, int] = {}
    for k in np.unique(t):
        inside = np.pad(t == k, 1)
        depth = distance_transform_cdt(inside, metric="taxicab")[1:-1, 1:-1].ravel()
        out[int(k)] = int(np.argmax(np.where((t == k).ravel(), depth, -1)))
    return out


def territory_names(m, codes: np.ndarray, decodes: list[str], territory: np.ndarray) -> list[str]:
    """A name for each cell of a landscape (codes [n*n, dim_z] under its cells, their decodes, territory ids
    [n, n]): its territory's decode, or, where that holds an unknown word, the `readable` decode of the code
    under the territory's deepest cell (`deepest_cells`). [n*n], row-major as the decodes."""
    ids = np.asarray(territory).ravel()
    need = {k: c for k, c in deepest_cells(territory).items() if unknown_share(decodes[c]) > 0}
    named = dict(zip(need, readable(m, np.asarray(codes)[list(need.values())], [decodes[c] for c in need.values()])))
    return [named.get(int(k), s) for k, s in zip(ids, decodes)]


def distinct_words(names: list[str]) -> list[int]:
    """How many of each name's first words (split on spaces, as the map cuts them) tell it apart from every
    other name in the list: one more than the longest first-word run it shares with another, at most its
    length. Names alike in full get their length."""
    words = [n.split() for n in names]
    out = []
    order = sorted(range(len(words)), key=lambda i: words[i])
    shared = [0] * len(words)
    for a, b in zip(order, order[1:]):  # in sorted order, the longest shared start is with a neighbour
        k = 0
        while k < min(len(words[a]), len(words[b])) and words[a][k] == words[b][k]:
            k += 1
        shared[a], shared[b] = max(shared[a], k), max(shared[b], k)
    for i, w in enumerate(words):
        out.append(min(len(w), shared[i] + 1))
    return out


def share_unknown(names: list[str]) -> float:
    """The share of names that are more than half unknown words (`unknown_share` > MOSTLY)."""
    return float(np.mean([unknown_share(s) > MOSTLY for s in names])) if names else 0.0
