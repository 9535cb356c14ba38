r"""Whole-pipeline throughput of `llamix run arxiv` on the DirectRunner, in documents/s per core.

    .venv/bin/python benchmarks/arxiv.py [--papers 1000] [--tarballs 4] [--repeat 55] [--workers 1]

Input: bulk tarballs (`arXiv_src_9901_NNN.tar`, members `9901/<id>.gz`) generated from the demo sample's papers
(`tests/data/arxiv/demo_papers.py`): every copy of a paper has about a fifth of its prose words replaced at random and
its sections written `--repeat` times, so that a paper is as long as a real one — RedPajama's arXiv subset holds
93.8 billion characters of cleaned LaTeX in 1.56 million papers, about 60 k characters a paper — and uses its macros
as often. Single-file papers and multi-file projects alternate as in the sample; one paper in seven has no section.

Every step runs: reading (tar and gzip in memory), parsing (comments, main file, \input, definitions), cleaning (macro
expansion, cuts), the reshuffle between reading and parsing, Parquet writing and statistics. For comparison, the same
papers are also timed through the pure functions alone: the reader, and `parse_paper` + `clean_paper`.
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import random
import re
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data" / "arxiv"))

import demo_papers  # noqa: E402  (the demo sample's papers)
from make_fixtures import gz, tar_bytes  # noqa: E402  (the fixtures' gzip and tar writers)

from pipelines.readers.arxiv import PaperSource, read_papers  # noqa: E402
from pipelines.sources import arxiv  # noqa: E402

log = logging.getLogger("benchmarks.arxiv")

# Where the repeated part of a file ends: its bibliography, appendix or the end of the document.
_BODY_END = re.compile(r"\\(?:bibliography\{|begin\{thebibliography\}|appendix|end\{document\})")
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")


def _vary(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    """Replaces about a fifth of the prose words (never command names) with random words of the sample."""
    return _WORD.sub(lambda m: rng.choice(vocabulary) if rng.random() < 0.2 else m[0], text)


def _grow(text: str, repeat: int, rng: random.Random, vocabulary: list[str]) -> str:
    """The file with its sections (from the first \\section to the bibliography or end) written `repeat` times;
    a section file of a project (no \\documentclass) is repeated whole."""
    if "\\documentclass" not in text:
        return "".join(_vary(text, rng, vocabulary) for _ in range(repeat))
    start = text.find("\\section")
    if start < 0:
        return text
    end_match = _BODY_END.search(text, start)
    end = end_match.start() if end_match else len(text)
    middle = "".join(_vary(text[start:end], rng, vocabulary) for _ in range(repeat))
    return text[:start] + middle + text[end:]


def generate(folder: Path, papers: int, tarballs: int, repeat: int, seed: int) -> tuple[int, int, list[dict]]:
    """Writes the tarballs; returns (LaTeX characters, tarball bytes, the papers' file dicts)."""
    rng = random.Random(seed)
    sources = demo_papers.PAPERS
    vocabulary = sorted({w for p in sources for t in ([p.files] if isinstance(p.files, str) else p.files.values())
                         for w in _WORD.findall(t)})
    members: list[dict[str, bytes]] = [{} for _ in range(tarballs)]
    generated: list[dict] = []
    chars = 0
    for index in range(papers):
        source = sources[index % len(sources)]
        files = {f"{source.arxiv_id}.tex": source.files} if isinstance(source.files, str) else dict(source.files)
        files = {name: _grow(text, repeat, rng, vocabulary) for name, text in files.items()}
        generated.append(files)
        chars += sum(len(t) for t in files.values())
        name = f"9901/9901.{index:05d}.gz"
        if isinstance(source.files, str):
            members[index % tarballs][name] = gz(next(iter(files.values())))
        else:
            members[index % tarballs][name] = gz(tar_bytes({k: v.encode("utf-8") for k, v in files.items()}))
    written = 0
    for number, batch in enumerate(members):
        data = tar_bytes(batch, directories=("9901",))
        (folder / f"arXiv_src_9901_{number:03d}.tar").write_bytes(data)
        written += len(data)
    return chars, written, generated


def _cpu_seconds(start: os.times_result, end: os.times_result) -> float:
    return (end.user - start.user) + (end.system - start.system) + \
        (end.children_user - start.children_user) + (end.children_system - start.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--tarballs", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=55, help="times each paper's sections are written")
    parser.add_argument("--workers", type=int, default=1, help="DirectRunner workers (multi_processing when > 1)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", force=True)  # Beam's import configured root
    logging.getLogger("pipelines").setLevel(logging.ERROR)  # the withdrawn papers' drops are expected
    logging.getLogger("apache_beam").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        chars, tar_size, generated = generate(work / "in", args.papers, args.tarballs, args.repeat, args.seed)

        started = time.perf_counter()
        read = sum(isinstance(item, PaperSource) for path in sorted((work / "in").iterdir())
                   for item in read_papers(str(path)))
        reader_s = time.perf_counter() - started

        started, kept = time.perf_counter(), 0
        for files in generated:
            parsed = arxiv.parse_paper(files)
            kept += not isinstance(parsed, arxiv.ParseFailure) and \
                arxiv.clean_paper(parsed.body, parsed.macros).text is not None
        functions_s = time.perf_counter() - started

        beam_argv = [] if args.workers == 1 else [f"--direct_num_workers={args.workers}",
                                                  "--direct_running_mode=multi_processing"]
        started, cpu_started = time.perf_counter(), os.times()
        manifest = arxiv.run([str(work / "in" / "*.tar")], str(work / "out"), beam_argv=beam_argv)
        wall = time.perf_counter() - started
        cpu = _cpu_seconds(cpu_started, os.times())

    docs = manifest["stats"]["docs"]
    log.info("input: %d tarballs, %.1f MB, %d papers, %.1f M characters of LaTeX (%.0f k a paper)",
             args.tarballs, tar_size / 1e6, args.papers, chars / 1e6, chars / args.papers / 1e3)
    log.info("funnel: %s", ", ".join(f"{s['step']} {s['in']}→{s['kept']}" for s in manifest["funnel"]))
    log.info("output: %d documents, %.1f M characters; %s", docs, sum(r["chars"] for r in
             manifest["stats"]["by_language"]) / 1e6, manifest["stats"]["counters"])
    log.info("reader alone (1 core): %.0f papers/s", read / reader_s)
    log.info("parse_paper + clean_paper alone (1 core): %.0f docs/s (%d kept)", kept / functions_s, kept)
    log.info("DirectRunner, %d worker(s): %.1f s wall, %.1f s CPU", args.workers, wall, cpu)
    log.info("whole pipeline: %.1f docs/s; per core: %.1f docs/s (by CPU time: %.1f docs per CPU-second); "
             "%.2f MB/s of LaTeX per core", docs / wall, docs / wall / args.workers, docs / cpu,
             chars / wall / args.workers / 1e6)


if __name__ == "__main__":
    main()
