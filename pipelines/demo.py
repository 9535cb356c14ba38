"""`llamix demo`: every stage end to end on the samples shipped in `pipelines/demo_data/`, on the CPU.

    demo_data/*.xml(.bz2) ───────► DIR/wikipedia ─► DIR/lm (KenLM + SentencePiece, English)
    demo_data/commoncrawl/*.wet.gz ─► DIR/commoncrawl (CCNet, bucketed with DIR/lm)
    DIR/wikipedia + DIR/commoncrawl ─► DIR/tokenizer ─► DIR/shards ─► DIR/checkpoints

Each folder gets its manifest; the last one leads back through the others to the samples.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import time
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table

log = logging.getLogger(__name__)

# A vocabulary the ~200 KB sample can fill; the real recipe uses 32,000 (LLaMA §2.1).
DEMO_VOCAB_SIZE = 2000
DEMO_SHARD_TOKENS = 32_768
DEMO_LM_VOCAB_SIZE = 2000
DEFAULT_LID_MODEL = "models/lid.176.ftz"  # where `make` puts it
# The tiny config's 60 steps see the sample about twice; 200 show the loss falling well within a minute.
DEMO_TRAIN_STEPS = 200
DEMO_TOKENS_PER_STEP = 1024  # the tiny config's tokens_per_step
# The sample is small: 5% keeps a few documents of most sources in validation (LLaMA-scale runs use 0.1%).
DEMO_VAL_FRACTION = 0.05


def sample_dumps() -> list[str]:
    folder = resources.files("pipelines") / "demo_data"
    paths = sorted(str(p) for p in Path(str(folder)).iterdir() if p.name.endswith((".xml", ".xml.bz2")))
    if not paths:
        raise FileNotFoundError(f"no sample dumps in {folder}")
    return paths


def sample_files(folder: str, pattern: str) -> list[str]:
    """The demo inputs of one source, shipped in `pipelines/demo_data/<folder>/`."""
    path = Path(str(resources.files("pipelines") / "demo_data" / folder))
    paths = sorted(str(p) for p in path.glob(pattern))
    if not paths:
        raise FileNotFoundError(f"no {pattern} sample files in {path}")
    return paths


def sample_crawl() -> list[str]:
    return sample_files("commoncrawl", "*.warc.wet.gz")


def run_demo(output: str, train_overrides: list[str] = (), lid_model: str = DEFAULT_LID_MODEL) -> dict:
    from manifests.recipe import default_recipe_path
    from pipelines.lm import train_language_model
    from pipelines.sources import arxiv, books, c4, commoncrawl, github, stackexchange, wikipedia
    from tokenizer.shard import shard_documents
    from tokenizer.train import train_tokenizer
    from trainer.config import load_config
    from trainer.train import run as train

    out = Path(output)
    timings = {}

    started = time.perf_counter()
    docs = wikipedia.run(sample_dumps(), str(out / "wikipedia"), overwrite=True)
    timings["wikipedia"] = time.perf_counter() - started

    started = time.perf_counter()
    train_language_model([str(out / "wikipedia")], "en", str(out / "lm"), vocab_size=DEMO_LM_VOCAB_SIZE)
    timings["lm"] = time.perf_counter() - started

    started = time.perf_counter()
    crawl = commoncrawl.run(sample_crawl(), str(out / "commoncrawl"),
                            commoncrawl.CCNetConfig(lid_model=lid_model, lm_dir=str(out / "lm"), near_dedup=True),
                            overwrite=True)
    timings["commoncrawl"] = time.perf_counter() - started

    started = time.perf_counter()
    cleaned = {"c4": c4.run(sample_files("c4", "*.warc.wet.gz"), str(out / "c4"), c4.C4Config(lid_model=lid_model),
                            overwrite=True)}
    timings["c4"] = time.perf_counter() - started

    started = time.perf_counter()
    code = Path(str(resources.files("pipelines") / "demo_data" / "github"))
    cleaned["github"] = github.run([str(code / "github-sample.jsonl.gz"), str(code / "repos")], str(out / "github"),
                                   overwrite=True)
    timings["github"] = time.perf_counter() - started

    started = time.perf_counter()
    cleaned["books"] = books.run(sample_files("books/gutenberg", "*.txt*"), str(out / "books"),
                                 sample_files("books/books3", "*.jsonl"), overwrite=True)
    timings["books"] = time.perf_counter() - started

    started = time.perf_counter()
    cleaned["arxiv"] = arxiv.run(sample_files("arxiv", "arXiv_src_*.tar"), str(out / "arxiv"), overwrite=True)
    timings["arxiv"] = time.perf_counter() - started

    started = time.perf_counter()
    sites = Path(str(resources.files("pipelines") / "demo_data" / "stackexchange"))
    cleaned["stackexchange"] = stackexchange.run([str(sites)], str(out / "stackexchange"), overwrite=True)
    timings["stackexchange"] = time.perf_counter() - started

    sources = [str(out / "wikipedia"), str(out / "commoncrawl"), *(str(out / name) for name in cleaned)]
    recipe = str(default_recipe_path())
    started = time.perf_counter()
    train_tokenizer(sources, str(out / "tokenizer"), vocab_size=DEMO_VOCAB_SIZE, mixture=recipe)
    timings["tokenizer"] = time.perf_counter() - started

    started = time.perf_counter()
    shard_documents(sources, str(out / "tokenizer"), str(out / "shards"), shard_tokens=DEMO_SHARD_TOKENS,
                    overwrite=True, mixture=recipe, target_tokens=DEMO_TRAIN_STEPS * DEMO_TOKENS_PER_STEP,
                    val_fraction=DEMO_VAL_FRACTION)
    timings["shards"] = time.perf_counter() - started

    started = time.perf_counter()
    config_path = resources.files("trainer") / "configs" / "tiny.toml"
    # A fresh run every time (not a resume of an earlier demo's checkpoints).
    overrides = [f"max_steps={DEMO_TRAIN_STEPS}", f"output_dir={out / 'checkpoints'}", "resume=none",
                 *train_overrides]
    config = load_config(Path(str(config_path)), overrides)
    if not any(o.startswith("eval_every=") for o in train_overrides):
        # The validation loss on the shards' held-out split, four times along the run.
        config = dataclasses.replace(config, eval_every=max(1, config.max_steps // 4))
    training = train(config, out / "shards", command=f"llamix demo --output {output}")
    timings["train"] = time.perf_counter() - started

    from manifests import read_manifest
    from manifests.report import write_report

    started = time.perf_counter()
    report = write_report(str(training["checkpoint"]), str(out / "report.html"))
    timings["report"] = time.perf_counter() - started

    return {"sources": {"wikipedia": docs, "commoncrawl": crawl, **cleaned},
            "shards": read_manifest(str(out / "shards")), "training": training, "timings": timings,
            "report": report}


def print_summary(summary: dict, output: str, console: Console) -> None:
    tokens: dict[tuple[str, str], int] = {}
    for row in summary["shards"]["stats"]["by_language"]:  # one row per split with a mixture
        key = (row["source"], row["lang"])
        tokens[key] = tokens.get(key, 0) + row["tokens"]
    table = Table(title="llamix demo", title_justify="left")
    for column in ("source", "language", "docs kept", "chars", "tokens"):
        table.add_column(column, justify="left" if column in ("source", "language") else "right")
    rows = [row for manifest in summary["sources"].values() for row in manifest["stats"]["by_language"]]
    for row in rows:
        table.add_row(row["source"], row["lang"], f"{row['docs']:,}", f"{row['chars']:,}",
                      f"{tokens.get((row['source'], row['lang']), 0):,}")
    table.add_row("[bold]total", "", f"{sum(r['docs'] for r in rows):,}", f"{sum(r['chars'] for r in rows):,}",
                  f"{summary['shards']['stats']['tokens']:,}")
    console.print(table)

    for name, manifest in summary["sources"].items():
        funnel = ", ".join(f"{s['step']} {s['in']}→{s['kept']}" for s in manifest["funnel"])
        console.print(f"{name} funnel: {funnel}", soft_wrap=True)
    training = summary["training"]
    losses = training["losses"]
    console.print(f"training: {training['n_params']:,} parameters, {len(losses)} steps, "
                  f"loss at step {losses[0][0]}: [bold]{losses[0][1]:.3f}[/], "
                  f"at step {losses[-1][0]}: [bold]{losses[-1][1]:.3f}[/], {training['tokens_per_s']:,.0f} tokens/s")
    console.print("time: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in summary["timings"].items()))
    folders = ",".join(["lm", *summary["sources"], "tokenizer", "shards", "checkpoints"])
    console.print(f"outputs and manifests in {output}/{{{folders}}}; "
                  f"try `llamix manifest show {output}/commoncrawl`", soft_wrap=True)
    console.print(f"report: {summary['report']}", soft_wrap=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llamix demo", description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="demo-out", help="folder for every stage's output (default demo-out)")
    parser.add_argument("--lid-model", default=DEFAULT_LID_MODEL, help="fastText lid.176 model (make installs it)")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="trainer config overrides, e.g. max_steps=20")
    args = parser.parse_args(argv)
    summary = run_demo(args.output, args.overrides, args.lid_model)
    print_summary(summary, args.output, Console())
    return 0
