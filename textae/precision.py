"""The arithmetic inference runs in: fp32, bf16, int8, or auto (the fastest one that keeps fidelity here).

Two paths carry nearly all of inference's work, and each narrows differently:

- **Encoding** (the bidirectional LSTM): bf16 runs it under autocast (oneDNN's bf16 LSTM); a code moves a
  little (mean cosine with fp32's 0.99999; benchmarks/precision.py). int8 encodes in fp32: torch.ao's
  dynamically quantised LSTM was no faster here (docs/benchmarks.md, Sapphire Rapids) and
  moved codes past the fidelity bar (10-NN overlap 0.955), so int8 quantises the projection alone.
- **Greedy decoding**: 84 % of a step's multiply-adds are the vocabulary projection (dim_h x V). The narrow
  projection (bf16, or int8 through torch.ao) only *proposes* the RESCORE most likely tokens; their logits
  are then computed again in fp32 from the fp32 weights and the best is taken. The decoder's LSTM stays
  fp32. So a greedy decode is fp32's unless fp32's best token falls outside the narrow top RESCORE, which
  never happened on 2,048 Yelp codes (100 % identical), where plain bf16 autocast kept 97.1 %.

Sampling and beam search use every token's probability, not a best token, so they always run fp32, as do
the results that promise exactness (`reconstruct`, `eval`, the reference import's token identity): the
library's default is fp32, and `auto` is what the app and the map commands ask for.

`auto` picks bf16 on a CPU with native bf16 kernels (AVX-512 BF16 or AMX); else int8 where torch has a
quantised engine (a CPU without native bf16, such as Zen 3, gains in decoding, and its codes are fp32's);
else fp32. It also checks each model it is used on (`probe`): a model whose narrow codes or decodes stray
falls back to fp32, with a warning.
"""

from __future__ import annotations

import copy
import os
import warnings
from contextlib import nullcontext
from typing import TYPE_CHECKING

import numpy as np

from textae.errors import InputError, TextaeWarning
from textae.runtime import cpu_name
from textae.storage import cache
from textae.storage.keys import key

if TYPE_CHECKING:
    import torch
    import torch.nn as nn

# torch is imported where it is used: the app reads its precision setting (from_env) and names a model's
# precision before it loads torch, to draw a warm map without it (docs/app.md)

PRECISIONS = ("auto", "fp32", "bf16", "int8")
ENV = "TEXTAE_PRECISION"  # the app's setting (the command line has --precision)
RESCORE = 4  # tokens the narrow projection proposes per step; 1 gave 97.7 % identical decodes, 4 gave 100 %
# the probe `auto` runs on a model: codes of its own greedy sentences, compared with fp32's
PROBE_SENTENCES = 256
PROBE_MIN_COSINE = 0.999  # the least cosine between a narrow code and its fp32 code
PROBE_MIN_SAME = 0.97  # the least share of identical greedy decodes of those codes


def cpu_bf16_supported() -> bool:
    """Whether this CPU runs oneDNN's bf16 kernels natively (torch's own query: AVX-512 BF16 or AMX)."""
    import torch

    return torch.backends.mkldnn.is_available() and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def int8_engine() -> str | None:
    """The quantised engine this torch build runs dynamic int8 on (x86 or fbgemm), or None."""
    import torch

    engines = torch.backends.quantized.supported_engines
    return next((e for e in ("x86", "fbgemm") if e in engines), None)


def check(name: str) -> str:
    """`name` when it is a precision, else an InputError naming the choices."""
    if name not in PRECISIONS:
        raise InputError(f"unknown precision {str(name)[:40]!r}; choose one of {', '.join(PRECISIONS)}")
    return name


def resolve(name: str, device: torch.device | str = "cpu") -> str:
    """The precision `name` gives on `device`: auto -> bf16 on a CPU with native bf16, else int8 on a CPU
    with a quantised engine, else fp32.

    bf16 on a CPU without native kernels, and int8 anywhere but a CPU with a quantised engine, are
    InputErrors: each would run, but slower than fp32, which is never what a user asks for.
    """
    import torch

    device = torch.device(device)
    name = check(name)
    if name == "auto":
        if device.type != "cpu":
            return "fp32"
        return "bf16" if cpu_bf16_supported() else "int8" if int8_engine() else "fp32"
    if name == "bf16" and device.type == "cpu" and not cpu_bf16_supported():
        raise InputError(
            "precision bf16: this CPU has no native bf16 kernels (AVX-512 BF16 or AMX); use fp32, int8 or auto"
        )
    if name == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise InputError("precision bf16: this GPU has no bf16; use fp32 or auto")
    if name == "int8" and (device.type != "cpu" or int8_engine() is None):
        where = "this torch build has no quantised engine (x86 or fbgemm)" if device.type == "cpu" else "on a GPU"
        raise InputError(
            f"precision int8 runs on a CPU through torch.ao's dynamic quantisation, and {where}; use fp32, bf16 or auto"
        )
    return name


def from_env() -> tuple[str, str | None]:
    """The app's precision, TEXTAE_PRECISION (default auto), and a problem to show when it is not one."""
    text = os.environ.get(ENV, "").strip().lower()
    if not text:
        return "auto", None
    if text not in PRECISIONS:
        return "auto", f"{ENV}={text[:40]!r} is not one of {', '.join(PRECISIONS)}; auto is used"
    return text, None


def describe(name: str) -> str:
    """`name` and what it gives on this machine's CPU, in words: "auto (bf16: this CPU has native bf16)"."""
    if name != "auto":
        try:
            return resolve(name)
        except InputError as e:
            return f"{name} ({e})"
    got = resolve("auto")
    why = {
        "bf16": "this CPU has native bf16",
        "int8": "no native bf16 here; int8 decoding, fp32 codes",
        "fp32": "no native bf16 or quantised engine here",
    }[got]
    return f"auto ({got}: {why}; fp32 for a model it strays on)"


class Inference:
    """One model's encoder pass and greedy next-token choice at one precision (fp32, bf16 or int8)."""

    def __init__(self, model: nn.Module, precision: str):
        import torch
        import torch.nn as nn

        self.model, self.precision = model, precision
        self._narrow = None  # the narrow projection, decoder states [b, dim_h] -> logits [b, V]: int8 or bf16
        if precision == "int8":
            self._narrow = quantized(model.proj)
        elif precision == "bf16":
            w, b = model.proj.weight.detach().to(torch.bfloat16), model.proj.bias.detach().to(torch.bfloat16)
            self._narrow = lambda h: nn.functional.linear(h.to(torch.bfloat16), w, b)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """mu, logvar [B, dim_z] in fp32 of x [T, B] (see TextAutoencoder.encode), computed at this precision."""
        import torch

        if self.precision == "int8":  # fp32 codes: see the module's docstring
            return self.model.encode(x, lengths)
        with torch.autocast(x.device.type, dtype=torch.bfloat16) if self.precision == "bf16" else nullcontext():
            mu, logvar = self.model.encode(x, lengths)
        return mu.float(), logvar.float()

    def best_token(self, h: torch.Tensor, avoid: torch.Tensor | None = None) -> torch.Tensor:
        """The token [b] of highest fp32 logit for decoder states h [b, dim_h], never one of the ids `avoid`: the
        narrow projection proposes RESCORE tokens, fp32 decides among them (fp32 alone in fp32)."""
        import torch

        proj = self.model.proj
        if self.precision == "fp32":
            logits = proj(h).float()
            return (logits if avoid is None else logits.index_fill(-1, avoid, float("-inf"))).argmax(-1)
        narrow = self._narrow(h)  # [b, V]
        if avoid is not None:
            narrow = narrow.float().index_fill(-1, avoid, float("-inf"))
        cand = narrow.topk(min(RESCORE, narrow.size(-1)), -1).indices  # [b, RESCORE]
        exact = torch.einsum("bd,bkd->bk", h.float(), proj.weight[cand]) + proj.bias[cand]  # fp32 logits [b, RESCORE]
        return cand.gather(1, exact.argmax(-1, keepdim=True))[:, 0]


def quantized(proj: nn.Linear) -> nn.Module:
    """A copy of the vocabulary projection `proj` with int8 weights, dynamically quantised by torch.ao (its
    activations quantised per batch)."""
    import torch
    import torch.nn as nn

    engine = int8_engine()
    if engine is None:
        raise InputError("precision int8: this torch build has no quantised engine (x86 or fbgemm)")
    torch.backends.quantized.engine = engine
    with warnings.catch_warnings():  # torch.ao's notice that eager quantisation moves to torchao, on every call
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(nn.Sequential(copy.deepcopy(proj)).eval(), {nn.Linear}, dtype=torch.qint8)


def probe(m, precision: str, n: int = PROBE_SENTENCES) -> dict[str, float]:
    """How `precision` agrees with fp32 on model `m` (a TextAE): the least cosine between codes of n of its
    own greedy sentences, and the share of those codes' greedy decodes that are identical."""
    import numpy as np

    exact, narrow = m.at_precision("fp32"), m.at_precision(precision)
    sents = [s for s in exact.sample(n, seed=0) if s.strip()] or ["<unk>"]
    z32, zn = exact.encode(sents), narrow.encode(sents)
    cos = (z32 * zn).sum(1) / np.maximum(np.linalg.norm(z32, axis=1) * np.linalg.norm(zn, axis=1), 1e-12)
    same = np.mean([a == b for a, b in zip(exact.decode(z32), narrow.decode(zn))])
    return {"min_cosine": float(cos.min()), "same_decodes": float(same)}


def choose(m, name: str) -> str:
    """The precision model `m` runs at when asked for `name`: auto's choice is probed on `m` and falls back
    to fp32, with a TextaeWarning, when it strays (PROBE_MIN_COSINE, PROBE_MIN_SAME). The probe's figures are
    kept on disk (`verdict`), so a model is probed once per CPU and torch version."""
    wanted = resolve(name, m.device)
    if name != "auto" or wanted == "fp32" or m.cfg.dim_z == 0:
        return wanted
    p = verdict(m, wanted)
    if p["min_cosine"] < PROBE_MIN_COSINE or p["same_decodes"] < PROBE_MIN_SAME:
        warnings.warn(
            f"precision auto: {wanted} strays from fp32 on this model (least code cosine "
            f"{p['min_cosine']:.5f}, {p['same_decodes']:.1%} identical decodes); fp32 is used",
            TextaeWarning,
            stacklevel=3,
        )
        return "fp32"
    return wanted


def verdict(m, precision: str) -> dict[str, float]:
    """`probe(m, precision)`, kept in the disk cache (textae.storage.cache) under the model's fp32 fingerprint,
    the precision, the device, the CPU's name and the torch version: a second load reads it."""
    import torch

    name = key(
        "precision probe",
        m.at_precision("fp32").fingerprint(),
        precision,
        m.device.type,
        cpu_name(),
        torch.__version__,
        PROBE_SENTENCES,
    )
    figures = ("min_cosine", "same_decodes")
    arrays = cache.get(
        name,
        lambda: {k: np.array([v], dtype=np.float64) for k, v in probe(m, precision).items()},
        dict.fromkeys(figures, ((1,), "f")),
    )
    return {k: float(arrays[k][0]) for k in figures}
