"""Training configuration: one dataclass, read from a TOML file, then `key=value` overrides from the command line.

The TOML file groups keys into `[model]` and `[train]` sections for the reader; the dataclass itself is flat so that an
override is just the field name (`llamix train ... lr=1e-3 n_layers=2`).
"""
from __future__ import annotations

import tomllib
import types
import typing
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from trainer.model import ModelArgs

# Keys that belong in the TOML's [model] section; every other TrainConfig field goes in [train]. max_seq_len is the
# training seq_len, so it is not a key of its own.
MODEL_KEYS = tuple(f.name for f in fields(ModelArgs) if f.name != "max_seq_len")
DEVICES = ("auto", "cpu", "cuda")
# float16 would need a GradScaler; LLaMA-scale training uses bfloat16, and float32 is what a CPU wants.
DTYPES = ("float32", "bfloat16")
# Which transformer blocks recompute their activations in the backward pass (trainer.parallelize.apply_ac).
AC_MODES = ("none", "full", "every-k-layers")


@dataclass
class TrainConfig:
    # --- model: defaults are LLaMA-7B (Touvron et al. 2023, Table 2) ---
    dim: int = 4096
    n_layers: int = 32
    n_heads: int = 32
    # None: take it from the shards' manifest (the tokenizer's vocabulary), see trainer.data.shards_vocab_size.
    vocab_size: int | None = None
    multiple_of: int = 256  # SwiGLU hidden size is rounded up to this (Meta's llama/model.py)
    norm_eps: float = 1e-6  # RMSNorm epsilon (Meta's llama/model.py)
    rope_theta: float = 10000.0  # rotary base (Su et al. 2021, RoFormer)
    attn_backend: str = "auto"  # "auto" (flash_attn where it runs, else SDPA), "flash_attn" or "sdpa"
    doc_mask: bool = False  # attend only within a document (BOS starts one) instead of across the packed window
    bos_id: int = 1

    # --- training: defaults are the paper's §2.2 recipe ---
    seq_len: int = 2048  # context length (Table 2 caption / §2.2)
    batch_size: int = 4  # sequences per micro-batch: a memory choice, not a paper constant
    tokens_per_step: int = 4 * 1024 * 1024  # "batch size of 4M tokens" (§2.2, Table 2)
    lr: float = 3.0e-4  # peak learning rate (Table 2, 6.7B)
    min_lr_ratio: float = 0.1  # "final learning rate is equal to 10% of the maximal learning rate" (§2.2)
    warmup_steps: int = 2000  # "2,000 warmup steps" (§2.2)
    max_steps: int = 238_419  # 1.0T tokens / 4M tokens per step (Table 2, 6.7B)
    weight_decay: float = 0.1  # §2.2
    beta1: float = 0.9  # §2.2
    beta2: float = 0.95  # §2.2
    grad_clip: float = 1.0  # §2.2
    seed: int = 0
    device: str = "auto"
    dtype: str = "bfloat16"
    log_every: int = 10
    # Dense bf16 peak of one device for MFU; None: from the table in trainer/metrics.py (CUDA only, never guessed).
    peak_tflops: float | None = None
    checkpoint_every: int = 0  # 0: only at the end
    keep_checkpoints: int = 3  # newest complete checkpoints kept in output_dir; 0 keeps all
    # "auto": continue from the newest complete checkpoint in output_dir when there is one; "none": start afresh;
    # or the path of a checkpoint folder (output_dir/step-NNNNNN) to continue from.
    resume: str = "auto"
    output_dir: str = "out/train"
    eval_every: int = 0  # validation loss every N steps on the shards' validation split (0: never)
    eval_batches: int = 8  # global micro-batches per source for each validation loss
    tensorboard: bool = True  # also log the metrics to output_dir/tensorboard
    sample_log: bool = False  # write which documents each step read to output_dir/samples/rank-RRRRR.jsonl

    # --- memory and speed: applied from outside the model by trainer.parallelize ---
    activation_checkpointing: str = "none"  # one of AC_MODES
    ac_every: int = 1  # with "every-k-layers": checkpoint every ac_every-th block
    compile: bool = False  # torch.compile each block; slow to start, and rarely worth it on a CPU

    def __post_init__(self) -> None:
        def require(ok: bool, message: str) -> None:
            if not ok:
                raise ValueError(f"invalid training config: {message}")

        for name in ("dim", "n_layers", "n_heads", "multiple_of", "seq_len", "batch_size", "tokens_per_step",
                     "max_steps", "log_every"):
            require(getattr(self, name) > 0, f"{name} must be positive, got {getattr(self, name)}")
        require(self.vocab_size is None or self.vocab_size > 0, f"vocab_size must be positive, got {self.vocab_size}")
        require(self.dim % self.n_heads == 0, f"dim={self.dim} is not divisible by n_heads={self.n_heads}")
        # Rotary embeddings rotate pairs of channels, so each head needs an even number of them.
        require((self.dim // self.n_heads) % 2 == 0, f"head size dim/n_heads={self.dim // self.n_heads} must be even")
        require(self.warmup_steps >= 0, f"warmup_steps must be >= 0, got {self.warmup_steps}")
        require(0.0 <= self.min_lr_ratio <= 1.0, f"min_lr_ratio={self.min_lr_ratio} must lie in [0, 1]")
        for name in ("checkpoint_every", "keep_checkpoints", "eval_every"):
            require(getattr(self, name) >= 0, f"{name} must be >= 0, got {getattr(self, name)}")
        require(self.eval_batches > 0, f"eval_batches must be positive, got {self.eval_batches}")
        require(bool(self.resume), "resume must be 'auto', 'none' or a checkpoint folder")
        require(self.device in DEVICES, f"device={self.device!r}, expected one of {DEVICES}")
        require(self.dtype in DTYPES, f"dtype={self.dtype!r}, expected one of {DTYPES}")
        require(self.attn_backend in ("auto", "flash_attn", "sdpa"),
                f"attn_backend={self.attn_backend!r}, expected auto, flash_attn or sdpa")
        require(self.peak_tflops is None or self.peak_tflops > 0, f"peak_tflops must be positive, got {self.peak_tflops}")
        require(self.activation_checkpointing in AC_MODES,
                f"activation_checkpointing={self.activation_checkpointing!r}, expected one of {AC_MODES}")
        require(self.ac_every > 0, f"ac_every must be positive, got {self.ac_every}")
        micro_tokens = self.batch_size * self.seq_len
        require(self.tokens_per_step % micro_tokens == 0,
                f"tokens_per_step={self.tokens_per_step} is not a multiple of batch_size*seq_len="
                f"{self.batch_size}*{self.seq_len}={micro_tokens}; gradient accumulation needs a whole number of "
                f"micro-batches per optimizer step")

    @property
    def grad_accum_steps(self) -> int:
        """Micro-batches per optimizer step in a single process."""
        return self.tokens_per_step // (self.batch_size * self.seq_len)

    def model_args(self) -> ModelArgs:
        if self.vocab_size is None:
            raise ValueError("vocab_size is not set: give vocab_size=N or point --data at shards with a manifest.json")
        return ModelArgs(
            dim=self.dim,
            n_layers=self.n_layers,
            n_heads=self.n_heads,
            vocab_size=self.vocab_size,
            multiple_of=self.multiple_of,
            norm_eps=self.norm_eps,
            rope_theta=self.rope_theta,
            max_seq_len=self.seq_len,
            attn_backend=self.attn_backend,
            doc_mask=self.doc_mask,
            bos_id=self.bos_id,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_config(path: str | Path, overrides: typing.Sequence[str] = ()) -> TrainConfig:
    """Reads a TOML config with `[model]` and `[train]` sections, then applies `key=value` overrides in order."""
    path = Path(path)
    with path.open("rb") as f:
        document = tomllib.load(f)
    hints = typing.get_type_hints(TrainConfig)
    values: dict[str, Any] = {}
    for section, table in document.items():
        if section not in ("model", "train") or not isinstance(table, dict):
            raise ValueError(f"{path}: unexpected top-level entry {section!r}; expected sections [model] and [train]")
        for key, value in table.items():
            if key not in hints:
                raise ValueError(f"{path}: unknown key {key!r} in [{section}]; valid keys: {', '.join(hints)}")
            if (key in MODEL_KEYS) != (section == "model"):
                right = "model" if key in MODEL_KEYS else "train"
                raise ValueError(f"{path}: key {key!r} belongs in [{right}], found in [{section}]")
            values[key] = _check_toml_value(f"{path}: {key}", value, hints[key])
    for override in overrides:
        key, sep, text = override.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f"override {override!r} is not of the form key=value")
        if key not in hints:
            raise ValueError(f"unknown config key {key!r} in override {override!r}; valid keys: {', '.join(hints)}")
        values[key] = _parse_override(key, text.strip(), hints[key])
    return TrainConfig(**values)


def _split_optional(tp: Any) -> tuple[type, bool]:
    """`int | None` -> (int, True); `int` -> (int, False)."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0], True
    return tp, False


def _parse_override(key: str, text: str, tp: Any) -> Any:
    base, optional = _split_optional(tp)
    if optional and text.lower() in ("none", "null"):
        return None
    try:
        if base is bool:
            if text.lower() in ("true", "1", "yes"):
                return True
            if text.lower() in ("false", "0", "no"):
                return False
            raise ValueError(text)
        return base(text)  # int("4_194_304") and float("3e-4") both work
    except ValueError:
        raise ValueError(f"override {key}={text!r}: expected a value of type {base.__name__}") from None


def _check_toml_value(where: str, value: Any, tp: Any) -> Any:
    base, _ = _split_optional(tp)
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # TOML writes 10000 for 10000.0
    if not isinstance(value, base) or (base is int and isinstance(value, bool)):
        raise ValueError(f"{where} = {value!r}: expected a value of type {base.__name__}")
    return value
