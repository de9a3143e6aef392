"""Keywords of the regions of a latent space (textae.maps.regions): at most KEYWORDS per region, chosen to tell
the regions of a level apart and to cover as many of a region's sentences as they can (`keywords`). How they
were chosen, measured on Yelp and Yahoo: docs/landscape.md, "Region labels written by the model"
(`benchmarks/regions.py`).

- candidates (`terms_of`): a sentence's words (`words_of`: no stop words, never a fragment of the
  tokenised corpus such as "n't", "'ve", "wo" or "_num_"), its form markers (MARKERS: "i", "we", "not",
  "!", "?") and its two-token phrases that end in such a word or in "n't" ("i love", "the food",
  "do n't"); a fragment stands inside a phrase, never alone;
- each candidate belongs to the one region of the level where it is most over-represented: its lift, the
  share of the region's sentences holding it over the share of the other sentences holding it (each
  smoothed by half a sentence); it must reach MIN_LIFT there, in at least MIN_COUNT sentences. So no two
  regions of a level list the same keyword;
- from its own candidates a region takes, greedily, the one holding most of its sentences that no keyword
  taken so far holds (ties: the larger lift); once none adds a sentence, the most frequent of the rest,
  never a phrase beside its own word ("love" and "i love");
- then a local search (`_swap`): a region may swap any keyword for one that holds more of its sentences
  and is over-represented there too: a candidate no region lists, or, once per region and only in lists
  of MIN_SHARED or more, one another region lists ("i" in two regions of first-person stories). So at
  most one keyword in five is shared, distinctiveness stays at least 0.8, and coverage only rises;
- a region's keywords are listed as they cover its sentences, a shared one last (the map shows three).
- with word ranges (textae.maps.regions always gives them), a keyword's lift is measured against the region's rivals,
  the other regions' sentences of a length in its word range, and a last search (`_read`) swaps keywords
  for those that let the reader's test guess more sentences' regions.
- A sentence holds a keyword (`contains`) when it holds its word, or a phrase's tokens side by side; its length
  is its tokens holding a letter or a digit (`word_count`).
"""

from __future__ import annotations

import re

import numpy as np

WORD = re.compile(r"[a-z][a-z-]*[a-z]")  # a keyword: letters (and inner hyphens), never a token's fragment
TOKEN = re.compile(r"[a-z]+(?:-[a-z]+)*")  # a phrase's first token: letters, one-letter words too ("i", "a")
# what the corpora's tokeniser leaves of a word it splits ("wo n't", "ca n't", "gon na", "got ta"): letters,
# but no word; only inside a phrase ("wo n't")
STEMS = frozenset({"ai", "ca", "gim", "gon", "lem", "na", "sha", "ta", "wan", "wo"})
# tokens that mark a sentence's form rather than its topic: its person, a negation, an exclamation or a
# question. Stop words otherwise, but the DAAE's regions differ by form as much as by topic (first-person
# stories, short exclamations), and these name that where no topic word can (docs/landscape.md)
MARKERS = frozenset(
    {"i", "we", "you", "they", "he", "she", "my", "our", "your", "me", "us", "not", "no", "never", "!", "?"}
)
KEYWORDS = 8  # at most, per region
MIN_SHARED = 5  # a region shares one keyword with others only when it lists at least this many (`_swap`)
READ_CANDIDATES = 60  # `_read`: the candidates tried for each keyword
READ_LIFT = 1.0  # `_read`: a candidate is at least this over-represented in its region against its rivals
SWAP_PASSES = 10  # at most, of `_swap`'s passes (each swap adds sentences, so it ends; Yelp, Yahoo valid: 5)
MIN_LIFT = 1.25  # a keyword is at least 1.25 times as common in its region as in the others (benchmarks/regions.py)
MIN_COUNT = 2  # ... and held by at least 2 of its sentences


def _is_word(token: str, stop: frozenset) -> bool:
    return bool(WORD.fullmatch(token)) and token not in stop and token not in STEMS


def words_of(text: str) -> list[str]:
    """The words of tokenised text that can stand as keywords: its whitespace tokens of two or more letters,
    less English stop words. The corpora are tokenised ("do n't", "i 've", "wo n't", "_num_"), so a
    contraction's fragments ("n't", "'ve", "'s", "wo", "ca": STEMS) and placeholders are never words here; a
    regex word pattern would cut "'ve" to "ve" and keep "n't"."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as stop

    return [w for w in text.lower().split() if _is_word(w, stop)]


def terms_of(text: str) -> list[str]:
    """The candidate keywords of one tokenised sentence, each once, in order: its words (`words_of`), its form
    markers (MARKERS), then its phrases of two adjacent tokens, the first of letters (a stop word too: "i",
    "the", "do"), the second a word or "n't" ("i love", "the food", "great food", "do n't", "wo n't"). Never a
    phrase that ends in a stop word or starts with a fragment ("place is", "love the", "'ve got"), nor one of
    fragments alone ("i 've")."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as stop

    tokens = text.lower().split()
    out = words_of(text) + [t for t in tokens if t in MARKERS]
    out += [f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if TOKEN.fullmatch(a) and (b == "n't" or _is_word(b, stop))]
    return list(dict.fromkeys(out))


def term_matrix(sentences: list[str], min_count: int = MIN_COUNT):
    """Which sentences hold which candidate keywords (`terms_of`): a sparse 0/1 matrix [N, V] (CSR, int32)
    and the V terms, those held by at least `min_count` sentences in all."""
    import scipy.sparse as sp

    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, s in enumerate(sentences):
        for t in terms_of(s):
            cols.append(vocab.setdefault(t, len(vocab)))
            rows.append(i)
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(sentences), len(vocab)))
    keep = np.flatnonzero(np.asarray(X.sum(0)).ravel() >= min_count)
    terms = list(vocab)
    return X[:, keep].tocsr(), [terms[j] for j in keep]


def lifts(X, assignment: np.ndarray, k: int, rivals: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each of k regions and each term of X [N, V] (`term_matrix`): how many of the region's sentences
    hold it [k, V], and its lift there [k, V]: the share of the region's sentences that hold it over the share
    of its rivals that do, each smoothed by half a sentence. A region's rivals: `rivals` [N, k] (`rivals`), by
    default all other sentences (unassigned ones, -1, among them)."""
    import scipy.sparse as sp

    part = np.asarray(assignment)
    n_all = len(part)
    member = np.flatnonzero(part >= 0)
    R = sp.csr_matrix((np.ones(len(member)), (member, part[member])), shape=(n_all, k))
    counts = np.asarray((R.T @ X).todense(), dtype=np.float64)  # [k, V]
    size = np.bincount(part[member], minlength=k).astype(np.float64)[:, None]  # [k, 1]
    if rivals is None:
        held = np.asarray(X.sum(0), dtype=np.float64) - counts  # [k, V]
        others = n_all - size  # [k, 1]
    else:
        held = np.asarray((sp.csr_matrix(rivals.astype(np.float64)).T @ X).todense(), dtype=np.float64)  # [k, V]
        others = rivals.sum(0).astype(np.float64)[:, None]  # [k, 1]
    lift = ((counts + 0.5) / (size + 1)) / ((held + 0.5) / (others + 1))
    return counts, lift


def rivals(sentences: list[str], assignment: np.ndarray, ranges: list[tuple[int, int]]) -> np.ndarray:
    """Which sentences a reader could take for each region's [N, k]: those of other regions (or none) whose
    length (`word_count`) lies in its word range (`word_ranges`), as the reader's test reads (`reader`)."""
    part = np.asarray(assignment)
    n = np.array([word_count(s) for s in sentences])[:, None]  # [N, 1]
    lo, hi = np.array(ranges, dtype=np.int64).reshape(-1, 2).T  # [k] each
    return (n >= lo) & (n <= hi) & (part[:, None] != np.arange(len(ranges)))


def keywords(
    sentences: list[str],
    assignment: np.ndarray,
    k: int,
    top: int = KEYWORDS,
    min_lift: float = MIN_LIFT,
    min_count: int = MIN_COUNT,
    terms=None,
    shared: bool = True,
    search: bool = True,
    ranges: list[tuple[int, int]] | None = None,
) -> list[list[str]]:
    """Each of k regions' keywords (at most `top`; the module's docstring says how they are chosen):
    assignment [N] gives each sentence's region, -1 for none. `terms`: `term_matrix(sentences)`, when the
    caller has it. `search`: improve the greedy choice by local search (`_swap`); `shared`: each region may then
    list one keyword that other regions list too. `ranges` (`word_ranges`): a keyword is over-represented
    against the region's rivals, the others' sentences of a length in its word range (`rivals`), and, with
    `search`, swapped for one that makes the reader's test guess more sentences right (`_read`)."""
    part = np.asarray(assignment)
    X, names = terms if terms is not None else term_matrix(sentences, min_count)
    if not names:
        return [[] for _ in range(k)]
    counts, lift = lifts(X, part, k, rivals(sentences, part, ranges) if ranges is not None else None)
    # [V] the region where each term is most over-represented, of those where enough sentences hold it (a
    # small region where one sentence holds it would otherwise take it from every region)
    home = np.where(counts >= min_count, lift, -np.inf).argmax(0)
    out: list[list[str]] = []
    for r in range(k):
        cand = np.flatnonzero((home == r) & (lift[r] >= min_lift) & (counts[r] >= min_count))
        members = np.flatnonzero(part == r)
        M = X[members][:, cand].tocsc()  # [size, candidates]
        tokens = [names[j].split() for j in cand]
        uncovered = np.ones(len(members))
        open_ = np.ones(len(cand), dtype=bool)
        chosen: list[int] = []
        while len(chosen) < top and open_.any():
            gain = uncovered @ M  # [candidates] sentences each would add
            first = gain if gain[open_].max() > 0 else counts[r, cand]  # then, once none adds one: frequency
            key = np.where(open_, first, -1.0)
            best = np.flatnonzero(key == key.max())
            j = int(best[np.argmax(lift[r, cand[best]])])
            chosen.append(j)
            uncovered[M[:, j].nonzero()[0]] = 0
            open_[j] = False
            for i in np.flatnonzero(open_):  # never a phrase beside its own word, nor a word beside its phrase
                if set(tokens[i]) & set(tokens[j]) and (len(tokens[i]) == 1 or len(tokens[j]) == 1):
                    open_[i] = False
        out.append([int(cand[j]) for j in chosen])
    if search:
        _swap(out, X, part, counts, lift, names, top, min_lift, min_count, shared)
        if ranges is not None:
            _read(out, X, part, sentences, ranges, (lift >= READ_LIFT) & (counts >= min_count), counts, names, top)
    return [[names[j] for j in ws] for ws in out]


def _read(
    found: list[list[int]],
    X,
    part: np.ndarray,
    sentences: list[str],
    ranges: list[tuple[int, int]],
    allowed: np.ndarray,
    counts: np.ndarray,
    names: list[str],
    top: int,
) -> None:
    """Improve the keywords for the reader's test (`reader`): each region in turn may swap any of its keywords
    (or, in a list shorter than `top`, add one) for the candidate that makes the most sentences guessed right,
    of the READ_CANDIDATES holding most of its sentences that are over-represented there against its rivals
    (`allowed` [k, V]) and that no other region lists, never a phrase beside its own word; until a pass changes
    nothing (at most SWAP_PASSES). A swap adds no shared keyword, so distinctiveness never falls. Then each
    list is ordered as it covers (`_order`). In place: found [k] lists of term indices into X [N, V]."""
    k = len(found)
    n = np.array([word_count(s) for s in sentences])[:, None]  # [N, 1]
    lo, hi = np.array(ranges, dtype=np.int64).reshape(-1, 2).T
    open_ = (n >= lo) & (n <= hi)  # [N, k] the regions the reader keeps for each sentence
    open_[~open_.any(1)] = True
    Xc = X.tocsc()
    col = [Xc.indices[Xc.indptr[j] : Xc.indptr[j + 1]] for j in range(X.shape[1])]  # each term's sentences
    S = np.zeros((len(part), k), dtype=np.int32)  # [N, k] how many of each region's keywords each holds
    for r, ws in enumerate(found):
        for j in ws:
            S[col[j], r] += 1
    listed = {j for ws in found for j in ws}

    def right(rows: np.ndarray, scores: np.ndarray) -> float:  # the credit the reader gives these rows
        sc = np.where(open_[rows], scores, -1)
        best = sc == sc.max(1, keepdims=True)
        own = part[rows]
        ok = own >= 0
        return float((best[ok, own[ok]] / best[ok].sum(1)).sum())

    for _ in range(SWAP_PASSES):
        changed = False
        for r in range(k):
            for slot in [*range(len(found[r])), *([None] if len(found[r]) < top else [])]:
                ws = found[r]
                old = ws[slot] if slot is not None else None
                words = {t for i, j in enumerate(ws) if i != slot for t in names[j].split()}
                pool = np.flatnonzero(allowed[r])
                pool = pool[np.argsort(-counts[r, pool], kind="stable")]
                best, gain = None, 1e-9
                tried = 0
                for b in pool:
                    b = int(b)
                    if b in listed or words & set(names[b].split()):
                        continue
                    tried += 1
                    if tried > READ_CANDIDATES:
                        break
                    rows = np.union1d(col[old], col[b]) if old is not None else col[b]
                    before = S[rows]
                    after = before.copy()
                    if old is not None:
                        after[np.isin(rows, col[old]), r] -= 1
                    after[np.isin(rows, col[b]), r] += 1
                    g = right(rows, after) - right(rows, before)
                    if g > gain:
                        best, gain = b, g
                if best is None:
                    continue
                if old is not None:
                    S[col[old], r] -= 1
                    ws[slot] = best
                    if not any(old in o for o in found):  # still listed where another region shares it
                        listed.discard(old)
                else:
                    ws.append(best)
                S[col[best], r] += 1
                listed.add(best)
                changed = True
        if not changed:
            break
    for r in range(k):
        members = np.flatnonzero(part == r)
        found[r] = _order(found[r], X[members].tocsc(), [])


def _swap(
    found: list[list[int]],
    X,
    part: np.ndarray,
    counts: np.ndarray,
    lift: np.ndarray,
    names: list[str],
    top: int,
    min_lift: float,
    min_count: int,
    shared: bool,
) -> None:
    """Improve the greedy keywords by local search: each region in turn (the least covered first) may swap any
    of its keywords (or, in a list shorter than `top`, add one) for a candidate over-represented there that
    holds more of its sentences, until a pass changes nothing (at most SWAP_PASSES). The candidate is one no
    other region of the level lists (its own region left it out, as greedy picks stop at `top`), or, when
    `shared`, one another region lists too, as a word common in several regions ("i", "the food") names each
    of them for many sentences. A region shares one keyword at most, and only in a list of at least
    MIN_SHARED, so at most one of its keywords in MIN_SHARED is not its own: distinctiveness stays at least
    (MIN_SHARED - 1) / MIN_SHARED = 0.8. Each swap only adds covered sentences, so coverage never falls below
    the greedy choice's. Then each list is ordered as it covers (`_order`). In place: found [k] lists of term
    indices into X [N, V]."""
    k = len(found)
    members = [np.flatnonzero(part == r) for r in range(k)]
    M = [X[m].tocsc() for m in members]  # [size_r, V] each region's sentences' terms
    listed: dict[int, set[int]] = {}  # term -> the regions that list it
    for r, ws in enumerate(found):
        for j in ws:
            listed.setdefault(j, set()).add(r)

    def covered(r: int, ws: list[int]) -> np.ndarray:
        return np.asarray(M[r][:, ws].sum(1)).ravel() > 0 if ws else np.zeros(len(members[r]), bool)

    def sharing(r: int, ws: list[int], but: int = -1) -> bool:  # whether a keyword of ws (but `but`) is shared
        return any(len(listed[j] - {r}) > 0 for j in ws if j != but)

    order = [
        int(r)
        for r in np.argsort([covered(r, found[r]).mean() if len(members[r]) else 1.0 for r in range(k)], kind="stable")
        if len(members[r])
    ]
    for _ in range(SWAP_PASSES):
        changed = False
        for r in order:
            allowed = (lift[r] >= min_lift) & (counts[r] >= min_count)  # [V]
            for slot in [*range(len(found[r])), *([None] if len(found[r]) < top else [])]:  # None: add one
                ws = found[r]
                rest = [j for i, j in enumerate(ws) if i != slot]
                gain = (~covered(r, rest)).astype(np.float64) @ M[r]  # [V] sentences each term would add
                words = {t for j in rest for t in names[j].split()}
                for j in np.argsort(-gain, kind="stable")[:200]:  # the most gaining 200: bounded work a slot
                    j = int(j)
                    if gain[j] <= (gain[ws[slot]] if slot is not None else 0):
                        break  # no better candidate for this slot
                    if not allowed[j] or j in ws or words & set(names[j].split()):
                        continue  # never a phrase beside its own word
                    others = listed.get(j, set()) - {r}
                    if others and (
                        not shared
                        or len(rest) + 1 < MIN_SHARED
                        or sharing(r, rest)
                        or any(len(found[g]) < MIN_SHARED or sharing(g, found[g], j) for g in others)
                    ):
                        continue  # a shared keyword: one at most in a region, and in a list of MIN_SHARED or more
                    if slot is None:
                        ws.append(j)
                    else:
                        listed[ws[slot]].discard(r)
                        ws[slot] = j
                    listed.setdefault(j, set()).add(r)
                    changed = True
                    break
        if not changed:
            break
    for r in order:
        found[r] = _order(found[r], M[r], [j for j in found[r] if lift[r, j] < max(lift[g, j] for g in listed[j])])


def _order(ws: list[int], M, last: list[int]) -> list[int]:
    """Keywords ws as they cover a region's sentences (M [size, V]): first the one holding most, then the one
    adding most, and so on (ties: as listed); the keywords in `last` (those shared with a region where they
    are more over-represented) after all others, so the map's first three are the region's own."""
    out: list[int] = []
    uncovered = np.ones(M.shape[0])
    for group in ([j for j in ws if j not in last], [j for j in ws if j in last]):
        while group:
            j = group.pop(int(np.argmax(uncovered @ M[:, group])))
            out.append(j)
            uncovered[M[:, j].nonzero()[0]] = 0
    return out


def contains(sentence: str, keyword: str) -> bool:
    """Whether a tokenised sentence holds a keyword: its word, or a phrase's tokens side by side."""
    return f" {keyword.lower()} " in f" {' '.join(sentence.lower().split())} "


def word_count(sentence: str) -> int:
    """A tokenised sentence's length in words: its tokens holding a letter or a digit (not punctuation)."""
    return sum(any(ch.isalnum() for ch in t) for t in sentence.split())
