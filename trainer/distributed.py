"""The process group: who this process is among the ranks that `torchrun` started.

`torchrun --nproc_per_node N $(which llamix) train ...` sets RANK, WORLD_SIZE and LOCAL_RANK (plus MASTER_ADDR and
MASTER_PORT) in each process's environment; a plain `llamix train` sets none of them and runs as a world of one,
without a process group. NCCL on CUDA, gloo on the CPU.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class World:
    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Rank 0 writes logs and checkpoints; the others only compute."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def init_distributed(device: torch.device) -> World:
    """Joins the process group described by torchrun's environment, or returns a world of one.

    `device` is the resolved device type of the config; on CUDA each rank takes the GPU of its LOCAL_RANK.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return World(rank=0, world_size=1, device=device)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", device_id=device
                                if device.type == "cuda" else None)
    if dist.get_world_size() != world_size or dist.get_rank() != rank:
        raise RuntimeError(f"process group has rank {dist.get_rank()} of {dist.get_world_size()}, but the environment "
                           f"says RANK={rank} WORLD_SIZE={world_size}")
    log.info("rank %d of %d on %s (%s)", rank, world_size, device, dist.get_backend())
    return World(rank=rank, world_size=world_size, device=device)


def destroy() -> None:
    """Leaves the process group, if this process joined one."""
    if dist.is_initialized():
        dist.destroy_process_group()
