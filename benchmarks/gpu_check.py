"""Attention agreement and training throughput on one GPU, as a single prepared run (benchmarks/gpu.sh runs it).

    python benchmarks/gpu_check.py [--steps 20] [--budget-s 40] [--deadline-s 420] [--set batch_size=8 ...]
    .venv/bin/python benchmarks/gpu_check.py --dry-run      # the same logic on the CPU with tiny sizes, < 1 minute

Imports only torch and trainer.{attention,config,distributed,metrics,model,parallelize}: the GPU machine has torch but
maybe not our other dependencies, so trainer.train (which imports trainer.data, hence pyarrow) is mirrored, not
imported, and batches are random tokens instead of shards.

1. Attention agreement. bf16 random q, k, v (batch 2, seq 2048, 16 heads of 128) through trainer.attention.attention:
   SDPA with its default choice and with each kernel forced by torch.nn.attention.sdpa_kernel (FLASH_ATTENTION,
   EFFICIENT_ATTENTION, CUDNN_ATTENTION, MATH in bf16), and the flash_attn package when it imports; causal, and with
   document masking (trainer.attention.Documents: SDPA's boolean mask, flash_attn's cu_seqlens). Each output and each
   gradient (of sum(out * random)) is compared with SDPA's MATH kernel in float32 on the same bf16-valued inputs, with
   the mask built here position by position from the BOS positions. A kernel that cannot run the case (FLASH has no
   arbitrary mask) is SKIP, not FAIL.
2. Throughput. trainer/configs/1b.toml (vocab_size=32000), built and stepped as trainer.train does on one device: fp32
   weights, bf16 autocast, fused AdamW with decay on matrices only, gradient clipping, one loss.item() per step. For each
   attention kernel (SDPA forced to flash / cuDNN / efficient, the flash_attn package) without and with per-block
   torch.compile (trainer.parallelize.apply_compile): warmup steps (the first one compiles), then up to --steps timed
   steps or --budget-s seconds. One optimizer step per micro-batch unless --accum says otherwise. Reports tokens/s, MFU
   (trainer.metrics: 6N + 12·L·H·Q·T FLOPs per token against the device's dense bf16 peak), peak memory, and the
   attention kernels a profiled step actually launched. A variant that fails prints its error and the run goes on;
   variants that would start after --deadline-s are skipped, so the whole run ends in time.
"""
from __future__ import annotations

import os
import sys

# Run as `python benchmarks/gpu_check.py` from anywhere: the repository root must be importable for trainer.*.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from contextlib import nullcontext  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402

from trainer.attention import Documents, attention, flash_attn_available  # noqa: E402
from trainer.config import TrainConfig, load_config  # noqa: E402
from trainer.distributed import World  # noqa: E402
from trainer.metrics import device_peak_tflops, flops_per_token, mfu, peak_memory_bytes  # noqa: E402
from trainer.model import build_on_meta, count_parameters  # noqa: E402
from trainer.parallelize import apply_compile, parallelize  # noqa: E402

SDPA_KERNELS = {
    "flash": SDPBackend.FLASH_ATTENTION,
    "efficient": SDPBackend.EFFICIENT_ATTENTION,
    "cudnn": SDPBackend.CUDNN_ATTENTION,
    "math": SDPBackend.MATH,
}
BOS = 1
# bf16 keeps 8 significant bits (relative step 2^-8 = 0.0039). An attention output is a convex combination of values
# of size ~1, so rounding q·k, the probabilities and the output gives max abs errors of a few 1e-3; gradients go through
# one more bf16 product and are compared relative to their largest entry.
OUTPUT_ATOL = 2e-2
GRAD_RTOL = 2e-2
DOC_LENGTH = 512  # tokens per packed document in the +docmask variants
ATTENTION_KERNEL_NAME = re.compile(r"flash|fmha|cudnn|sdpa|attention|attn", re.IGNORECASE)


def say(*parts: object) -> None:
    print(*parts, flush=True)


# --- 1. attention agreement -------------------------------------------------------------------------------------

def reference_mask(bos_positions: list[list[int]], seq_len: int, device: torch.device) -> torch.Tensor:
    """(batch, 1, seq, seq) bool, True where query i may see key j: j <= i and no BOS in (j, i]. Built position by
    position, independently of trainer.attention's cumsum, so that the two constructions check each other."""
    rows = []
    for starts in bos_positions:
        doc = []
        current = 0
        for position in range(seq_len):
            if position in starts:
                current += 1
            doc.append(current)
        doc_t = torch.tensor(doc, device=device)
        causal = torch.ones(seq_len, seq_len, dtype=torch.bool, device=device).tril()
        rows.append(causal & (doc_t[:, None] == doc_t[None, :]))
    return torch.stack(rows)[:, None]


def reference_attention(q, k, v, mask: torch.Tensor) -> torch.Tensor:
    """SDPA with the MATH kernel and an explicit mask on float32 q, k, v (no TF32); (batch, seq, heads, head_dim)."""
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    with sdpa_kernel(SDPBackend.MATH):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2)


def forward_backward(fn: Callable, q, k, v, dout) -> tuple[torch.Tensor, list[torch.Tensor]]:
    leaves = [t.detach().clone().requires_grad_(True) for t in (q, k, v)]
    out = fn(*leaves)
    out.backward(dout.to(out.dtype))
    return out.detach().float(), [t.grad.float() for t in leaves]


def compare(out, grads, ref_out, ref_grads) -> tuple[float, float, bool]:
    out_diff = (out - ref_out).abs().max().item()
    grad_rel = max(((g - r).abs().max() / r.abs().max().clamp_min(1e-6)).item() for g, r in zip(grads, ref_grads))
    ok = math.isfinite(out_diff) and math.isfinite(grad_rel) and out_diff <= OUTPUT_ATOL and grad_rel <= GRAD_RTOL
    return out_diff, grad_rel, ok


def check_attention(device: torch.device, batch: int, seq_len: int, heads: int, head_dim: int) -> list[dict]:
    say(f"\n== attention agreement: bf16 q/k/v ({batch}, {seq_len}, {heads}, {head_dim}), against SDPA MATH in "
        f"float32; PASS if max|out - ref| <= {OUTPUT_ATOL} and max|grad - ref| / max|ref| <= {GRAD_RTOL} ==")
    torch.backends.cuda.matmul.allow_tf32 = False
    generator = torch.Generator(device=device).manual_seed(0)
    q, k, v, dout = (torch.randn(batch, seq_len, heads, head_dim, generator=generator, device=device)
                     .to(torch.bfloat16) for _ in range(4))
    # Row 0 starts with a document, has a one-token document and a long one; row 1 starts with the tail of a document
    # cut by packing (no BOS before position seq/16), as real packed rows do.
    bos_positions = [sorted({0, seq_len // 7, seq_len // 7 + 1, seq_len // 2}), sorted({seq_len // 16, seq_len // 3})]
    tokens = torch.randint(2, 32000, (batch, seq_len), generator=generator, device=device)
    for row, starts in enumerate(bos_positions[:batch]):
        tokens[row, starts] = BOS
    causal_mask = torch.ones(seq_len, seq_len, dtype=torch.bool, device=device).tril()[None, None]
    doc_mask = reference_mask(bos_positions[:batch], seq_len, device)

    def sdpa(kernel: str | None, documents_backend: str | None) -> Callable:
        def run(q, k, v):
            documents = (Documents.from_tokens(tokens, BOS, documents_backend) if documents_backend else None)
            with sdpa_kernel(SDPA_KERNELS[kernel]) if kernel else nullcontext():
                return attention(q, k, v, "sdpa", documents)
        return run

    def flash_attn_package(documents_backend: str | None) -> Callable:
        def run(q, k, v):
            documents = (Documents.from_tokens(tokens, BOS, documents_backend) if documents_backend else None)
            return attention(q, k, v, "flash_attn", documents)
        return run

    cases = []
    for masking, documents_backend in (("causal", None), ("doc mask", "sdpa")):
        cases.append((masking, "sdpa (default kernel)", sdpa(None, documents_backend)))
        for kernel in SDPA_KERNELS:
            cases.append((masking, f"sdpa forced {kernel}", sdpa(kernel, documents_backend)))
        flash_documents = "flash_attn" if documents_backend else None
        cases.append((masking, "flash_attn package", flash_attn_package(flash_documents)))

    results = []
    references = {}
    outputs: dict[tuple[str, str], torch.Tensor] = {}
    for masking, ref_mask in (("causal", causal_mask), ("doc mask", doc_mask)):
        references[masking] = forward_backward(lambda q, k, v: reference_attention(q, k, v, ref_mask),
                                               q.float(), k.float(), v.float(), dout)
    for masking, name, fn in cases:
        if name == "flash_attn package" and not flash_attn_available():
            results.append({"masking": masking, "path": name, "status": "SKIP (flash_attn not installed)"})
            continue
        try:
            out, grads = forward_backward(fn, q, k, v, dout)
        except Exception as error:  # reported in the table; the other paths still run
            # A RuntimeError is how SDPA says that the forced kernel cannot run this case (FLASH with a mask, a CPU).
            status = "SKIP" if isinstance(error, RuntimeError) else f"ERROR {type(error).__name__}"
            results.append({"masking": masking, "path": name, "status": f"{status} ({first_line(error)[:70]})"})
            continue
        out_diff, grad_rel, ok = compare(out, grads, *references[masking])
        outputs[(masking, name)] = out
        results.append({"masking": masking, "path": name, "out_diff": out_diff, "grad_rel": grad_rel,
                        "status": "PASS" if ok else "FAIL"})
    for masking in ("causal", "doc mask"):  # the two production paths against each other
        a, b = outputs.get((masking, "flash_attn package")), outputs.get((masking, "sdpa (default kernel)"))
        if a is not None and b is not None:
            diff = (a - b).abs().max().item()
            results.append({"masking": masking, "path": "flash_attn vs sdpa (default)", "out_diff": diff,
                            "status": "PASS" if diff <= OUTPUT_ATOL else "FAIL"})
    say(f"{'masking':<9} {'path':<30} {'max|out-ref|':>13} {'grad rel':>9}  status")
    for r in results:
        out_text = f"{r['out_diff']:.2e}" if "out_diff" in r else "-"
        grad_text = f"{r['grad_rel']:.2e}" if "grad_rel" in r else "-"
        say(f"{r['masking']:<9} {r['path']:<30} {out_text:>13} {grad_text:>9}  {r['status']}")
    del q, k, v, dout, references, outputs
    return results


# --- 2. throughput ------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Variant:
    name: str
    attn_backend: str  # the config's attn_backend: "sdpa" or "flash_attn"
    sdpa_kernel: str | None  # forced SDPA kernel, a key of SDPA_KERNELS
    compile: bool
    doc_mask: bool = False


def variants(names: list[str] | None) -> list[Variant]:
    """Eager first, then compiled, so that the cheap measurements are in before the long compilations start; last,
    document masking (one BOS every 512 tokens) with SDPA's own kernel choice and with flash_attn's varlen kernel."""
    base = [("sdpa-flash", "sdpa", "flash"), ("sdpa-cudnn", "sdpa", "cudnn"), ("sdpa-efficient", "sdpa", "efficient"),
            ("flash_attn", "flash_attn", None)]
    every = [Variant(name + ("+compile" if compiled else ""), backend, kernel, compiled)
             for compiled in (False, True) for name, backend, kernel in base]
    every += [Variant("sdpa+docmask", "sdpa", None, False, doc_mask=True),
              Variant("flash_attn+docmask", "flash_attn", None, False, doc_mask=True)]
    if names is None:
        return every
    known = {v.name: v for v in every}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; known: {', '.join(known)}")
    return [known[n] for n in names]


def configure_optimizer(model: torch.nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """Mirrors trainer.train.configure_optimizer (not importable here: trainer.train imports pyarrow)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(config.beta1, config.beta2), fused=device.type == "cuda")


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def attention_kernels(step: Callable[[], float], device: torch.device) -> str:
    """Names of the attention kernels (CUDA) or attention ops (CPU) that one profiled step runs."""
    activities = [torch.profiler.ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as profile:
        step()
    names = []
    for event in profile.events():
        on_device = event.device_type == torch.autograd.DeviceType.CUDA
        if (on_device if device.type == "cuda" else event.name.startswith("aten::")):
            if ATTENTION_KERNEL_NAME.search(event.name):
                short = event.name.removeprefix("void ").split("<")[0].split("(")[0][:48]
                if short not in names:
                    names.append(short)
    return "; ".join(names) or "-"


def measure(variant: Variant, config: TrainConfig, device: torch.device, args: argparse.Namespace,
            peak: float | None) -> dict:
    config = dataclasses.replace(config, attn_backend=variant.attn_backend, compile=variant.compile,
                                 doc_mask=variant.doc_mask)
    tokens_per_step = config.batch_size * config.seq_len * args.accum
    torch._dynamo.reset()  # every compiled variant traces afresh, under its own forced SDPA kernel
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    model = build_on_meta(config.model_args())  # as trainer.train: wrap on the meta device, then materialize
    n_non_embedding = count_parameters(model, exclude_embeddings=True)
    model_flops = flops_per_token(n_non_embedding, config.n_layers, config.n_heads, config.dim // config.n_heads,
                                  config.seq_len)
    # parallelize(compile=True) on one rank is apply_ac then apply_compile; done in two so that the dry run can pick a
    # backend that skips code generation (inductor takes minutes on a 2-core CPU).
    parallelize(model, dataclasses.replace(config, compile=False), World(rank=0, world_size=1, device=device))
    if variant.compile:
        if args.compile_backend == "inductor":
            apply_compile(model)
        else:
            for block in model.layers:
                block.compile(backend=args.compile_backend)
    model.to_empty(device=device)
    model.init_weights(seed=config.seed)
    optimizer = configure_optimizer(model, config, device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if config.dtype == "bfloat16" else nullcontext()
    generator = torch.Generator(device=device).manual_seed(config.seed)
    batches = [torch.randint(0, config.vocab_size, (config.batch_size, config.seq_len + 1), generator=generator,
                             device=device) for _ in range(4)]
    for batch in batches:  # packed documents of 512 tokens; without doc_mask the BOS tokens change nothing
        batch[:, ::DOC_LENGTH] = config.bos_id
    forced = sdpa_kernel(SDPA_KERNELS[variant.sdpa_kernel]) if variant.sdpa_kernel else nullcontext()
    model.train()
    counter = iter(range(10**9))

    def step() -> float:
        loss_sum = torch.zeros((), device=device)
        for _ in range(args.accum):
            batch = batches[next(counter) % len(batches)]
            with autocast:
                _, loss = model(batch[:, :-1], batch[:, 1:])
            (loss / args.accum).backward()
            loss_sum += loss.detach()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return (loss_sum / args.accum).item()  # trainer.train syncs once per step the same way

    try:
        with forced:
            start = time.perf_counter()
            for _ in range(args.warmup):
                loss = step()
            warmup_s = time.perf_counter() - start
            if not math.isfinite(loss):
                raise FloatingPointError(f"loss is {loss} after warmup")
            times = []
            timed_start = time.perf_counter()
            while len(times) < args.steps and time.perf_counter() - timed_start < args.budget_s:
                t0 = time.perf_counter()
                step()
                synchronize(device)
                times.append(time.perf_counter() - t0)
            kernels = attention_kernels(step, device) if args.profile else "(not profiled)"
            synchronize(device)
        tokens_per_s = tokens_per_step * len(times) / sum(times)
        return {
            "variant": variant.name, "status": "ok", "first_steps_s": warmup_s, "steps": len(times),
            "step_ms": 1000 * sorted(times)[len(times) // 2], "tokens_per_s": tokens_per_s,
            "mfu": mfu(tokens_per_s, model_flops, peak) if peak else None,
            "peak_gib": peak_memory_bytes(device) / 2**30, "kernels": kernels, "loss": loss,
        }
    finally:
        del model, optimizer, batches
        torch._dynamo.reset()
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()


def throughput(config: TrainConfig, device: torch.device, args: argparse.Namespace, start: float) -> list[dict]:
    try:
        peak = device_peak_tflops(device, args.peak_tflops)
    except ValueError as error:
        say(f"MFU not reported: {error}")
        peak = None
    say(f"\n== throughput: {config.n_layers} layers, dim {config.dim}, {config.n_heads} heads, vocab "
        f"{config.vocab_size}, micro-batch {config.batch_size} x {config.seq_len}, accum {args.accum}, "
        f"activation_checkpointing {config.activation_checkpointing}, dtype {config.dtype}, peak "
        f"{peak or 'unknown'} TFLOP/s; {args.warmup} warmup + up to {args.steps} timed steps or {args.budget_s:g} s "
        f"per variant ==")
    results = []
    for variant in variants(args.variants):
        elapsed = time.perf_counter() - start
        if variant.attn_backend == "flash_attn" and not flash_attn_available():
            results.append({"variant": variant.name, "status": "skipped: flash_attn not installed"})
        elif elapsed > args.deadline_s:
            results.append({"variant": variant.name, "status": f"skipped: past the {args.deadline_s:g} s deadline"})
        else:
            say(f"-- {variant.name} (at {elapsed:.0f} s)")
            try:
                results.append(measure(variant, config, device, args, peak))
            except Exception as error:  # one variant's failure (OOM, no kernel, compile error) must not end the run
                traceback.print_exc(limit=3, file=sys.stdout)
                results.append({"variant": variant.name, "status": f"FAILED: {type(error).__name__}: "
                                f"{first_line(error)}"})
        say(f"   {format_row(results[-1])}")
    return results


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else type(error).__name__


COLUMNS = ("variant", "first steps s", "step ms", "tokens/s", "MFU", "peak GiB", "attention kernels", "status")


def row_cells(r: dict) -> list[str]:
    if r["status"] != "ok":
        return [r["variant"], "", "", "", "", "", "", r["status"]]
    return [r["variant"], f"{r['first_steps_s']:.1f}", f"{r['step_ms']:.1f}", f"{r['tokens_per_s']:,.0f}",
            f"{100 * r['mfu']:.1f}%" if r["mfu"] is not None else "n/a", f"{r['peak_gib']:.1f}", r["kernels"],
            f"ok ({r['steps']} steps, loss {r['loss']:.3f})"]


def format_row(r: dict) -> str:
    return " | ".join(cell for cell in row_cells(r) if cell)


def markdown_table(results: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row_cells(r)) + " |" for r in results]
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------------------------

def describe_machine(device: torch.device) -> None:
    say(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
    say(f"python {platform.python_version()}, torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN "
        f"{torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None}, flash_attn installed: "
        f"{flash_attn_available()}")
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        say(f"device: {props.name}, compute capability {props.major}.{props.minor}, {props.total_memory / 2**30:.1f} "
            f"GiB, {props.multi_processor_count} SMs")
    else:
        say(f"device: CPU ({platform.processor() or platform.machine()}), {torch.get_num_threads()} threads")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true",
                        help="CPU, trainer/configs/tiny.toml, small attention shapes, 2 steps: checks the script")
    parser.add_argument("--config", type=Path, help="default trainer/configs/1b.toml (tiny.toml with --dry-run)")
    parser.add_argument("--set", nargs="*", default=[], metavar="key=value",
                        help="config overrides, e.g. batch_size=8 activation_checkpointing=full")
    parser.add_argument("--variants", type=lambda s: s.split(","),
                        help="comma-separated subset of: " + ", ".join(v.name for v in variants(None)))
    parser.add_argument("--steps", type=int, help="timed steps per variant (default 20; 2 with --dry-run)")
    parser.add_argument("--warmup", type=int, help="untimed steps first, the first one compiles (default 3; 1 dry)")
    parser.add_argument("--budget-s", type=float, default=40.0, help="stop timing a variant after this long")
    parser.add_argument("--deadline-s", type=float, default=420.0,
                        help="start no variant after this many seconds since the script started")
    parser.add_argument("--compile-backend", help="torch.compile backend of the +compile variants (default inductor, "
                        "as training; aot_eager with --dry-run: same tracing, no code generation)")
    parser.add_argument("--accum", type=int, default=1, help="micro-batches per optimizer step (default 1)")
    parser.add_argument("--peak-tflops", type=float, help="dense bf16 peak for MFU when trainer.metrics does not know "
                        "the device")
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="skip the profiled step that names the attention kernels")
    parser.add_argument("--skip-attention", action="store_true", help="skip part 1")
    parser.add_argument("--skip-throughput", action="store_true", help="skip part 2")
    args = parser.parse_args(argv)
    if args.dry_run:
        args.config = args.config or Path(REPO) / "trainer" / "configs" / "tiny.toml"
        args.steps = args.steps or 2
        args.warmup = args.warmup or 1
        # tiny.toml trains in float32 on the CPU; the dry run takes the GPU run's path: bf16 autocast.
        # Smaller still (2 layers, 512-token vocabulary, 2 rows): a 32000-wide bf16 output head takes seconds per step on
        # a small CPU, and the dry run checks logic, not speed.
        args.set = ["device=cpu", "dtype=bfloat16", "vocab_size=512", "batch_size=2", "n_layers=2", *args.set]
        args.compile_backend = args.compile_backend or "aot_eager"
    args.compile_backend = args.compile_backend or "inductor"
    args.config = args.config or Path(REPO) / "trainer" / "configs" / "1b.toml"
    args.steps = args.steps or 20
    args.warmup = args.warmup if args.warmup is not None else 3
    if args.accum < 1 or args.steps < 1 or args.warmup < 1:
        parser.error("--accum, --steps and --warmup must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    start = time.perf_counter()
    args = parse_args(argv)
    overrides = ["vocab_size=32000", *args.set]  # applied in order: a later vocab_size wins
    config = load_config(args.config, overrides)
    if args.dry_run:
        device = torch.device("cpu")
    elif not torch.cuda.is_available():
        raise SystemExit("no CUDA device; use --dry-run to check the script on a CPU")
    else:
        device = torch.device("cuda")
    # tokens_per_step is the training recipe's, not the benchmark's: a timed step is --accum micro-batches.
    config = dataclasses.replace(config, tokens_per_step=config.batch_size * config.seq_len * args.accum)
    describe_machine(device)
    say(f"config: {args.config.resolve().relative_to(REPO) if args.config.resolve().is_relative_to(REPO) else args.config}, overrides "
        f"{' '.join(overrides)}, compile backend {args.compile_backend}")

    attention_results: list[dict] = []
    if not args.skip_attention:
        shape = (2, 256, 4, 32) if args.dry_run else (2, 2048, 16, 128)
        attention_results = check_attention(device, *shape)
    throughput_results: list[dict] = []
    if not args.skip_throughput:
        throughput_results = throughput(config, device, args, start)
        say("\n" + markdown_table(throughput_results))
    failed = [r for r in attention_results if r["status"] == "FAIL" or r["status"].startswith("ERROR")]
    say(f"\ndone in {time.perf_counter() - start:.0f} s: attention {len(attention_results) - len(failed)} of "
        f"{len(attention_results)} not failing; throughput {sum(r['status'] == 'ok' for r in throughput_results)} of "
        f"{len(throughput_results)} variants measured")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
