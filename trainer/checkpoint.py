"""Checkpoints: `output_dir/step-NNNNNN/` with model.pt, optimizer.pt, train_state.json and a manifest.json.

The folder is written under a temporary name and renamed when complete, so a reader never sees half a checkpoint
(the cc_net habit, STYLE.md). Tensors are loaded with `weights_only=True` only: a checkpoint is data, never code.
The manifest names the shards' manifest as its parent, so a checkpoint leads back to the raw input (DESIGN.md).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from torch import nn

from manifests import write_manifest

log = logging.getLogger(__name__)

CHECKPOINT_FILES = ("model.pt", "optimizer.pt", "train_state.json")


def checkpoint_dir(output_dir: str | Path, step: int) -> Path:
    return Path(output_dir) / f"step-{step:06d}"


def save_checkpoint(
    output_dir: str | Path,
    step: int,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    config: dict[str, Any],
    command: str,
    data_dir: str | Path | None = None,
    inputs: dict[str, Any] | None = None,
    train_state: dict[str, Any] | None = None,
    stats: dict[str, Any] | None = None,
) -> Path:
    """Writes step `step`'s checkpoint and its manifest; returns the checkpoint folder.

    `train_state` (step, data loader position, ...) is stored as JSON so that a run can resume exactly. `inputs` is the
    manifest's inputs block (`{"paths", "files", "bytes"}` of what was read); `<data_dir>/manifest.json`, when it
    exists, becomes the parent.
    """
    final = checkpoint_dir(output_dir, step)
    # A sibling of the final folder, so relative paths in the manifest (to the shards' manifest) survive the rename.
    tmp = final.with_name(f".{final.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)  # left over from a run that died while saving
    tmp.mkdir(parents=True)
    torch.save(model.state_dict(), tmp / "model.pt")
    torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    (tmp / "train_state.json").write_text(json.dumps({"step": step, **(train_state or {})}, indent=2) + "\n")

    parents = []
    if data_dir is not None and (Path(data_dir) / "manifest.json").exists():
        parents.append(str(Path(data_dir) / "manifest.json"))
    write_manifest(
        str(tmp),
        kind="checkpoint",
        command=command,
        config=config,
        inputs=inputs,
        parents=parents,
        outputs=[(name, None) for name in CHECKPOINT_FILES],
        stats={"step": step, **(stats or {})},
    )

    if final.exists():
        # Overwriting an earlier run's checkpoint of the same step: move it aside first, because a folder cannot be
        # renamed onto a non-empty one.
        log.warning("replacing existing checkpoint %s", final)
        old = final.with_name(f".{final.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old)
    else:
        os.replace(tmp, final)
    log.info("saved checkpoint %s", final)
    return final


def load_checkpoint(
    path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
    map_location: str | torch.device = "cpu",
) -> dict[str, Any]:
    """Loads weights (and optimizer state, if given) from a checkpoint folder in place; returns its train_state."""
    path = Path(path)
    # The manifest is written last, so a folder without one was never finished.
    for name in (*CHECKPOINT_FILES, "manifest.json"):
        if not (path / name).exists():
            raise FileNotFoundError(f"{path} is not a complete checkpoint: {name} is missing")
    model.load_state_dict(torch.load(path / "model.pt", map_location=map_location, weights_only=True))
    if optimizer is not None:
        optimizer.load_state_dict(torch.load(path / "optimizer.pt", map_location=map_location, weights_only=True))
    return json.loads((path / "train_state.json").read_text())


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The highest-step complete checkpoint in output_dir (temporary folders start with '.' and are skipped)."""
    found = sorted(Path(output_dir).glob("step-[0-9]*"))
    return found[-1] if found else None
