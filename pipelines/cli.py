"""The `llamix` command: one entry point that hands each subcommand to the stage that owns it.

Stages are imported only when their command runs, so `llamix manifest show` does not pay for Beam or torch.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys

USAGE = """usage: llamix COMMAND [ARGS]

  run SOURCE --input GLOB --output DIR [--langs …] [Beam options]    clean one source into Parquet documents
  estimate SOURCE --input GLOB [--workers N --machine-type T]        project Dataflow hours and cost from a sample
  tokenizer train --input DIR[,DIR…] --output DIR [--mixture RECIPE]  train the SentencePiece BPE tokenizer
  shard --tokenizer DIR --input DIR[,…] --output DIR [--mixture RECIPE]  tokenize documents into Arrow shards
  train --config trainer/configs/NAME.toml --data DIR [key=value …]   pretrain on the shards (torchrun for N ranks)
  generate --checkpoint DIR --prompt TEXT [--temperature T --top-p P]  continue a prompt (greedy by default)
  export-hf --checkpoint DIR --output DIR                             Hugging Face Llama folder (safetensors)
  lm train --input DIR --lang en --output DIR                         KenLM + SentencePiece perplexity model (CCNet)
  classifier train --positives P --negatives N --output FILE          Wikipedia-reference fastText classifier
  manifest show|verify|report|diff PATH                               inspect, re-check, plot or compare manifests
  demo [--output DIR]                                                 every stage end to end on the embedded sample

Every command takes -h for its options.
"""

# What `pip install llamix` leaves out and `llamix[train]` brings (pyproject.toml).
TRAIN_EXTRA_MODULES = ("torch", "tensorboard", "safetensors")

RUNNABLE_SOURCES = ("wikipedia", "commoncrawl", "c4", "github", "books", "arxiv", "stackexchange")


def _run_source(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: llamix run SOURCE [-h] …\nsources available: {', '.join(RUNNABLE_SOURCES)}")
        return 0 if argv else 2
    source, rest = argv[0], argv[1:]
    if source not in RUNNABLE_SOURCES:
        print(f"llamix run: unknown source {source!r}; available: {', '.join(RUNNABLE_SOURCES)}", file=sys.stderr)
        return 2
    # --progress forces the progress display (pipelines/progress.py), --no-progress turns it off; by default it
    # shows when stderr is a terminal.
    mode = None
    for flag, value in (("--progress", "on"), ("--no-progress", "off")):
        if flag in rest:
            rest, mode = [arg for arg in rest if arg != flag], value
    from pipelines.progress import configured

    with configured(mode):
        return importlib.import_module(f"pipelines.sources.{source}").main(rest)


def _tokenizer(argv: list[str]) -> int:
    if not argv or argv[0] != "train":
        print("usage: llamix tokenizer train --input DIR[,DIR…] --output DIR [--vocab-size N]", file=sys.stderr)
        return 2
    return importlib.import_module("tokenizer.train").main(argv[1:])


COMMANDS = {
    "run": _run_source,
    "estimate": lambda argv: importlib.import_module("pipelines.estimate").main(argv),
    "tokenizer": _tokenizer,
    "shard": lambda argv: importlib.import_module("tokenizer.shard").main(argv),
    "train": lambda argv: importlib.import_module("trainer.train").main(argv),
    "generate": lambda argv: importlib.import_module("trainer.inference").generate_main(argv),
    "export-hf": lambda argv: importlib.import_module("trainer.inference").export_main(argv),
    "lm": lambda argv: importlib.import_module("pipelines.lm").main(argv),
    "classifier": lambda argv: importlib.import_module("pipelines.transforms.reference_classifier").main(argv),
    "manifest": lambda argv: importlib.import_module("manifests.cli").main(argv),
    "demo": lambda argv: importlib.import_module("pipelines.demo").main(argv),
}


class _DropBeamImportNoise(logging.Filter):
    """Beam warnings that say nothing is wrong: on import, that the optional GCP client libraries are absent (they are
    the `gcp` extra); and "No shards found to finalize" from a sink with skip_if_empty (the dead-letter output of a
    run in which nothing failed)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(("apitools not found", "No shards found to finalize"))


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_DropBeamImportNoise())
    # Beam narrates every stage at INFO; keep its warnings, drop the rest.
    logging.getLogger("apache_beam").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command = COMMANDS.get(argv[0])
    if command is None:
        print(f"llamix: unknown command {argv[0]!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    configure_logging()
    try:
        return command(argv[1:]) or 0
    except ModuleNotFoundError as err:
        if err.name not in TRAIN_EXTRA_MODULES or os.environ.get("LLAMIX_DEBUG"):
            raise
        print(f"llamix {argv[0]}: error: {err.name} is not installed; the trainer's dependencies are the `train` "
              f"extra: pip install 'llamix[train]' (make install includes it)", file=sys.stderr)
        return 2
    except (FileNotFoundError, FileExistsError, NotADirectoryError, ValueError) as err:
        # What a user got wrong (a glob matching nothing, a non-empty output folder, a bad config value) reads
        # better as one line; LLAMIX_DEBUG=1 keeps the traceback.
        if os.environ.get("LLAMIX_DEBUG"):
            raise
        print(f"llamix {argv[0]}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
