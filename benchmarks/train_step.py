"""One training step of our Transformer against transformers' LlamaForCausalLM, same config, weights and batch, on CPU.

    .venv/bin/python benchmarks/train_step.py [--dim 384] [--layers 4] [--heads 6] [--seq 256] [--batch 8]
                                              [--steps 10] [--warmup 2] [--compile]

Both models are built from one `ModelArgs`: ours directly, Hugging Face's from `trainer.hf.hf_config`, with our random
initial weights copied over by `trainer.hf.to_hf_state_dict`. Both run in float32 with SDPA attention, torch's default
thread count, and get the trainer's own optimizer (`trainer.train.configure_optimizer`: AdamW, betas 0.9/0.95, weight
decay 0.1 on matrices only). One timed step is what the trainer's loop does: forward with the next-token cross-entropy
over all seq positions (for Hugging Face computed from its logits exactly as our forward computes it, so both losses are
the same number), backward, `clip_grad_norm_(1.0)`, `optimizer.step()`, `zero_grad(set_to_none=True)`. The two models
alternate step by step, so that a busy spell on a shared box hits both; the median step is reported.

Sanity check: the first step's losses must agree (same weights, same batch), and so must the second's (same update).
With `--compile`, each side is also timed with `torch.compile` on the whole model, as separate rows.
"""
from __future__ import annotations

import sys
from pathlib import Path

# The repository root replaces this folder as sys.path[0], so that a benchmark named like a standard-library module
# can never shadow it (benchmarks/tokenize.py once shadowed `tokenize`, which torch imports through linecache).
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import datetime  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import transformers  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402

from trainer.config import TrainConfig  # noqa: E402
from trainer.hf import hf_config, to_hf_state_dict  # noqa: E402
from trainer.model import ModelArgs, Transformer, count_parameters  # noqa: E402
from trainer.train import configure_optimizer  # noqa: E402

CPU = torch.device("cpu")


def build(args: ModelArgs, seed: int) -> tuple[Transformer, LlamaForCausalLM]:
    torch.manual_seed(seed)
    ours = Transformer(args)
    config = hf_config(args)
    config["use_cache"] = False  # a training step keeps no KV cache
    theirs = LlamaForCausalLM(LlamaConfig(**config, attn_implementation="sdpa")).to(torch.float32)
    theirs.load_state_dict(to_hf_state_dict(ours.state_dict(), args))
    return ours.train(), theirs.train()


def ours_loss(model: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return model(inputs, targets)[1]


def hf_loss(model: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    # The same loss as our forward computes: mean cross-entropy over every (position, next token) of the batch.
    # (`labels=` would shift inside and drop each row's last position.)
    logits = model(input_ids=inputs, use_cache=False).logits
    return F.cross_entropy(logits.view(-1, logits.size(-1)).float(), targets.reshape(-1))


class Stepper:
    """One side of the comparison: a model, its loss function and its optimizer; `step()` returns (loss, seconds)."""

    def __init__(self, model, loss_fn, config: TrainConfig):
        self.model, self.loss_fn = model, loss_fn
        self.params = list(model.parameters())
        self.optimizer = configure_optimizer(model, config, CPU)
        self.grad_clip = config.grad_clip
        self.times: list[float] = []
        self.losses: list[float] = []

    def step(self, inputs: torch.Tensor, targets: torch.Tensor, timed: bool) -> None:
        start = time.perf_counter()
        loss = self.loss_fn(self.model, inputs, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        seconds = time.perf_counter() - start
        self.losses.append(loss.item())
        if timed:
            self.times.append(seconds)


def compare(args: ModelArgs, cli, compile_models: bool) -> dict[str, Stepper]:
    ours, theirs = build(args, cli.seed)
    if compile_models:
        ours, theirs = torch.compile(ours), torch.compile(theirs)
    config = TrainConfig()
    sides = {"llamix Transformer": Stepper(ours, ours_loss, config),
             "transformers LlamaForCausalLM": Stepper(theirs, hf_loss, config)}
    data = torch.Generator().manual_seed(cli.seed + 1)
    batches = [torch.randint(0, args.vocab_size, (cli.batch, cli.seq + 1), generator=data)
               for _ in range(cli.warmup + cli.steps)]
    for i, batch in enumerate(batches):
        inputs, targets = batch[:, :-1], batch[:, 1:]
        for side in sides.values():
            side.step(inputs, targets, timed=i >= cli.warmup)
    return sides


def report(sides: dict[str, Stepper], tokens_per_step: int, label: str) -> float:
    print(f"\n## {label}")
    print(f"{'':32s} {'median step s':>14s} {'tokens/s':>10s} {'loss step 1':>12s} {'loss step 2':>12s}")
    rate = {}
    for name, side in sides.items():
        median = statistics.median(side.times)
        rate[name] = tokens_per_step / median
        print(f"{name:32s} {median:14.3f} {rate[name]:10.0f} {side.losses[0]:12.6f} {side.losses[1]:12.6f}")
    ours, theirs = sides.values()
    for step in (0, 1):
        diff = abs(ours.losses[step] - theirs.losses[step])
        if diff > 1e-4:
            raise SystemExit(f"sanity check failed: step {step + 1} losses differ by {diff:.2e} (> 1e-4)")
    ratio = rate["llamix Transformer"] / rate["transformers LlamaForCausalLM"]
    print(f"losses agree at steps 1 and 2 (|diff| <= 1e-4); speed ratio ours / Hugging Face: {ratio:.2f}x")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=6)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per model")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per model first")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compile", action="store_true", help="also time both models under torch.compile")
    cli = parser.parse_args()
    if cli.warmup + cli.steps < 2:
        parser.error("need at least 2 steps in all for the loss sanity check")
    args = ModelArgs(dim=cli.dim, n_layers=cli.layers, n_heads=cli.heads, vocab_size=cli.vocab, multiple_of=256,
                     max_seq_len=cli.seq, attn_backend="sdpa")
    tokens_per_step = cli.batch * cli.seq
    print(f"# training step benchmark, {datetime.date.today()}, torch {torch.__version__}, transformers "
          f"{transformers.__version__}, {torch.get_num_threads()} threads, float32 on CPU")
    print(f"model: dim {args.dim}, {args.n_layers} layers, {args.n_heads} heads, vocab {args.vocab_size}, "
          f"{count_parameters(Transformer(args)) / 1e6:.1f}M parameters; batch {cli.batch} x seq {cli.seq} = "
          f"{tokens_per_step} tokens a step; {cli.warmup} warmup + {cli.steps} timed steps each, interleaved")
    start = time.perf_counter()
    report(compare(args, cli, compile_models=False), tokens_per_step, "eager")
    if cli.compile:
        report(compare(args, cli, compile_models=True), tokens_per_step, "torch.compile (whole model, both sides)")
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
