"""Data parallelism across the processes that `torchrun` starts (one rank per GPU, or gloo on the CPU).

    torchrun --nproc_per_node 4 train.py --preset daae ...

Every rank holds the whole corpus and draws the same batch plan; each global batch
is cut into `world.size` contiguous shards and rank r trains on shard r. Gradients
are averaged by DistributedDataParallel, so `--batch-size` stays the global batch
and the run follows the same loss curve as one process. Only rank 0 writes logs
and checkpoints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from textae.runtime import pick_device


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
