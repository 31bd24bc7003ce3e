"""`make bench` / ``python -m ai_usage_analytics.bench [--people N] [--days D] [--seed S] [--quick] [--rate-limits] [--sqlite-instance]``.

Per scenario: fresh simulators, one process per vendor host (``vendors.py``: the real APIs answer
side by side, and their memory is not the pipeline's), the demo's reference files in a fresh
temporary directory, and a fresh subprocess (``scenario.py``) with its own DuckDB file and
``DAGSTER_HOME`` (the project's ``dagster.yaml``), which launches each run in a process of its own. Vendor requests are
counted by the simulators (retries included); the minimum comes from ``minimum.py`` and the
simulators' organisation. Writes ``bench/results.json`` and prints the report.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ai_usage_analytics.bench.measure import tree_rss_mb, vm_hwm_kib
from ai_usage_analytics.bench.minimum import range_counts, requests_minimum
from ai_usage_analytics.bench.rate_limits import rate_limited
from ai_usage_analytics.bench.report import render, targets
from ai_usage_analytics.bench.scenarios import SAMPLE_DAYS, SCENARIO_NAMES, Scenario, bench_today, build_scenarios
from ai_usage_analytics.settings import REPO_ROOT

DEFAULT_OUT = REPO_ROOT / "bench" / "results.json"
_MINIMUM_CACHE: dict[tuple, tuple[dict[str, int], dict]] = {}


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0", "false", "no")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ai_usage_analytics.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="base organisation size (daily, backfill, floor)")
    parser.add_argument("--days", type=int, default=365, help="backfill length in days")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", default=_env_flag("BENCH_QUICK"),
                        help="a tenth of the people and days (also BENCH_QUICK=1)")
    parser.add_argument("--only", default="", help=f"comma-separated scenarios out of {', '.join(SCENARIO_NAMES)}")
    parser.add_argument("--sample-days", type=int, default=int(os.environ.get("BENCH_SAMPLE_DAYS", SAMPLE_DAYS)),
                        help="days actually run for backfill_per_partition, the last ones of the range (the rest "
                        f"is extrapolated; default {SAMPLE_DAYS}, a whole week)")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_TIMEOUT", "1800")),
                        help="seconds before a scenario is stopped and reported as not finished")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", action="store_true", help="keep the scenarios' temporary directories")
    parser.add_argument("--rate-limits", action="store_true", default=_env_flag("BENCH_RATE_LIMITS"),
                        help="keep the clients' documented rate limits on (also BENCH_RATE_LIMITS=1): how long "
                             "the pipeline takes against the real APIs; a year needs --timeout 3600 or more")
    parser.add_argument("--sqlite-instance", action="store_true", default=_env_flag("BENCH_SQLITE_INSTANCE"),
                        help="run on a Dagster instance with SQLite storage (make demo's) instead of an ephemeral one "
                             "(also BENCH_SQLITE_INSTANCE=1): Dagster's event writes included")
    return parser.parse_args(argv)


def scenario_range(days: int, today: date) -> tuple[date, date]:
    """The last ``days`` complete UTC days."""
    last = today - timedelta(days=1)
    return last - timedelta(days=days - 1), last


def minimum_for(org, scenario: Scenario, first: date, last: date) -> tuple[dict[str, int], dict]:
    key = (scenario.people, scenario.seed, first, last)
    if key not in _MINIMUM_CACHE:
        counts = range_counts(org, first, last)
        summary = {"cursor_events": counts.cursor_events, "cursor_members_per_window": counts.seated_per_window,
                   "claude_code_records": sum(counts.claude_code_records_per_day), "api_keys": counts.api_keys,
                   "workspaces": counts.workspaces, "users": counts.users, **counts.extra}
        _MINIMUM_CACHE[key] = (requests_minimum(counts), summary)
    return _MINIMUM_CACHE[key]


def _child_peak_mb(pid: int) -> float | None:
    """The scenario process's high-water mark, or its resident memory with its workers' when higher."""
    try:
        kib = vm_hwm_kib(Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return None
    own = None if kib is None else round(kib / 1024, 1)
    return max(filter(None, (own, tree_rss_mb(pid))), default=None)


def run_child(command: list[str], env: dict, timeout: float) -> tuple[bool, float | None, str]:
    """Run the scenario process, watching its VmHWM from here (so a run stopped at the timeout still
    has a peak). Returns (finished in time, observed peak MiB, stderr tail)."""
    with tempfile.TemporaryFile(mode="w+") as err:
        # a session of its own, so that a stop takes the runs it launched and their workers down with it
        child = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=err, text=True,
                                 start_new_session=True)
        deadline = time.monotonic() + timeout
        peak = None
        while True:
            seen = _child_peak_mb(child.pid)
            peak = seen if peak is None or (seen is not None and seen > peak) else peak
            try:
                child.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
                    return False, peak, ""
        err.seek(0)
        return True, peak, err.read()[-4000:]


def run_scenario(scenario: Scenario, today: date, timeout: float, keep: bool, rate_limits: bool = False,
                 sqlite_instance: bool = False) -> dict:
    from ai_usage_analytics.bench.vendors import VendorSimulators
    from ai_usage_analytics.demo.org import Organisation
    from ai_usage_analytics.demo.reference_files import write_reference_files
    from ai_usage_analytics.demo.run import demo_environment
    from ai_usage_analytics.settings import SETTINGS

    first, last = scenario_range(scenario.days, today)
    if first < SETTINGS.partition_start:
        raise SystemExit(f"{scenario.name}: {scenario.days} days before {today} start before the first partition "
                         f"({SETTINGS.partition_start}); use fewer --days.")
    entry = {**scenario.to_json(), "first": first.isoformat(), "last": last.isoformat(), "rate_limits": rate_limits,
             "sqlite_instance": sqlite_instance}
    workdir = Path(tempfile.mkdtemp(prefix=f"bench_{scenario.name}_"))
    started = time.perf_counter()
    try:
        with VendorSimulators(scenario.people, scenario.seed, today) as vendors:
            org = Organisation(seed=scenario.seed, people=scenario.people, today=today)  # the simulators' own
            reference_dir = workdir / "reference"
            reference_dir.mkdir()
            write_reference_files(org, reference_dir, SETTINGS.partition_start, last)
            duckdb_path = workdir / "warehouse.duckdb"
            env = {
                **os.environ,
                **demo_environment(vendors.urls["cursor"], org),
                **vendors.environment(),
                "AI_USAGE_DUCKDB_PATH": str(duckdb_path),
                "AI_USAGE_REFERENCE_DIR": str(reference_dir),
                "AI_USAGE_DASHBOARD_DIR": str(workdir / "dashboards"),
                "AI_USAGE_WAREHOUSE": "duckdb",
                "DAGSTER_HOME": str(workdir / "dagster_home"),
            }
            env.pop("GOOGLE_SHEET_ID", None)
            (workdir / "dagster_home").mkdir()
            shutil.copy(REPO_ROOT / "dagster.yaml", workdir / "dagster_home" / "dagster.yaml")  # make demo's instance
            spec = {**entry, "urls": vendors.urls, "workdir": str(workdir), "duckdb_path": str(duckdb_path)}
            spec_path, result_path = workdir / "spec.json", workdir / "result.json"
            spec_path.write_text(json.dumps(spec))
            vendors.reset()
            command = [sys.executable, "-m", "ai_usage_analytics.bench.scenario", str(spec_path), str(result_path)]
            simulator_cpu_started = vendors.cpu_seconds()
            finished, observed_peak, stderr = run_child(command, env, timeout)
            simulator_cpu_s = round(vendors.cpu_seconds() - simulator_cpu_started, 3)
            if not finished:
                counters = vendors.counters()
                return {**entry, "status": "timeout", "wall_s": None, "timeout_s": timeout,
                        "error": f"did not finish within {timeout:.0f} s (stopped)",
                        "peak_rss_mb_observed": observed_peak,
                        "requests_before_stop": sum(counters["requests"].values()),
                        "requests_by_endpoint_before_stop": dict(sorted(counters["requests"].items()))}
            counters = vendors.counters()
            if not result_path.exists():
                return {**entry, "status": "failed", "error": stderr[-4000:], "peak_rss_mb_observed": observed_peak}
            measured = json.loads(result_path.read_text())
            measured["peak_rss_mb_observed"] = observed_peak
            requests_by_endpoint = dict(sorted(counters["requests"].items()))
            minimum, counts = minimum_for(org, scenario, first, last)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    entry.update(measured)
    entry["status"] = "ok" if measured.get("success") else "failed"
    entry["requests_by_endpoint"] = requests_by_endpoint
    entry["requests"] = sum(requests_by_endpoint.values())
    entry["requests_minimum_by_endpoint"] = minimum
    entry["requests_minimum"] = sum(minimum.values())
    entry["source_counts"] = counts
    entry["statuses"] = counters["statuses"]
    entry["simulator_cpu_s"] = simulator_cpu_s
    entry["cores"] = os.cpu_count()
    entry["scenario_seconds_with_setup"] = round(time.perf_counter() - started, 1)
    entry["load_average_1m_after"] = round(os.getloadavg()[0], 2)  # other work on the machine skews wall times
    if scenario.mode == "per_partition":
        factor = scenario.days / scenario.sample_days
        entry["extrapolated"] = True
        entry["sample"] = {"days": scenario.sample_days, "wall_s": entry["wall_s"], "requests": entry["requests"],
                           "execute_wall_s": entry.get("execute_wall_s"), "stages_s": entry.get("stages_s"),
                           "rows": entry.get("rows")}
        entry["requests"] = round(entry["requests"] * factor)
        for field in ("wall_s", "execute_wall_s", "cpu_s", "simulator_cpu_s"):
            entry[field] = round(entry[field] * factor, 3) if entry.get(field) is not None else None
        entry["stages_s"] = {k: round(v * factor, 3) for k, v in (entry.get("stages_s") or {}).items()}
        entry["note"] = (f"one run per partition over the last {scenario.sample_days} day(s), wall times, CPU, stages "
                         f"and requests multiplied by {scenario.days}/{scenario.sample_days}; rows are the sample's; "
                         "requests_minimum is for the whole range")
    else:
        entry["extrapolated"] = False
        entry.update(rate_limited(requests_by_endpoint, minimum))
    return entry


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios = build_scenarios(args.people, args.days, args.seed, args.quick, args.sample_days)
    if args.only:
        wanted = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = wanted - set(SCENARIO_NAMES)
        if unknown:
            raise SystemExit(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(SCENARIO_NAMES)}")
        scenarios = [s for s in scenarios if s.name in wanted]
    today = bench_today(datetime.now(timezone.utc).date())
    results: dict[str, dict] = {}
    for scenario in scenarios:
        print(f"[bench] {scenario.name}: {scenario.people:,} people, {scenario.days} day(s), {scenario.mode} ...",
              flush=True)
        entry = run_scenario(scenario, today, args.timeout, args.keep, args.rate_limits, args.sqlite_instance)
        entry["quick"] = args.quick
        results[scenario.name] = entry
        print(f"[bench]   {entry['status']}: wall {entry.get('wall_s')} s, requests {entry.get('requests')} "
              f"(minimum {entry.get('requests_minimum')}), peak {entry.get('peak_rss_mb')} MiB", flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, default=str))  # after each scenario: partial results survive
    print()
    print(render(results, args.quick))
    summary = args.out.with_name("targets.json")
    summary.write_text(json.dumps(targets(results), indent=2))
    print(f"\nWrote {args.out} and {summary}")
    return 0 if all(r.get("status") == "ok" for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
