"""textae.maps.rewrite: a selection rewritten by z + k·v, scored by edit distance and a corpus classifier."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

import textae
from textae.errors import InputError
from textae.maps.rewrite import rewrite, score, train_classifier, transfer

POSITIVE = ("great", "friendly", "amazing", "fresh")


@pytest.fixture(scope="module")
def model(trained_run):
    return textae.load(trained_run)


@pytest.fixture(scope="module")
def labelled(corpus):
    return corpus, ["pos" if any(w in s for w in POSITIVE) else "neg" for s in corpus]


def test_each_rewrite_is_the_decode_of_its_moved_code_in_order(model, corpus):
    v = model.style_vector([s for s in corpus if "rude" in s], [s for s in corpus if "friendly" in s])
    seen = []
    after = rewrite(model, corpus[:50], v, 1.5, seen.append, batch=16)
    assert after == model.decode(model.encode(corpus[:50]) + 1.5 * v)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 4  # a progress report per batch
    assert rewrite(model, corpus[:5], v, 0.0) == model.reconstruct(corpus[:5])
    codes = model.encode(corpus[:50])  # a map's codes, given: the same rewrites, nothing encoded again
    assert rewrite(model, corpus[:50], v, 1.5, batch=16, codes=codes) == after
    with pytest.raises(InputError, match="codes for"):
        rewrite(model, corpus[:50], v, 1.5, codes=codes[:3])


def test_bad_requests_get_a_message(model, corpus):
    v = np.ones(model.cfg.dim_z)
    with pytest.raises(InputError, match="at least one"):
        rewrite(model, [], v, 1.0)
    with pytest.raises(InputError, match="finite"):
        rewrite(model, corpus[:2], v, float("nan"))


def test_the_classifier_learns_the_labels_and_says_how_accurate_it_is(labelled):
    sentences, labels = labelled
    clf = train_classifier(sentences, labels)
    assert clf.classes == ["neg", "pos"] and clf.accuracy > 0.8 and clf.trained_on == 160
    p = clf.proba(["the staff is friendly", "the staff is rude"])
    assert p[0, 1] > p[1, 1]
    with pytest.raises(InputError, match="two classes"):
        train_classifier(sentences, ["neg"] * len(sentences))


def test_the_flip_share_counts_only_the_rows_that_started_outside_the_target(model, labelled):
    """Recomputed from the classifier's own predictions, not from the Scored object's columns: of the rows
    predicted outside the target class before, the share predicted in it after; the rows already in it apart."""
    sentences, labels = labelled
    clf = train_classifier(sentences, labels)
    v = model.style_vector(
        [s for s, lab in zip(sentences, labels) if lab == "neg"],
        [s for s, lab in zip(sentences, labels) if lab == "pos"],
    )
    before = sentences[:60]  # both classes: some rows start in the target class already
    after = rewrite(model, before, v, 2.0)
    scored = score(before, after, clf)
    assert scored.target == "pos"  # the vector from negative to positive moves towards pos
    was, now = clf.model.predict(before), clf.model.predict(after)
    outside = was != "pos"
    assert 0 < outside.sum() < len(before)
    assert scored.flip_share == pytest.approx(np.mean(now[outside] == "pos"))
    n_in, moved = scored.already_there()
    p_pos = lambda xs: clf.proba(xs)[:, clf.classes.index("pos")]  # noqa: E731
    assert n_in == (~outside).sum() and moved == pytest.approx(np.mean((p_pos(after) - p_pos(before))[~outside]))
    rows = scored.rows()
    assert [r["class before"] for r in rows] == was.tolist() and [r["class after"] for r in rows] == now.tolist()
    parsed = list(csv.DictReader(io.StringIO(scored.to_csv())))
    assert [r["before"] for r in parsed] == before and len(parsed[0]) == 8
    assert score(before[:3], before[:3], clf).flip_share in (None, 0.0)  # nothing rewritten: nothing reached


def test_without_labels_only_the_edit_distance_is_given(model, corpus):
    scored = score(corpus[:3], ["the food", corpus[1], "x y z"])
    assert scored.target is None and scored.flip_share is None
    assert scored.edit[1] == 0.0 and all(set(r) == {"before", "after", "edit distance"} for r in scored.rows())


def test_with_labels_the_flip_share_counts_the_rows_labelled_outside_the_target(model, labelled):
    """By the labels: over the rows labelled outside the target, the share now read as it; those the classifier
    already read as the target count in it and are reported apart; the rows labelled in it are 'already there'."""
    sentences, labels = labelled
    clf = train_classifier(sentences, labels)
    v = model.style_vector(
        [s for s, lab in zip(sentences, labels) if lab == "neg"],
        [s for s, lab in zip(sentences, labels) if lab == "pos"],
    )
    before, rows = sentences[:60], labels[:60]
    after = rewrite(model, before, v, 2.0)
    flipped = list(rows)
    flipped[0] = "pos" if rows[0] == "neg" else "neg"  # a label the classifier disagrees with
    scored = score(before, after, clf, flipped)
    assert scored.by_labels and scored.target == "pos"
    was, now = clf.model.predict(before), clf.model.predict(after)
    outside = np.array(flipped) != "pos"
    np.testing.assert_array_equal(scored.started_elsewhere, outside)
    assert scored.flip_share == pytest.approx(np.mean(now[outside] == "pos"))
    assert scored.misread == int((outside & (was == "pos")).sum())
    assert scored.already_there()[0] == int((~outside).sum())
    assert [r["label"] for r in scored.rows()] == flipped
    unlabelled = score(before, after, clf)
    assert not unlabelled.by_labels and unlabelled.misread is None
    with pytest.raises(InputError, match="labels for"):
        score(before, after, clf, rows[:3])


def test_one_classifier_of_whitespace_tokens_judges_eval_and_the_app():
    """`textae eval`'s judge and the app's are one class, and it reads "!", "i" and "n't" as words."""
    from textae.maps.rewrite import Classifier
    from textae.measure import evaluation
    from textae.measure.style import StyleClassifier

    assert evaluation.Classifier is StyleClassifier
    assert Classifier.__dataclass_fields__["model"].type in ("StyleClassifier", StyleClassifier)
    sentences = ["i do n't like it !", "i love it !", "we do n't go", "great food , i say", "bad food"] * 4
    clf = StyleClassifier(sentences, ["neg", "pos", "neg", "pos", "neg"] * 4)
    assert {"!", "i", "n't", "do n't"} <= clf.vocabulary()
    assert clf.accuracy(sentences, ["neg", "pos", "neg", "pos", "neg"] * 4) == 1.0
    with pytest.raises(InputError, match="two classes"):
        StyleClassifier(sentences, ["neg"] * len(sentences))


def test_a_transfer_is_the_rewrite_then_its_score_in_one_call(model, corpus):
    """`transfer`, the page's one call, gives what `rewrite` then `score` give."""
    v = np.random.default_rng(3).normal(size=model.cfg.dim_z).astype(np.float32)
    sents = corpus[:6]
    labels = ["1" if "great" in s else "0" for s in sents]
    once = transfer(model, sents, v, 1.5, None, labels)
    apart = score(sents, rewrite(model, sents, v, 1.5), None, labels)
    assert once.after == apart.after and np.array_equal(once.edit, apart.edit)
