"""The funnel: what every step kept and dropped, by reason, as Beam counters (DESIGN.md, "Counting what is dropped").

Counters are named `llamix` / `<source>/<step>/kept` and `llamix` / `<source>/<step>/dropped/<reason>`; after the run
`funnel_from_counters` turns their committed values into the manifest's funnel, one entry per step in pipeline order.
Committed values only, so that a retried bundle is never counted twice.
"""
from __future__ import annotations

import functools
import threading
from collections import defaultdict
from typing import Mapping, Sequence

from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter

NAMESPACE = "llamix"
INPUT_ERROR = "input_error"
# The drop reason of a document whose step raised (pipelines/deadletter.py writes it to the dead-letter output).
STEP_ERROR = "error"

# Counter updates held back while a guarded step processes one element (see `hold_counts`).
_held = threading.local()


class _Tally:
    """Counter totals of the bundles that run in this process, while a local display is on (pipelines/progress.py)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, name: str, n: int) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


# Set by `progress.RunDisplay` while a local display is on; None otherwise (so always on Dataflow workers).
_tally: _Tally | None = None


def note_count(name: str, n: int) -> None:
    """Adds `n` to counter `name` (without the `llamix/` namespace) in the local tally; a no-op unless a display is
    on in this process."""
    tally = _tally
    if tally is not None:
        tally.add(name, n)


def _count(counter, n: int) -> None:
    counter.inc(n)
    note_count(counter.metric_name.name, n)  # the live funnel of a local run (pipelines/progress.py)


def _inc(counter, n: int) -> None:
    pending = getattr(_held, "updates", None)
    if pending is None:
        _count(counter, n)
    else:
        pending.append((counter, n))


class HeldCounts:
    """The counter updates one element caused, applied only if the element's step finishes without raising, so
    that a document sent to the dead-letter output is counted once, as `error`, and not also as kept or dropped."""

    def __init__(self):
        self.updates: list[tuple[object, int]] = []

    def __enter__(self) -> "HeldCounts":
        if getattr(_held, "updates", None) is not None:
            raise RuntimeError("counter updates are already held: guarded steps do not nest")
        _held.updates = self.updates
        return self

    def __exit__(self, *exc) -> None:
        _held.updates = None

    def apply(self) -> None:
        for counter, n in self.updates:
            _count(counter, n)
        self.updates.clear()


def hold_counts() -> HeldCounts:
    return HeldCounts()


class _HoldableCounter:
    """A Beam counter whose increments respect `hold_counts` (what `extra_counter` returns)."""

    def __init__(self, name: str):
        self.name = name
        self._counter = Metrics.counter(NAMESPACE, name)

    def inc(self, n: int = 1) -> None:
        _inc(self._counter, n)

    def __getstate__(self):
        return {"name": self.name}

    def __setstate__(self, state):
        self.__init__(state["name"])


class StepCounter:
    """Counts one step's outcomes. Create it in a DoFn's `__init__`/`setup`; counters are cheap and picklable."""

    def __init__(self, source: str, step: str):
        self.source = source
        self.step = step
        self._kept = Metrics.counter(NAMESPACE, f"{source}/{step}/kept")
        self._dropped: dict[str, object] = {}

    def kept(self, n: int = 1) -> None:
        _inc(self._kept, n)

    def dropped(self, reason: str, n: int = 1) -> None:
        counter = self._dropped.get(reason)
        if counter is None:
            counter = self._dropped[reason] = Metrics.counter(NAMESPACE, f"{self.source}/{self.step}/dropped/{reason}")
        _inc(counter, n)

    def __getstate__(self):
        return {"source": self.source, "step": self.step}

    def __setstate__(self, state):
        self.__init__(state["source"], state["step"])


def stat_counter(source: str, lang: str, what: str):
    return Metrics.counter(NAMESPACE, f"stats/{source}/{lang}/{what}")


def counter_totals(result, attempted: bool = False) -> dict[str, int]:
    """Values of every `llamix` counter by name: committed ones of a finished pipeline, or with `attempted` those so
    far (live on runners that report them while running; none on a runner without metrics while running)."""
    try:
        query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    except NotImplementedError:
        if not attempted:
            raise
        return {}
    totals: dict[str, int] = defaultdict(int)
    for counter in query["counters"]:
        totals[counter.key.metric.name] += (counter.attempted if attempted else counter.committed) or 0
    return dict(totals)


committed_counters = functools.partial(counter_totals, attempted=False)


def funnel_from_counters(source: str, steps: Sequence[str], counters: Mapping[str, int]) -> list[dict]:
    """The manifest funnel for `steps` (in order); steps that saw no documents appear with zeros."""
    funnel = []
    for step in steps:
        prefix = f"{source}/{step}/"
        kept = counters.get(prefix + "kept", 0)
        dropped = {
            name[len(prefix + "dropped/"):]: value
            for name, value in sorted(counters.items())
            if name.startswith(prefix + "dropped/")
        }
        funnel.append({"step": step, "in": kept + sum(dropped.values()), "kept": kept, "dropped": dropped})
    return funnel


def stats_from_counters(counters: Mapping[str, int]) -> list[dict]:
    """Rows `{source, lang, docs, bytes, …}` from the `stats/<source>/<lang>/<what>` counters, sorted."""
    rows: dict[tuple[str, str], dict] = {}
    for name, value in counters.items():
        parts = name.split("/")
        if len(parts) != 4 or parts[0] != "stats":
            continue
        _, source, lang, what = parts
        rows.setdefault((source, lang), {"source": source, "lang": lang})[what] = value
    return [rows[key] for key in sorted(rows)]


def extra_counter(source: str, name: str):
    """A counter reported in the manifest's `stats.counters` (e.g. lines removed by line dedup), not in the funnel."""
    return _HoldableCounter(f"extra/{source}/{name}")


def extras_from_counters(source: str, counters: Mapping[str, int]) -> dict[str, int]:
    prefix = f"extra/{source}/"
    return {name[len(prefix):]: value for name, value in sorted(counters.items()) if name.startswith(prefix)}
