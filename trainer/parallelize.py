"""Parallelism and memory savings applied to a built `Transformer` from outside (torchtitan's `parallelize.py`).

trainer.model knows nothing of any of this. Each function does one thing to the model in place, and `parallelize`
composes them in torchtitan's order: activation checkpointing wraps a block, compilation compiles the wrapped block,
and FSDP shards what is left, so that its all-gathers and reduce-scatters stay outside the compiled graphs.
None of them changes `state_dict()` keys: checkpoints load the same with or without them.
"""
from __future__ import annotations

import logging

import torch
from torch import nn
from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import CheckpointImpl, checkpoint_wrapper

try:  # public since torch 2.6
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
except ImportError:  # older torch kept FSDP2 under _composable
    from torch.distributed._composable.fsdp import MixedPrecisionPolicy, fully_shard

from trainer.config import AC_MODES, TrainConfig
from trainer.distributed import World

log = logging.getLogger(__name__)


def apply_ac(model: nn.Module, mode: str, every: int = 1) -> None:
    """Activation checkpointing per transformer block: `full` recomputes every block's activations in the backward
    pass instead of storing them; `every-k-layers` does so for every `every`-th block (blocks every-1, 2·every-1, ...),
    trading less memory saved for less recomputation. The non-reentrant implementation, which composes with FSDP2
    and torch.compile."""
    if mode not in AC_MODES:
        raise ValueError(f"activation_checkpointing={mode!r}, expected one of {AC_MODES}")
    if mode == "none":
        return
    if every < 1:
        raise ValueError(f"ac_every must be >= 1, got {every}")
    k = 1 if mode == "full" else every
    for i, block in enumerate(model.layers):
        if (i + 1) % k == 0:
            # checkpoint_wrapper's state_dict hooks strip its `_checkpoint_wrapped_module.` prefix, so keys stay.
            model.layers[i] = checkpoint_wrapper(block, checkpoint_impl=CheckpointImpl.NO_REENTRANT)
    log.info("activation checkpointing: %s (%d of %d blocks)", mode,
             sum((i + 1) % k == 0 for i in range(len(model.layers))), len(model.layers))


def apply_compile(model: nn.Module) -> None:
    """torch.compile each block separately: the blocks are identical, so one compiled graph serves them all, and
    compile time does not grow with depth. `nn.Module.compile` compiles in place, leaving parameter names alone."""
    for block in model.layers:
        block.compile()
    log.info("compiled %d transformer blocks", len(model.layers))


def apply_fsdp(model: nn.Module, mesh: "torch.distributed.device_mesh.DeviceMesh | None",
               mixed_precision: bool) -> None:
    """FSDP2 (ZeRO-3): `fully_shard` on the embedding, each block, the output head and finally the root, which
    holds what is left (the final norm). Each `fully_shard` unit is all-gathered just before its forward and freed
    after it.

    reshard_after_forward: True for every unit except the last block and the output head, whose parameters the
    backward pass needs immediately after the forward; resharding them would only be gathered again at once.
    mixed_precision: compute in bf16 and reduce gradients in fp32 (sharded master weights stay fp32); on the CPU
    everything stays fp32.
    """
    policy = (MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) if mixed_precision
              else MixedPrecisionPolicy())
    kwargs = {"mesh": mesh, "mp_policy": policy}
    fully_shard(model.tok_embeddings, **kwargs)
    last = len(model.layers) - 1
    for i, block in enumerate(model.layers):
        fully_shard(block, reshard_after_forward=i < last, **kwargs)
    fully_shard(model.output, reshard_after_forward=False, **kwargs)
    fully_shard(model, **kwargs)
    log.info("FSDP2: %d units sharded over %s, %s", len(model.layers) + 3, mesh,
             "bf16 params / fp32 reduce" if mixed_precision else "fp32")


def parallelize(model: nn.Module, config: TrainConfig, world: World) -> nn.Module:
    """Applies the config's activation checkpointing, compilation and (for more than one rank) FSDP2, in that
    order; returns the same model, modified in place."""
    apply_ac(model, config.activation_checkpointing, config.ac_every)
    if config.compile:
        apply_compile(model)
    if world.distributed:
        from torch.distributed.device_mesh import init_device_mesh

        mesh = init_device_mesh(world.device.type, (world.world_size,))
        apply_fsdp(model, mesh, mixed_precision=world.device.type == "cuda" and config.dtype == "bfloat16")
    return model
