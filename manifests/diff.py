"""`llamix manifest diff A B`: what differs between two runs of the same stage.

Compared: kind and versions, config (flattened keys), inputs, parents, the output file set and rows per file, the
funnel (per step: in, kept, dropped per reason), and stats (flattened; per-language rows keyed by their source and
language, not by position). File contents (sha256 and bytes) are a section of their own, so that a caller can tell
"same counts, different bytes" from "different counts". When and how a run was started is not compared:
`created_at`, `git_commit`, `command`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from manifests.manifest import read_manifest

IGNORED = ("created_at", "git_commit", "command")  # differ between any two runs, say nothing about the data
_MISSING = "(absent)"


@dataclass(frozen=True)
class Difference:
    section: str  # header | config | inputs | parents | outputs | funnel | stats | sha256
    key: str
    a: Any
    b: Any

    def __str__(self) -> str:
        return f"{self.section}: {self.key}: {self.a!r} != {self.b!r}"


def _row_key(row: Mapping[str, Any]) -> str | None:
    """`source=c4,lang=en` for a row whose text fields identify it, None for a row that has none."""
    names = [k for k, v in row.items() if isinstance(v, str)]
    return ",".join(f"{k}={row[k]}" for k in names) or None


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested values as {"a.b[source=c4,lang=en].docs": leaf}. Lists of dicts that carry text fields are keyed by
    those (so reordering rows is no difference); other lists by position."""
    if isinstance(value, Mapping):
        if not value:
            return {prefix: {}}
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        keys = [_row_key(v) for v in value]
        if all(keys) and len(set(keys)) == len(keys):
            out = {}
            for key, item in zip(keys, value):
                out.update(flatten({k: v for k, v in item.items() if not isinstance(v, str)}, f"{prefix}[{key}]"))
            return out
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def _compare(section: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Difference]:
    return [Difference(section, key, a.get(key, _MISSING), b.get(key, _MISSING))
            for key in sorted(set(a) | set(b)) if a.get(key, _MISSING) != b.get(key, _MISSING)]


def _funnel(manifest: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for step in manifest["funnel"]:
        flat[f"{step['step']}.in"] = step["in"]
        flat[f"{step['step']}.kept"] = step["kept"]
        for reason, count in step["dropped"].items():
            flat[f"{step['step']}.dropped.{reason}"] = count
    return flat


def compare_manifests(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Difference]:
    """Differences between two manifest dicts, section by section (see the module docstring)."""
    header = ("kind", "schema_version", "llamix_version")
    differences = _compare("header", {k: a.get(k) for k in header}, {k: b.get(k) for k in header})
    differences += _compare("config", flatten(a["config"]), flatten(b["config"]))
    differences += _compare("inputs", flatten(a["inputs"]), flatten(b["inputs"]))

    parents_a = {p["path"]: p for p in a["parents"]}
    parents_b = {p["path"]: p for p in b["parents"]}
    differences += _compare("parents", {p: e["kind"] for p, e in parents_a.items()},
                            {p: e["kind"] for p, e in parents_b.items()})

    outputs_a = {o["path"]: o for o in a["outputs"]}
    outputs_b = {o["path"]: o for o in b["outputs"]}
    differences += _compare("outputs", {f"{p}.rows": o["rows"] for p, o in outputs_a.items()},
                            {f"{p}.rows": o["rows"] for p, o in outputs_b.items()})
    differences += _compare("funnel", _funnel(a), _funnel(b))
    differences += _compare("stats", flatten(a["stats"]), flatten(b["stats"]))

    # contents last: a file that is only in one run is already an `outputs` difference
    shared = sorted(set(outputs_a) & set(outputs_b))
    differences += _compare("sha256", {p: outputs_a[p]["sha256"] for p in shared},
                            {p: outputs_b[p]["sha256"] for p in shared})
    shared_parents = sorted(set(parents_a) & set(parents_b))
    differences += _compare("sha256", {f"parent {p}": parents_a[p]["sha256"] for p in shared_parents},
                            {f"parent {p}": parents_b[p]["sha256"] for p in shared_parents})
    return differences


def diff_manifests(a: str, b: str) -> list[Difference]:
    """Differences between the manifests at paths `a` and `b` (files or the folders holding them); [] if none."""
    return compare_manifests(read_manifest(a), read_manifest(b))
