"""Build, write, read, validate and verify `manifest.json` (DESIGN.md, "Manifests").

A manifest records what a stage read (inputs and parent manifests, by sha256), what it wrote (files with rows,
bytes, sha256), what it dropped and why (the funnel), and summary stats. Following the parents from a checkpoint
leads back through shards and tokenizer to the raw dumps.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import jsonschema

from manifests import storage

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1
MAX_ERROR_EXAMPLES = 100
_SCHEMA_PATH = Path(__file__).with_name("schema.json")


class ManifestError(ValueError):
    """A manifest that does not follow the schema or breaks the funnel invariant."""


@functools.cache
def schema() -> dict:
    return json.loads(_SCHEMA_PATH.read_text())


def _llamix_version() -> str:
    from pipelines import __version__

    return __version__


@functools.cache
def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def manifest_path(path: str) -> str:
    """Accepts a manifest file or the folder holding one."""
    path = str(path)
    if path.endswith(".json"):
        return path
    return storage.join(path, MANIFEST_NAME)


def output_entry(directory: str, relative: str, rows: int | None) -> dict:
    size, sha = storage.file_digest(storage.join(directory, relative))
    return {"path": relative, "rows": rows, "bytes": size, "sha256": sha}


def parent_entry(directory: str, parent: str) -> dict:
    parent = manifest_path(parent)
    kind = read_manifest(parent)["kind"]
    _, sha = storage.file_digest(parent)
    return {"path": storage.relpath(parent, directory), "kind": kind, "sha256": sha}


def check_funnel(funnel: list[Mapping[str, Any]]) -> None:
    """Raises ManifestError unless in == kept + sum(dropped) for every step and each step starts where the last ended."""
    previous_kept = None
    for step in funnel:
        dropped = sum(step["dropped"].values())
        if step["in"] != step["kept"] + dropped:
            raise ManifestError(
                f"funnel step {step['step']!r}: in={step['in']} but kept={step['kept']} + dropped={dropped}"
            )
        if previous_kept is not None and step["in"] != previous_kept:
            raise ManifestError(
                f"funnel step {step['step']!r}: in={step['in']} but the previous step kept {previous_kept}"
            )
        previous_kept = step["kept"]


def validate(manifest: Mapping[str, Any], where: str = "manifest") -> None:
    try:
        jsonschema.validate(manifest, schema())
    except jsonschema.ValidationError as err:
        location = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise ManifestError(f"{where}: {location}: {err.message}") from None
    check_funnel(manifest["funnel"])


def build_manifest(
    directory: str,
    *,
    kind: str,
    command: str | None = None,
    config: Mapping[str, Any],
    inputs: Mapping[str, Any] | None = None,
    parents: Iterable[str] = (),
    outputs: Iterable[tuple[str, int | None]] = (),
    funnel: Iterable[Mapping[str, Any]] = (),
    stats: Mapping[str, Any] | None = None,
    input_errors: Mapping[str, Any] | None = None,
    dead_letter: Mapping[str, Any] | None = None,
) -> dict:
    directory = str(directory)
    manifest: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "llamix_version": _llamix_version(),
        "git_commit": _git_commit(),
        "command": command if command is not None else " ".join(["llamix", *sys.argv[1:]]),
        "config": json.loads(json.dumps(dict(config), default=str)),
        "inputs": dict(inputs or {"paths": [], "files": 0, "bytes": 0}),
        "parents": [parent_entry(directory, p) for p in parents],
        "outputs": [output_entry(directory, rel, rows) for rel, rows in outputs],
        "funnel": [dict(step) for step in funnel],
        "stats": dict(stats or {}),
    }
    if input_errors is not None:
        manifest["input_errors"] = dict(input_errors)
    if dead_letter is not None:
        manifest["dead_letter"] = dict(dead_letter)
    return manifest


def write_manifest(directory: str, **fields: Any) -> str:
    """Builds (see `build_manifest`), validates and atomically writes `directory/manifest.json`; returns its path."""
    manifest = build_manifest(directory, **fields)
    path = storage.join(str(directory), MANIFEST_NAME)
    validate(manifest, path)
    storage.write_bytes_atomic(path, (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode())
    return path


def read_manifest(path: str) -> dict:
    path = manifest_path(path)
    with storage.open_read(path) as handle:
        try:
            manifest = json.loads(handle.read())
        except json.JSONDecodeError as err:
            raise ManifestError(f"{path}: not JSON: {err}") from None
    validate(manifest, path)
    return manifest


@dataclass(frozen=True)
class Mismatch:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def verify_manifest(path: str) -> list[Mismatch]:
    """Re-hashes every output file and parent manifest; returns what differs (empty when all match)."""
    path = manifest_path(path)
    manifest = read_manifest(path)
    directory = storage.dirname(path)
    problems: list[Mismatch] = []
    for entry in [*manifest["outputs"], *manifest["parents"]]:
        target = storage.join(directory, entry["path"])
        if not storage.exists(target):
            problems.append(Mismatch(target, "missing"))
            continue
        size, sha = storage.file_digest(target)
        if "bytes" in entry and size != entry["bytes"]:
            problems.append(Mismatch(target, f"size {size} bytes, manifest says {entry['bytes']}"))
        elif sha != entry["sha256"]:
            problems.append(Mismatch(target, f"sha256 {sha[:16]}…, manifest says {entry['sha256'][:16]}…"))
    return problems


def lineage(path: str) -> list[tuple[str, dict]]:
    """The manifest and all its ancestors, depth first, as `(path, manifest)`; each visited once."""
    seen: set[str] = set()
    chain: list[tuple[str, dict]] = []

    def visit(p: str) -> None:
        p = manifest_path(p)
        key = str(Path(p).resolve()) if not storage.has_scheme(p) else p
        if key in seen:
            return
        seen.add(key)
        manifest = read_manifest(p)
        chain.append((p, manifest))
        for parent in manifest["parents"]:
            visit(storage.join(storage.dirname(p), parent["path"]))

    visit(path)
    return chain


def summarize_errors(errors: Iterable[Mapping[str, Any]], count: int | None = None) -> dict:
    """`input_errors` block: the count and the first MAX_ERROR_EXAMPLES errors, sorted for stable output."""
    errors = sorted(errors, key=lambda e: (e["path"], e.get("offset") or -1, e["reason"]))
    return {"count": len(errors) if count is None else count, "examples": errors[:MAX_ERROR_EXAMPLES]}
