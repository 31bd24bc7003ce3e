"""`python -m ai_usage_analytics.bench` end to end at a tiny size: the JSON has every scenario with the
required fields, and the counted requests equal the minimum for the pipeline's single runs.

Every scenario at a tiny size takes about a minute (seven fresh processes, each starting Dagster), so
the default run covers two scenarios (one pipeline run and the floor) and checks that the scenario
list is complete; BENCH_SHAPE_TEST=1 runs all seven.
"""

from __future__ import annotations

import json
import os
from datetime import date
import subprocess
import sys

import pytest

from ai_usage_analytics.bench.scenarios import REQUIRED_FIELDS, SCENARIO_NAMES, bench_today, build_scenarios
from ai_usage_analytics.settings import REPO_ROOT


def run_bench(tmp_path, *extra: str) -> dict:
    out = tmp_path / "results.json"
    env = {**os.environ, "BENCH_QUICK": "0"}
    completed = subprocess.run(
        [sys.executable, "-m", "ai_usage_analytics.bench", "--people", "20", "--days", "3", "--sample-days", "1",
         "--out", str(out), *extra],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "Targets" in completed.stdout
    return json.loads(out.read_text())


def check_entry(name: str, entry: dict) -> None:
    missing = [f for f in REQUIRED_FIELDS if f not in entry]
    assert not missing, (name, missing)
    assert entry["status"] == "ok", (name, entry.get("error"))
    assert entry["wall_s"] > 0 and entry["peak_rss_mb"] > 0
    # the simulators' CPU is read in clock ticks (10 ms) per vendor process: a tiny run's may be 0
    assert entry["cpu_s"] > 0 and entry["simulator_cpu_s"] >= 0 and entry["cores"] >= 1
    assert entry["requests"] >= entry["requests_minimum"] > 0
    assert sum(entry["rows"].values()) > 0


def test_every_scenario_is_built_in_both_sizes():
    for quick in (False, True):
        scenarios = build_scenarios(quick=quick)
        assert tuple(s.name for s in scenarios) == SCENARIO_NAMES
    full = {s.name: s for s in build_scenarios()}
    quick = {s.name: s for s in build_scenarios(quick=True)}
    assert (full["backfill_single_run"].people, full["backfill_single_run"].days) == (2000, 365)
    assert (quick["backfill_single_run"].people, quick["backfill_single_run"].days) == (200, 37)
    assert [full[f"scaling_{n}"].people for n in (200, 2000, 20000)] == [200, 2000, 20000]
    assert [quick[f"scaling_{n}"].people for n in (200, 2000, 20000)] == [20, 200, 2000]
    # one run a day is sampled over a whole week: a weekend day costs less than a weekday
    assert full["backfill_per_partition"].sample_days == quick["backfill_per_partition"].sample_days == 7
    assert build_scenarios(days=3, sample_days=7)[2].sample_days == 3


def test_the_daily_scenarios_run_a_weekday():
    # 2026-12-05 is a Saturday: a bench on Saturday runs Friday; on Sunday or Monday, Friday too
    assert bench_today(date(2026, 12, 5)) == date(2026, 12, 5)
    assert bench_today(date(2026, 12, 6)) == date(2026, 12, 5)
    assert bench_today(date(2026, 12, 7)) == date(2026, 12, 5)
    assert bench_today(date(2026, 12, 8)) == date(2026, 12, 8)  # Monday's run


def test_a_tiny_run_writes_the_required_fields(tmp_path):
    results = run_bench(tmp_path, "--only", "daily,floor")
    assert set(results) == {"daily", "floor"}
    for name, entry in results.items():
        check_entry(name, entry)
    assert results["daily"]["requests"] == results["daily"]["requests_minimum"]
    assert results["floor"]["requests"] == results["floor"]["requests_minimum"]
    assert set(results["daily"]["stages_s"]) >= {"raw", "reference", "facts", "views", "overhead"}
    assert results["daily"]["rows"]["fact_ai_costs"] > 0
    [one_run] = results["daily"]["run_wall_s"]
    [executing] = results["daily"]["run_execute_s"]
    assert 0 < executing < one_run <= results["daily"]["wall_s"]  # the run, inside its launched process
    assert results["daily"]["execute_wall_s"] == executing


@pytest.mark.skipif(os.environ.get("BENCH_SHAPE_TEST") != "1", reason="about a minute; set BENCH_SHAPE_TEST=1")
def test_every_scenario_at_a_tiny_size(tmp_path):
    results = run_bench(tmp_path)
    assert tuple(results) == SCENARIO_NAMES
    for name, entry in results.items():
        check_entry(name, entry)
    assert results["backfill_per_partition"]["extrapolated"] is True
    assert results["backfill_single_run"]["requests"] == results["backfill_single_run"]["requests_minimum"]


def test_the_cpu_line_bounds_the_wall_time_by_the_cores():
    from ai_usage_analytics.bench.report import cpu_bound_s, cpu_line

    entry = {"wall_s": 400.0, "cpu_s": 420.0, "simulator_cpu_s": 180.0, "cores": 2}
    assert cpu_bound_s(entry) == 300.0
    assert cpu_line("backfill_single_run", entry) == (
        "  backfill_single_run CPU: pipeline 420.0 s, simulator 180.0 s; 1.50 of 2 cores busy on average; "
        "that work needs at least 300 s here"
    )
    assert cpu_bound_s({"wall_s": 1.0, "cpu_s": 1.0}) is None and cpu_line("daily", {"wall_s": 1.0}) is None
