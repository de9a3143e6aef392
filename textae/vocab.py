"""Word vocabulary in the reference format: `token<TAB>count` per line, line number = id."""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from pathlib import Path

from textae.errors import CheckpointError, InputError

SPECIALS = ["<pad>", "<go>", "<eos>", "<unk>", "<blank>"]
PAD, GO, EOS, UNK, BLANK = range(5)


class Vocab:
    """Maps words to ids; ids 0-4 are the special tokens of the reference code."""

    def __init__(self, words: list[str], counts: list[int] | None = None):
        if words[:5] != SPECIALS:
            raise InputError(f"a vocabulary must start with {' '.join(SPECIALS)}, got {' '.join(words[:5])}")
        if len(set(words)) != len(words):
            dup = next(w for i, w in enumerate(words) if w in words[:i])
            raise InputError(f"a vocabulary holds each token once; {dup!r} is there twice")
        self.idx2word = list(words)
        self.counts = list(counts) if counts is not None else [0] * len(words)
        self.word2idx = {w: i for i, w in enumerate(self.idx2word)}

    def __len__(self) -> int:
        return len(self.idx2word)

    @cached_property
    def lowercase(self) -> bool:
        """Whether no word is in upper case (placeholders such as Yahoo's `_UNK` aside), as in both shipped
        corpora: text a person types is then lowercased before it is read (textae.detokenize.tokenize)."""
        return not any(w != w.lower() and not w.startswith(("_", "<")) for w in self.idx2word)

    @property
    def size(self) -> int:
        """Number of ids, specials included."""
        return len(self.idx2word)

    @classmethod
    def build(cls, sents: list[list[str]], max_size: int = 10000) -> Vocab:
        """Keep the `max_size` most frequent words; the `<unk>` count is what they miss."""
        cnt = Counter(w for s in sents for w in s)
        for tok in SPECIALS:  # a corpus that already holds a special token must not duplicate it
            cnt.pop(tok, None)
        kept = cnt.most_common(max_size)
        n_unk = sum(cnt.values()) - sum(c for _, c in kept)
        words = SPECIALS + [w for w, _ in kept]
        counts = [0, len(sents), len(sents), n_unk, 0] + [c for _, c in kept]
        return cls(words, counts)

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        """Read a vocab.txt (ours or the reference's: first field of each line is the token)."""
        words, counts, first = [], [], {}
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t") if "\t" in line else line.split()
                if not parts or not parts[0]:
                    raise InputError(f"{path}: line {n} is empty; a vocabulary line is `token<TAB>count`")
                if parts[0] in first:  # two ids for one word: encoding would silently pick the last
                    raise InputError(f"{path}: line {n} repeats the token {parts[0]!r} of line {first[parts[0]]}")
                first[parts[0]] = n
                words.append(parts[0])
                counts.append(int(parts[1]) if len(parts) > 1 and parts[1].lstrip("-").isdigit() else 0)
        return cls(words, counts)

    def save(self, path: str | Path) -> None:
        """Write `token<TAB>count` lines."""
        with open(path, "w", encoding="utf-8") as f:
            for w, c in zip(self.idx2word, self.counts):
                f.write(f"{w}\t{c}\n")

    def ids(self, words: list[str]) -> list[int]:
        """Token ids of a sentence; unknown words map to `<unk>`."""
        return [self.word2idx.get(w, UNK) for w in words]

    def unknown_share(self, sents: list[str]) -> float:
        """The share of the words of sentences (whitespace-joined tokens) that this vocabulary lacks (read as <unk>)."""
        words = " ".join(sents).split()  # one split of the whole text: a corpus of 155k sentences is read on a restart
        return 1 - sum(map(self.word2idx.__contains__, words)) / len(words) if words else 0.0

    def train_unknown_share(self) -> float:
        """The share of its training text's words this vocabulary lacks, from its counts (0 without counts)."""
        words = sum(self.counts[len(SPECIALS) :]) + self.counts[UNK] if len(self.counts) > UNK else 0
        return self.counts[UNK] / words if words else 0.0

    def words(self, ids) -> list[str]:
        """Words of a sequence of ids, cut at the first `<eos>` (as the reference's strip_eos)."""
        out = []
        for i in ids:
            if int(i) == EOS:
                break
            out.append(self.idx2word[int(i)])
        return out


def read_vocab(path: Path) -> Vocab:
    """A checkpoint's vocab.txt; a missing or malformed one is a CheckpointError that names the file."""
    if not path.exists():
        raise CheckpointError(f"{path} is missing: a checkpoint needs its vocabulary")
    try:
        return Vocab.load(path)
    except (ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path} is not a valid vocabulary: {e}") from None
