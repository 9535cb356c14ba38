"""Checkpoints: `output_dir/step-NNNNNN/`, written with torch.distributed.checkpoint (DCP) by every rank at once.

A checkpoint folder holds

- the DCP files (`.metadata` and `__R_0.distcp` from each rank R) of `{"model": ..., "optimizer": ...}`, gathered by
  `get_state_dict`, so the keys are the model's own parameter names with or without FSDP, activation checkpointing or
  torch.compile, and each rank writes only its own shards. DCP reshards on load: a checkpoint saved on N ranks loads
  on M ranks, or in one process for `llamix generate` and `llamix export-hf`;
- `train_state.json`: the step, the learning-rate scheduler's state, the data loader's state (which is global, the
  same on every rank, see trainer.data) and the world size it was saved with;
- `rng/rank-RRRRR.pt`: each rank's torch (and CUDA) random generator state;
- `manifest.json` (kind `checkpoint`), whose parent is the shards' manifest: the lineage back to the raw input.

Everything is written into `.step-NNNNNN.tmp/` first; when all ranks are done, rank 0 writes the manifest and renames
the folder. A crash at any point of a save leaves the previous checkpoint as the latest complete one (STYLE.md: temp
then rename). Only the last `keep` checkpoints stay. Like DCP itself, multi-node runs need `output_dir` on a file
system that every node sees. Tensors are read with `weights_only=True` only: a checkpoint is data, never code.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch import nn
from torch.distributed.checkpoint.state_dict import (get_model_state_dict, get_state_dict, set_model_state_dict,
                                                     set_state_dict)

from manifests import write_manifest

log = logging.getLogger(__name__)

TRAIN_STATE = "train_state.json"
RNG_DIR = "rng"
STEP_GLOB = "step-[0-9]*"


def checkpoint_dir(output_dir: str | Path, step: int) -> Path:
    return Path(output_dir) / f"step-{step:06d}"


def _barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


def _rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


@contextmanager
def _quiet_single_process() -> Iterator[None]:
    """DCP warns that it 'assumes the intent' whenever it runs without a process group; for us that is the plain
    single-process case, not a mistake."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*torch.distributed is disabled, unavailable or uninitialized.*")
        yield


def save_checkpoint(
    output_dir: str | Path,
    step: int,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    config: dict[str, Any],
    command: str,
    train_state: dict[str, Any] | None = None,
    data_dir: str | Path | None = None,
    inputs: dict[str, Any] | None = None,
    stats: dict[str, Any] | None = None,
    keep: int = 0,
) -> Path:
    """Saves step `step` from every rank (call it on all ranks); returns the checkpoint folder.

    `train_state` (scheduler, data loader, ...) must be the same on every rank; rank 0 writes it. `inputs` is the
    manifest's inputs block; `<data_dir>/manifest.json`, when it exists, becomes the parent. `keep` > 0 deletes all
    but the newest `keep` complete checkpoints afterwards.
    """
    final = checkpoint_dir(output_dir, step)
    # A sibling of the final folder, so relative paths in the manifest (to the shards' manifest) survive the rename.
    tmp = final.with_name(f".{final.name}.tmp")
    rank = _rank()
    if rank == 0:
        if tmp.exists():
            shutil.rmtree(tmp)  # left over from a run that died while saving
        (tmp / RNG_DIR).mkdir(parents=True)
    _barrier()

    model_state, optimizer_state = get_state_dict(model, optimizer)
    with _quiet_single_process():
        dcp.save({"model": model_state, "optimizer": optimizer_state}, checkpoint_id=str(tmp))
    torch.save(rng_state(), tmp / RNG_DIR / f"rank-{rank:05d}.pt")
    _barrier()  # every rank's shards and generator state are on disk

    if rank == 0:
        world_size = dist.get_world_size() if dist.is_initialized() else 1
        (tmp / TRAIN_STATE).write_text(json.dumps({"step": step, "world_size": world_size, **(train_state or {})},
                                                  indent=2) + "\n")
        parents = []
        if data_dir is not None and (Path(data_dir) / "manifest.json").exists():
            parents.append(str(Path(data_dir) / "manifest.json"))
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        write_manifest(
            str(tmp),
            kind="checkpoint",
            command=command,
            config=config,
            inputs=inputs,
            parents=parents,
            outputs=[(name, None) for name in files],
            stats={"step": step, "format": "torch.distributed.checkpoint", "world_size": world_size, **(stats or {})},
        )
        publish_folder(tmp, final)
        if keep:
            prune_checkpoints(output_dir, keep)
        log.info("saved checkpoint %s", final)
    _barrier()  # nobody moves on (or exits) before the checkpoint is visible
    return final


def publish_folder(tmp: Path, final: Path) -> None:
    """Renames the finished folder `tmp` to `final`, replacing an earlier `final` (a checkpoint of the same step, an
    earlier export) so that at every moment `final` is either the old complete folder or the new one."""
    if final.exists():
        # A folder cannot be renamed onto a non-empty one: move the old one aside first.
        log.warning("replacing existing %s", final)
        old = final.with_name(f".{final.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old)
    else:
        os.replace(tmp, final)


def prune_checkpoints(output_dir: str | Path, keep: int) -> list[Path]:
    """Deletes all but the newest `keep` complete checkpoints; returns the deleted folders."""
    doomed = complete_checkpoints(output_dir)[:-keep] if keep > 0 else []
    for path in doomed:
        shutil.rmtree(path)
        log.info("deleted old checkpoint %s (keep_checkpoints=%d)", path, keep)
    return doomed


def complete_checkpoints(output_dir: str | Path) -> list[Path]:
    """Complete checkpoints in output_dir, oldest first. Temporary folders start with '.' and are never listed; a
    folder without its manifest (written last) is not complete."""
    return [p for p in sorted(Path(output_dir).glob(STEP_GLOB)) if (p / "manifest.json").is_file()]


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The highest-step complete checkpoint in output_dir, or None."""
    found = complete_checkpoints(output_dir)
    return found[-1] if found else None


def _require_complete(path: Path) -> None:
    for name in ("manifest.json", TRAIN_STATE, ".metadata"):
        if not (path / name).is_file():
            raise FileNotFoundError(f"{path} is not a complete checkpoint: {name} is missing")


def read_train_state(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    _require_complete(path)
    return json.loads((path / TRAIN_STATE).read_text())


def load_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None) -> dict[str, Any]:
    """Loads a checkpoint into `model` (and `optimizer`) in place, on any number of ranks (call it on all of them);
    restores this rank's random generators when the checkpoint has them; returns the train_state."""
    path = Path(path)
    _require_complete(path)
    if optimizer is None:
        state = {"model": get_model_state_dict(model)}
    else:
        model_state, optimizer_state = get_state_dict(model, optimizer)
        state = {"model": model_state, "optimizer": optimizer_state}
    with _quiet_single_process():
        dcp.load(state, checkpoint_id=str(path))  # in place, into this rank's shards
    if optimizer is None:
        set_model_state_dict(model, state["model"])
        return read_train_state(path)
    set_state_dict(model, optimizer, model_state_dict=state["model"], optim_state_dict=state["optimizer"])
    rank_rng = path / RNG_DIR / f"rank-{_rank():05d}.pt"
    if rank_rng.is_file():
        set_rng_state(torch.load(rank_rng, weights_only=True))
    else:  # resumed on more ranks than saved: the new ranks keep the generators they were seeded with
        log.warning("%s has no random generator state for rank %d; keeping this rank's seeded state", path, _rank())
    return read_train_state(path)


def rng_state() -> dict[str, torch.Tensor]:
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_state(state: dict[str, torch.Tensor]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def checkpoint_config(path: str | Path) -> dict[str, Any]:
    """The training config recorded in a checkpoint's manifest (TrainConfig fields plus `data`)."""
    path = Path(path)
    _require_complete(path)
    return json.loads((path / "manifest.json").read_text())["config"]


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, Any]:
    """A checkpoint's model for inference in this process (whatever number of ranks saved it): (model, TrainConfig).
    The model is built on the meta device and materialized once, directly from the checkpoint's tensors."""
    from trainer.config import TrainConfig
    from trainer.model import Transformer

    recorded = {key: value for key, value in checkpoint_config(path).items() if key != "data"}
    known = TrainConfig.__dataclass_fields__
    config = TrainConfig(**{key: value for key, value in recorded.items() if key in known})
    with torch.device("meta"):
        model = Transformer(config.model_args())
    model.to_empty(device=device)
    model.init_rotary()  # buffers are not in the checkpoint: they are a function of the config
    load_checkpoint(path, model)
    model.eval()
    return model, config
