"""Whole-pipeline throughput of `llamix run commoncrawl` on the DirectRunner, in input MB/s per core.

    .venv/bin/python benchmarks/commoncrawl.py [--mb 10] [--files 8] [--workers 1]

Input: WET files generated from the demo sample's pages (`pipelines/demo_data/commoncrawl/`): each copy of a page
keeps its site chrome (menus, cookie banners: lines that line dedup must remove) and gets its prose lines
rewritten with random word substitutions, so that its content lines are new and survive dedup, as most lines of
real crawl text do. Every step runs: read, line dedup, lid.176, perplexity with an English KenLM model trained on
the demo's Wikipedia sample, and MinHash near-dedup. Model training is excluded from the timing.
"""
from __future__ import annotations

import argparse
import gzip
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data" / "commoncrawl"))

from make_fixtures import Page, wet_file  # noqa: E402  (the fixtures' WET writer)

from pipelines.demo import sample_crawl, sample_dumps  # noqa: E402
from pipelines.lm import train_language_model  # noqa: E402
from pipelines.readers.warc import WebPage, read_pages  # noqa: E402
from pipelines.sources import commoncrawl, wikipedia  # noqa: E402

PROSE_MIN_CHARS = 60  # shorter lines are chrome (menus, banners) and are copied verbatim


def generate_crawl(folder: Path, megabytes: float, files: int, seed: int) -> tuple[int, int]:
    """Writes `files` WET files holding about `megabytes` of page text; returns (text bytes, file bytes)."""
    rng = random.Random(seed)
    pages = [item for path in sample_crawl() for item in read_pages(path) if isinstance(item, WebPage)]
    vocabulary = sorted({word for page in pages for word in page.text.split() if word.isalpha()})
    target = int(megabytes * 1e6)
    written = text_bytes = 0
    batches: list[list[Page]] = [[] for _ in range(files)]
    copy = 0
    while text_bytes < target:
        for page in pages:
            lines = []
            for line in page.text.split("\n"):
                if len(line) >= PROSE_MIN_CHARS:
                    words = line.split()
                    for i in rng.sample(range(len(words)), k=max(1, len(words) // 5)):
                        words[i] = rng.choice(vocabulary)
                    line = " ".join(words)
                lines.append(line)
            text = "\n".join(lines)
            batches[copy % files].append(Page(f"{page.url}?copy={copy}", text))
            text_bytes += len(text.encode("utf-8"))
            copy += 1
            if text_bytes >= target:
                break
    for index, batch in enumerate(batches):
        name = f"CC-BENCH-{index:05d}.warc.wet.gz"
        data = wet_file(name, batch)
        (folder / name).write_bytes(data)
        written += len(data)
    return text_bytes, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="megabytes of page text to generate (default 10)")
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="DirectRunner workers (multi_processing when > 1)")
    parser.add_argument("--lid-model", default=str(ROOT / "models" / "lid.176.ftz"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "crawl").mkdir()
        text_bytes, file_bytes = generate_crawl(work / "crawl", args.mb, args.files, args.seed)
        wikipedia.run([p for p in sample_dumps() if "enwiki" in p], str(work / "wikipedia"))
        train_language_model([str(work / "wikipedia")], "en", str(work / "lm"), vocab_size=2000)
        uncompressed = sum(len(gzip.decompress(p.read_bytes())) for p in (work / "crawl").iterdir())

        beam_argv = [] if args.workers == 1 else [f"--direct_num_workers={args.workers}",
                                                  "--direct_running_mode=multi_processing"]
        config = commoncrawl.CCNetConfig(lid_model=args.lid_model, lm_dir=str(work / "lm"), near_dedup=True)
        started, cpu_started = time.perf_counter(), os.times()
        manifest = commoncrawl.run([str(work / "crawl" / "*.warc.wet.gz")], str(work / "out"), config, beam_argv)
        wall = time.perf_counter() - started
        cpu_end = os.times()
        cpu = (cpu_end.user - cpu_started.user) + (cpu_end.system - cpu_started.system) + \
              (cpu_end.children_user - cpu_started.children_user) + \
              (cpu_end.children_system - cpu_started.children_system)

    mb = uncompressed / 1e6
    print(f"input: {args.files} WET files, {file_bytes / 1e6:.1f} MB gzipped, {mb:.1f} MB uncompressed "
          f"({text_bytes / 1e6:.1f} MB page text), {manifest['funnel'][0]['in']:,} records")
    print("funnel: " + ", ".join(f"{s['step']} {s['in']}→{s['kept']}" for s in manifest["funnel"]))
    print(f"DirectRunner, {args.workers} worker(s): {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"throughput: {mb / wall:.2f} MB/s uncompressed input; per core: {mb / wall / args.workers:.2f} MB/s "
          f"(by CPU time: {mb / cpu:.2f} MB/s per CPU-second)")


if __name__ == "__main__":
    main()
