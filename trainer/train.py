"""The training loop: `llamix train --config trainer/configs/NAME.toml --data DIR [key=value ...]`.

AdamW with the paper's hyperparameters (§2.2), linear warmup then cosine decay, gradient accumulation up to
`tokens_per_step`, gradient clipping; logs each `log_every` steps to `logging` and to `output_dir/log.jsonl`, and
checkpoints through trainer.checkpoint.

Under `torchrun --nproc_per_node N $(which llamix) train ...` the same loop runs on N ranks with the model sharded by
FSDP2 (trainer.parallelize). `batch_size` stays the *global* micro-batch: every rank draws the same global
micro-batch from an identically seeded loader but reads and computes only its own contiguous block of batch_size/N
rows, so the ranks' rows are disjoint and an optimizer step sees exactly the rows one process would. The loader's
state is therefore global: a checkpoint saved on N ranks resumes on M (trainer.checkpoint) and the data stream goes
on where it stopped, with no sequence repeated or skipped. FSDP averages
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

from trainer.checkpoint import checkpoint_config, latest_checkpoint, load_checkpoint, save_checkpoint
from trainer.config import TrainConfig, load_config
from trainer.data import MixtureBatches, PackedBatches, mixture_weights, open_batches, shards_vocab_size
from trainer.distributed import World, destroy, init_distributed
from trainer.metrics import device_peak_tflops, flops_per_token, mfu, peak_memory_bytes
from trainer.model import build_on_meta, count_parameters
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
    """Trains up to `config.max_steps` optimizer steps on the shards in `data_dir`, continuing from a checkpoint in
    `output_dir` when `config.resume` finds one.

    Returns a summary: `losses` (a list of (step, mean loss) for every step this call ran), `first_loss`, `last_loss`
    (None when nothing was left to run), `start_step` (0, or the step resumed from), `n_params`, `tokens`,
    `tokens_per_s`, `val_loss` (the last validation losses, if any), `checkpoint` (the final checkpoint folder), `log`
    (the JSONL log) and `config`.
    """
    data_dir = Path(data_dir)
    output_dir = Path(config.output_dir)
    command = command or f"llamix train --data {shlex.quote(str(data_dir))}"

    loader = open_batches(data_dir, config.seq_len, config.batch_size, seed=config.seed)
    config = resolve_vocab_size(config, data_dir, loader)
    world = init_distributed(resolve_device(config.device))
    device = world.device
    if world.is_main:
        output_dir.mkdir(parents=True, exist_ok=True)
        if isinstance(loader, MixtureBatches):
            log.info("data: mixture of %d sources, weights %s", len(loader.sources),
                     ", ".join(f"{name} {w:.4f}" for name, w in loader.weights.items()))
    accum = config.grad_accum_steps
    if config.batch_size % world.world_size:
        raise ValueError(f"batch_size={config.batch_size} (the global micro-batch) does not split evenly over "
                         f"{world.world_size} ranks")
    # Every rank walks the same global stream of micro-batches and reads only its own contiguous block of rows.
    rows = slice(world.rank * config.batch_size // world.world_size,
                 (world.rank + 1) * config.batch_size // world.world_size)
    validation = open_validation(data_dir, config) if config.eval_every else {}
    validation_weights = mixture_weights(data_dir) if config.eval_every else {}

    # Built on the meta device (no memory), wrapped and sharded there, then materialized: each rank only ever
    # allocates its own shard. init_weights(seed) draws each parameter from its own seeded generator, so the weights
    # do not depend on the number of ranks.
    model = build_on_meta(config.model_args())
    n_params = count_parameters(model)
    n_body = count_parameters(model, exclude_embeddings=True)
    model_flops = flops_per_token(n_body, config.n_layers, config.n_heads, config.dim // config.n_heads, config.seq_len)
    peak = _peak_tflops(device, config.peak_tflops)
    parallelize(model, config, world)
    model.to_empty(device=device)
    model.init_weights(seed=config.seed)
    torch.manual_seed(config.seed + world.rank)  # anything stochastic later (nothing in the default recipe)
    optimizer = configure_optimizer(model, config, device)  # after parallelize: FSDP replaces the parameters
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda done: learning_rate(done + 1, config) / config.lr)

    start_step = 0
    resume_from = find_resume_checkpoint(config, output_dir)
    if resume_from is not None:
        check_resumable(resume_from, config)
        state = load_checkpoint(resume_from, model, optimizer)
        scheduler.load_state_dict(state["scheduler"])
        loader.load_state_dict(state["data"])
        start_step = state["step"]
        if world.is_main:
            log.info("resumed from %s at step %d (saved on %d rank(s), now %d)", resume_from, start_step,
                     state.get("world_size", 1), world.world_size)

    if world.is_main:
        log.info("model: %s parameters (%s without embeddings), %d layers, dim %d, vocab %d", f"{n_params:,}",
                 f"{n_body:,}", config.n_layers, config.dim, config.vocab_size)
        log.info("training: steps %d..%d of %d tokens (%d micro-batches of %dx%d, split over %d ranks) on %s, %s",
                 start_step + 1, config.max_steps, config.tokens_per_step, accum, config.batch_size, config.seq_len,
                 world.world_size, device, config.dtype)
        if config.warmup_steps > config.max_steps:
            log.warning("warmup_steps=%d exceeds max_steps=%d: the learning rate never reaches its peak",
                        config.warmup_steps, config.max_steps)
    # Under FSDP the mixed-precision policy casts the parameters to bf16 instead.
    use_autocast = config.dtype == "bfloat16" and not world.distributed
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if use_autocast else nullcontext()
    run_config = {**config.to_dict(), "data": str(data_dir)}
    shards = loader.paths
    data_read = {"paths": [str(data_dir)], "files": len(shards), "bytes": sum(p.stat().st_size for p in shards)}

    def checkpoint(step: int, loss: float | None) -> Path:
        return save_checkpoint(
            output_dir, step, model, optimizer, config=run_config, command=command, data_dir=data_dir,
            inputs=data_read, keep=config.keep_checkpoints,
            train_state={"tokens_seen": step * config.tokens_per_step, "scheduler": scheduler.state_dict(),
                         "data": loader.state_dict()},
            stats={"loss": loss, "n_params": n_params, "tokens_seen": step * config.tokens_per_step},
        )

    losses: list[tuple[int, float]] = []
    val_loss: dict[str, float] = {}
    metrics = MetricsLog(output_dir, world, start_step, tensorboard=config.tensorboard)
    samples = SampleLog(output_dir, world, start_step) if config.sample_log else None
    model.train()
    start = last_time = time.perf_counter()
    tokens_since_log = 0
    final = resume_from if resume_from is not None and start_step >= config.max_steps else None
    try:
        for step in range(start_step + 1, config.max_steps + 1):
            lr = scheduler.get_last_lr()[0]
            loss_sum = torch.zeros((), device=device)  # summed on the device: no host sync per micro-batch
            for _ in range(accum):
                inputs, targets = loader.next_batch(rows)  # this rank's block of the global micro-batch
                if samples is not None:
                    samples.record(step, loader)
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
            scheduler.step()

            step_loss = global_mean(loss_sum / accum, world)
            if not math.isfinite(step_loss):
                raise FloatingPointError(f"loss became {step_loss} at step {step} (lr {lr:.3g}); stopping")
            losses.append((step, step_loss))
            tokens_since_log += config.tokens_per_step

            if config.eval_every and (step % config.eval_every == 0 or step == config.max_steps):
                val_loss = evaluate(model, validation, validation_weights, config, rows, device, world, autocast)
                if world.is_main:
                    log.info("step %d | validation loss %s", step,
                             " | ".join(f"{name} {value:.4f}" for name, value in val_loss.items()))
                metrics.write(step, {"tokens_seen": step * config.tokens_per_step,
                                     **{f"val_loss/{name}" if name != "all" else "val_loss": value
                                        for name, value in val_loss.items()}})

            if step == start_step + 1 or step % config.log_every == 0 or step == config.max_steps:
                now = time.perf_counter()
                tokens_per_s = tokens_since_log / (now - last_time)
                record = {"loss": step_loss, "lr": lr, "grad_norm": grad_norm.item(), "tokens_per_s": tokens_per_s,
                          "tokens_seen": step * config.tokens_per_step, "elapsed_s": now - start,
                          "peak_memory_bytes": peak_memory_bytes(device)}
                if peak is not None:  # per device: each rank computes its share of the step's tokens
                    record["mfu"] = mfu(tokens_per_s / world.world_size, model_flops, peak)
                if isinstance(loader, MixtureBatches):
                    # Realised share of each source so far: the recipe should hold on every prefix, not only at the end.
                    record["mixture"] = loader.shares()
                if world.is_main:
                    log.info("step %d/%d | loss %.4f | lr %.2e | grad_norm %.3f | %s tok/s", step, config.max_steps,
                             step_loss, lr, record["grad_norm"], f"{tokens_per_s:,.0f}")
                metrics.write(step, record)
                last_time, tokens_since_log = now, 0
            if step == config.max_steps:
                final = checkpoint(step, step_loss)
            elif config.checkpoint_every and step % config.checkpoint_every == 0:
                checkpoint(step, step_loss)
    finally:
        metrics.close()
        if samples is not None:
            samples.close()

    elapsed = time.perf_counter() - start
    tokens = len(losses) * config.tokens_per_step
    if world.is_main:
        if losses:
            log.info("done: loss %.4f -> %.4f in %.1f s (%s tok/s); checkpoint %s", losses[0][1], losses[-1][1],
                     elapsed, f"{tokens / elapsed:,.0f}", final)
        else:
            log.info("nothing to do: %s is already at max_steps=%d", final, config.max_steps)
    return {
        "losses": losses,
        "first_loss": losses[0][1] if losses else None,
        "last_loss": losses[-1][1] if losses else None,
        "start_step": start_step,
        "n_params": n_params,
        "tokens": tokens,
        "tokens_per_s": tokens / elapsed if losses else 0.0,
        "val_loss": val_loss,
        "checkpoint": final,
        "log": output_dir / LOG_NAME,
        "config": config,
    }


# The fields a checkpoint's tensors are shaped by: resuming with any of them changed cannot load.
SHAPE_KEYS = ("dim", "n_layers", "n_heads", "vocab_size", "multiple_of")
# The fields the data position is counted in: resuming with them changed would silently skip or repeat data.
STREAM_KEYS = ("seq_len", "batch_size", "seed")


def find_resume_checkpoint(config: TrainConfig, output_dir: Path) -> Path | None:
    if config.resume == "none":
        return None
    if config.resume == "auto":
        return latest_checkpoint(output_dir)
    path = Path(config.resume)
    if not (path / "manifest.json").is_file():
        raise FileNotFoundError(f"resume={config.resume}: not a complete checkpoint folder (no manifest.json)")
    return path


def check_resumable(path: Path, config: TrainConfig) -> None:
    """Refuses a resume whose model shape or data stream differs from the checkpoint's, naming the fields."""
    saved = checkpoint_config(path)
    changed = [f"{key} {saved.get(key)} -> {getattr(config, key)}" for key in (*SHAPE_KEYS, *STREAM_KEYS)
               if saved.get(key) != getattr(config, key)]
    if changed:
        raise ValueError(f"cannot resume from {path}: {', '.join(changed)}. Use resume=none (or another output_dir) "
                         f"to start a new run")


def open_validation(data_dir: Path, config: TrainConfig) -> dict[str, PackedBatches]:
    """One packed stream per source of the shards' validation split (`validation/<source>/`), or an error naming
    what is missing. Sources whose validation split is empty or shorter than one sequence are left out, with a
    warning: a small source may have no held-out document at all."""
    weights = mixture_weights(data_dir)
    split = data_dir / "validation"
    if weights is None or not split.is_dir():
        raise ValueError(f"eval_every={config.eval_every} needs a validation split, but {data_dir} has none; shard "
                         f"with `llamix shard --mixture RECIPE` (which holds out a validation split) or set eval_every=0")
    streams = {}
    for name in sorted(weights):
        try:
            streams[name] = PackedBatches(split / name, config.seq_len, config.batch_size, seed=config.seed)
        except (FileNotFoundError, ValueError) as error:
            log.warning("validation: leaving out %s (%s)", name, error)
    if not streams:
        raise ValueError(f"eval_every={config.eval_every}: no source in {split} has a full validation sequence")
    return streams


@torch.no_grad()
def evaluate(model: torch.nn.Module, streams: dict[str, PackedBatches], weights: dict[str, float],
             config: TrainConfig, rows: slice, device: torch.device, world: World, autocast) -> dict[str, float]:
    """Mean loss of `eval_batches` global micro-batches per source, always the same ones (each stream restarts from
    its beginning), plus `all`: the mixture-weighted mean over the sources evaluated."""
    model.eval()
    losses = {}
    for name, stream in streams.items():
        stream.load_state_dict({**stream.state_dict(), "epoch": 0, "position": 0})
        total = torch.zeros((), device=device)
        for _ in range(config.eval_batches):
            inputs, targets = stream.next_batch(rows)
            with autocast:
                _, loss = model(inputs.to(device), targets.to(device))
            total += loss.detach()
        losses[name] = global_mean(total / config.eval_batches, world)
    model.train()
    total_weight = sum(weights[name] for name in losses)
    losses["all"] = sum(weights[name] * value for name, value in losses.items()) / total_weight
    return losses


LOG_NAME = "log.jsonl"


def _truncate_jsonl(path: Path, after_step: int) -> None:
    """Drops the records of steps after `after_step`: a run that died after its last checkpoint logged steps that
    the resumed run computes again."""
    if not path.exists():
        return
    kept = [line for line in path.read_text().splitlines() if line and json.loads(line)["step"] <= after_step]
    path.write_text("".join(line + "\n" for line in kept))


class MetricsLog:
    """Rank 0's record of the run: one JSON object per line in output_dir/log.jsonl and, unless disabled, the same
    scalars in TensorBoard (output_dir/tensorboard). On resume both continue from the checkpoint's step."""

    def __init__(self, output_dir: Path, world: World, start_step: int, tensorboard: bool):
        self.active = world.is_main
        self.file = None
        self.writer = None
        if not self.active:
            return
        path = output_dir / LOG_NAME
        _truncate_jsonl(path, start_step)
        self.file = path.open("a")
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            # purge_step drops events a crashed run wrote after the checkpoint, as the JSONL truncation does.
            self.writer = SummaryWriter(str(output_dir / "tensorboard"), purge_step=start_step + 1 if start_step else None)

    def write(self, step: int, record: dict[str, Any]) -> None:
        if not self.active:
            return
        self.file.write(json.dumps({"step": step, **record}) + "\n")
        self.file.flush()
        if self.writer is not None:
            for key, value in record.items():
                if isinstance(value, dict):
                    for name, share in value.items():
                        self.writer.add_scalar(f"{key}/{name}", share, step)
                elif isinstance(value, (int, float)):
                    self.writer.add_scalar(key, value, step)
            self.writer.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.writer is not None:
            self.writer.close()


class SampleLog:
    """With `sample_log = true`: which documents every micro-batch row read, one line per micro-batch and rank in
    output_dir/samples/rank-RRRRR.jsonl ({"step", "rows": [{"source", "window", "documents"}]}). Answers "what
    did step N train on" (a loss spike, a leaked document) and lets the tests check that a resume neither repeats
    nor skips data."""

    def __init__(self, output_dir: Path, world: World, start_step: int):
        path = output_dir / "samples" / f"rank-{world.rank:05d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        _truncate_jsonl(path, start_step)
        self.file = path.open("a")

    def record(self, step: int, loader: PackedBatches | MixtureBatches) -> None:
        rows = [{"source": source, "window": index, "documents": loader.documents((source, index))}
                for source, index in loader.last_windows]
        self.file.write(json.dumps({"step": step, "rows": rows}) + "\n")

    def close(self) -> None:
        self.file.close()


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
