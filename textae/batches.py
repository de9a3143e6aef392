"""Sentences as the model's tensors: a batch padded from token ids (`pad_batch`), and a tokenised corpus held
on the device and served in length-grouped batches (`Batches`). Reading corpora is textae.data's."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from textae.errors import DataError, InputError
from textae.vocab import EOS, GO, PAD, Vocab


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
