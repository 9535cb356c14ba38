"""Whole-pipeline throughput of `llamix run books` on the DirectRunner, in books (documents) per second per core.

    .venv/bin/python benchmarks/books.py [--books 200] [--books3 100] [--copies 20] [--paragraphs 130] [--workers 1]

Input, generated into a temporary folder with the fixture writer (`tests/data/books/make_fixtures.py`): `--books`
Project Gutenberg files in the three header styles in turn (current, 2000s, 1990s small print; one in ten gzipped),
and `--books3` Books3 records in (up to) four JSONL files, `--copies` of which are Books3 editions of Gutenberg
books (two paragraphs missing, so >90% inside the original) that the overlap dedup must drop. Every book is
`--paragraphs` paragraphs of generated sentences (~450 characters each; 130 give ~60 KB, a short novel is 300-500
KB). Every step runs: read (decode), strip, id dedup, and overlap dedup (256-permutation MinHash, 85 × 3 LSH,
exact containment).

Besides the pipeline, the per-book pure work is timed in this process (decode + strip, then shingle hashes +
signature) to show how much of the pipeline's time is Beam's own (pickling, shuffles, the runner).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data" / "books"))

from make_fixtures import current_style, older_style, small_print_style  # noqa: E402  (the fixtures' writers)
from book_stories import Story, generated_paragraphs  # noqa: E402

from pipelines.readers.books import read_gutenberg, strip_gutenberg  # noqa: E402
from pipelines.sources import books  # noqa: E402
from pipelines.transforms.minhash import Permutations, minhash_signature, shingle_hashes  # noqa: E402


def generate(folder: Path, n_books: int, n_books3: int, copies: int, paragraphs: int) -> tuple[int, int]:
    """Writes the input; returns (books written, bytes of book text)."""
    (folder / "gutenberg").mkdir()
    (folder / "books3").mkdir()
    text_bytes = 0
    stories = []
    for i in range(n_books):
        story = Story(f"Benchmark Book {i}", f"Author {i % 17}", "English",
                      tuple(generated_paragraphs(1000 + i, paragraphs)))
        stories.append(story)
        ebook = 50000 + i
        style = i % 3
        if style == 0:
            page = current_style(story, ebook, "January 1, 2020")
        elif style == 1:
            page = older_style(story, ebook, "January 1, 2004", "ASCII")
        else:
            page = small_print_style(story, ebook, "January 1, 1996")
        data = page.encode("utf-8")
        text_bytes += len(story.text.encode("utf-8"))
        if i % 10 == 9:
            (folder / "gutenberg" / f"{ebook}.txt.gz").write_bytes(gzip.compress(data, mtime=0))
        else:
            (folder / "gutenberg" / f"{ebook}.txt").write_bytes(data)
    records = []
    for j in range(n_books3):
        if j < copies:
            original = stories[(j * 7) % n_books]
            text = "\n\n".join(original.paragraphs[1:-1])
            title = f"{original.title} (Books3 edition)"
        else:
            text = "\n\n".join(generated_paragraphs(900000 + j, paragraphs))
            title = f"Books3 Title {j}"
        text_bytes += len(text.encode("utf-8"))
        records.append(json.dumps({"title": title, "text": text}))
    parts = max(1, min(4, n_books3))
    for part in range(parts):
        lines = records[part::parts]
        (folder / "books3" / f"part-{part:02d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n_books + n_books3, text_bytes


def pure_seconds(folder: Path) -> tuple[float, float, int]:
    """(decode + strip, shingles + signature) seconds over the Gutenberg files, in this process; and their count."""
    permutations = Permutations(books.DEFAULT_NUM_PERM)
    strip = sketch = 0.0
    paths = sorted((folder / "gutenberg").iterdir())
    for path in paths:
        started = time.process_time()
        (book,) = list(read_gutenberg(str(path)))
        body = strip_gutenberg(book.text).body
        middle = time.process_time()
        minhash_signature(shingle_hashes(body), permutations)
        sketch += time.process_time() - middle
        strip += middle - started
    return strip, sketch, len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=200, help="Gutenberg files (default 200)")
    parser.add_argument("--books3", type=int, default=100, help="Books3 JSONL records (default 100)")
    parser.add_argument("--copies", type=int, default=20, help="Books3 records that copy a Gutenberg book")
    parser.add_argument("--paragraphs", type=int, default=130, help="paragraphs a book (~450 characters each)")
    parser.add_argument("--workers", type=int, default=1, help="DirectRunner workers (multi_processing when > 1)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        count, text_bytes = generate(work, args.books, args.books3, args.copies, args.paragraphs)
        strip_s, sketch_s, pure_books = pure_seconds(work)
        beam_argv = [] if args.workers == 1 else [f"--direct_num_workers={args.workers}",
                                                  "--direct_running_mode=multi_processing"]
        started, cpu_started = time.perf_counter(), os.times()
        manifest = books.run([str(work / "gutenberg" / "*")], str(work / "out"), [str(work / "books3" / "*")],
                             beam_argv=beam_argv)
        wall = time.perf_counter() - started
        cpu_end = os.times()
        cpu = (cpu_end.user - cpu_started.user) + (cpu_end.system - cpu_started.system) + \
              (cpu_end.children_user - cpu_started.children_user) + \
              (cpu_end.children_system - cpu_started.children_system)

    mb = text_bytes / 1e6
    print(f"input: {args.books} Gutenberg files + {args.books3} Books3 records ({args.copies} copies), "
          f"{mb:.1f} MB of book text, {text_bytes / count / 1e3:.0f} KB a book")
    print("funnel: " + ", ".join(f"{s['step']} {s['in']}→{s['kept']} {s['dropped'] or ''}".rstrip()
                                 for s in manifest["funnel"]))
    print(f"DirectRunner, {args.workers} worker(s): {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"throughput: {count / wall:.1f} docs/s ({mb / wall:.2f} MB/s); per core: {count / wall / args.workers:.1f} "
          f"docs/s; by CPU time: {count / cpu:.1f} docs per CPU-second")
    print(f"pure work per Gutenberg book, in process: decode + strip {strip_s / pure_books * 1e3:.1f} ms, "
          f"shingles + 256-permutation signature {sketch_s / pure_books * 1e3:.1f} ms "
          f"(= {pure_books / (strip_s + sketch_s):.0f} books/s without Beam)")


if __name__ == "__main__":
    main()
