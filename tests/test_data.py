"""Reading corpora (bad input included) and length-grouped batching."""

import warnings

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textae.batches import Batches, pad_batch
from textae.data import as_sentences, read_sentences
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


words = st.text(alphabet="abcxyz .", max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(words, st.sampled_from("012")), min_size=1, max_size=30), limit=st.integers(0, 10))
def test_read_corpus_keeps_each_label_on_its_line_from_files_and_bytes(tmp_path, rows, limit):
    """The one corpus-with-labels reader: a file and its bytes give the same corpus, each sentence keeps the label
    of its own line (sampled or not), and a labels file's values are named by the label_names.txt beside it."""
    from textae.data import read_corpus

    rows = [(f"s{i} {text}", lab) for i, (text, lab) in enumerate(rows)]  # no blank sentence: each needs its label
    data, labels = tmp_path / "c.txt", tmp_path / "c.labels"
    data.write_text("".join(f"{t}\n" for t, _ in rows))
    labels.write_text("".join(f"{lab}\n" for _, lab in rows))
    (tmp_path / "label_names.txt").write_text("zero\none\n")  # "2" stays as it is
    named = {"0": "zero", "1": "one"}
    from_files = read_corpus(data, labels, limit, seed=1)
    from_bytes = read_corpus(data.read_bytes(), labels.read_bytes(), limit, 1, str(data), named)
    assert from_files == from_bytes
    assert from_files.source == str(data) and len(from_files.sentences) == (min(limit, len(rows)) or len(rows))
    by_line = {" ".join(t.split()): named.get(lab, lab) for t, lab in rows}
    assert all(by_line[s] == lab for s, lab in zip(from_files.sentences, from_files.labels))
    assert read_corpus(data).labels is None


def test_read_corpus_says_which_labels_line_is_wrong(tmp_path):
    from textae.data import read_corpus

    data, labels = tmp_path / "c.txt", tmp_path / "c.labels"
    data.write_text("a b\n\nc d\ne f\n")
    labels.write_text("0\n1\n")
    with pytest.raises(DataError, match=f"the labels file {labels} has 2 line.* {data} has 4; give one label per"):
        read_corpus(data, labels)
    labels.write_text("0\n\n1\n \n")  # a blank sentence's label may be blank; a sentence's may not
    with pytest.raises(DataError, match=f"line 4 of the labels file {labels} is blank \\(1 such"):
        read_corpus(data, labels)
    with pytest.raises(DataError, match="line 4 of the labels of upload.txt is blank"):
        read_corpus(data.read_bytes(), labels.read_bytes(), source="upload.txt")
    labels.write_text("0\n\n1\n1\n")
    assert read_corpus(data, labels).labels == ["0", "1", "1"]


def test_decode_lines_refuses_binary_and_warns_on_bad_bytes():
    from textae.data import decode_lines

    with pytest.raises(DataError, match="binary"):
        decode_lines(b"\x00\x01weights", "upload.txt")
    with pytest.warns(TextaeWarning, match="not valid UTF-8"):
        assert decode_lines("caf\u00e9\n".encode("latin-1"), "x") == ["caf\ufffd"]
