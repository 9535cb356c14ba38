"""`llamix estimate`: sample choice, the projection arithmetic, the price table, and the command on the demo crawl."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest

from pipelines.cli import main
from pipelines.estimate import (
    FullInput, MachineType, Measurement, Plan, choose_sample, load_prices, parse_size, project,
)
from pipelines.runtime import InputFile
from tests.test_commoncrawl_pipeline import DEMO_CRAWL, LID, english_lm  # noqa: F401  (a fixture)


def _files(n: int, size: int = 100) -> list[InputFile]:
    return [InputFile(f"gs://b/crawl/part-{i:03d}.wet.gz", size) for i in range(n)]


def test_sample_spreads_evenly_over_sorted_names_and_is_deterministic():
    files = _files(100)
    chosen = choose_sample(files, max_files=4, target_bytes=None)
    assert chosen == [12, 37, 62, 87]
    reversed_files = list(reversed(files))  # the same files listed in another order: the same sample
    assert {reversed_files[i].path for i in choose_sample(reversed_files, max_files=4, target_bytes=None)} == \
        {files[i].path for i in chosen}
    assert choose_sample(files, max_files=4, target_bytes=None) == chosen


def test_sample_reaches_target_bytes_with_the_fewest_files_and_at_least_one():
    files = _files(100, size=100)
    assert len(choose_sample(files, target_bytes=250)) == 3
    assert len(choose_sample(files, target_bytes=1)) == 1
    assert len(choose_sample(files, target_bytes=10**9)) == 100
    assert len(choose_sample(files, max_files=2, target_bytes=10**9)) == 2  # --sample-files caps --sample-bytes
    assert choose_sample(_files(1), max_files=5, target_bytes=None) == [0]


def test_projection_arithmetic_with_fixed_measurements():
    prices = load_prices()
    prices = dataclasses.replace(prices, vcpu_hour=0.05, memory_gb_hour=0.004, pd_gb_hour=0.0001, shuffle_gb=0.01)
    # 1 GB read in 100 CPU seconds; 2 GB shuffled; 1,000 of 4,000 documents kept; 0.5 GB of Parquet.
    sample = Measurement(files=10, bytes=10**9, docs_read=4000, docs_kept=1000, output_bytes=5 * 10**8,
                         cpu_seconds=100.0, wall_seconds=120.0, shuffle_bytes=2 * 10**9)
    full = FullInput(files=10_000, bytes=10**12, largest_file_bytes=10**8)
    plan = Plan(workers=25, machine=MachineType("n1-standard-4", 4, 16.0), disk_gb=25, utilization=0.5,
                overhead_s=600)
    p = project(sample, full, plan, prices)
    assert p["vcpu_hours"] == pytest.approx(100_000 / 3600)          # 100 s/GB × 1,000 GB
    assert p["parallel_slots"] == 100                                 # 25 workers × 4 vCPUs
    assert p["processing_hours"] == pytest.approx(100_000 / (100 * 0.5) / 3600)
    assert p["wall_hours"] == pytest.approx((600 + 2000) / 3600)
    assert p["worker_hours"] == pytest.approx(25 * 2600 / 3600)
    wh = 25 * 2600 / 3600
    cost = p["cost_usd"]
    assert cost["vcpu"] == pytest.approx(wh * 4 * 0.05)
    assert cost["memory"] == pytest.approx(wh * 16 * 0.004)
    assert cost["disk"] == pytest.approx(wh * 25 * 0.0001)
    assert cost["shuffle"] == pytest.approx(2000 * 0.01)             # 2 GB per GB read × 1,000 GB
    assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"))
    assert p["kept_ratio"] == 0.25 and p["docs_kept"] == 1_000_000 and p["output_gb"] == pytest.approx(500)
    assert p["throughput_mb_per_cpu_s"] == pytest.approx(10.0)


def test_few_files_limit_parallelism_and_the_largest_file_bounds_wall_time():
    prices = load_prices()
    sample = Measurement(1, 10**9, 10, 5, 10**8, cpu_seconds=1000.0, wall_seconds=1000.0, shuffle_bytes=None)
    plan = Plan(workers=100, machine=MachineType("n1-standard-4", 4, 15.0), disk_gb=25, utilization=1.0,
                overhead_s=0)
    # Two files: two processes can work, whatever the pool; one 3 GB file alone takes 3,000 s.
    p = project(sample, FullInput(files=2, bytes=4 * 10**9, largest_file_bytes=3 * 10**9), plan, prices)
    assert p["parallel_slots"] == 2
    assert p["processing_hours"] == pytest.approx(3000 / 3600)
    assert not p["shuffle_measured"] and p["shuffle_gb"] == pytest.approx(4.0)  # assumed: input bytes, once


def test_price_table_is_dated_and_has_the_machine_types(tmp_path):
    prices = load_prices()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", prices.as_of) and prices.source.startswith("https://")
    assert prices.machine("n1-standard-4").vcpus == 4 and prices.machine("n2-standard-8").memory_gb == 32
    with pytest.raises(ValueError, match="not in the price table"):
        prices.machine("z9-huge")
    (tmp_path / "bad.yaml").write_text("batch: {}\n")
    with pytest.raises(ValueError, match="not a price table"):
        load_prices(tmp_path / "bad.yaml")


def test_sizes_parse_with_units():
    assert parse_size("256MB") == 256 * 10**6 and parse_size("2G") == 2 * 10**9 and parse_size("4096") == 4096


def test_estimate_refuses_an_output_or_another_runner(capsys):
    assert main(["estimate", "commoncrawl", "--input", DEMO_CRAWL, "--output", "x"]) == 2
    assert "temporary folder" in capsys.readouterr().err
    assert main(["estimate", "commoncrawl", "--input", DEMO_CRAWL, "--runner", "DataflowRunner"]) == 2
    assert "DirectRunner" in capsys.readouterr().err


@pytest.mark.slow
def test_estimate_commoncrawl_on_the_demo_sample_prints_the_table(english_lm, capsys):
    # The options the demo runs CommonCrawl with: lid.176, the English perplexity model, near dedup.
    argv = ["estimate", "commoncrawl", "--input", DEMO_CRAWL, "--lid-model", LID, "--lm-dir", str(english_lm),
            "--near-dedup", "--workers", "4", "--machine-type", "n1-standard-2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for row in ("sample files", "sample bytes", "sample documents read", "sample documents kept", "throughput",
                "full input", "projected documents", "projected output", "wall time", "worker-hours", "shuffled",
                "cost: vCPU", "cost: memory", "cost: disk", "cost: shuffle", "cost: total"):
        assert row in out, row
    assert "2 of 2" in out and "4 × n1-standard-2" in out

    assert main([*argv, "--json", "--sample-files", "1", "--vcpu-hour-usd", "1.0"]) == 0
    report = json.loads(capsys.readouterr().out)
    sample, projection = report["sample"], report["projection"]
    assert sample["files"] == 1 and report["full_input"]["files"] == 2
    assert 0 < sample["docs_kept"] <= sample["docs_read"]
    assert sample["shuffle_bytes"] > 0 and projection["shuffle_measured"]
    assert report["prices"]["vcpu_hour"] == 1.0
    assert projection["kept_ratio"] == pytest.approx(sample["docs_kept"] / sample["docs_read"])
