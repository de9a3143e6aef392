"""Reading corpora (bad input included) and length-grouped batching."""

import warnings

import pytest
import torch

from textae.data import Batches, as_sentences, pad_batch, read_sentences
from textae.errors import DataError, TextaeWarning
from textae.vocab import EOS, GO, PAD, Vocab


def test_pad_batch_frames_inputs_and_targets():
    go_x, x_eos, lengths = pad_batch([[7, 8, 9], [5]])
    assert go_x[:, 0].tolist() == [GO, 7, 8, 9] and go_x[:, 1].tolist() == [GO, 5, PAD, PAD]
    assert x_eos[:, 0].tolist() == [7, 8, 9, EOS] and x_eos[:, 1].tolist() == [5, EOS, PAD, PAD]
    assert lengths.tolist() == [4, 2]


def test_batches_group_lengths_and_reshuffle(corpus):
    v = Vocab.build([s.split() for s in corpus])
    b = Batches([s.split() for s in corpus], v, 8, "cpu")
    g = torch.Generator().manual_seed(0)
    plan1, plan2 = b.plan(g), b.plan(g)
    assert sorted(torch.cat(plan1).tolist()) == list(range(len(corpus)))  # every sentence once
    spans = sorted((int(b.cpu_lengths[i].min()), int(b.cpu_lengths[i].max())) for i in plan1)
    assert all(hi <= nxt_lo for (_, hi), (nxt_lo, _) in zip(spans, spans[1:]))  # batches never interleave lengths
    assert {tuple(sorted(i.tolist())) for i in plan1} != {tuple(sorted(i.tolist())) for i in plan2}
    go_x, x_eos, lengths = b.batch(plan1[0])
    assert go_x.shape == x_eos.shape and go_x.shape[1] == len(plan1[0])


def test_empty_file_is_a_clear_error(tmp_path):
    (tmp_path / "e.txt").write_text("\n  \n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one message, the error: no "skipped 2 empty lines" before it
        with pytest.raises(DataError, match="no sentences"):
            read_sentences(tmp_path / "e.txt")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_sentences(tmp_path / "nope.txt")
    with pytest.raises(DataError, match="directory"):
        read_sentences(tmp_path)


def test_empty_lines_skipped_or_kept_with_warning(tmp_path):
    (tmp_path / "f.txt").write_text("a b\n\nc\n")
    with pytest.warns(TextaeWarning, match="skipped 1 empty"):
        assert read_sentences(tmp_path / "f.txt") == [["a", "b"], ["c"]]
    with pytest.warns(TextaeWarning, match="empty sentence"):
        assert read_sentences(tmp_path / "f.txt", keep_empty=True) == [["a", "b"], [], ["c"]]


def test_long_line_truncated_with_warning(tmp_path):
    (tmp_path / "long.txt").write_text(" ".join(["w"] * 500) + "\n")
    with pytest.warns(TextaeWarning, match="truncated"):
        sents = read_sentences(tmp_path / "long.txt")
    assert len(sents[0]) == 100


def test_non_utf8_bytes_replaced_with_warning(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 is good\nfine line\n")
    with pytest.warns(TextaeWarning, match="not valid UTF-8"):
        sents = read_sentences(tmp_path / "bad.txt")
    assert sents[0][0] == "caf\ufffd" and sents[1] == ["fine", "line"]


def test_binary_file_refused(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(DataError, match="binary"):
        read_sentences(tmp_path / "x.bin")


def test_as_sentences_says_single_or_list():
    assert as_sentences("the food") == ([["the", "food"]], True)
    assert as_sentences(["a b", "c"]) == ([["a", "b"], ["c"]], False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert as_sentences(["", "x"])[0] == [[], ["x"]]
    with pytest.raises(TypeError, match="list of sentences"):
        as_sentences(["ok", 3])
    with pytest.raises(TypeError):
        as_sentences(42)


def test_make_corpus_samples_with_a_seed_and_keeps_labels_aligned():
    from textae.data import make_corpus

    lines = [f"sentence {i}" if i % 10 else "" for i in range(1000)]
    labels = [str(i % 2) for i in range(1000)]
    full = make_corpus(lines, labels)
    assert full.total == 900 and not full.sampled and full.labels[0] == "1"  # line 0 is empty
    a, b = make_corpus(lines, labels, limit=50, seed=3), make_corpus(lines, labels, limit=50, seed=3)
    assert a.sentences == b.sentences and a.sampled and len(a.sentences) == 50
    assert all(lab == str(int(s.split()[1]) % 2) for s, lab in zip(a.sentences, a.labels))
    with pytest.raises(DataError, match="one label per sentence"):
        make_corpus(lines, labels[:10])
    with pytest.raises(DataError, match="no sentences"):
        make_corpus(["", "  "])


def test_decode_lines_refuses_binary_and_warns_on_bad_bytes():
    from textae.data import decode_lines

    with pytest.raises(DataError, match="binary"):
        decode_lines(b"\x00\x01weights", "upload.txt")
    with pytest.warns(TextaeWarning, match="not valid UTF-8"):
        assert decode_lines("caf\u00e9\n".encode("latin-1"), "x") == ["caf\ufffd"]
