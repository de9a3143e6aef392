"""Sentences rewritten by an attribute vector, in bulk, and scored: how much each changed, and whether a
classifier trained on the corpus's labels now reads it as another class.

- `rewrite`: decode(encode(x) + k·v) for every sentence (the paper's zero-shot transfer, Section 6), in
  batches with progress.
- `Classifier`: the one style classifier (textae.measure.style, `textae eval`'s judge too), trained once per
  labelled corpus on 80 % of it; its accuracy on the held-out 20 % says how far to trust its scores.
- `score`: each pair's word edit distance (normalised by the longer sentence), each side's probability of
  the class the vector moves towards (the class whose mean probability rises most) and predicted class.
  The flip share counts only the rows that started outside that class: with the rows' labels, those
  labelled outside it (the rows among them the classifier already read as the target are counted apart);
  without, those the classifier predicted outside it. A row already in it cannot flip towards it, and is
  reported apart (how many, and how far its probability moved).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from textae.errors import InputError
from textae.measure.metrics import word_symbols
from textae.measure.style import StyleClassifier
from textae.storage.files import csv_text

MAX_ROWS = 200_000
BATCH = 512
HELD_OUT = 0.2


def rewrite(
    m,
    sentences: list[str],
    v: np.ndarray,
    k: float,
    progress: Callable[[float], None] | None = None,
    batch: int = BATCH,
    codes: np.ndarray | None = None,
) -> list[str]:
    """Each sentence's code moved by k·v, decoded greedily: [len(sentences)] sentences, in order. `codes`
    [N, dim_z]: the sentences' codes when the caller has them (a map's), so they are not encoded again."""
    v = np.asarray(v, dtype=np.float32).reshape(-1)
    if not sentences:
        raise InputError("select at least one sentence to rewrite")
    if len(sentences) > MAX_ROWS:
        raise InputError(f"at most {MAX_ROWS:,} sentences are rewritten at once, not {len(sentences):,}")
    if not np.isfinite(k) or not np.isfinite(v).all():
        raise InputError("k and the vector must be finite numbers")
    if codes is not None and len(codes) != len(sentences):
        raise InputError(f"{len(codes)} codes for {len(sentences)} sentences")
    out: list[str] = []
    for start in range(0, len(sentences), batch):
        Z = codes[start : start + batch] if codes is not None else m.encode(list(sentences[start : start + batch]))
        out += m.decode(Z + k * v)
        if progress:
            progress(min(1.0, (start + batch) / len(sentences)))
    return out


@dataclass
class Classifier:
    """The style classifier (textae.measure.style) trained on a labelled corpus, and how accurate it is."""

    model: StyleClassifier
    accuracy: float  # on the held-out share
    trained_on: int

    @property
    def classes(self) -> list[str]:
        """Its classes, in `proba`'s order."""
        return self.model.classes

    def proba(self, sentences: list[str]) -> np.ndarray:
        """Probabilities [N, C] of each class (in `classes` order)."""
        return self.model.proba(sentences)


def train_classifier(sentences: list[str], labels: list[str], seed: int = 0) -> Classifier:
    """Train on 80 % of the labelled sentences (seeded) and measure accuracy on the other 20 %."""
    from sklearn.model_selection import train_test_split

    if labels is None or len(labels) != len(sentences):
        raise InputError("a classifier needs one label per sentence")
    if len(set(labels)) < 2:
        raise InputError("a classifier needs at least two classes among the labels")
    if len(sentences) < 20:
        raise InputError(f"a classifier needs at least 20 labelled sentences, not {len(sentences)}")
    xtr, xte, ytr, yte = train_test_split(list(sentences), list(labels), test_size=HELD_OUT, random_state=seed)
    model = StyleClassifier(xtr, ytr)
    return Classifier(model, model.accuracy(xte, yte), len(xtr))


@dataclass
class Scored:
    """Rewritten pairs with their scores; target is the class the vector moves towards (None without a
    classifier). With `labels` (each row's label in the corpus), a flip is counted over the rows labelled
    outside the target; without, over the rows the classifier predicted outside it."""

    before: list[str]
    after: list[str]
    edit: np.ndarray  # [N] normalised word edit distance
    target: str | None = None
    p_before: np.ndarray | None = None  # [N] probability of `target`
    p_after: np.ndarray | None = None
    class_before: list[str] | None = None  # [N] the predicted class of each side
    class_after: list[str] | None = None
    labels: list[str] | None = None  # [N] each row's label in the corpus, when it has labels

    @property
    def by_labels(self) -> bool:
        """Whether the flip share counts by the rows' labels (else by the classifier's predictions)."""
        return self.target is not None and self.labels is not None

    @property
    def started_elsewhere(self) -> np.ndarray | None:
        """[N] bool: the rows that started outside the target class, the ones a flip can count: labelled
        outside it (`by_labels`), else predicted outside it."""
        if self.target is None:
            return None
        start = self.labels if self.by_labels else self.class_before
        return np.array([c != self.target for c in start], dtype=bool)

    @property
    def misread(self) -> int | None:
        """How many rows labelled outside the target class the classifier read as the target before the
        rewrite: counted in the flip share, reported apart (None without labels)."""
        if not self.by_labels:
            return None
        return int((self.started_elsewhere & np.array([c == self.target for c in self.class_before])).sum())

    @property
    def reached(self) -> np.ndarray | None:
        """[N] bool: the rows that started outside the target class and whose rewrite is predicted in it."""
        if self.target is None:
            return None
        return self.started_elsewhere & np.array([c == self.target for c in self.class_after], dtype=bool)

    @property
    def flip_share(self) -> float | None:
        """Of the rows that started outside the target class, the share whose rewrite reads as the target
        (None without a classifier, or when every row started in the target class)."""
        if self.target is None or not self.started_elsewhere.any():
            return None
        return float(self.reached.sum() / self.started_elsewhere.sum())

    def already_there(self) -> tuple[int, float] | None:
        """The rows in the target class before the rewrite (labelled in it, `by_labels`; else predicted in it):
        how many, and their mean change of P(target) (None without a classifier or without such rows)."""
        if self.target is None:
            return None
        inside = ~self.started_elsewhere
        if not inside.any():
            return None
        return int(inside.sum()), float((self.p_after - self.p_before)[inside].mean())

    def rows(self) -> list[dict]:
        """One dict per pair: before, after, edit distance, and with a classifier its scores and classes."""
        out = []
        for i, (b, a) in enumerate(zip(self.before, self.after)):
            row = {"before": b, "after": a, "edit distance": round(float(self.edit[i]), 3)}
            if self.target is not None:
                row.update(
                    {
                        f"P({self.target}) before": round(float(self.p_before[i]), 3),
                        f"P({self.target}) after": round(float(self.p_after[i]), 3),
                        "change": round(float(self.p_after[i] - self.p_before[i]), 3),
                        "class before": self.class_before[i],
                        "class after": self.class_after[i],
                    }
                )
                if self.labels is not None:
                    row["label"] = self.labels[i]
            out.append(row)
        return out

    def to_csv(self) -> str:
        """The pairs and their scores as CSV."""
        rows = self.rows()
        return csv_text(rows, list(rows[0]) if rows else ["before", "after"])  # cells that are no formula


def score(
    before: list[str], after: list[str], clf: Classifier | None = None, labels: list[str] | None = None
) -> Scored:
    """Edit distances of rewritten pairs, and with a classifier, each side's probability of the class the
    rewrite moves towards and whether the predicted class flipped; `labels`: each row's label in the corpus,
    by which the flip share then counts (`Scored`)."""
    if labels is not None and len(labels) != len(before):
        raise InputError(f"{len(labels)} labels for {len(before)} rewritten rows")
    from rapidfuzz.distance import Levenshtein

    sym = word_symbols(list(before) + list(after))
    n = len(before)
    edit = np.array([Levenshtein.normalized_distance(sym[i], sym[n + i]) for i in range(n)])
    if clf is None:
        return Scored(list(before), list(after), edit)
    pb, pa = clf.proba(before), clf.proba(after)  # [N, C]
    t = int(np.argmax((pa - pb).mean(0)))  # the class the vector moves towards
    names = np.asarray(clf.classes)
    return Scored(
        list(before),
        list(after),
        edit,
        clf.classes[t],
        pb[:, t],
        pa[:, t],
        names[pb.argmax(1)].tolist(),
        names[pa.argmax(1)].tolist(),
        [str(y) for y in labels] if labels is not None else None,
    )


def transfer(
    m,
    sentences: list[str],
    v: np.ndarray,
    k: float,
    clf: Classifier | None = None,
    labels: list[str] | None = None,
    progress: Callable[[float], None] | None = None,
    codes: np.ndarray | None = None,
) -> Scored:
    """The page's one call: each sentence rewritten by z + k·v (`rewrite`), then scored (`score`) by the corpus's
    classifier and, where the corpus has them, its labels."""
    return score(sentences, rewrite(m, sentences, v, k, progress, codes=codes), clf, labels)
