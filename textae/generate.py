"""Decoding a batch of codes z into token ids: greedy, sampling, top-k, top-p and beam search."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from textae.errors import InputError
from textae.model import TextAutoencoder
from textae.vocab import EOS, GO

STRATEGIES = ("greedy", "sample", "top_k", "top_p", "beam")
# max_len counts the tokens a decode emits (words and `<eos>`). The reference's generate(z, max_len=35)
# counts the `<go>` it starts from among its 35 steps, so it emits at most 34: our default of 34 decodes
# an imported reference checkpoint token for token like the reference does at its defaults.
MAX_LEN = 34


@dataclass(frozen=True)
class DecodeConfig:
    """How codes become text: the strategy and its parameters (each is used only by its strategy)."""

    strategy: str = "greedy"  # one of STRATEGIES
    temperature: float = 1.0  # sample, top_k, top_p: logits are divided by it
    top_k: int = 40  # top_k: sample among the k most likely tokens
    top_p: float = 0.9  # top_p: sample within the smallest set of tokens with this much mass
    beam_size: int = 5  # beam: hypotheses kept per code
    max_len: int = MAX_LEN  # tokens emitted at most, `<eos>` included (see MAX_LEN)

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise InputError(f"unknown decoding strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise InputError(f"temperature must be a positive number, not {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise InputError(f"top_p must lie in (0, 1], not {self.top_p}")
        for name in ("top_k", "beam_size", "max_len"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, not {getattr(self, name)}")


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
    config: DecodeConfig | None = None,
    generator: torch.Generator | None = None,
    best_token: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Decode z [B, dim_z] into ids [B, L], L <= max_len (`<go>` excluded; `<eos>` and what follows are to be cut).

    Greedy decoding takes the argmax at every step, exactly as the reference's
    `generate(..., 'greedy')`, and stops each row once it has emitted `<eos>`. `best_token` (decoder
    states [b, dim_h] -> ids [b]) picks that argmax at another precision (textae.precision.Inference);
    the other strategies need every token's probability and run in the model's own fp32.
    """
    c = config or DecodeConfig()
    strategy, max_len, temperature = c.strategy, c.max_len, c.temperature
    if not bool(torch.isfinite(z).all()):
        raise InputError("codes must be finite numbers; got NaN or infinity")
    if strategy == "beam":
        return _beam(model, z, max_len, c.beam_size)
    if strategy == "greedy":
        return _greedy(model, z, max_len, best_token or (lambda h: model.proj(h).float().argmax(-1)))
    B = z.size(0)
    inp = torch.full((1, B), GO, dtype=torch.long, device=z.device)  # [1, B]
    hidden, out = None, []
    done = torch.zeros(B, dtype=torch.bool, device=z.device)
    for _ in range(max_len):
        logits, hidden = model.decode(z, inp, hidden)  # [1, B, V]
        logits = logits[0].float() / temperature
        if strategy != "sample":
            logits = _filter_logits(
                logits, c.top_k if strategy == "top_k" else 0, c.top_p if strategy == "top_p" else 1.0
            )
        nxt = torch.multinomial(logits.softmax(-1), 1, generator=generator)[:, 0]
        out.append(nxt)
        done |= nxt == EOS
        if bool(done.all()):
            break
        inp = nxt[None, :]
    return torch.stack(out, 1)  # [B, L]


def _greedy(
    model: TextAutoencoder, z: torch.Tensor, max_len: int, best_token: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """Greedy decoding [B, L] that steps only the rows still running: a finished row costs nothing more.

    Rows are independent under argmax, so dropping finished ones changes no output; in a batch
    of mixed lengths (jittered or far-off codes that ramble to max_len) it saves most of the work.
    """
    B = z.size(0)
    out = torch.full((B, max_len), EOS, dtype=torch.long, device=z.device)  # [B, max_len], <eos>-filled
    live = torch.arange(B, device=z.device)  # [b] rows still running
    inp = torch.full((1, B), GO, dtype=torch.long, device=z.device)  # [1, b]
    hidden, zl, steps = None, z, 0
    for t in range(max_len):
        h, hidden = model.features(zl, inp, hidden)  # [1, b, dim_h]
        nxt = best_token(h[0])  # [b]
        out[live, t] = nxt
        steps = t + 1
        going = nxt != EOS
        if not bool(going.any()):
            break
        if not bool(going.all()):  # drop the rows that just ended
            live, nxt, zl = live[going], nxt[going], zl[going]
            hidden = tuple(h[:, going] for h in hidden)  # (h, c) [nlayers, b, dim_h]
        inp = nxt[None, :]
    return out[:, :steps]


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
