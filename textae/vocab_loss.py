"""The decoder's vocabulary loss, computed in chunks of positions: never the whole batch's logits at once.

    loss = sum_i [logsumexp(W h_i + b) - (W h_i + b)[y_i]]      over positions i with y_i != <pad>

The plain way, proj(h) then F.cross_entropy, writes the fp32 logits of every position
([T * B, V], 57 MB for a batch of 128 Yelp sentences and 9.4k words), zero-fills a
gradient of the same size and runs log-softmax forward and backward over it: about a
fifth of a CPU training step. Here each chunk of positions is projected, reduced to its
loss and, when a gradient is wanted, turned at once into its share of dL/dh, dL/dW and
dL/db (softmax minus one-hot, the gradient of cross-entropy); the chunk's logits are then
dropped. The loss is a scalar, so its backward only scales the saved gradients.

Under autocast the two matrix products run in the autocast dtype (bf16), while the
softmax, the loss and the accumulated dL/dW, dL/db stay in fp32.
"""

from __future__ import annotations

import torch

from textae.vocab import PAD

CHUNK = 512  # positions per chunk: 512 x 9.4k fp32 logits stay in the CPU's caches (docs/benchmarks.md)


def _compute_dtype(h: torch.Tensor, weight: torch.Tensor) -> torch.dtype:
    """The matmul dtype: autocast's when it is on for the tensors' device, else the weights' own."""
    kind = h.device.type
    if torch.is_autocast_enabled(kind):
        return torch.get_autocast_dtype(kind)
    return weight.dtype


def _chunks(n: int, chunk: int):
    return ((s, min(s + chunk, n)) for s in range(0, n, chunk))


class _VocabNLL(torch.autograd.Function):
    """Summed token NLL of h [N, H] against targets [N], with its gradients computed in the forward pass."""

    @staticmethod
    def forward(ctx, h, weight, bias, targets, chunk: int, dtype: torch.dtype):
        hc, wc, bc = h.to(dtype), weight.to(dtype), bias.to(dtype)  # one cast per step, not one per chunk
        valid = targets != PAD  # [N]
        grad_h = torch.empty_like(h)
        grad_w = torch.zeros_like(weight, dtype=torch.float32)  # [V, H], accumulated in fp32
        grad_b = torch.zeros_like(bias, dtype=torch.float32)
        total = torch.zeros((), dtype=torch.float32, device=h.device)
        for s, e in _chunks(h.size(0), chunk):
            logits = torch.addmm(bc, hc[s:e], wc.t()).float()  # [c, V]
            t, keep = targets[s:e, None], valid[s:e, None].float()  # [c, 1]
            top = logits.amax(1, keepdim=True)  # [c, 1]
            target = logits.gather(1, t)  # [c, 1]
            p = logits.sub_(top).exp_()  # [c, V], in place of the logits; one exp serves loss and gradient
            norm = p.sum(1, keepdim=True)  # [c, 1]
            total += ((top + norm.log() - target) * keep).sum()  # logsumexp - target logit
            p.div_(norm).scatter_add_(1, t, -keep).mul_(keep)  # softmax - onehot(y); pad rows 0
            pc = p.to(dtype)
            grad_h[s:e] = (pc @ wc).to(h.dtype)  # [c, H]
            grad_w.add_(pc.t() @ hc[s:e])  # [V, H]
            grad_b.add_(p.sum(0))
        ctx.save_for_backward(grad_h, grad_w.to(weight.dtype), grad_b.to(bias.dtype))
        return total

    @staticmethod
    def backward(ctx, g):
        grad_h, grad_w, grad_b = ctx.saved_tensors
        return grad_h * g, grad_w * g, grad_b * g, None, None, None


@torch.no_grad()
def _token_nll(h, weight, bias, targets, chunk, dtype) -> torch.Tensor:
    out = torch.empty(h.size(0), dtype=torch.float32, device=h.device)
    hc, wc, bc = h.to(dtype), weight.to(dtype), bias.to(dtype)
    for s, e in _chunks(h.size(0), chunk):
        logits = torch.addmm(bc, hc[s:e], wc.t()).float()  # [c, V]
        t = targets[s:e, None]
        out[s:e] = (torch.logsumexp(logits, 1, keepdim=True) - logits.gather(1, t)).squeeze(1)
    return out.masked_fill_(targets == PAD, 0.0)


def vocab_nll(
    h: torch.Tensor, proj: torch.nn.Linear, targets: torch.Tensor, reduction: str = "sum", chunk: int = CHUNK
) -> torch.Tensor:
    """Cross-entropy of proj(h) against targets, in chunks; `<pad>` targets count 0.

    h [..., H], targets [...] -> a scalar (reduction "sum", differentiable) or the
    per-position NLL [...] (reduction "none", no gradient: for scoring).
    """
    shape = targets.shape
    h2, t = h.reshape(-1, h.size(-1)), targets.reshape(-1)  # [N, H], [N]
    dtype = _compute_dtype(h, proj.weight)
    with torch.autocast(h.device.type, enabled=False):  # dtypes are chosen above, explicitly
        if reduction == "none":
            return _token_nll(h2, proj.weight, proj.bias, t, chunk, dtype).view(shape)
        if reduction != "sum":
            raise ValueError(f"reduction must be 'sum' or 'none', not {reduction!r}")
        if not (torch.is_grad_enabled() and (h.requires_grad or proj.weight.requires_grad)):
            return _token_nll(h2, proj.weight, proj.bias, t, chunk, dtype).sum()
        return _VocabNLL.apply(h2, proj.weight, proj.bias, t, chunk, dtype)
