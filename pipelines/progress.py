"""Progress of a source run: files and bytes read, and the running funnel.

What is live, and where:

* **Dataflow (any remote runner)**: `CountInputFiles` increments the Beam counters `llamix/progress/files_read` and
  `llamix/progress/bytes_read`; with the funnel counters they show live in the Dataflow console, and `follow` polls
  the job's *attempted* metrics every `interval` seconds until it finishes.
* **DirectRunner**: `Pipeline.run()` executes the whole graph before it returns, and its metrics exist only once it
  has. So for a local run a process-local tally is fed directly: by `CountInputFiles` (a file and its size counted
  when the reader is handed it, so the bar runs at most one file ahead of the bytes actually parsed) and by the
  funnel counters (`pipelines/funnel.py` reports every increment to `note_count`). A thread renders the tally while
  the pipeline runs. The local runner executes stage by stage, so the funnel's later steps (after a grouping such as
  line dedup) fill in once the read stage is done. Only bundles run in this process are seen: with
  `--direct_running_mode multi_processing` the files and funnel appear at the end. The tally counts attempts (a
  retried bundle counts twice); the manifest's funnel always comes from committed metrics.

The display goes to stderr, only when stderr is a terminal, unless `llamix run --progress` forces it (then, on a
stream that is not a terminal, one plain line every `interval` seconds) or `--no-progress` turns it off.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Iterator, Mapping, Sequence

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipelines import funnel
from pipelines.funnel import NAMESPACE, counter_totals, funnel_from_counters

FILES_READ = "progress/files_read"
BYTES_READ = "progress/bytes_read"
DEFAULT_INTERVAL_S = 1.0


class CountInputFiles(beam.DoFn):
    """(file index, path, size) -> (file index, path), counting the file and its bytes as it goes to the reader."""

    def setup(self):
        self._files = Metrics.counter(NAMESPACE, FILES_READ)
        self._bytes = Metrics.counter(NAMESPACE, BYTES_READ)

    def process(self, indexed_file: tuple[int, str, int]):
        index, path, size = indexed_file
        funnel._count(self._files, 1)
        funnel._count(self._bytes, size)
        yield index, path


@dataclass
class Snapshot:
    """One frame of the display: what has been read out of what there is, and each step's counts so far."""

    files_read: int
    files_total: int
    bytes_read: int
    bytes_total: int
    # (step, in, kept) in pipeline order.
    steps: list[tuple[str, int, int]] = field(default_factory=list)


def snapshot_from_counters(counters: Mapping[str, int], source: str, steps: Sequence[str], files_total: int,
                           bytes_total: int) -> Snapshot:
    """Aggregates counter totals (named as in the `llamix` namespace) into a display frame."""
    rows = [(row["step"], row["in"], row["kept"]) for row in funnel_from_counters(source, steps, counters)]
    return Snapshot(min(counters.get(FILES_READ, 0), files_total) if files_total else counters.get(FILES_READ, 0),
                    files_total, counters.get(BYTES_READ, 0), bytes_total, rows)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def format_line(frame: Snapshot) -> str:
    """`files 3/10 · 12.0/40.0 MB · read 1,200 → line_dedup 800 → lang_id 310`: one plain-text frame."""
    kept_steps = " → ".join(f"{step} {kept:,}" for step, _, kept in frame.steps if _ or kept)
    line = (f"files {frame.files_read:,}/{frame.files_total:,} · "
            f"{_mb(frame.bytes_read)}/{_mb(frame.bytes_total)}")
    return f"{line} · kept {kept_steps}" if kept_steps else line


@dataclass
class _Settings:
    mode: str = "auto"  # auto | on | off
    stream: IO[str] | None = None
    interval: float = DEFAULT_INTERVAL_S


_settings = _Settings()


@contextlib.contextmanager
def configured(mode: str | None = None, stream: IO[str] | None = None,
               interval: float | None = None) -> Iterator[None]:
    """Within the block, runs show progress per `mode` ('auto': when the stream is a terminal; 'on'; 'off') on
    `stream` (default stderr) every `interval` seconds. What is not given stays as it was."""
    global _settings
    if mode not in (None, "auto", "on", "off"):
        raise ValueError(f"progress mode {mode!r}: expected auto, on or off")
    saved = _settings
    _settings = _Settings(mode or saved.mode, stream or saved.stream,
                          saved.interval if interval is None else interval)
    try:
        yield
    finally:
        _settings = saved


class RunDisplay:
    """Shows one run's progress while it lasts; `follow(result)` waits for the pipeline to finish."""

    def __init__(self, source: str, steps: Sequence[str], files_total: int, bytes_total: int):
        self.source, self.steps = source, list(steps)
        self.files_total, self.bytes_total = files_total, bytes_total
        stream = _settings.stream or sys.stderr
        self.stream = stream
        self.interval = _settings.interval
        is_tty = hasattr(stream, "isatty") and stream.isatty()
        self.enabled = _settings.mode == "on" or (_settings.mode == "auto" and is_tty)
        self.rich = self.enabled and is_tty
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._remote_counts: dict[str, int] | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def __enter__(self) -> "RunDisplay":
        if self.enabled:
            funnel._tally = funnel._Tally()
            self._thread = threading.Thread(target=self._render_loop, name="llamix-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        funnel._tally = None

    def follow(self, result) -> None:
        """Waits for the pipeline. A runner that returns before the job ends (Dataflow) is polled for its attempted
        metrics; the DirectRunner has already finished by the time it returns a result."""
        if not self.enabled:
            result.wait_until_finish()
            return
        from apache_beam.runners.runner import PipelineState

        while not PipelineState.is_terminal(result.state):
            result.wait_until_finish(duration=int(self.interval * 1000))
            self._remote_counts = counter_totals(result, attempted=True)
        tally = funnel._tally
        if tally is not None and not tally.snapshot():
            # Nothing reached the local tally (a remote or multi-process run): show the final counts.
            self._remote_counts = counter_totals(result, attempted=True)

    # -- rendering -------------------------------------------------------------------------------------------------
    def frame(self) -> Snapshot:
        tally = funnel._tally
        counts = self._remote_counts if self._remote_counts is not None else (tally.snapshot() if tally else {})
        return snapshot_from_counters(counts, self.source, self.steps, self.files_total, self.bytes_total)

    def _render_loop(self) -> None:
        if self.rich:
            self._render_rich()
            return
        while not self._stop.wait(self.interval):
            print(f"llamix {self.source}: {format_line(self.frame())}", file=self.stream, flush=True)
        print(f"llamix {self.source}: {format_line(self.frame())} (done)", file=self.stream, flush=True)

    def _render_rich(self) -> None:
        from rich.console import Console, Group
        from rich.live import Live
        from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn

        files = Progress(TextColumn("files"), BarColumn(), MofNCompleteColumn())
        data = Progress(TextColumn("bytes"), BarColumn(), DownloadColumn())
        files_task = files.add_task("files", total=self.files_total)
        bytes_task = data.add_task("bytes", total=self.bytes_total)

        def renderable():
            frame = self.frame()
            files.update(files_task, completed=frame.files_read)
            data.update(bytes_task, completed=frame.bytes_read)
            rows = "  ".join(f"{step} {kept:,}/{seen:,}" for step, seen, kept in frame.steps)
            return Group(files, data, f"kept/in  {rows}" if rows else "")

        console = Console(file=self.stream, stderr=self.stream is sys.stderr)
        with Live(renderable(), console=console, refresh_per_second=4, transient=False) as live:
            while not self._stop.wait(min(self.interval, 0.25)):
                live.update(renderable())
            live.update(renderable())

