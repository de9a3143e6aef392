"""The one style classifier: the judge of `textae eval`'s transfer accuracy (textae.measure.evaluation) and of
the app's rewrites (textae.maps.rewrite). Logistic regression over word and bigram TF-IDF of the corpora's
whitespace tokens, so "!", "i" and "n't" count as words (scikit-learn's default token pattern drops them).
VERSION names it in the cache keys of what depends on it."""

from __future__ import annotations

import numpy as np

from textae.errors import InputError

TOKENS = r"\S+"  # a token: the tokenised corpora's whitespace tokens ("!", "i", "n't" among them)
# what the classifier is, in the cache keys of what depends on it: 2, one classifier of whitespace tokens
VERSION = 2


class StyleClassifier:
    """TF-IDF of word 1- and 2-grams (whitespace tokens, lower-cased, in at least 2 sentences), then logistic
    regression, trained on labelled sentences."""

    def __init__(self, sentences: list[str], labels: list[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        if labels is None or len(labels) != len(sentences):
            raise InputError("a classifier needs one label per sentence")
        if len(set(labels)) < 2:
            raise InputError("a classifier needs at least two classes among the labels")
        self.pipeline = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, token_pattern=TOKENS), LogisticRegression(max_iter=1000)
        )
        self.pipeline.fit(list(sentences), [str(y) for y in labels])
        self.classes = [str(c) for c in self.pipeline.classes_]

    def proba(self, sentences: list[str]) -> np.ndarray:
        """Probabilities [N, C] of each class (in `classes` order)."""
        return self.pipeline.predict_proba(list(sentences))

    def predict(self, sentences: list[str]) -> np.ndarray:
        """The predicted class of each sentence [N]."""
        return self.pipeline.predict(list(sentences))

    def accuracy(self, sentences: list[str], labels: list[str]) -> float:
        """Share of sentences classified as their label (NaN: none)."""
        if not len(sentences):
            return float("nan")
        return float(np.mean(self.predict(sentences) == np.asarray([str(y) for y in labels])))

    def vocabulary(self) -> set[str]:
        """The words and bigrams it reads."""
        return set(self.pipeline[0].vocabulary_)
