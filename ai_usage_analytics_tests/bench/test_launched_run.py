"""A bench run launched in a process of its own: what it reports, and a run that cannot start."""

from __future__ import annotations

import json

from ai_usage_analytics.bench.launched_run import launch, main
from ai_usage_analytics.bench.report import in_process_ratio, render


def test_a_run_that_cannot_start_reports_its_error_and_the_launch_time(tmp_path, monkeypatch):
    # no warehouse or vendors configured: the run fails; the launched process still writes its report
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    report = launch({"partition_key": "not-a-day"}, tmp_path / "run.json")
    assert report["success"] is False
    assert "not-a-day" in report["error"]
    assert report["wall_s"] > 0 and report["peak_rss_mb"] > 0
    assert json.loads((tmp_path / "run.options.json").read_text()) == {"partition_key": "not-a-day"}


def test_a_launch_whose_process_writes_nothing_names_the_exit(tmp_path, monkeypatch):
    import ai_usage_analytics.bench.launched_run as launched

    monkeypatch.setattr(launched.sys, "executable", "/bin/false")
    report = launch({}, tmp_path / "run.json")
    assert report == {"success": False, "wall_s": report["wall_s"], "error": "exit code 1"}


def test_the_launched_process_reports_a_crash_in_its_json(tmp_path, monkeypatch):
    import ai_usage_analytics.bench.launched_run as launched

    def crash(options):
        raise RuntimeError("the code location did not load")

    monkeypatch.setattr(launched, "execute", crash)
    (tmp_path / "options.json").write_text("{}")
    assert main(["launched_run", str(tmp_path / "options.json"), str(tmp_path / "out.json")]) == 1
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["success"] is False and "the code location did not load" in report["error"]


def test_the_report_gives_the_ratio_of_the_runs_alone_beside_the_launched_one():
    results = {
        "backfill_single_run": {"status": "ok", "wall_s": 250.0, "execute_wall_s": 240.0, "days": 365, "people": 2000},
        "backfill_per_partition": {"status": "ok", "wall_s": 3000.0, "execute_wall_s": 2160.0, "days": 365,
                                   "people": 2000, "extrapolated": True, "sample_days": 7, "sample": {}},
    }
    assert in_process_ratio(results) == 9.0
    text = render(results, quick=False)
    assert "per-partition / single run                          >= 10x        12.0x" in text
    assert "backfill_per_partition: runs launched 3,000.0 s, of which executing the runs 2,160.0 s" in text
    assert "counting the runs' execution only" in text and ": 9.0x" in text
    assert in_process_ratio({"backfill_single_run": results["backfill_single_run"]}) is None
