"""Reading one-sentence-per-line corpora and cutting them into length-grouped batches."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from textae.config import MAX_TOKENS
from textae.errors import DataError, InputError, TextaeWarning
from textae.storage.access import shared_data
from textae.storage.files import open_regular
from textae.storage.keys import sentences_digest
from textae.vocab import EOS, GO, PAD, Vocab


@dataclass(frozen=True)
class DataLayout:
    """Where each part of a data directory laid out like ../shared/data/yelp lives: the one owner of that layout.

    train.txt valid.txt test.txt      one sentence per line; train.labels etc.: 0 or 1 per line
    sentiment/{100,1000}.{neg,pos}    sentence sets for a sentiment vector
    tense/valid.{past,present}        sentence sets for a tense vector
    interpolate/example.{long,short}  interpolation pairs: line i of each
    """

    root: Path

    @classmethod
    def shared(cls, name: str = "yelp") -> DataLayout:
        """The shared data beside the repository (../shared/data/NAME), or under $TEXTAE_SHARED_DATA."""
        return cls(shared_data() / name)

    def split(self, name: str) -> Path:
        """A split's sentences: train, valid or test."""
        return self.root / f"{name}.txt"

    def labels(self, name: str) -> Path:
        """A split's labels, line-aligned with its sentences."""
        return self.root / f"{name}.labels"

    def sentiment(self, size: int = 100) -> tuple[Path, Path]:
        """The (negative, positive) sentence sets of a size (100 or 1000)."""
        return self.root / "sentiment" / f"{size}.neg", self.root / "sentiment" / f"{size}.pos"

    def tense(self) -> tuple[Path, Path]:
        """The (past, present) sentence sets."""
        return self.root / "tense" / "valid.past", self.root / "tense" / "valid.present"

    def interpolation(self) -> tuple[Path, Path]:
        """The (long, short) files whose line i makes an interpolation pair."""
        return self.root / "interpolate" / "example.long", self.root / "interpolate" / "example.short"


def split_sentences(
    lines: list[str], keep_empty: bool = False, max_tokens: int = MAX_TOKENS, source: str = "input"
) -> list[list[str]]:
    """Whitespace-tokenise lines; drop empty ones unless `keep_empty` (line-aligned outputs)."""
    sents, n_empty, n_long = [], 0, 0
    for line in lines:
        words = line.split()
        if not words:
            n_empty += 1
            if not keep_empty:
                continue
        if len(words) > max_tokens:
            n_long += 1
            words = words[:max_tokens]
        sents.append(words)
    if n_long:
        warnings.warn(
            f"{source}: {n_long} line(s) longer than {max_tokens} tokens were truncated", TextaeWarning, stacklevel=3
        )
    if n_empty == len(lines):
        return sents  # nothing but empty lines: the caller says there are no sentences, with no warning first
    if n_empty and keep_empty:
        warnings.warn(
            f"{source}: {n_empty} empty line(s) are encoded as the empty sentence", TextaeWarning, stacklevel=3
        )
    elif n_empty:
        warnings.warn(f"{source}: skipped {n_empty} empty line(s)", TextaeWarning, stacklevel=3)
    return sents


MAX_FILE_BYTES = 512 * 2**20  # a corpus file: Yelp train is 8 MB; a million sentences about 60 MB
MAX_FILE_LINES = 5_000_000


def read_bytes(path: str | Path, max_bytes: int = MAX_FILE_BYTES, what: str = "a text file") -> bytes:
    """The bytes of a regular file of at most `max_bytes` (never a device, FIFO or socket, which may not end);
    DataError, asking for `what`, otherwise.

    The one rule for the files textae reads (textae.storage.files.open_regular): a regular file, opened without
    blocking and never through a link. The path given here is resolved first, so a link it names is read as its
    target: for a path a person names, the app has already checked that target against its allowed folders
    (textae.storage.access). The disk cache reads its entries with open_regular itself, unresolved, so a link
    there is refused, never followed.
    """
    path = Path(path)
    try:
        target = path.resolve()
        if target.is_dir():
            raise DataError(f"{path} is a directory; give {what}")
        with open_regular(target) as f:  # O_NONBLOCK: a FIFO or device is refused, never waited on
            too_big = os.fstat(f.fileno()).st_size > max_bytes
            raw = b"" if too_big else f.read(max_bytes + 1)  # one that grows (or says 0, as /proc's do) stops here
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except DataError as e:
        if "not a regular file" in str(e):
            raise DataError(f"{path} is not a regular file (a device, a pipe or a socket); give {what}") from None
        raise
    except OSError as e:
        raise DataError(f"{path} cannot be read: {e.strerror or e}") from None
    if too_big or len(raw) > max_bytes:
        raise DataError(
            f"{path} is larger than {max_bytes / 2**20:,.0f} MiB, the most that is read; give a smaller file"
        )
    return raw


def read_lines(path: str | Path, max_bytes: int = MAX_FILE_BYTES, max_lines: int = MAX_FILE_LINES) -> list[str]:
    """Lines of a UTF-8 text file (at most max_bytes and max_lines); invalid bytes become U+FFFD with a warning."""
    lines = decode_lines(read_bytes(path, max_bytes), str(path))
    if len(lines) > max_lines:
        raise DataError(f"{path} has {len(lines):,} lines; at most {max_lines:,} are read; give a smaller file")
    return lines


def decode_lines(raw: bytes, source: str = "input") -> list[str]:
    """Lines of UTF-8 bytes (a file's or an upload's; UTF-16 with its byte-order mark too); binary data is
    refused, bad bytes become U+FFFD."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16's byte-order mark (Windows editors' "Unicode")
        return raw.decode("utf-16", errors="replace").splitlines()
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # UTF-8's byte-order mark
    if b"\x00" in raw[:4096]:
        raise DataError(f"{source} looks like a binary file; give a text file with one sentence per line")
    text = raw.decode("utf-8", errors="replace")
    if "\ufffd" in text and "\ufffd".encode() not in raw:
        n_bad = sum("\ufffd" in line for line in text.splitlines())
        warnings.warn(
            f"{source}: {n_bad} line(s) are not valid UTF-8; bad bytes were replaced by U+FFFD",
            TextaeWarning,
            stacklevel=2,
        )
    return text.splitlines()


def read_sentences(path: str | Path, keep_empty: bool = False, max_tokens: int = MAX_TOKENS) -> list[list[str]]:
    """Tokenised sentences of a one-sentence-per-line file; raises DataError if there are none."""
    sents = split_sentences(read_lines(path), keep_empty, max_tokens, source=str(path))
    if not any(sents):
        raise DataError(f"{path} holds no sentences (it is empty or blank)")
    return sents


def as_sentences(text: str | list, max_tokens: int = MAX_TOKENS) -> tuple[list[list[str]], bool]:
    """Normalise one sentence or a list of sentences (strings or token lists) to token lists.

    Returns the token lists and whether a single sentence was given, so callers
    can answer a single sentence with a single result.
    """
    if isinstance(text, str):
        return split_sentences([text], keep_empty=True, max_tokens=max_tokens), True
    if not isinstance(text, (list, tuple)):
        raise TypeError(f"expected a sentence (str) or a list of sentences, got {type(text).__name__}")
    if text and all(isinstance(t, (list, tuple)) for t in text):
        return [list(t)[:max_tokens] for t in text], False
    if not all(isinstance(t, str) for t in text):
        raise TypeError(
            "expected a list of sentences (str), got a list holding "
            + ", ".join(sorted({type(t).__name__ for t in text if not isinstance(t, str)}))
        )
    return split_sentences(list(text), keep_empty=True, max_tokens=max_tokens), False


def pad_batch(
    ids: list[list[int]], device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Build the model's inputs from token ids.

    Returns go_x [T, B] (`<go>` w1..wn, padded), x_eos [T, B] (w1..wn `<eos>`, padded)
    and lengths [B] (n + 1, the real length of both), with T = max n + 1.
    """
    lengths = torch.tensor([len(s) for s in ids], dtype=torch.long)
    tokens = torch.full((len(ids), int(lengths.max()) if len(ids) else 0), PAD, dtype=torch.long)
    for i, s in enumerate(ids):
        tokens[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return _frame(tokens.to(device), lengths.to(device), lengths)


def _frame(
    tokens: torch.Tensor, lengths: torch.Tensor, host_lengths: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """tokens [B, n] padded words, lengths [B] word counts (on the tokens' device, and on the host)
    -> go_x, x_eos [n+1, B] on the device, lengths + 1 on the host (the encoder packs with them)."""
    B = tokens.size(0)
    go = torch.full((B, 1), GO, dtype=tokens.dtype, device=tokens.device)
    pad = torch.full((B, 1), PAD, dtype=tokens.dtype, device=tokens.device)
    go_x = torch.cat([go, tokens], 1)  # [B, n+1]
    x_eos = torch.cat([tokens, pad], 1).scatter_(1, lengths[:, None], EOS)  # [B, n+1]
    return go_x.t().contiguous(), x_eos.t().contiguous(), host_lengths + 1


class Batches:
    """A tokenised corpus held once as a padded tensor on the device, served in length-grouped batches.

    Grouping by length keeps padding (wasted LSTM steps) near zero; each shuffled
    epoch breaks length ties at random, so batch membership changes every epoch.
    """

    def __init__(self, sents: list[list[str]], vocab: Vocab, batch_size: int, device: torch.device | str = "cpu"):
        if not sents:
            raise DataError("no sentences to batch")
        if batch_size < 1:
            raise InputError(f"the batch size must be at least 1, not {batch_size}")
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.cpu_lengths = torch.tensor([len(s) for s in sents], dtype=torch.long)  # [N] word counts, on the host
        tokens = torch.full((len(sents), max(1, int(self.cpu_lengths.max()))), PAD, dtype=torch.long)
        for i, s in enumerate(sents):
            if s:
                tokens[i, : len(s)] = torch.tensor(vocab.ids(s), dtype=torch.long)
        self.tokens = tokens.to(self.device)  # [N, max_len]
        # batch shapes are planned from the host copy, without device syncs; the device copy builds x_eos
        self.device_lengths = self.cpu_lengths.to(self.device)  # [N]

    def __len__(self) -> int:
        return (len(self.cpu_lengths) + self.batch_size - 1) // self.batch_size

    def plan(self, generator: torch.Generator | None = None, min_batch: int = 1) -> list[torch.Tensor]:
        """Index tensors of the batches of one epoch: shuffled if a generator is given.

        A last batch smaller than `min_batch` joins the one before it, so that data
        parallel ranks each get at least one sentence of every batch.
        """
        lengths = self.cpu_lengths.double()
        if generator is not None:
            lengths = lengths + torch.rand(len(lengths), generator=generator, dtype=torch.double)
        order = torch.argsort(lengths, stable=True)
        chunks = list(order.split(self.batch_size))
        if len(chunks) > 1 and len(chunks[-1]) < min_batch:
            chunks[-2:] = [torch.cat(chunks[-2:])]
        if generator is not None:
            perm = torch.randperm(len(chunks), generator=generator).tolist()
            chunks = [chunks[i] for i in perm]
        return chunks

    def batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """go_x [T, B], x_eos [T, B] on the device and lengths [B] on the host, for the sentences at `idx`."""
        host_lengths = self.cpu_lengths[idx]
        n = int(host_lengths.max())  # batches are length-sorted, so this is tight
        idx = idx.to(self.device, non_blocking=True)
        return _frame(self.tokens[idx, :n], self.device_lengths[idx], host_lengths)

    def epoch(
        self, generator: torch.Generator | None = None
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Iterate over the batches of one epoch."""
        for idx in self.plan(generator):
            yield self.batch(idx)


@dataclass
class Corpus:
    """Sentences to explore (whitespace-joined tokens), their optional labels, and how they were drawn.

    `digest` is the fingerprint of its sentences (textae.storage.keys.sentences_digest), computed once when it is
    made and passed down to whatever keys a result by the sentences alone (codes, maps, searches);
    `labels_digest` is its labels' ("" without labels), for what depends on them too (classifier, regions)."""

    sentences: list[str]
    labels: list[str] | None
    total: int  # non-empty lines in the source
    source: str
    digest: str = ""
    labels_digest: str = ""
    line_numbers: list[int] | None = None  # each sentence's line in its source (1-based), where it came from one

    def __post_init__(self):
        if not self.digest:
            self.digest = sentences_digest(self.sentences)
        if self.labels is not None and not self.labels_digest:
            self.labels_digest = sentences_digest(self.labels)

    @property
    def sampled(self) -> bool:
        """Whether a sample of the source is held rather than all of it."""
        return self.total > len(self.sentences)


LABEL_NAMES = "label_names.txt"  # beside a labels file: line i names label i


def read_label_names(labels_path: str | Path) -> dict[str, str]:
    """The names of a labels file's values, from label_names.txt beside it (line i names label i): {"0":
    "negative", ...}; {} when there is no such file, and then labels keep their values."""
    f = Path(labels_path).with_name(LABEL_NAMES)
    if not f.is_file():
        return {}
    names = [line.strip() for line in decode_lines(read_bytes(f, 1 << 20), str(f))]
    return {str(i): name[:64] for i, name in enumerate(names) if name}


def make_corpus(
    lines: list[str],
    labels: list[str] | None = None,
    limit: int = 0,
    seed: int = 0,
    source: str = "input",
    label_names: dict[str, str] | None = None,
    labels_source: str = "the labels file",
) -> Corpus:
    """Non-empty lines (and their labels, named by `label_names` where it names them), or a seeded sample
    of `limit` of them in source order.

    Labels are matched to lines before empty lines are dropped, so a labels file
    written beside its corpus stays aligned.
    """
    if labels is not None and len(labels) != len(lines):
        raise DataError(
            f"{labels_source} has {len(labels):,} line(s) but {source} has {len(lines):,}; "
            "give one label per sentence, in the same order"
        )
    keep = [i for i, line in enumerate(lines) if line.strip()]
    if not keep:
        raise DataError(f"{source} holds no sentences (it is empty or blank)")
    blank = [i + 1 for i in keep if labels is not None and not labels[i].strip()]
    if blank:  # a class named "" would be drawn and scored as any other
        raise DataError(
            f"line {blank[0]:,} of {labels_source} is blank ({len(blank):,} such line(s)) but line {blank[0]:,} of "
            f"{source} is a sentence; give every sentence a label (a blank sentence's label may be blank)"
        )
    total = len(keep)
    if limit and total > limit:
        gen = torch.Generator().manual_seed(seed)
        pick = torch.randperm(total, generator=gen)[:limit].sort().values.tolist()
        keep = [keep[i] for i in pick]
    sents = [" ".join(lines[i].split()[:MAX_TOKENS]) for i in keep]
    names = label_names or {}
    labs = [names.get(labels[i].strip(), labels[i].strip()) for i in keep] if labels is not None else None
    return Corpus(sents, labs, total, source, line_numbers=[i + 1 for i in keep])


MAX_LABELS_BYTES = 64 * 2**20  # a labels file: one short label a line, far smaller than its corpus


def read_label_file(path: str | Path, max_bytes: int = MAX_LABELS_BYTES) -> tuple[bytes, dict[str, str]]:
    """A labels file's bytes (at most `max_bytes`) and the names of its values (`read_label_names`)."""
    return read_bytes(path, max_bytes, "a labels file"), read_label_names(path)


def read_corpus(
    data: str | Path | bytes,
    labels: str | Path | bytes | None = None,
    limit: int = 0,
    seed: int = 0,
    source: str | None = None,
    names: dict[str, str] | None = None,
) -> Corpus:
    """A corpus with its optional labels: the one reader of both, for the commands and the app.

    `data` and `labels` are each a file's path or its bytes (an upload's); `source` names the corpus in
    messages (by default its path). A labels file's values are named by the label_names.txt beside it, and
    labels given as bytes by `names` (given names win over the file's). Line i of the labels labels line i
    of the corpus; a wrong number of lines, or a blank label beside a sentence, is a DataError that names the
    line. The non-empty lines, or a seeded sample of `limit` of them (`make_corpus`).
    """
    source = source or str(data if not isinstance(data, bytes) else "input")
    lines = decode_lines(data, source) if isinstance(data, bytes) else read_lines(data)
    labels_source, labs = f"the labels of {source}", None
    if labels is not None:
        if not isinstance(labels, bytes):
            labels_source = f"the labels file {labels}"
            labels, beside = read_label_file(labels)
            names = {**beside, **(names or {})}
        labs = decode_lines(labels, labels_source)
    return make_corpus(lines, labs, limit, seed, source, names, labels_source)
