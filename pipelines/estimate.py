"""`llamix estimate SOURCE`: what a full run would cost on Dataflow, projected from a measured local run on a sample.

    full input ─ match (as `llamix run`) ─► evenly spread sample ─► `llamix run SOURCE` on the DirectRunner
               ─► CPU seconds, shuffled bytes, funnel per input byte ─► × full input bytes ─► workers, wall, USD

The sample run is the real pipeline: the source's own `main` with the same options, into a temporary folder, with
every file keeping its index in the full input (so hash groups, e.g. CCNet's line-dedup groups, are the full run's).

The projection (all inputs measured on the sample unless marked as an assumption):

    cpu_per_byte    = sample CPU seconds (user + sys, this process and its children) / sample input bytes
    vcpu_seconds    = cpu_per_byte × full input bytes       assumption: a Dataflow vCPU does the work of one local
                                                             CPU second per second; Beam's Python SDK runs one
                                                             worker process per vCPU, so throughput scales with vCPUs
    slots           = min(workers × vCPUs per worker, input files)    a file is read by one process
    processing_s    = max(vcpu_seconds / (slots × utilization), cpu_per_byte × largest file / utilization)
    wall_s          = JOB_OVERHEAD_S + processing_s          (start-up and tear-down, an assumption)
    worker_hours    = workers × wall_s / 3600                (a fixed pool, billed for the whole job)
    cost            = worker_hours × (vCPUs × vcpu_hour + memory_gb × memory_gb_hour + disk_gb × pd_gb_hour)
                      + shuffled GB × shuffle_gb
    shuffled bytes  = measured: Σ over the inputs of every GroupByKey of elements × mean sampled element size
                      (Beam's own `element_count` and `sampled_byte_size` metrics), per input byte, × full bytes

Measuring CPU time rather than wall time leaves out time the local run spends waiting; it still includes the fixed
costs of a run (runner start-up, loading models in `setup`), which a small sample over-weights: the report says so
when the sample ran for under MIN_RELIABLE_CPU_S.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import math
import re
import resource
import sys
import tempfile
import time
import dataclasses
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Sequence

import yaml

from manifests import read_manifest
from manifests.formatting import human_bytes
from pipelines.runtime import InputFile, probing

log = logging.getLogger(__name__)

DEFAULT_SAMPLE_BYTES = 256 * 10**6
DEFAULT_WORKERS = 10
# Assumption, not a measurement: a Dataflow batch job spends minutes before its first worker reads data (job graph
# validation, worker VMs booting, the SDK container pulled and started) and after its last (tear-down). 5 minutes
# is typical of small Python jobs; override with --overhead-minutes.
JOB_OVERHEAD_S = 300.0
# Assumption: the share of its vCPUs a worker keeps busy (I/O waits, shuffle, stragglers). 1.0 gives the lower bound.
DEFAULT_UTILIZATION = 0.8
# Below this much CPU time the fixed costs of the local run weigh visibly in the measurement.
MIN_RELIABLE_CPU_S = 30.0


# -- prices ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MachineType:
    name: str
    vcpus: int
    memory_gb: float


@dataclass(frozen=True)
class Prices:
    vcpu_hour: float
    memory_gb_hour: float
    pd_gb_hour: float
    shuffle_gb: float
    as_of: str
    source: str
    region: str
    default_disk_gb: float
    default_machine_type: str
    machine_types: dict[str, MachineType] = field(default_factory=dict)

    def machine(self, name: str) -> MachineType:
        if name not in self.machine_types:
            raise ValueError(f"--machine-type {name!r} is not in the price table; known: "
                             f"{', '.join(sorted(self.machine_types))} (or give --vcpus and --memory-gb)")
        return self.machine_types[name]


def default_prices_path() -> Path:
    return Path(str(resources.files("pipelines") / "dataflow_prices.yaml"))


def load_prices(path: str | Path | None = None) -> Prices:
    """The price table (`pipelines/dataflow_prices.yaml` unless `path` names another in the same layout)."""
    path = Path(path) if path else default_prices_path()
    table = yaml.safe_load(path.read_text())
    try:
        batch = table["batch"]
        return Prices(
            vcpu_hour=float(batch["vcpu_hour"]), memory_gb_hour=float(batch["memory_gb_hour"]),
            pd_gb_hour=float(batch["pd_gb_hour"]), shuffle_gb=float(batch["shuffle_gb"]),
            as_of=str(table["as_of"]), source=str(table.get("source", path)), region=str(table.get("region", "?")),
            default_disk_gb=float(table.get("default_disk_gb", 25)),
            default_machine_type=str(table.get("default_machine_type", "n1-standard-4")),
            machine_types={name: MachineType(name, int(spec["vcpus"]), float(spec["memory_gb"]))
                           for name, spec in (table.get("machine_types") or {}).items()},
        )
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{path}: not a price table like {default_prices_path()} ({err!r})") from err


# -- the sample ------------------------------------------------------------------------------------------------------

def choose_sample(files: Sequence[InputFile], max_files: int | None = None,
                  target_bytes: int | None = DEFAULT_SAMPLE_BYTES) -> list[int]:
    """Indexes of the sample: `k` files spread evenly over the inputs in sorted-name order (the middle one of each
    of `k` equal runs), where `k` is the smallest count whose files reach `target_bytes`, at most `max_files` and
    at least 1. With `max_files` alone, exactly that many. Deterministic: the same inputs give the same sample."""
    n = len(files)
    if n == 0:
        raise ValueError("no input files to sample")
    ordered = sorted(range(n), key=lambda i: files[i].path)

    def spread(k: int) -> list[int]:
        return sorted(ordered[int((j + 0.5) * n / k)] for j in range(k))

    cap = n if max_files is None else max(1, min(max_files, n))
    if target_bytes is None:
        return spread(cap)
    mean = max(1.0, sum(f.size for f in files) / n)
    k = max(1, min(cap, math.ceil(target_bytes / mean)))
    while k > 1 and sum(files[i].size for i in spread(k - 1)) >= target_bytes:
        k -= 1
    while k < cap and sum(files[i].size for i in spread(k)) < target_bytes:
        k += 1
    return spread(k)


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


GROUP_BY_KEY_URN = "beam:transform:group_by_key:v1"


def shuffled_bytes(proto, monitoring_infos) -> int:
    """Bytes that enter a GroupByKey: for each GBK input PCollection, its element count × its mean sampled element
    size, from the SDK's `element_count` and `sampled_byte_size` metrics."""
    from apache_beam.metrics import monitoring_infos as mi

    inputs = {pc for t in proto.components.transforms.values() if t.spec.urn == GROUP_BY_KEY_URN
              for pc in t.inputs.values()}
    counts: dict[str, int] = {}
    sampled: dict[str, list[float]] = {}
    for info in monitoring_infos:
        pcoll = info.labels.get("PCOLLECTION")
        if pcoll not in inputs:
            continue
        if info.urn == mi.ELEMENT_COUNT_URN:
            counts[pcoll] = counts.get(pcoll, 0) + mi.extract_counter_value(info)
        elif info.urn == mi.SAMPLED_BYTE_SIZE_URN:
            n, total, _, _ = mi.extract_distribution(info)
            acc = sampled.setdefault(pcoll, [0, 0])
            acc[0] += n
            acc[1] += total
    return int(sum(counts.get(pc, 0) * (total / n) for pc, (n, total) in sampled.items() if n))


class SampleProbe:
    """Plugs into `run_source_pipeline` (`pipelines.runtime.probing`): picks the sample, measures the run."""

    def __init__(self, max_files: int | None, target_bytes: int | None):
        self.max_files, self.target_bytes = max_files, target_bytes
        self.all_files: list[InputFile] = []
        self.sample: list[InputFile] = []
        self.cpu_seconds = self.wall_seconds = 0.0
        self.shuffle_bytes: int | None = None
        self._proto = None

    def choose(self, files: Sequence[InputFile]) -> list[tuple[int, InputFile]]:
        self.all_files = list(files)
        chosen = choose_sample(files, self.max_files, self.target_bytes)
        self.sample = [files[i] for i in chosen]
        return [(i, files[i]) for i in chosen]

    @contextlib.contextmanager
    def measure(self, pipeline) -> Iterator[None]:
        self._proto = pipeline.to_runner_api()
        cpu, wall = _cpu_seconds(), time.perf_counter()
        yield
        self.cpu_seconds, self.wall_seconds = _cpu_seconds() - cpu, time.perf_counter() - wall

    def finished(self, result) -> None:
        infos = getattr(result, "monitoring_infos", None)
        self.shuffle_bytes = shuffled_bytes(self._proto, infos()) if infos else None


# -- the projection --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measurement:
    """What the sample run measured."""

    files: int
    bytes: int
    docs_read: int
    docs_kept: int
    output_bytes: int
    cpu_seconds: float
    wall_seconds: float
    shuffle_bytes: int | None  # None: the runner did not report element sizes


@dataclass(frozen=True)
class FullInput:
    files: int
    bytes: int
    largest_file_bytes: int


@dataclass(frozen=True)
class Plan:
    workers: int
    machine: MachineType
    disk_gb: float
    utilization: float = DEFAULT_UTILIZATION
    overhead_s: float = JOB_OVERHEAD_S


def project(m: Measurement, full: FullInput, plan: Plan, prices: Prices) -> dict[str, Any]:
    """The projection for the full input (see the module docstring for the formula)."""
    if m.bytes <= 0:
        raise ValueError("the sample has no bytes to measure")
    scale = full.bytes / m.bytes
    cpu_per_byte = m.cpu_seconds / m.bytes
    vcpu_seconds = cpu_per_byte * full.bytes
    slots = max(1, min(plan.workers * plan.machine.vcpus, full.files))
    processing_s = max(vcpu_seconds / (slots * plan.utilization),
                       cpu_per_byte * full.largest_file_bytes / plan.utilization)
    wall_s = plan.overhead_s + processing_s
    worker_hours = plan.workers * wall_s / 3600
    shuffle_measured = m.shuffle_bytes is not None
    # Unmeasured: assume every input byte is shuffled once (documents pass at least one dedup grouping).
    shuffle_bytes = (m.shuffle_bytes if shuffle_measured else m.bytes) * scale
    cost = {
        "vcpu": worker_hours * plan.machine.vcpus * prices.vcpu_hour,
        "memory": worker_hours * plan.machine.memory_gb * prices.memory_gb_hour,
        "disk": worker_hours * plan.disk_gb * prices.pd_gb_hour,
        "shuffle": shuffle_bytes / 1e9 * prices.shuffle_gb,
    }
    cost["total"] = sum(cost.values())
    return {
        "throughput_mb_per_cpu_s": m.bytes / 1e6 / m.cpu_seconds if m.cpu_seconds else None,
        "cpu_seconds_per_gb": cpu_per_byte * 1e9,
        "vcpu_hours": vcpu_seconds / 3600,
        "parallel_slots": slots,
        "processing_hours": processing_s / 3600,
        "wall_hours": wall_s / 3600,
        "worker_hours": worker_hours,
        "shuffle_gb": shuffle_bytes / 1e9,
        "shuffle_measured": shuffle_measured,
        "docs_read": round(m.docs_read * scale),
        "docs_kept": round(m.docs_kept * scale),
        "kept_ratio": m.docs_kept / m.docs_read if m.docs_read else None,
        "output_gb": m.output_bytes * scale / 1e9,
        "cost_usd": cost,
    }


# -- the command -----------------------------------------------------------------------------------------------------

_SIZE = re.compile(r"^\s*([0-9.]+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(value: str) -> int:
    """`256MB`, `1.5G`, `4096` (bytes; decimal units, the binary `MiB` spelling is read the same)."""
    match = _SIZE.match(value)
    if not match:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size (e.g. 256MB, 2G)")
    number, unit = match.groups()
    return int(float(number) * 1000 ** " kmgt".index(unit.lower() or " "))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llamix estimate SOURCE",
        description="Runs SOURCE's pipeline locally on a sample of --input and projects worker-hours, wall time and "
        "cost of the full input on Dataflow. Every option not listed here goes to `llamix run SOURCE` (--input, "
        "--lid-model, --lm-dir, …).",
    )
    sample = parser.add_mutually_exclusive_group()
    sample.add_argument("--sample-files", type=int, help="read exactly this many input files, spread evenly")
    sample.add_argument("--sample-bytes", type=parse_size, default=None,
                        help=f"read files, spread evenly, until they hold this much (default "
                        f"{DEFAULT_SAMPLE_BYTES // 10**6}MB)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"Dataflow workers (--num_workers; default {DEFAULT_WORKERS})")
    parser.add_argument("--machine-type", help="worker machine type (--worker_machine_type; default from the table)")
    parser.add_argument("--vcpus", type=int, help="vCPUs per worker, for a machine type not in the table")
    parser.add_argument("--memory-gb", type=float, help="memory per worker (GB), with --vcpus")
    parser.add_argument("--disk-size-gb", type=float, help="worker disk (default from the table: Dataflow's 25 GB)")
    parser.add_argument("--utilization", type=float, default=DEFAULT_UTILIZATION,
                        help=f"share of worker vCPUs kept busy (default {DEFAULT_UTILIZATION}, an assumption)")
    parser.add_argument("--overhead-minutes", type=float, default=JOB_OVERHEAD_S / 60,
                        help=f"job start-up and tear-down (default {JOB_OVERHEAD_S / 60:g}, an assumption)")
    parser.add_argument("--prices", help=f"price table (default {default_prices_path().name} in the package)")
    parser.add_argument("--vcpu-hour-usd", type=float, help="override the table's batch vCPU-hour price")
    parser.add_argument("--gb-hour-usd", type=float, help="override the table's memory GB-hour price")
    parser.add_argument("--pd-gb-hour-usd", type=float, help="override the table's Persistent Disk GB-hour price")
    parser.add_argument("--shuffle-gb-usd", type=float, help="override the table's Dataflow Shuffle price per GB")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON instead of a table")
    return parser


def _refuse_options(source_argv: Sequence[str]) -> None:
    for arg in source_argv:
        name = arg.split("=", 1)[0]
        if name in ("--output", "--overwrite"):
            raise ValueError(f"llamix estimate writes the sample's output to a temporary folder; drop {name}")
        if name == "--runner" or name.startswith("--runner="):
            raise ValueError("llamix estimate measures on the local DirectRunner; drop --runner (the projection is "
                             "for Dataflow)")


def measure_sample(source: str, source_argv: Sequence[str], max_files: int | None,
                   target_bytes: int | None) -> tuple[Measurement, FullInput]:
    """Runs `llamix run SOURCE` over a sample of its inputs in a temporary folder and returns what it measured."""
    _refuse_options(source_argv)
    module = importlib.import_module(f"pipelines.sources.{source}")
    probe = SampleProbe(max_files, target_bytes)
    with tempfile.TemporaryDirectory(prefix="llamix-estimate-") as tmp:
        output = str(Path(tmp) / source)
        with probing(probe):
            module.main([*source_argv, "--output", output])
        manifest = read_manifest(output)
    funnel = manifest["funnel"]
    measurement = Measurement(
        files=len(probe.sample), bytes=sum(f.size for f in probe.sample),
        docs_read=funnel[0]["in"] if funnel else 0, docs_kept=funnel[-1]["kept"] if funnel else 0,
        output_bytes=sum(o.get("bytes", 0) for o in manifest["outputs"] if o["path"].endswith(".parquet")),
        cpu_seconds=probe.cpu_seconds, wall_seconds=probe.wall_seconds, shuffle_bytes=probe.shuffle_bytes,
    )
    full = FullInput(len(probe.all_files), sum(f.size for f in probe.all_files),
                     max(f.size for f in probe.all_files))
    return measurement, full


def plan_and_prices(args: argparse.Namespace) -> tuple[Plan, Prices]:
    prices = load_prices(args.prices)
    overrides = {"vcpu_hour": args.vcpu_hour_usd, "memory_gb_hour": args.gb_hour_usd,
                 "pd_gb_hour": args.pd_gb_hour_usd, "shuffle_gb": args.shuffle_gb_usd}
    prices = dataclasses.replace(prices, **{k: v for k, v in overrides.items() if v is not None})
    if args.vcpus:
        machine = MachineType(args.machine_type or f"custom-{args.vcpus}", args.vcpus,
                              args.memory_gb if args.memory_gb else 3.75 * args.vcpus)
    else:
        machine = prices.machine(args.machine_type or prices.default_machine_type)
    if args.workers < 1 or not 0 < args.utilization <= 1:
        raise ValueError("--workers must be ≥ 1 and --utilization in (0, 1]")
    plan = Plan(args.workers, machine, args.disk_size_gb or prices.default_disk_gb, args.utilization,
                args.overhead_minutes * 60)
    return plan, prices


def estimate_report(m: Measurement, full: FullInput, plan: Plan, prices: Prices) -> dict[str, Any]:
    """Everything `--json` prints: the sample, the full input, the plan, the prices and the projection."""
    notes = []
    if m.cpu_seconds < MIN_RELIABLE_CPU_S:
        notes.append(f"the sample took {m.cpu_seconds:.1f} CPU seconds: fixed costs of the local run (runner start, "
                     f"model loading) weigh in it, so the projection overstates; sample more (--sample-bytes)")
    if m.shuffle_bytes is None:
        notes.append("shuffled bytes were not measured (the runner reports no element sizes): assumed equal to the "
                     "input bytes")
    return {
        "sample": asdict(m),
        "full_input": asdict(full),
        "plan": {"workers": plan.workers, "machine_type": plan.machine.name, "vcpus": plan.machine.vcpus,
                 "memory_gb": plan.machine.memory_gb, "disk_gb": plan.disk_gb, "utilization": plan.utilization,
                 "overhead_minutes": plan.overhead_s / 60},
        "prices": {"vcpu_hour": prices.vcpu_hour, "memory_gb_hour": prices.memory_gb_hour,
                   "pd_gb_hour": prices.pd_gb_hour, "shuffle_gb": prices.shuffle_gb, "as_of": prices.as_of,
                   "region": prices.region, "source": prices.source},
        "projection": project(m, full, plan, prices),
        "notes": notes,
    }


def _hours(h: float) -> str:
    return f"{h * 60:,.1f} min" if h < 1 else f"{h:,.1f} h"


def _usd(x: float) -> str:
    return f"${x:,.2f}" if x >= 0.01 or x == 0 else f"${x:.4f}"


def _rate(x: float) -> str:
    return f"${x:.6f}".rstrip("0")


def print_report(source: str, report: dict[str, Any], console) -> None:
    from rich.table import Table

    s, full, plan, p = report["sample"], report["full_input"], report["plan"], report["projection"]
    prices, cost = report["prices"], p["cost_usd"]
    table = Table(title=f"llamix estimate {source}: Dataflow batch, {plan['workers']} × {plan['machine_type']}",
                  show_header=True, header_style="bold")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_column("how", style="dim")
    rows = [
        ("sample files", f"{s['files']:,} of {full['files']:,}", "spread evenly over the sorted input"),
        ("sample bytes", human_bytes(s["bytes"], decimal=True), "input bytes as stored"),
        ("sample documents read", f"{s['docs_read']:,}", "funnel: first step in"),
        ("sample documents kept", f"{s['docs_kept']:,}", "funnel: last step kept"),
        ("sample CPU / wall", f"{s['cpu_seconds']:.1f} s / {s['wall_seconds']:.1f} s", "DirectRunner, this machine"),
        ("throughput", f"{p['throughput_mb_per_cpu_s'] or 0:,.3f} MB/s per core", "sample bytes / CPU seconds"),
        ("full input", f"{full['files']:,} files, {human_bytes(full['bytes'], decimal=True)}", ""),
        ("projected documents", f"{p['docs_read']:,} read, {p['docs_kept']:,} kept",
         f"kept/read {p['kept_ratio']:.1%}" if p["kept_ratio"] is not None else ""),
        ("projected output", human_bytes(p["output_gb"] * 1e9, decimal=True), "Parquet bytes per input byte × full"),
        ("vCPU-hours of work", f"{p['vcpu_hours']:,.2f}", "CPU s per byte × full bytes"),
        ("wall time", _hours(p["wall_hours"]),
         f"{plan['overhead_minutes']:g} min overhead + work / ({p['parallel_slots']} slots × {plan['utilization']:g})"),
        ("worker-hours", f"{p['worker_hours']:,.2f}", "workers × wall time"),
        ("shuffled", human_bytes(p["shuffle_gb"] * 1e9, decimal=True),
         "measured GroupByKey input" if p["shuffle_measured"] else "assumed"),
        ("cost: vCPU", _usd(cost["vcpu"]), f"{plan['vcpus']} vCPU × {_rate(prices['vcpu_hour'])}/h"),
        ("cost: memory", _usd(cost["memory"]), f"{plan['memory_gb']:g} GB × {_rate(prices['memory_gb_hour'])}/h"),
        ("cost: disk", _usd(cost["disk"]), f"{plan['disk_gb']:g} GB PD × {_rate(prices['pd_gb_hour'])}/h"),
        ("cost: shuffle", _usd(cost["shuffle"]), f"{_rate(prices['shuffle_gb'])}/GB"),
        ("cost: total", _usd(cost["total"]), f"prices {prices['region']} as of {prices['as_of']}"),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for note in report["notes"]:
        console.print(f"note: {note}", soft_wrap=True)


def main(argv: list[str]) -> int:
    from pipelines.cli import RUNNABLE_SOURCES

    if not argv or argv[0] in ("-h", "--help"):
        build_parser().print_help()
        print(f"\nsources: {', '.join(RUNNABLE_SOURCES)}")
        return 0 if argv else 2
    source, rest = argv[0], argv[1:]
    if source not in RUNNABLE_SOURCES:
        print(f"llamix estimate: unknown source {source!r}; available: {', '.join(RUNNABLE_SOURCES)}",
              file=sys.stderr)
        return 2
    args, source_argv = build_parser().parse_known_args(rest)
    plan, prices = plan_and_prices(args)
    target = args.sample_bytes if args.sample_bytes else (None if args.sample_files else DEFAULT_SAMPLE_BYTES)
    measurement, full = measure_sample(source, source_argv, args.sample_files, target)
    report = estimate_report(measurement, full, plan, prices)
    if args.json:
        print(json.dumps({"source": source, **report}, indent=2))
    else:
        from rich.console import Console

        print_report(source, report, Console(width=max(Console().width, 120)))
    return 0
