"""A corpus's prose (textae.prose): detokenize's, kept in the disk cache per corpus and detokeniser."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textae import prose as prose_module
from textae.detokenize import detokenize, detokenize_all
from textae.prose import prose, prose_of
from textae.storage import cache
from textae.storage.keys import sentences_digest

SENTENCES = ["i do n't like it .", "the food was $ _num_ .", "", "`` gon na '' try -lrb- again -rrb-", "ok"]


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTAE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_prose_is_detokenize_kept_on_disk_and_read_back(store, monkeypatch):
    assert prose(SENTENCES) == detokenize_all(SENTENCES)
    assert [p.name.split("-")[0] for p in cache.entries()] == ["prose"]
    monkeypatch.setattr(prose_module, "detokenize_all", lambda s: pytest.fail("detokenised again"))
    assert prose(SENTENCES, sentences_digest(SENTENCES)) == [detokenize(s) for s in SENTENCES]
    assert prose([]) == []


def test_another_detokeniser_or_corpus_makes_another_entry(store, monkeypatch):
    prose(SENTENCES)
    prose(SENTENCES[:-1])
    monkeypatch.setattr(prose_module, "detokenizer_version", lambda: "another")
    prose(SENTENCES)
    assert len(cache.entries()) == 3


def test_one_sentences_prose_is_the_corpuss():
    assert [prose_of(s) for s in SENTENCES] == detokenize_all(SENTENCES)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(
            st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6).map(str.strip).filter(bool),
            max_size=8,
        ).map(" ".join),
        max_size=20,
    )
)
def test_prose_read_back_is_detokenize_of_any_tokens(store, sentences):
    prose(sentences)
    assert prose(sentences) == detokenize_all(sentences)  # the second from disk


def test_prose_made_apart_in_a_child_is_the_same_text(store, monkeypatch):
    """A server makes a corpus's prose in a child process (`apart`), so that it takes neither the readers' GIL
    nor their core: the same text as in this process, odd characters too; in this process when the child fails."""
    odd = SENTENCES + ["café « ok » \u2028 fine", "x\ty", "-lrb- $ _num_ -rrb- !"]
    assert prose_module.detokenize_apart(odd) == detokenize_all(odd)
    prose_module.prepare(odd)  # made apart and kept: read back, not detokenised here
    with monkeypatch.context() as here:
        here.setattr(prose_module, "detokenize_all", lambda s: pytest.fail("detokenised again"))
        assert prose(odd) == [detokenize(s) for s in odd]
        here.setattr(prose_module, "detokenize_apart", lambda s: pytest.fail("made again"))
        prose_module.prepare(odd)  # kept already: left as it is
    monkeypatch.setattr(prose_module.sys, "executable", "/nonexistent/python")
    assert prose_module.detokenize_apart(odd) == detokenize_all(odd)  # said in this process instead
