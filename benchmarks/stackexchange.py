"""Whole-pipeline throughput of `llamix run stackexchange` on the DirectRunner, in documents (question threads) per
second per core.

    .venv/bin/python benchmarks/stackexchange.py [--questions 5000] [--sites 4] [--workers 1] [--seed 0]

Input: generated site dumps in the real Posts.xml format, `--sites` sites (the last one a `.7z` archive, streamed
through py7zr's pure-Python LZMA), made from the demo sample's posts (`pipelines/demo_data/stackexchange/`,
paragraphs, lists and code blocks) with one word in five replaced at random. Each question gets 0 to 5 answers
(2.5 on average; the unanswered ones are dropped, as by default), scores are random between -3 and 200, and one
post in 40 is a tag wiki. Every step runs: read (7z + iterparse), group by question, HTML to text, format,
Parquet, stats. Input generation is excluded from the timing.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data" / "stackexchange"))

import make_stackexchange_fixtures as fx  # noqa: E402  (the fixtures' Posts.xml writer)

from pipelines.readers.stackexchange import ANSWER, QUESTION, Post, read_site_dump  # noqa: E402
from pipelines.sources import stackexchange as se  # noqa: E402

DEMO = ROOT / "pipelines" / "demo_data" / "stackexchange"
_WORD = re.compile(r"(?<=[ >])[A-Za-z]{3,}(?=[ ,.:;<])")


def _vary(html: str, vocabulary: list[str], rng: random.Random) -> str:
    return _WORD.sub(lambda m: rng.choice(vocabulary) if rng.random() < 0.2 else m.group(0), html)


def generate(folder: Path, questions: int, sites: int, seed: int) -> tuple[int, int]:
    """Writes the dumps; returns (posts, Posts.xml bytes)."""
    rng = random.Random(seed)
    demo = [item for dump in se.find_site_dumps([str(DEMO)]) for item in read_site_dump(dump.path)
            if isinstance(item, Post)]
    bodies = [p.body for p in demo if p.site == "woodworking.stackexchange.com"]
    titles = [p.title for p in demo if p.post_type == QUESTION and p.site == "woodworking.stackexchange.com"]
    vocabulary = sorted({w for body in bodies for w in _WORD.findall(body)})
    posts = size = 0
    for site_index in range(sites):
        site = f"site{site_index}.stackexchange.com"
        rows: list[str] = []
        next_id = 1
        for _ in range(questions // sites):
            qid, n_answers = next_id, rng.randint(0, 5)
            rows.append(fx.question(qid, rng.choice(titles), _vary(rng.choice(bodies), vocabulary, rng),
                                    score=rng.randint(-3, 200), tags="<finishing><glue>", answers=n_answers))
            for a in range(n_answers):
                rows.append(fx.answer(qid + 1 + a, qid, _vary(rng.choice(bodies), vocabulary, rng),
                                      score=rng.randint(-3, 200)))
            next_id += 1 + n_answers
            if rng.random() < 0.025 * (1 + n_answers):
                rows.append(fx.row(Id=next_id, PostTypeId=5, Score=0, Body=rng.choice(bodies)))
                next_id += 1
        data = fx.posts_xml(rows)
        posts, size = posts + len(rows), size + len(data)
        if site_index == sites - 1:
            fx.write_7z(folder / f"{site}.7z", {"Posts.xml": data})
        else:
            (folder / site).mkdir()
            (folder / site / "Posts.xml").write_bytes(data)
    return posts, size


def pure_seconds(folder: Path) -> tuple[float, float, int]:
    """(read all dumps, join + HTML to text + format in memory) seconds in this process, and documents made."""
    started = time.process_time()
    posts = [p for dump in se.find_site_dumps([str(folder)]) for p in read_site_dump(dump.path)
             if isinstance(p, Post)]
    read = time.process_time() - started
    threads: dict[tuple[str, int], list] = {}
    for p in posts:
        key = (p.site, p.post_id if p.post_type == QUESTION else p.parent_id)
        if p.post_type in (QUESTION, ANSWER):
            threads.setdefault(key, []).append(p)
    started, docs = time.process_time(), 0
    for group in threads.values():
        answers = [p for p in group if p.post_type == ANSWER]
        if answers and group[0].post_type == QUESTION:
            docs += isinstance(se.thread_document(group[0], answers), dict)
    return read, time.process_time() - started, docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=5000, help="questions in all (default 5000)")
    parser.add_argument("--sites", type=int, default=4, help="sites, the last one a .7z archive (default 4)")
    parser.add_argument("--workers", type=int, default=1, help="DirectRunner workers (multi_processing when > 1)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "dumps").mkdir()
        posts, size = generate(work / "dumps", args.questions, args.sites, args.seed)
        read_s, format_s, pure_docs = pure_seconds(work / "dumps")
        beam_argv = [] if args.workers == 1 else [f"--direct_num_workers={args.workers}",
                                                  "--direct_running_mode=multi_processing"]
        started, cpu_started = time.perf_counter(), os.times()
        manifest = se.run([str(work / "dumps")], str(work / "out"), beam_argv=beam_argv)
        wall = time.perf_counter() - started
        cpu_end = os.times()
        cpu = sum(getattr(cpu_end, f) - getattr(cpu_started, f)
                  for f in ("user", "system", "children_user", "children_system"))

    docs = manifest["stats"]["docs"]
    print(f"input: {args.sites} sites ({args.sites - 1} folders + 1 .7z), {args.questions} questions, {posts} posts, "
          f"{size / 1e6:.1f} MB of Posts.xml")
    print("funnel: " + ", ".join(f"{s['step']} {s['in']}→{s['kept']} {s['dropped'] or ''}".rstrip()
                                 for s in manifest["funnel"]))
    print(f"DirectRunner, {args.workers} worker(s): {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"throughput: {docs / wall:.1f} docs/s ({posts / wall:.0f} posts/s, {size / 1e6 / wall:.2f} MB/s); "
          f"per core: {docs / wall / args.workers:.1f} docs/s; by CPU time: {docs / cpu:.1f} docs per CPU-second")
    print(f"without Beam, in process: read {posts / read_s:.0f} posts/s; join + HTML to text + format "
          f"{pure_docs / format_s:.0f} docs/s")


if __name__ == "__main__":
    main()
