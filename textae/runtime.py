"""The process's runtime, which every layer may use: `pick_device`, the device a name stands for;
`torch_threads`, torch's thread count within a block; `keep_freed_memory`, the heap setting that CPU training
runs under; and `cpu_name`, the processor that figures are measured on."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from textae.errors import TextaeError

if TYPE_CHECKING:
    import torch

# torch is imported where it is used: the app's frame sets its threads on every run, before any page has
# imported torch (a warm map draws without it, docs/app.md)


def pick_device(name: str = "auto") -> torch.device:
    """`auto` -> CUDA if available, else CPU; a device that does not exist here is refused by name."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except (RuntimeError, TypeError):
        raise TextaeError(f"unknown device {name!r}; use auto, cpu or cuda (cuda:N for one GPU)") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise TextaeError(f"device {name!r}: this machine has no usable CUDA GPU; use cpu or auto")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise TextaeError(f"device {name!r}: this machine has {torch.cuda.device_count()} GPU(s)")
    if dev.type not in ("cpu", "cuda"):
        raise TextaeError(f"device {name!r} is not supported; use auto, cpu or cuda")
    return dev


# glibc's mallopt parameters (malloc.h), and the largest mmap threshold it accepts on 64-bit Linux
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX = -1, -3, 32 << 20


def keep_freed_memory() -> bool:
    """Have glibc's malloc keep freed blocks of up to 32 MB for reuse; False where the C library is not glibc.

    A training step allocates and frees the same large tensors every time (the vocabulary
    loss's chunks of logits, 5-20 MB, the LSTMs' workspaces). glibc serves such blocks with
    fresh pages and gives them back to the system when they are freed, so every step faulted
    its pages in and zero-filled them again: about a tenth of a bf16 CPU step (CHANGELOG,
    2026-11-27). This keeps them in the heap; the process's resident memory then stays at its
    peak, which for training is the working set anyway. It is process-wide, so only the
    Trainer calls it, on the CPU.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX) and libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): keep its default
        return False


def server_threads() -> int:
    """The torch threads the app runs on: OMP_NUM_THREADS where the server's environment sets it to a whole
    number (a machine shared with other work: two threads of oneDNN's LSTM on two busy cores wait at OpenMP
    barriers most of the time, docs/benchmarks.md), else the CPU count up to 4 (decoding one batch gains
    little past 4)."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        n = 0
    return n if n > 0 else max(1, min(4, os.cpu_count() or 1))


def use_server_threads() -> int:
    """Run torch on `server_threads()` threads from now on, in this process (the app's frame, on every run);
    returns the count."""
    n = server_threads()
    torch = sys.modules.get("torch")
    if torch is None:  # not loaded yet: torch reads OMP_NUM_THREADS when it loads
        os.environ["OMP_NUM_THREADS"] = str(n)
    elif torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run torch on n threads inside the block: in this thread, and in threads that first use torch in it.

    torch keeps the count per thread (OpenMP's setting), seeding a thread that has not used torch
    yet from the last count set anywhere; the count before is restored on leaving the block.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# AMD's core generations by CPU family and model range (AMD's processor programming references)
_AMD_CORES = (
    (25, range(0x00, 0x10), "Zen 3"),
    (25, range(0x20, 0x60), "Zen 3"),
    (25, range(0x10, 0x20), "Zen 4"),
    (25, range(0x60, 0x80), "Zen 4"),
    (25, range(0xA0, 0xB0), "Zen 4"),
    (26, range(0x00, 0x100), "Zen 5"),
)


def cpu_name(cpuinfo: str | None = None) -> str:
    """The processor as figures name it: its model name, its AMD core generation where known, and the cores
    (from /proc/cpuinfo, or the text `cpuinfo`)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                cpuinfo = f.read()
        except OSError:
            cpuinfo = ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name", "unknown CPU")
    family, model = fields.get("cpu family", ""), fields.get("model", "")
    if "AMD" in name and family.isdigit() and model.isdigit():
        core = next((c for fam, models, c in _AMD_CORES if int(family) == fam and int(model) in models), None)
        name += f" (family {family} model {model}{': ' + core if core else ''})"
    return f"{name}, {os.cpu_count()} cores"
