from pathlib import Path

import pytest

from textae.vocab import BLANK, EOS, GO, PAD, SPECIALS, UNK, Vocab


def test_specials_have_reference_ids():
    assert (PAD, GO, EOS, UNK, BLANK) == (0, 1, 2, 3, 4)
    v = Vocab.build([["a", "b", "a"]])
    assert v.idx2word[:5] == SPECIALS


def test_build_orders_by_frequency_and_caps(tmp_path):
    sents = [["x"] * 3 + ["y"] * 2 + ["z"]]
    v = Vocab.build(sents, max_size=2)
    assert v.idx2word[5:] == ["x", "y"]
    assert v.ids(["z", "x"]) == [UNK, 5]
    assert v.counts[UNK] == 1  # the one occurrence the cap lost


def test_round_trip_reference_format(tmp_path: Path):
    v = Vocab.build([["the", "food", "is", "great", "the"]])
    v.save(tmp_path / "vocab.txt")
    lines = (tmp_path / "vocab.txt").read_text().splitlines()
    assert lines[5] == "the\t2"  # token<TAB>count, line number = id
    w = Vocab.load(tmp_path / "vocab.txt")
    assert w.idx2word == v.idx2word and w.counts == v.counts


def test_loads_reference_style_file_without_counts(tmp_path: Path):
    (tmp_path / "vocab.txt").write_text("\n".join(SPECIALS + ["hello", "world"]) + "\n")
    v = Vocab.load(tmp_path / "vocab.txt")
    assert v.size == 7 and v.ids(["world"]) == [6]


def test_rejects_vocab_without_specials(tmp_path: Path):
    (tmp_path / "vocab.txt").write_text("a\t1\nb\t2\n")
    with pytest.raises(ValueError, match="must start with"):
        Vocab.load(tmp_path / "vocab.txt")


def test_words_cut_at_eos():
    v = Vocab.build([["a", "b"]])
    assert v.words([v.word2idx["a"], EOS, v.word2idx["b"]]) == ["a"]


def test_specials_in_corpus_are_not_duplicated():
    v = Vocab.build([["<unk>", "a", "<pad>"]])
    assert v.idx2word.count("<unk>") == 1 and v.idx2word.count("<pad>") == 1


def test_a_vocabulary_is_lowercase_unless_a_word_is_not():
    """Typed text is lowercased for a lowercase vocabulary; Yahoo's `_UNK` placeholder does not count."""
    assert Vocab.build([["the", "_UNK", "food"]]).lowercase
    assert not Vocab.build([["the", "Food"]]).lowercase
