"""Whole-pipeline throughput of `llamix run c4` on the DirectRunner, in documents (input pages) per second per core.

    .venv/bin/python benchmarks/c4.py [--docs 20000] [--files 8] [--workers 1]

Input: WET files generated from the C4 demo sample's pages (`pipelines/demo_data/c4/`): each copy of a page keeps
its site chrome (menus, cookie banners, footers: lines that the line rules or line dedup remove) and gets its prose
lines rewritten with random word substitutions, so that its content lines are new and survive dedup, as most lines
of real crawl text do. URLs are unique (each copy on its own host), except that one page in 50 is a second fetch
of the URL before it.
Every step runs: read, length, URL dedup, clean, line dedup over the whole corpus, lid.176, and bad words with a
generated stand-in list about the size of LDNOOBW's English one (400 made-up letter strings: the project ships no
list, and the search costs about the same for any ~400 alternatives). Input generation is excluded from the timing.
"""
from __future__ import annotations

import argparse
import gzip
import os
import random
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data" / "commoncrawl"))

from make_fixtures import Page, wet_file  # noqa: E402  (the fixtures' WET writer)

from pipelines.readers.warc import WebPage, read_pages  # noqa: E402
from pipelines.sources import c4  # noqa: E402

DEMO = ROOT / "pipelines" / "demo_data" / "c4"
PROSE_MIN_CHARS = 60  # shorter lines are chrome (menus, banners) and are copied verbatim
LDNOOBW_EN_ENTRIES = 400  # about the number of lines in LDNOOBW's `en` file (c4.BADWORDS_URL)
REFETCH_EVERY = 50


def generate_crawl(folder: Path, docs: int, files: int, seed: int) -> int:
    """Writes `files` WET files holding `docs` pages; returns the bytes written."""
    rng = random.Random(seed)
    pages = [item for path in sorted(DEMO.glob("*.warc.wet.gz")) for item in read_pages(str(path))
             if isinstance(item, WebPage)]
    # substitutes come from the page's own words, so that its language (and lid.176's verdict) stays
    vocabularies = [sorted({word for word in page.text.split() if word.isalpha()}) or ["word"] for page in pages]
    batches: list[list[Page]] = [[] for _ in range(files)]
    url = ""
    for copy in range(docs):
        page, vocabulary = pages[copy % len(pages)], vocabularies[copy % len(pages)]
        lines = []
        for line in page.text.split("\n"):
            if len(line) >= PROSE_MIN_CHARS:
                words = line.split()
                for i in rng.sample(range(len(words)), k=max(1, len(words) // 5)):
                    words[i] = rng.choice(vocabulary)
                line = " ".join(words)
            lines.append(line)
        # a copy's own host keeps URLs apart after normalization (a `?copy=` query could be cut with `?utm_…`)
        url = url if copy % REFETCH_EVERY == 1 else page.url.replace("://", f"://copy{copy}.", 1)
        batches[copy % files].append(Page(url, "\n".join(lines), date=page.date))
    written = 0
    for index, batch in enumerate(batches):
        name = f"CC-BENCH-C4-{index:05d}.warc.wet.gz"
        data = wet_file(name, batch)
        (folder / name).write_bytes(data)
        written += len(data)
    return written


def stand_in_badwords(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    words = {"".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 12))) for _ in range(LDNOOBW_EN_ENTRIES)}
    path.write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="pages to generate (default 20000)")
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="DirectRunner workers (multi_processing when > 1)")
    parser.add_argument("--lid-model", default=str(ROOT / "models" / "lid.176.ftz"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "crawl").mkdir()
        file_bytes = generate_crawl(work / "crawl", args.docs, args.files, args.seed)
        uncompressed = sum(len(gzip.decompress(p.read_bytes())) for p in (work / "crawl").iterdir())
        stand_in_badwords(work / "badwords.txt", args.seed)

        beam_argv = [] if args.workers == 1 else [f"--direct_num_workers={args.workers}",
                                                  "--direct_running_mode=multi_processing"]
        config = c4.C4Config(lid_model=args.lid_model, badwords=str(work / "badwords.txt"))
        started, cpu_started = time.perf_counter(), os.times()
        manifest = c4.run([str(work / "crawl" / "*.warc.wet.gz")], str(work / "out"), config, beam_argv)
        wall = time.perf_counter() - started
        cpu_end = os.times()
        cpu = (cpu_end.user - cpu_started.user) + (cpu_end.system - cpu_started.system) + \
              (cpu_end.children_user - cpu_started.children_user) + \
              (cpu_end.children_system - cpu_started.children_system)

    docs = manifest["funnel"][0]["in"]
    print(f"input: {args.files} WET files, {docs:,} pages, {file_bytes / 1e6:.1f} MB gzipped, "
          f"{uncompressed / 1e6:.1f} MB uncompressed")
    print("funnel: " + ", ".join(f"{s['step']} {s['in']}→{s['kept']}" for s in manifest["funnel"]))
    print(f"DirectRunner, {args.workers} worker(s): {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"throughput: {docs / wall:,.0f} docs/s; per core: {docs / wall / args.workers:,.0f} docs/s "
          f"(by CPU time: {docs / cpu:,.0f} docs per CPU-second); {uncompressed / 1e6 / wall:.2f} MB/s")


if __name__ == "__main__":
    main()
