"""Progress of long local runs: files and bytes read, and the running funnel (pipelines/progress.py)."""
from __future__ import annotations

import io

from pipelines.cli import main
from pipelines.funnel import note_count
from pipelines.progress import FILES_READ, BYTES_READ, configured, format_line, snapshot_from_counters
from tests.test_commoncrawl_pipeline import DEMO_CRAWL, LID


def test_frame_aggregates_files_bytes_and_each_steps_in_and_kept():
    counters = {
        FILES_READ: 3, BYTES_READ: 12_000_000,
        "commoncrawl/read/kept": 1200, "commoncrawl/read/dropped/input_error": 4,
        "commoncrawl/line_dedup/kept": 800, "commoncrawl/line_dedup/dropped/too_short": 400,
        "stats/commoncrawl/en/docs": 99, "c4/read/kept": 7,  # another source's counters and stats are not steps
    }
    frame = snapshot_from_counters(counters, "commoncrawl", ["read", "line_dedup", "lang_id"], 10, 40_000_000)
    assert (frame.files_read, frame.files_total, frame.bytes_read, frame.bytes_total) == (3, 10, 12_000_000,
                                                                                          40_000_000)
    assert frame.steps == [("read", 1204, 1200), ("line_dedup", 1200, 800), ("lang_id", 0, 0)]
    assert format_line(frame) == "files 3/10 · 12.0 MB/40.0 MB · kept read 1,200 → line_dedup 800"


def test_local_tally_is_off_outside_a_display():
    note_count(FILES_READ, 1)  # no display: nothing to update, nothing raised


def test_forced_progress_prints_lines_with_files_bytes_and_the_funnel(tmp_path, capsys):
    with configured("on", interval=0.05):
        assert main(["run", "commoncrawl", "--input", DEMO_CRAWL, "--output", str(tmp_path / "cc"), "--lid-model", LID,
                     "--progress"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("llamix commoncrawl:")]
    assert lines and lines[-1].endswith("(done)")
    assert "files 2/2" in lines[-1] and "kept read 50 → line_dedup" in lines[-1]


def test_no_progress_in_captured_output_unless_forced(tmp_path, capsys):
    stream = io.StringIO()  # not a terminal: 'auto' shows nothing
    with configured("auto", stream=stream):
        assert main(["run", "commoncrawl", "--input", DEMO_CRAWL, "--output", str(tmp_path / "cc"), "--lid-model",
                     LID]) == 0
    assert stream.getvalue() == ""
    assert "llamix commoncrawl:" not in capsys.readouterr().err
