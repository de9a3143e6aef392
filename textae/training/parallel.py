"""Parallel work and the process's runtime: data parallelism across the processes that `torchrun`
starts (one rank per GPU, or gloo on the CPU), `torch_threads`, torch's thread count within a block
of one process, `keep_freed_memory`, the heap setting that CPU training runs under, and `cpu_name`, the
processor that figures are measured on.

    torchrun --nproc_per_node 4 train.py --preset daae ...

Every rank holds the whole corpus and draws the same batch plan; each global batch
is cut into `world.size` contiguous shards and rank r trains on shard r. Gradients
are averaged by DistributedDataParallel, so `--batch-size` stays the global batch
and the run follows the same loss curve as one process. Only rank 0 writes logs
and checkpoints.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist

from textae.errors import TextaeError


@dataclass(frozen=True)
class World:
    """This process's place among the ranks of a run (size 1 when not launched by torchrun)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Whether this rank writes logs and checkpoints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """Whether there is more than one rank."""
        return self.size > 1


def world_from_env() -> World:
    """The World torchrun describes in RANK / WORLD_SIZE / LOCAL_RANK, or a single process."""
    env = os.environ
    return World(int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0)))


def pick_device(name: str = "auto") -> torch.device:
    """`auto` -> CUDA if available, else CPU; a device that does not exist here is refused by name."""
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


def setup(device: str = "auto") -> tuple[World, torch.device]:
    """Join the process group if torchrun started us; returns the world and this rank's device.

    `auto` gives each rank its own GPU (cuda:LOCAL_RANK) and NCCL, or the CPU and gloo.
    """
    world = world_from_env()
    dev = pick_device(device)
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device("cuda", world.local_rank if world.distributed else torch.cuda.current_device())
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if world.distributed and not dist.is_initialized():
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return world, dev


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


def shard(idx: torch.Tensor, world: World) -> torch.Tensor:
    """This rank's contiguous share of one global batch's indices (sizes differ by at most one)."""
    return idx.tensor_split(world.size)[world.rank] if world.distributed else idx


def all_reduce_sum(t: torch.Tensor, world: World) -> torch.Tensor:
    """The sum of `t` over ranks (in place); `t` itself in a single process."""
    if world.distributed:
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def teardown() -> None:
    """Leave the process group, if one was joined."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run torch on n threads inside the block: in this thread, and in threads that first use torch in it.

    torch keeps the count per thread (OpenMP's setting), seeding a thread that has not used torch
    yet from the last count set anywhere; the count before is restored on leaving the block.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# AMD's core generations by CPU family and model range (AMD's processor programming references)
_AMD_CORES = (
    (25, range(0x00, 0x10), "Zen 3"), (25, range(0x20, 0x60), "Zen 3"),
    (25, range(0x10, 0x20), "Zen 4"), (25, range(0x60, 0x80), "Zen 4"), (25, range(0xA0, 0xB0), "Zen 4"),
    (26, range(0x00, 0x100), "Zen 5"),
)  # fmt: skip


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
