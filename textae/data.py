"""Reading one-sentence-per-line corpora: lines, sentences, labels, and a Corpus to explore (its batches as
tensors: textae.batches). Nothing here imports torch until a corpus is sampled, so that a server draws a
warm map before torch loads (docs/app.md)."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from textae.config import MAX_TOKENS
from textae.errors import DataError, TextaeWarning
from textae.storage.access import shared_data
from textae.storage.files import open_regular
from textae.storage.keys import sentences_digest


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
        import torch  # torch's seeded permutation: the sample (and so its digest's cached codes) as it always was

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
