"""`llamix lm train`: build a CCNet-style language model for one language from cleaned documents, offline.

The result is the pair `pipelines/transforms/perplexity.py` loads, in CCNet's naming: `{lang}.sp.model`
(SentencePiece unigram) and `{lang}.arpa.bin` (KenLM 5-gram over those pieces, binary format), as CCNet trains them
on Wikipedia (its Makefile, targets `%.sp.model`, `%.arpa`, `%.arpa.bin`):

1. the first `max_docs` documents of the language, each line normalized by `text_normalizer.normalize` (the
   normalization that scoring applies) and written one per line to a temporary corpus;
2. SentencePiece unigram trained on that corpus;
3. the corpus cut into pieces, one line of space-separated pieces per line;
4. KenLM's `lmplz` estimates the n-gram model (modified Kneser-Ney) in ARPA format; `build_binary` converts it.

`lmplz` and `build_binary` are KenLM's command-line programs, which the `kenlm` Python package does not include:
`make kenlm-tools` (scripts/build_kenlm_tools.sh) compiles them into tools/kenlm/bin from the pinned kenlm sdist.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import pyarrow.compute as pc
import pyarrow.parquet as pq
import sentencepiece as spm

from manifests import MANIFEST_NAME, storage, write_manifest
from pipelines.transforms.perplexity import KENLM_BINARY_SUFFIX, SP_MODEL_SUFFIX
from pipelines.transforms.text_normalizer import normalize
from tokenizer.train import DocumentFile, document_files

log = logging.getLogger(__name__)

# cc_net/Makefile: VOCAB_SIZE=65536 (spm_train --vocab_size, lmplz --vocab_estimate).
DEFAULT_VOCAB_SIZE = 65536
# cc_net/Makefile: lmplz -o 5 (CCNet paper, Wenzek et al. 2019, filters with a 5-gram Kneser-Ney model).
DEFAULT_ORDER = 5
# KenLM's CMakeLists.txt: KENLM_MAX_ORDER defaults to 6, the highest order its programs and `kenlm.Model` handle;
# its query code "assumes at least a bigram model" (lm/model.cc).
KENLM_MIN_ORDER, KENLM_MAX_ORDER = 2, 6
# cc_net/Makefile: NDOC_FOR_LM=1_000_000, "restricted to the first NDOC_FOR_LM documents".
DEFAULT_MAX_DOCS = 1_000_000
# lmplz -S, the memory its sort may use; cc_net/Makefile gives 8G. A share of RAM suits machines of any size.
DEFAULT_MEMORY = "20%"
# SentencePiece settings of cc_net/Makefile's spm_train: unigram, character_coverage 0.9995, the default normalizer
# (nmt_nfkc). CCNet asks for a hard vocabulary limit and retrains with 40000 pieces when the corpus is too small;
# a soft limit does the same job in one run: at most vocab_size pieces, fewer when the corpus has fewer.
SP_TRAINER_SPEC = {
    "model_type": "unigram",
    "character_coverage": 0.9995,
    "hard_vocab_limit": False,
    # Not CCNet's: SentencePiece keeps its training sentences in memory, so it samples (shuffled) at most this
    # many lines; the KenLM model still sees every line.
    "input_sentence_size": 10_000_000,
    "shuffle_input_sentence": True,
}
_ENCODE_BATCH = 10_000
_REPO_TOOLS = Path(__file__).resolve().parents[1] / "tools" / "kenlm" / "bin"
_BUILD_HINT = "build them with `make kenlm-tools` (scripts/build_kenlm_tools.sh)"


class KenLMToolNotFound(FileNotFoundError):
    """`lmplz` or `build_binary` is neither where it was asked for, nor in tools/kenlm/bin, nor on PATH."""


def find_kenlm_tool(name: str, explicit: str | None = None, beside: str | None = None) -> str:
    """The path of KenLM program `name`: `explicit` when given; else the one in the folder of `beside` (so that
    `--lmplz PATH` also finds build_binary next to it), then tools/kenlm/bin of this checkout, then PATH."""
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise KenLMToolNotFound(f"KenLM {name} at {explicit}: not an executable file; {_BUILD_HINT}")
        return explicit
    searched = []
    folders = ([str(Path(beside).parent)] if beside else []) + [str(_REPO_TOOLS)]
    for folder in folders:
        candidate = os.path.join(folder, name)
        searched.append(folder)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise KenLMToolNotFound(
        f"KenLM's {name} not found (looked in {', '.join(searched)} and on PATH); {_BUILD_HINT}, or pass its path"
    )


def language_documents(files: Sequence[DocumentFile], lang: str, max_docs: int) -> Iterator[str]:
    """The texts of the first `max_docs` documents whose `lang` is `lang`, in file order (files as listed)."""
    if max_docs <= 0:
        return
    taken = 0
    for file in files:
        with storage.open_read(file.path) as handle:
            parquet = pq.ParquetFile(handle)
            for group in range(parquet.num_row_groups):
                table = parquet.read_row_group(group, columns=["text", "lang"])
                for text in table.filter(pc.equal(table.column("lang"), lang)).column("text").to_pylist():
                    yield text
                    taken += 1
                    if taken >= max_docs:
                        return


def normalized_lines(text: str) -> Iterator[str]:
    """The non-empty lines of a document after `text_normalizer.normalize`, as scoring sees them."""
    for line in text.split("\n"):
        normalized = normalize(line)
        if normalized:
            yield normalized


@dataclass
class CorpusStats:
    docs: int = 0
    lines: int = 0
    chars: int = 0
    tokens: int = 0  # SentencePiece pieces plus one </s> per line, what perplexity divides by


def _write_corpus(texts: Iterator[str], path: Path, stats: CorpusStats) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for text in texts:
            stats.docs += 1
            for line in normalized_lines(text):
                out.write(line)
                out.write("\n")
                stats.lines += 1
                stats.chars += len(line)


def _write_pieces(sp: spm.SentencePieceProcessor, corpus: Path, pieces: Path, stats: CorpusStats,
                  num_threads: int) -> None:
    def flush(batch: list[str]) -> None:
        for line_pieces in sp.encode(batch, out_type=str, num_threads=num_threads):
            out.write(" ".join(line_pieces))
            out.write("\n")
            stats.tokens += len(line_pieces) + 1

    with open(corpus, encoding="utf-8") as lines, open(pieces, "w", encoding="utf-8") as out:
        batch: list[str] = []
        for line in lines:
            batch.append(line.rstrip("\n"))
            if len(batch) == _ENCODE_BATCH:
                flush(batch)
                batch = []
        if batch:
            flush(batch)


def _run(command: list[str], stdin: Path | None = None, stdout: Path | None = None) -> None:
    log.info("running %s", " ".join(command))
    with ExitStack() as files:
        source = files.enter_context(open(stdin, "rb")) if stdin else subprocess.DEVNULL
        sink = files.enter_context(open(stdout, "wb")) if stdout else subprocess.DEVNULL
        done = subprocess.run(command, stdin=source, stdout=sink, stderr=subprocess.PIPE)
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-20:]
        raise RuntimeError(f"{Path(command[0]).name} exited with status {done.returncode}:\n" + "\n".join(tail))


_ARPA_COUNT_RE = re.compile(r"^ngram (\d+)=(\d+)$")


def arpa_ngram_counts(arpa: Path) -> dict[int, int]:
    """`{order: n-grams}` from the `\\data\\` header of an ARPA file."""
    counts: dict[int, int] = {}
    with open(arpa, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if match := _ARPA_COUNT_RE.match(line):
                counts[int(match.group(1))] = int(match.group(2))
            elif line.startswith("\\1-grams:"):
                break
    return counts


def _kenlm_version(lmplz: str) -> str | None:
    stamp = Path(lmplz).with_name(".kenlm-version")  # written by scripts/build_kenlm_tools.sh
    return stamp.read_text().strip() if stamp.is_file() else None


def train_language_model(
    input_dirs: Sequence[str],
    lang: str,
    output_dir: str,
    vocab_size: int = DEFAULT_VOCAB_SIZE,
    order: int = DEFAULT_ORDER,
    max_docs: int = DEFAULT_MAX_DOCS,
    memory: str = DEFAULT_MEMORY,
    lmplz: str | None = None,
    build_binary: str | None = None,
    num_threads: int | None = None,
    work_dir: str | None = None,
) -> tuple[str, str]:
    """Trains `{lang}.sp.model` and `{lang}.arpa.bin` in `output_dir` from the `lang` documents of the Parquet
    document folders `input_dirs`, and writes the manifest; returns the two paths. `work_dir` holds the temporary
    corpus, pieces and ARPA file (the system temp folder by default; it needs a few times the text's size)."""
    if not KENLM_MIN_ORDER <= order <= KENLM_MAX_ORDER:
        raise ValueError(f"order must be between {KENLM_MIN_ORDER} and {KENLM_MAX_ORDER} (what KenLM loads), "
                         f"got {order}")
    lmplz = find_kenlm_tool("lmplz", lmplz)
    build_binary = find_kenlm_tool("build_binary", build_binary, beside=lmplz)
    num_threads = num_threads or os.cpu_count() or 1
    files = document_files(input_dirs)
    sp_spec = dict(SP_TRAINER_SPEC, vocab_size=vocab_size)
    lmplz_args = ["-o", str(order), "-S", memory, "--vocab_estimate", str(vocab_size), "--discount_fallback"]
    stats = CorpusStats()
    sp_name, kenlm_name = f"{lang}{SP_MODEL_SUFFIX}", f"{lang}{KENLM_BINARY_SUFFIX}"

    with tempfile.TemporaryDirectory(prefix=f"llamix-lm-{lang}-", dir=work_dir) as tmp:
        work = Path(tmp)
        corpus, pieces, arpa = work / "normalized.txt", work / "pieces.txt", work / f"{lang}.arpa"
        _write_corpus(language_documents(files, lang, max_docs), corpus, stats)
        if stats.lines == 0:
            raise ValueError(
                f"no {lang!r} text in {', '.join(input_dirs)}: found {stats.docs} documents with lang={lang!r} "
                f"and no non-empty line among them (expected the output of `llamix run`, with a `lang` column)"
            )
        log.info("%s: %d documents, %d lines; training SentencePiece", lang, stats.docs, stats.lines)
        spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(work / lang), num_threads=num_threads,
                                       minloglevel=2, **sp_spec)
        sp = spm.SentencePieceProcessor(model_file=str(work / f"{lang}.model"))
        _write_pieces(sp, corpus, pieces, stats, num_threads)
        log.info("%s: %d tokens; estimating the %d-gram model", lang, stats.tokens, order)
        _run([lmplz, *lmplz_args, "-T", str(work)], stdin=pieces, stdout=arpa)
        ngrams = arpa_ngram_counts(arpa)
        _run([build_binary, str(arpa), str(work / kenlm_name)])
        storage.publish_file(work / f"{lang}.model", storage.join(output_dir, sp_name))
        storage.publish_file(work / kenlm_name, storage.join(output_dir, kenlm_name))

    parents = [storage.join(d, MANIFEST_NAME) for d in input_dirs if storage.exists(storage.join(d, MANIFEST_NAME))]
    write_manifest(
        output_dir,
        kind="model",
        config={
            "lang": lang,
            "max_docs": max_docs,
            "normalizer": "text_normalizer.normalize(accent=True, case=True, numbers=True, punct=1), per line",
            "sentencepiece": sp_spec,
            "kenlm": {"order": order, "lmplz_args": lmplz_args, "build_binary_args": [],
                      "version": _kenlm_version(lmplz)},
        },
        inputs={"paths": list(input_dirs), "files": len(files), "bytes": sum(f.bytes for f in files)},
        parents=parents,
        outputs=[(sp_name, sp.get_piece_size()), (kenlm_name, sum(ngrams.values()))],
        stats={
            "lang": lang,
            "docs": stats.docs,
            "lines": stats.lines,
            "chars": stats.chars,
            "tokens": stats.tokens,
            "vocab_size": sp.get_piece_size(),
            "ngrams": {str(n): count for n, count in sorted(ngrams.items())},
        },
    )
    return storage.join(output_dir, sp_name), storage.join(output_dir, kenlm_name)


def _train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llamix lm train", description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="comma-separated folders of cleaned documents (part-*.parquet)")
    parser.add_argument("--lang", required=True, help="language code: documents with this `lang` are used")
    parser.add_argument("--output", required=True, help=f"folder for {{lang}}{SP_MODEL_SUFFIX}, "
                                                        f"{{lang}}{KENLM_BINARY_SUFFIX} and manifest.json")
    parser.add_argument("--vocab-size", type=int, default=DEFAULT_VOCAB_SIZE,
                        help="SentencePiece pieces, at most (fewer when the corpus is small)")
    parser.add_argument("--order", type=int, default=DEFAULT_ORDER, help="n-gram order")
    parser.add_argument("--max-docs", type=int, default=DEFAULT_MAX_DOCS,
                        help="use the first N documents of the language")
    parser.add_argument("--memory", default=DEFAULT_MEMORY, help="lmplz -S: sort memory, e.g. 20%% or 4G")
    parser.add_argument("--lmplz", default=None, help="path of KenLM's lmplz (default: tools/kenlm/bin, then PATH)")
    parser.add_argument("--build-binary", default=None,
                        help="path of KenLM's build_binary (default: beside lmplz, tools/kenlm/bin, then PATH)")
    parser.add_argument("--threads", type=int, default=None, help="SentencePiece threads (default: all cores)")
    parser.add_argument("--work-dir", default=None, help="folder for temporary files (default: system temp)")
    return parser


def main(argv: list[str]) -> int:
    """`llamix lm SUBCOMMAND …`; `argv` is what follows `lm`."""
    if not argv or argv[0] != "train":
        asked_for_help = bool(argv) and argv[0] in ("-h", "--help")
        print("usage: llamix lm train --input DIR[,DIR…] --lang LANG --output DIR [--vocab-size N] [--order 5] "
              "[--lmplz PATH] [--memory 20%]", file=sys.stdout if asked_for_help else sys.stderr)
        return 0 if asked_for_help else 2
    args = _train_parser().parse_args(argv[1:])
    try:
        paths = train_language_model(
            [d for d in args.input.split(",") if d], args.lang, args.output, vocab_size=args.vocab_size,
            order=args.order, max_docs=args.max_docs, memory=args.memory, lmplz=args.lmplz,
            build_binary=args.build_binary, num_threads=args.threads, work_dir=args.work_dir,
        )
    except KenLMToolNotFound as err:
        log.error("%s", err)
        return 1
    log.info("wrote %s and %s", *paths)
    return 0
