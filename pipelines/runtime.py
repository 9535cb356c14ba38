"""Running a source pipeline: Beam options, input matching, output folder, and the manifest written afterwards.

Each source module builds its graph (`build(files) -> (docs, errors)`); everything around it — reading the
file list, writing Parquet, counting, stats, the manifest — is the same for all seven sources and lives here.
"""
from __future__ import annotations

import contextlib
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from manifests import read_manifest, storage, summarize_errors, write_manifest
from pipelines.deadletter import DEAD_LETTER_DIR, DeadLetters, summarize_dead_letters
from pipelines.documents import PARTITIONED_DOC_GLOBS, DocumentStats, WriteDocuments, document_patterns
from pipelines.funnel import committed_counters, extras_from_counters, funnel_from_counters, stats_from_counters
from pipelines import progress
from pipelines.progress import CountInputFiles

log = logging.getLogger(__name__)

REJECTED_DIR = "rejected"
SCRATCH_DIR = "_llamix_tmp"


class InputNotFound(FileNotFoundError):
    pass


# Set by `llamix estimate` (pipelines/estimate.py) through `probing`: picks the sample of input files a run reads
# and measures the run. None for every ordinary run.
_input_probe: ContextVar = ContextVar("llamix_input_probe", default=None)


@contextlib.contextmanager
def probing(probe):
    """Within the block, `run_source_pipeline` reads only `probe.choose(files)` ((index, InputFile) pairs) of the
    matched files, runs inside `probe.measure(pipeline)`, and then calls `probe.finished(result)`."""
    token = _input_probe.set(probe)
    try:
        yield probe
    finally:
        _input_probe.reset(token)


@dataclass(frozen=True)
class InputFile:
    path: str
    size: int


def match_inputs(patterns: Sequence[str]) -> list[InputFile]:
    """Expands globs (local or any FileSystems scheme); an empty pattern is an error naming the pattern."""
    files: dict[str, int] = {}
    for pattern in patterns:
        matched = FileSystems.match([pattern])[0].metadata_list
        if not matched:
            raise InputNotFound(f"--input {pattern!r} matches no file")
        for meta in matched:
            files[meta.path] = meta.size_in_bytes
    return [InputFile(path, size) for path, size in sorted(files.items())]


def beam_options(beam_argv: Sequence[str]) -> PipelineOptions:
    """Beam options as given on the command line; DirectRunner unless `--runner` says otherwise."""
    options = PipelineOptions(list(beam_argv))
    if not options.get_all_options()["runner"]:
        options = PipelineOptions(["--runner=DirectRunner", *beam_argv])
    return options


def prepare_output_dir(output: str, overwrite: bool) -> None:
    """Refuses to mix two runs in one folder: an existing manifest or part files need `--overwrite`."""
    patterns = [storage.join(output, folder, "*") for folder in ("", REJECTED_DIR, DEAD_LETTER_DIR, SCRATCH_DIR)]
    # Nested outputs (object stores have no folders to remove): partitioned documents, per-split/source token shards.
    patterns += [storage.join(output, g) for g in (*PARTITIONED_DOC_GLOBS, "*/*/shard-*.arrow")]
    stale = list(dict.fromkeys(m.path for p in patterns for m in FileSystems.match([p])[0].metadata_list))
    if stale and not overwrite:
        raise FileExistsError(f"{output} is not empty ({len(stale)} files); pass --overwrite to replace its contents")
    if stale:
        log.info("removing %d files of an earlier run in %s", len(stale), output)
        FileSystems.delete(stale)
    if not storage.has_scheme(output):
        from pathlib import Path

        Path(output).mkdir(parents=True, exist_ok=True)


def read_lines(pattern: str) -> list[str]:
    """Non-empty lines of every file matching `pattern` (small side outputs: listings, stats, errors)."""
    lines: list[str] = []
    for meta in FileSystems.match([pattern])[0].metadata_list:
        with storage.open_read(meta.path) as handle:
            lines.extend(line for line in handle.read().decode("utf-8").splitlines() if line)
    return lines


def delete_tree(path: str) -> None:
    """Removes a scratch folder and its files, local or remote."""
    matched = FileSystems.match([storage.join(path, "*")])[0].metadata_list
    if matched:
        FileSystems.delete([m.path for m in matched])
    if not storage.has_scheme(path):
        import shutil

        shutil.rmtree(path, ignore_errors=True)


@dataclass
class SourceRun:
    """Everything one `llamix run SOURCE` needs besides its graph."""

    source: str
    steps: Sequence[str]
    inputs: Sequence[str]
    output: str
    config: dict[str, Any]
    beam_argv: Sequence[str] = ()
    overwrite: bool = False
    num_shards: int = 0
    # Hive-style subfolders (`lang=en/bucket=head`) and the function that puts a document in one; none: one folder.
    partitions: Sequence[str] = ()
    partition_of: Callable[[dict], str] | None = None
    # Manifests of models the run used (e.g. the perplexity model's), for lineage.
    parents: Sequence[str] = ()
    # Model files the DoFns load in `setup` on the workers (local or `gs://…`): checked when the run is launched,
    # so that a wrong path fails in seconds rather than on every worker. Building the graph never opens them.
    models: Sequence[str] = ()
    # Source-specific manifest stats from the counters and the scratch folder (read before it is deleted).
    extra_stats: Callable[[dict[str, int], str], dict[str, Any]] | None = None


def _matched(pattern: str) -> list[str]:
    return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)


def _document_outputs(run: SourceRun) -> list[tuple[str, int]]:
    """(relative path, rows) of every Parquet file the run wrote; empty partition files are removed."""
    outputs = []
    paths = sorted(p for pattern in document_patterns(run.output, bool(run.partitions)) for p in _matched(pattern))
    for path in paths:
        with storage.open_read(path) as handle:
            rows = pq.ParquetFile(handle).metadata.num_rows
        if rows == 0 and run.partitions:
            FileSystems.delete([path])  # a partition no document went to: Beam still writes one empty file
            continue
        outputs.append((storage.relpath(path, run.output), rows))
    return outputs


def _error_outputs(output: str) -> tuple[list[tuple[str, int]], list[dict]]:
    """The rejected/input_errors files as outputs, and the error records they hold."""
    outputs, records = [], []
    for path in _matched(storage.join(output, REJECTED_DIR, "*.jsonl")):
        in_file = [json.loads(line) for line in read_lines(path)]
        records += in_file
        outputs.append((storage.relpath(path, output), len(in_file)))
    return outputs, records


def _count_lines(path: str) -> int:
    """Non-empty lines of a JSON-lines file, read line by line."""
    with storage.open_read(path) as handle:
        return sum(1 for line in handle if line.strip())


def _stream_records(paths: Sequence[str]) -> Iterator[dict]:
    """The records of JSON-lines files, one at a time (dead-letter output can be large)."""
    for path in paths:
        with storage.open_read(path) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except ValueError as err:
                    raise ValueError(f"{path}, line {number}: expected one JSON record ({err})") from err


def scratch_dir(output: str) -> str:
    """Where a run keeps side outputs (stats, listings) until the manifest is written; removed afterwards."""
    return storage.join(output, SCRATCH_DIR)


# Runners whose workers are this process (or its children): a local path means the same file to them as to us.
LOCAL_RUNNERS = (None, "DirectRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner")


def check_models(paths: Sequence[str], options: PipelineOptions | None = None) -> None:
    """Fails, naming them, when model files the run's DoFns will load do not exist (local or any FileSystems URL).

    On a remote runner (Dataflow) a local path names a file on the *workers*, e.g. a model baked into the worker
    container (README, "Run on Dataflow"); the launcher cannot see it, so only URLs are checked there."""
    runner = options.view_as(StandardOptions).runner if options is not None else None
    if runner is not None and not isinstance(runner, str):  # a runner object instead of its name
        runner = type(runner).__name__
    remote = runner not in LOCAL_RUNNERS
    if remote:
        unchecked = [path for path in paths if not storage.has_scheme(path)]
        if unchecked:
            log.info("not checking %s from the launcher: on %s they must exist on the workers", ", ".join(unchecked),
                     runner)
        paths = [path for path in paths if storage.has_scheme(path)]
    missing = [path for path in paths if not storage.exists(path)]
    if missing:
        hint = " (models/lid.176.ftz comes from `make models`)" if any(p.endswith("lid.176.ftz") for p in missing) else ""
        raise FileNotFoundError(f"model file not found: {', '.join(missing)}{hint}")


def build_source_pipeline(run: SourceRun, extract: beam.PTransform, files: Sequence[InputFile],
                          options: PipelineOptions, indexes: Sequence[int] | None = None) -> beam.Pipeline:
    """The Beam graph `(file index, path) | extract -> (docs, errors)` -> Parquet + rejected input errors + stats,
    constructed but not run. Touches no file: inputs are already matched, models load in `DoFn.setup` on the
    workers (which is what lets tests build the Dataflow job offline). `indexes`: each file's index when `files`
    is a sample of the inputs (`llamix estimate`); by default its position in `files`."""
    scratch = scratch_dir(run.output)
    pipeline = beam.Pipeline(options=options)
    indexes = range(len(files)) if indexes is None else indexes
    paths = (
        pipeline
        | "InputFiles" >> beam.Create([(index, f.path, f.size) for index, f in zip(indexes, files, strict=True)])
        # One file per element; the reshuffle spreads files over workers instead of one bundle reading all.
        | "SpreadFiles" >> beam.Reshuffle()
        | "CountInputFiles" >> beam.ParDo(CountInputFiles())
    )
    # The runtime owns the dead-letter guard: every `guarded` step the extract applies reports to it.
    with DeadLetters(run.source) as guard:
        docs, errors = paths | "Extract" >> extract
    docs | "WriteDocuments" >> WriteDocuments(run.output, run.num_shards, run.partitions, run.partition_of)
    docs | "DocumentStats" >> DocumentStats(storage.join(scratch, "lengths"))
    (
        guard.collections()
        | "FlattenDeadLetters" >> beam.Flatten(pipeline=pipeline)
        | "DeadLettersToJson" >> beam.Map(lambda e: json.dumps(e, ensure_ascii=False, sort_keys=True))
        | "WriteDeadLetters" >> beam.io.WriteToText(
            storage.join(run.output, DEAD_LETTER_DIR, "part"), file_name_suffix=".jsonl",
            shard_name_template="-SSSSS-of-NNNNN", skip_if_empty=True,
        )
    )
    (
        errors
        | "ErrorsToJson" >> beam.Map(lambda e: json.dumps(e, ensure_ascii=False, sort_keys=True))
        | "WriteInputErrors" >> beam.io.WriteToText(
            storage.join(run.output, REJECTED_DIR, "input_errors"), file_name_suffix=".jsonl",
            shard_name_template="-SSSSS-of-NNNNN",
        )
    )
    return pipeline


def run_source_pipeline(run: SourceRun, extract: beam.PTransform) -> dict:
    """Runs `build_source_pipeline` on Beam and writes the manifest. The file index is the file's position in the
    sorted list of inputs (stable across runs).

    Returns the manifest as written.
    """
    files = match_inputs(run.inputs)
    options = beam_options(run.beam_argv)
    check_models(run.models, options)
    # `llamix estimate` reads a sample of the files; each keeps its index in the full list (its dedup group).
    probe = _input_probe.get()
    indexes = None
    if probe is not None:
        indexes, files = zip(*probe.choose(files))
    prepare_output_dir(run.output, run.overwrite)
    scratch = scratch_dir(run.output)
    pipeline = build_source_pipeline(run, extract, files, options, indexes)
    measuring = probe.measure(pipeline) if probe else contextlib.nullcontext()
    with measuring, progress.RunDisplay(run.source, run.steps, len(files), sum(f.size for f in files)) as shown:
        result = pipeline.run()
        shown.follow(result)
    if probe is not None:
        probe.finished(result)

    counters = committed_counters(result)
    funnel = funnel_from_counters(run.source, run.steps, counters)
    lengths = {row["key"]: {k: v for k, v in row.items() if k != "key"}
               for row in map(json.loads, read_lines(storage.join(scratch, "lengths*")))}
    source_stats = run.extra_stats(counters, scratch) if run.extra_stats else {}
    delete_tree(scratch)

    outputs = _document_outputs(run)
    written = sum(rows for _, rows in outputs)
    if funnel and written != funnel[-1]["kept"]:
        raise RuntimeError(f"{run.output}: {written} documents written but the funnel's last step kept "
                           f"{funnel[-1]['kept']}; a step counts what it does not emit (or the reverse)")
    error_outputs, error_records = _error_outputs(run.output)
    dead_letter_files = _matched(storage.join(run.output, DEAD_LETTER_DIR, "*.jsonl"))
    if not dead_letter_files:  # the sink skips writing when no document failed: a clean run has no dead_letter folder
        delete_tree(storage.join(run.output, DEAD_LETTER_DIR))
    outputs += error_outputs + [(storage.relpath(path, run.output), _count_lines(path)) for path in dead_letter_files]

    by_language = stats_from_counters(counters)
    for row in by_language:
        row["length_chars"] = lengths.get(f"{row['source']}/{row['lang']}", {})
    stats = {
        "docs": sum(r.get("docs", 0) for r in by_language),
        "bytes": sum(r.get("bytes", 0) for r in by_language),
        "by_language": by_language,
    }
    extras = extras_from_counters(run.source, counters)
    if extras:
        stats["counters"] = extras
    stats.update(source_stats)
    write_manifest(
        run.output,
        kind="source",
        parents=[p for p in run.parents if storage.exists(p)],
        config={"source": run.source, **run.config, "beam_options": list(run.beam_argv)},
        inputs={"paths": list(run.inputs), "files": len(files), "bytes": sum(f.size for f in files)},
        outputs=outputs,
        funnel=funnel,
        stats=stats,
        input_errors=summarize_errors(error_records),
        dead_letter=summarize_dead_letters(funnel, _stream_records(dead_letter_files)),
    )
    return read_manifest(run.output)


def log_run_summary(manifest: dict, output: str) -> None:
    """The funnel, one line a step, and where the documents went: what `llamix run SOURCE` prints at the end."""
    width = max((len(step["step"]) for step in manifest["funnel"]), default=0)
    for step in manifest["funnel"]:
        log.info("%-*s in %d kept %d dropped %s", width, step["step"], step["in"], step["kept"],
                 step["dropped"] or "-")
    log.info("wrote %d documents to %s", manifest["stats"]["docs"], output)
