"""Decoding a batch of codes z into token ids: greedy, sampling, top-k, top-p and beam search."""

from __future__ import annotations

import torch

from .model import TextAutoencoder
from .vocab import EOS, GO

STRATEGIES = ("greedy", "sample", "top_k", "top_p", "beam")
# max_len counts the tokens a decode emits (words and `<eos>`). The reference's generate(z, max_len=35)
# counts the `<go>` it starts from among its 35 steps, so it emits at most 34: our default of 34 decodes
# an imported reference checkpoint token for token like the reference does at its defaults.
MAX_LEN = 34


def _filter_logits(logits: torch.Tensor, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """Mask logits [B, V] outside the k most likely tokens and/or the smallest nucleus of mass top_p."""
    if top_k > 0:
        kth = torch.topk(logits, min(top_k, logits.size(-1)), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = logits.sort(dim=-1, descending=True)
        probs = sorted_logits.softmax(-1)
        # drop a token if the mass before it already reaches top_p (the first token always stays)
        drop = probs.cumsum(-1) - probs >= top_p
        logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return logits


@torch.inference_mode()
def generate(
    model: TextAutoencoder,
    z: torch.Tensor,
    strategy: str = "greedy",
    max_len: int = MAX_LEN,
    temperature: float = 1.0,
    top_k: int = 40,
    top_p: float = 0.9,
    beam_size: int = 5,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Decode z [B, dim_z] into ids [B, L], L <= max_len (`<go>` excluded; `<eos>` and what follows are to be cut).

    Greedy decoding takes the argmax at every step, exactly as the reference's
    `generate(..., 'greedy')`, and stops early once every row has emitted `<eos>`.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown decoding strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    if strategy == "beam":
        return _beam(model, z, max_len, beam_size)
    B = z.size(0)
    inp = torch.full((1, B), GO, dtype=torch.long, device=z.device)  # [1, B]
    hidden, out = None, []
    done = torch.zeros(B, dtype=torch.bool, device=z.device)
    for _ in range(max_len):
        logits, hidden = model.decode(z, inp, hidden)  # [1, B, V]
        logits = logits[0].float()
        if strategy == "greedy":
            nxt = logits.argmax(-1)
        else:
            logits = logits / max(temperature, 1e-6)
            if strategy != "sample":
                logits = _filter_logits(
                    logits, top_k if strategy == "top_k" else 0, top_p if strategy == "top_p" else 1.0
                )
            nxt = torch.multinomial(logits.softmax(-1), 1, generator=generator)[:, 0]
        out.append(nxt)
        done |= nxt == EOS
        if bool(done.all()):
            break
        inp = nxt[None, :]
    return torch.stack(out, 1)  # [B, L]


def _beam(model: TextAutoencoder, z: torch.Tensor, max_len: int, beam_size: int) -> torch.Tensor:
    """Beam search by total log-probability; returns the best finished hypothesis per row [B, L]."""
    B, K, dev = z.size(0), beam_size, z.device
    zk = z.repeat_interleave(K, 0)  # [B*K, dim_z]
    inp = torch.full((1, B * K), GO, dtype=torch.long, device=dev)
    score = torch.full((B, K), float("-inf"), device=dev)
    score[:, 0] = 0.0  # start from one live beam per row
    seqs = torch.empty(B, K, 0, dtype=torch.long, device=dev)
    finished = torch.zeros(B, K, dtype=torch.bool, device=dev)
    hidden = None
    for _ in range(max_len):
        logits, hidden = model.decode(zk, inp, hidden)
        logp = logits[0].float().log_softmax(-1).view(B, K, -1)  # [B, K, V]
        V = logp.size(-1)
        # a finished beam can only extend with <eos> at no cost, keeping its score
        logp = torch.where(finished[..., None], torch.full_like(logp, float("-inf")), logp)
        logp[..., EOS] = torch.where(finished, 0.0, logp[..., EOS])
        cand = (score[..., None] + logp).view(B, K * V)
        score, flat = cand.topk(K, dim=-1)  # [B, K]
        src, tok = flat // V, flat % V
        seqs = torch.cat([seqs.gather(1, src[..., None].expand(-1, -1, seqs.size(-1))), tok[..., None]], -1)
        finished = finished.gather(1, src) | (tok == EOS)
        idx = (src + torch.arange(B, device=dev)[:, None] * K).view(-1)
        hidden = tuple(h[:, idx] for h in hidden)
        inp = tok.view(1, -1)
        if bool(finished.all()):
            break
    return seqs[:, 0]  # topk sorts, so beam 0 holds the best score
