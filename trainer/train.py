"""The training loop: `llamix train --config trainer/configs/NAME.toml --data DIR [key=value ...]`.

AdamW with the paper's hyperparameters (§2.2), linear warmup then cosine decay, gradient accumulation up to
`tokens_per_step`, gradient clipping; logs each `log_every` steps to `logging` and to `output_dir/log.jsonl`, and
checkpoints through trainer.checkpoint.

Under `torchrun --nproc_per_node N $(which llamix) train ...` the same loop runs on N ranks with the model sharded by
FSDP2 (trainer.parallelize). `batch_size` stays the *global* micro-batch: every rank draws the same global
micro-batch from an identically seeded loader and computes only its own contiguous block of batch_size/N rows, so
the rows each rank reads are disjoint and an optimizer step sees exactly the rows one process would. FSDP averages
the gradients of the ranks' per-row mean losses, which is the gradient of the global mean loss; the run's losses
match a single process's up to float rounding, whatever N is.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import shlex
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Sequence

import torch

from trainer.checkpoint import save_checkpoint
from trainer.config import TrainConfig, load_config
from trainer.data import MixtureBatches, PackedBatches, open_batches, shards_vocab_size
from trainer.distributed import World, destroy, init_distributed
from trainer.metrics import device_peak_tflops, flops_per_token, mfu, peak_memory_bytes
from trainer.model import Transformer, count_parameters
from trainer.parallelize import parallelize

log = logging.getLogger(__name__)


def learning_rate(step: int, config: TrainConfig) -> float:
    """Learning rate of optimizer step `step` (1-based): linear warmup to `lr` over `warmup_steps`, then cosine decay
    to `min_lr_ratio·lr` at `max_steps` (§2.2: "cosine learning rate schedule, such that the final learning rate is
    equal to 10% of the maximal learning rate", "2,000 warmup steps")."""
    if step <= config.warmup_steps:
        return config.lr * step / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.max_steps - config.warmup_steps)
    progress = min(1.0, max(0.0, progress))
    min_lr = config.min_lr_ratio * config.lr
    return min_lr + 0.5 * (config.lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def configure_optimizer(model: torch.nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW (§2.2) with weight decay on matrices only: decaying RMSNorm gains would pull them towards zero, which
    shrinks activations instead of regularizing anything."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(config.beta1, config.beta2),
                             fused=device.type == "cuda")


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device=cuda was requested but torch sees no CUDA device; use device=cpu or device=auto")
    return torch.device(name)


def resolve_vocab_size(config: TrainConfig, data_dir: str | Path,
                       loader: PackedBatches | MixtureBatches) -> TrainConfig:
    """Takes vocab_size from the shards' manifest (the tokenizer's vocabulary) unless the config sets it."""
    recorded = shards_vocab_size(data_dir)
    if config.vocab_size is not None:
        if recorded is not None and recorded > config.vocab_size:
            raise ValueError(f"vocab_size={config.vocab_size} is smaller than the tokenizer's {recorded} recorded in "
                             f"{Path(data_dir) / 'manifest.json'}; token ids would fall outside the embedding table")
        return config
    if recorded is None:
        recorded = loader.max_token_id() + 1
        log.warning("%s has no manifest.json with config.vocab_size; using the largest token id + 1 = %d",
                    data_dir, recorded)
    return dataclasses.replace(config, vocab_size=recorded)


def run(config: TrainConfig, data_dir: str | Path, command: str | None = None) -> dict[str, Any]:
    """Trains for `config.max_steps` optimizer steps on the shards in `data_dir`.

    Returns a summary: `losses` (a list of (step, mean loss) for every step), `first_loss`, `last_loss`, `n_params`,
    `tokens`, `tokens_per_s`, `checkpoint` (the final checkpoint folder; None on more than one rank), `log` (the JSONL log) and `config`.
    """
    data_dir = Path(data_dir)
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    command = command or f"llamix train --data {shlex.quote(str(data_dir))}"

    loader = open_batches(data_dir, config.seq_len, config.batch_size, seed=config.seed)
    if isinstance(loader, MixtureBatches):
        log.info("data: mixture of %d sources, weights %s", len(loader.sources),
                 ", ".join(f"{name} {w:.4f}" for name, w in loader.weights.items()))
    config = resolve_vocab_size(config, data_dir, loader)
    world = init_distributed(resolve_device(config.device))
    device = world.device
    accum = config.grad_accum_steps
    if config.batch_size % world.world_size:
        raise ValueError(f"batch_size={config.batch_size} (the global micro-batch) does not split evenly over "
                         f"{world.world_size} ranks")
    rows = slice(world.rank * config.batch_size // world.world_size,
                 (world.rank + 1) * config.batch_size // world.world_size)

    # The same seed on every rank: each builds the same full model, and fully_shard keeps its own shard of it.
    torch.manual_seed(config.seed)
    with torch.device(device):  # initialize in place on the device instead of on the CPU and copying
        model = Transformer(config.model_args())
    n_params = count_parameters(model)
    model_flops = flops_per_token(count_parameters(model, exclude_embeddings=True), config.n_layers, config.n_heads,
                                  config.dim // config.n_heads, config.seq_len)
    peak = _peak_tflops(device, config.peak_tflops)
    parallelize(model, config, world)
    if world.is_main:
        log.info("model: %s parameters (%s without embeddings), %d layers, dim %d, vocab %d", f"{n_params:,}",
                 f"{count_parameters(model, exclude_embeddings=True):,}", config.n_layers, config.dim,
                 config.vocab_size)
        log.info("training: %d steps of %d tokens (%d micro-batches of %dx%d, split over %d ranks) on %s, %s",
                 config.max_steps, config.tokens_per_step, accum, config.batch_size, config.seq_len,
                 world.world_size, device, config.dtype)
    if world.is_main and config.warmup_steps > config.max_steps:
        log.warning("warmup_steps=%d exceeds max_steps=%d: the learning rate never reaches its peak",
                    config.warmup_steps, config.max_steps)
    optimizer = configure_optimizer(model, config, device)  # after parallelize: FSDP replaces the parameters
    # Under FSDP the mixed-precision policy casts the parameters to bf16 instead.
    use_autocast = config.dtype == "bfloat16" and not world.distributed
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if use_autocast else nullcontext()
    run_config = {**config.to_dict(), "data": str(data_dir)}
    shards = loader.paths
    data_read = {"paths": [str(data_dir)], "files": len(shards), "bytes": sum(p.stat().st_size for p in shards)}

    def checkpoint(step: int, loss: float) -> Path | None:
        if world.distributed:
            # Saving sharded parameters needs a gathered (or a torch.distributed.checkpoint) state dict; until then
            # a multi-rank run keeps no checkpoint rather than one that will not load.
            if world.is_main:
                log.warning("step %d: checkpoints are not written yet when training on %d ranks", step,
                            world.world_size)
            return None
        return save_checkpoint(
            output_dir, step, model, optimizer, config=run_config, command=command, data_dir=data_dir, inputs=data_read,
            train_state={"tokens_seen": step * config.tokens_per_step, "data": loader.state_dict()},
            stats={"loss": loss, "n_params": n_params, "tokens_seen": step * config.tokens_per_step},
        )

    losses: list[tuple[int, float]] = []
    log_path = output_dir / "log.jsonl"
    model.train()
    start = last_time = time.perf_counter()
    tokens_since_log = 0
    with (log_path.open("w") if world.is_main else nullcontext()) as log_file:
        for step in range(1, config.max_steps + 1):
            lr = learning_rate(step, config)
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss_sum = torch.zeros((), device=device)  # summed on the device: no host sync per micro-batch
            for _ in range(accum):
                inputs, targets = loader.next_batch()
                inputs, targets = inputs[rows], targets[rows]  # this rank's block of the global micro-batch
                inputs = inputs.to(device, non_blocking=True)
                targets = targets.to(device, non_blocking=True)
                with autocast:
                    _, loss = model(inputs, targets)
                # Dividing by accum makes the summed gradients those of the mean loss over the whole step.
                (loss / accum).backward()
                loss_sum += loss.detach()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            if hasattr(grad_norm, "full_tensor"):  # a DTensor under FSDP
                grad_norm = grad_norm.full_tensor()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

            step_loss = global_mean(loss_sum / accum, world)
            if not math.isfinite(step_loss):
                raise FloatingPointError(f"loss became {step_loss} at step {step} (lr {lr:.3g}); stopping")
            losses.append((step, step_loss))
            tokens_since_log += config.tokens_per_step

            if world.is_main and (step == 1 or step % config.log_every == 0 or step == config.max_steps):
                now = time.perf_counter()
                tokens_per_s = tokens_since_log / (now - last_time)
                record = {"step": step, "loss": step_loss, "lr": lr, "grad_norm": grad_norm.item(),
                          "tokens_per_s": tokens_per_s, "tokens_seen": step * config.tokens_per_step,
                          "elapsed_s": now - start, "peak_memory_bytes": peak_memory_bytes(device)}
                if peak is not None:  # per device: each rank computes its share of the step's tokens
                    record["mfu"] = mfu(tokens_per_s / world.world_size, model_flops, peak)
                if isinstance(loader, MixtureBatches):
                    # Realised share of each source so far: the recipe should hold on every prefix, not only at the end.
                    record["mixture"] = loader.shares()
                log.info("step %d/%d | loss %.4f | lr %.2e | grad_norm %.3f | %s tok/s", step, config.max_steps,
                         step_loss, lr, record["grad_norm"], f"{tokens_per_s:,.0f}")
                log_file.write(json.dumps(record) + "\n")
                log_file.flush()
                last_time, tokens_since_log = now, 0
            if config.checkpoint_every and step % config.checkpoint_every == 0 and step != config.max_steps:
                checkpoint(step, step_loss)

    final = checkpoint(config.max_steps, losses[-1][1])
    elapsed = time.perf_counter() - start
    tokens = config.max_steps * config.tokens_per_step
    if world.is_main:
        log.info("done: loss %.4f -> %.4f in %.1f s (%s tok/s); checkpoint %s", losses[0][1], losses[-1][1], elapsed,
                 f"{tokens / elapsed:,.0f}", final)
    return {
        "losses": losses,
        "first_loss": losses[0][1],
        "last_loss": losses[-1][1],
        "n_params": n_params,
        "tokens": tokens,
        "tokens_per_s": tokens / elapsed,
        "checkpoint": final,
        "log": log_path,
        "config": config,
    }


def global_mean(value: torch.Tensor, world: World) -> float:
    """The mean over ranks of a scalar that each rank computed on its own rows (the rows split evenly)."""
    if world.distributed:
        value = value.clone()
        torch.distributed.all_reduce(value)  # SUM: gloo has no AVG
        value /= world.world_size
    return value.item()


def _peak_tflops(device: torch.device, override: float | None) -> float | None:
    """The device's dense bf16 peak for MFU; None (MFU not reported) on a CPU without `peak_tflops`."""
    if override is None and device.type != "cuda":
        log.info("MFU not reported: no peak FLOP/s is known for %s (set peak_tflops=… to report it)", device)
        return None
    return device_peak_tflops(device, override)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="llamix train", description="Train a LLaMA model on token shards.")
    parser.add_argument("--config", required=True, type=Path, help="TOML file, e.g. trainer/configs/tiny.toml")
    parser.add_argument("--data", required=True, type=Path, help="llamix shard output: shard-*.arrow files, or "
                        "train/<source>/ folders with a mixture manifest")
    parser.add_argument("--peak-tflops", type=float, help="dense bf16 TFLOP/s of one device, for MFU on a device "
                        "the table in trainer/metrics.py does not know (A100/H100/H200 are known)")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="override config fields, e.g. lr=1e-3")
    return parser.parse_intermixed_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for `llamix train`: argv is everything after `train`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    overrides = [*args.overrides, *([f"peak_tflops={args.peak_tflops}"] if args.peak_tflops is not None else [])]
    config = load_config(args.config, overrides)
    try:
        run(config, args.data, command=shlex.join(["llamix", "train", *argv]))
    finally:
        destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
