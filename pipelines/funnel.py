"""The funnel: what every step kept and dropped, by reason, as Beam counters (DESIGN.md, "Counting what is dropped").

Counters are named `llamix` / `<source>/<step>/kept` and `llamix` / `<source>/<step>/dropped/<reason>`; after the run
`funnel_from_counters` turns their committed values into the manifest's funnel, one entry per step in pipeline order.
Committed values only, so that a retried bundle is never counted twice.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Mapping, Sequence

from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter

NAMESPACE = "llamix"
INPUT_ERROR = "input_error"


class StepCounter:
    """Counts one step's outcomes. Create it in a DoFn's `__init__`/`setup`; counters are cheap and picklable."""

    def __init__(self, source: str, step: str):
        self.source = source
        self.step = step
        self._kept = Metrics.counter(NAMESPACE, f"{source}/{step}/kept")
        self._dropped: dict[str, object] = {}

    def kept(self, n: int = 1) -> None:
        self._kept.inc(n)

    def dropped(self, reason: str, n: int = 1) -> None:
        counter = self._dropped.get(reason)
        if counter is None:
            counter = self._dropped[reason] = Metrics.counter(NAMESPACE, f"{self.source}/{self.step}/dropped/{reason}")
        counter.inc(n)

    def __getstate__(self):
        return {"source": self.source, "step": self.step}

    def __setstate__(self, state):
        self.__init__(state["source"], state["step"])


def stat_counter(source: str, lang: str, what: str):
    return Metrics.counter(NAMESPACE, f"stats/{source}/{lang}/{what}")


def committed_counters(result) -> dict[str, int]:
    """Committed values of every `llamix` counter of a finished pipeline, by name."""
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    totals: dict[str, int] = defaultdict(int)
    for counter in query["counters"]:
        totals[counter.key.metric.name] += counter.committed or 0
    return dict(totals)


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
    return Metrics.counter(NAMESPACE, f"extra/{source}/{name}")


def extras_from_counters(source: str, counters: Mapping[str, int]) -> dict[str, int]:
    prefix = f"extra/{source}/"
    return {name[len(prefix):]: value for name, value in sorted(counters.items()) if name.startswith(prefix)}
