"""Whole-pipeline throughput of `llamix run github` on the DirectRunner, in input files (documents) per second per core.

    .venv/bin/python benchmarks/github.py [--files 5000] [--exports 4] [--lines 60] [--workers 1] [--seed 0]

Input, generated into a temporary folder: `--files` records of a BigQuery `github_repos` export spread over
`--exports` gzipped JSONL files and 1 repository per 50 files, licences MIT / Apache-2.0 / BSD-3-Clause / GPL-3.0 in
turn (a quarter is dropped as not allowed), extensions .py / .c / .go / .js / .png in turn, each source file
`--lines` lines of generated code under a licence header in its comment syntax; one file in ten is an exact copy of
another after its header. Every step runs: read (gzip + JSON), licence, file (header removal), quality, exact dedup
(a shuffle keyed by sha256), Parquet, stats.

Besides the pipeline, the per-file pure work (header removal + quality signals + sha256) is timed in this process.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.sources import github  # noqa: E402
from pipelines.readers.github import SourceFile  # noqa: E402

WORDS = ("harbour tide lantern ferry quay buoy anchor keel mast sail rope deck cabin chart compass beacon signal "
         "current depth knot").split()
HEADERS = {
    ".py": "# Copyright 2026 Benchmark Authors.\n# SPDX-License-Identifier: {lic}\n\n",
    ".c": "/*\n * Copyright 2026 Benchmark Authors.\n * SPDX-License-Identifier: {lic}\n */\n",
    ".go": "// Copyright 2026 Benchmark Authors.\n// SPDX-License-Identifier: {lic}\n\n",
    ".js": "/* Copyright (c) 2026 Benchmark Authors. Licensed {lic}. */\n",
}
LICENSES = (("mit", "MIT"), ("apache-2.0", "Apache-2.0"), ("bsd-3-clause", "BSD-3-Clause"), ("gpl-3.0", "GPL-3.0"))
EXTENSIONS = (".py", ".c", ".go", ".js", ".png")


def code_body(rng: random.Random, lines: int) -> str:
    out = []
    for _ in range(lines):
        a, b, c = rng.sample(WORDS, 3)
        out.append(f"    {a}_{b} = compute_{c}({a}, {b}_count + {rng.randint(1, 99)})")
    return "\n".join(out) + "\n"


def generate(folder: Path, n_files: int, n_exports: int, lines: int, seed: int) -> tuple[int, int]:
    """Writes the exports; returns (records, bytes of content)."""
    rng = random.Random(seed)
    records, bodies, size = [], [], 0
    for i in range(n_files):
        key, spdx = LICENSES[(i // 50) % len(LICENSES)]
        ext = EXTENSIONS[i % len(EXTENSIONS)]
        repo = f"bench/repo{i // 50:04d}"
        if ext == ".png":
            records.append({"repo_name": repo, "path": f"img/{i}.png", "content": None, "license": key,
                            "binary": True})
            continue
        body = bodies[rng.randrange(len(bodies))] if bodies and i % 10 == 3 else code_body(rng, lines)
        bodies.append(body)
        content = HEADERS[ext].format(lic=spdx) + body
        size += len(content.encode("utf-8"))
        records.append({"repo_name": repo, "path": f"src/file{i}{ext}", "content": content, "license": key,
                        "size": len(content)})
    for part in range(n_exports):
        data = "".join(json.dumps(r) + "\n" for r in records[part::n_exports]).encode("utf-8")
        (folder / f"export-{part:03d}.jsonl.gz").write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
    return len(records), size


def pure_seconds(folder: Path) -> tuple[float, int]:
    from pipelines.readers.github import read_bigquery_export

    files = [f for path in sorted(folder.glob("export-*.jsonl.gz")) for f in read_bigquery_export(str(path))
             if isinstance(f, SourceFile) and f.content is not None]
    started = time.process_time()
    for f in files:
        doc = github.file_document(f)
        if isinstance(doc, dict):
            github.quality_reason(github.quality_signals(doc["text"]))
    return time.process_time() - started, len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000, help="export records (default 5000)")
    parser.add_argument("--exports", type=int, default=4, help="JSONL.gz files (default 4)")
    parser.add_argument("--lines", type=int, default=60, help="lines of code a file (default 60, ~3 KB)")
    parser.add_argument("--workers", type=int, default=1, help="DirectRunner workers (multi_processing when > 1)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        count, size = generate(work, args.files, args.exports, args.lines, args.seed)
        pure_s, pure_files = pure_seconds(work)
        beam_argv = [] if args.workers == 1 else [f"--direct_num_workers={args.workers}",
                                                  "--direct_running_mode=multi_processing"]
        started, cpu_started = time.perf_counter(), os.times()
        manifest = github.run([str(work / "export-*.jsonl.gz")], str(work / "out"), beam_argv=beam_argv)
        wall = time.perf_counter() - started
        cpu_end = os.times()
        cpu = (cpu_end.user - cpu_started.user) + (cpu_end.system - cpu_started.system) + \
              (cpu_end.children_user - cpu_started.children_user) + \
              (cpu_end.children_system - cpu_started.children_system)

    mb = size / 1e6
    print(f"input: {count} export records in {args.exports} files, {mb:.1f} MB of source, "
          f"{size / max(1, pure_files) / 1e3:.1f} KB a text file")
    print("funnel: " + ", ".join(f"{s['step']} {s['in']}→{s['kept']} {s['dropped'] or ''}".rstrip()
                                 for s in manifest["funnel"]))
    print(f"DirectRunner, {args.workers} worker(s): {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"throughput: {count / wall:.0f} input files/s ({mb / wall:.2f} MB/s); per core: "
          f"{count / wall / args.workers:.0f} files/s; documents written: {manifest['stats']['docs']}")
    print(f"pure work (header removal + quality signals + sha256), in process: "
          f"{pure_s / pure_files * 1e6:.0f} µs a file (= {pure_files / pure_s:.0f} files/s without Beam)")


if __name__ == "__main__":
    main()
