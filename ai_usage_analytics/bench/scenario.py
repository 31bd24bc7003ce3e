"""One scenario in a fresh process: ``python -m ai_usage_analytics.bench.scenario SPEC.json RESULT.json``.

The parent (``__main__``) serves the simulator, writes the reference files and puts the settings'
environment (vendor URLs, keys, AI_USAGE_DUCKDB_PATH, AI_USAGE_REFERENCE_DIR, ...) into this
process's environment, so ``ai_usage_analytics.settings`` reads them fresh at import. This process
runs the pipeline (or the floor) and writes what it measured; the parent adds the request counts.

Pipeline modes run ``daily_job`` of a ``Definitions`` built from the same assets and resource
classes as ``ai_usage_analytics.definitions``, with the vendor clients' client-side rate limits
turned off (settings expose no such knob, and a 20-requests-a-minute limit would measure the limit,
not the pipeline) unless the spec asks for them (``--rate-limits``: the production clients as they
are). Each run is launched in a process of its own, as Dagster launches runs (``launched_run.py``:
on an ephemeral instance, or with ``--sqlite-instance`` the one in ``DAGSTER_HOME``), and executes
with ``execute_in_process``: the in-process executor, which every launched run on DuckDB uses too
(``AI_USAGE_EXECUTOR``'s default there).
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ai_usage_analytics.bench.launched_run import launch
from ai_usage_analytics.bench.measure import RssSampler, Stopwatch, peak_rss_by_step, peak_rss_mb

STAGE_OF_GROUP = {"raw": "raw", "reference": "reference", "core": "facts", "marts": "views"}
STAGES = ("raw", "reference", "facts", "views")


RATE_LIMIT_FIELDS = ("requests_per_minute", "usage_events_requests_per_minute")  # the clients' limiters


def table_rows(duckdb_path: Path) -> dict[str, int]:
    """Rows per base table of the warehouse (views are not counted: they store nothing)."""
    if not duckdb_path.exists():
        return {}
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
        return {t: int(con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables}


def bench_definitions(rate_limits: bool = False):
    """The production assets, job and resources, with the vendor rate limits off unless ``rate_limits``
    (then the clients are production's, limiters included)."""
    import dagster as dg

    from ai_usage_analytics import definitions as production
    from ai_usage_analytics.jobs import daily_job
    from ai_usage_analytics.settings import SETTINGS

    resources = production.build_resources(SETTINGS)
    if not rate_limits:
        resources = {name: _unlimited(resource) for name, resource in resources.items()}
    stage_of_step = {}
    for assets_def in production.ASSETS:
        if not isinstance(assets_def, dg.AssetsDefinition):  # a source not configured: no step
            continue
        for key in assets_def.keys:
            group = assets_def.group_names_by_key.get(key, "")
            stage_of_step[assets_def.node_def.name] = STAGE_OF_GROUP.get(group, "other")
    return dg.Definitions(assets=production.ASSETS, jobs=[daily_job], resources=resources), stage_of_step


def _unlimited(resource):
    """A vendor client rebuilt from its field values with every rate limit it has at 0 (none); any
    other resource as it is."""
    from ai_usage_analytics.assets.raw_workers import Portable

    limits = [name for name in RATE_LIMIT_FIELDS if name in getattr(type(resource), "model_fields", {})]
    if not limits:
        return resource
    return type(resource)(**Portable.of(resource).fields | dict.fromkeys(limits, 0))


def run_pipeline(spec: dict) -> dict:
    """The scenario's runs, one after another, each launched in a process of its own
    (``launched_run``): ``wall_s`` from the first launch to the last run's end, ``execute_wall_s`` the
    runs alone (the in-process lower bound: no process start, no code loading)."""
    from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG
    from ai_usage_analytics.settings import SETTINGS

    first, last = date.fromisoformat(spec["first"]), date.fromisoformat(spec["last"])
    if spec["mode"] == "per_partition":
        keys = [(last - timedelta(days=i)).isoformat() for i in reversed(range(spec["sample_days"]))]
        runs = [{"partition_key": key} for key in keys]
    else:
        runs = [{"tags": {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat(), "source": "make-bench"}}]
    reports_dir = Path(spec["workdir"]) / "runs"
    reports_dir.mkdir(exist_ok=True)
    stages = {stage: 0.0 for stage in (*STAGES, "other")}
    steps: dict[str, float] = {}
    peaks: dict[str, float] = {}
    reports = []
    with Stopwatch() as total, RssSampler() as sampler:
        for index, options in enumerate(runs):
            options |= {"rate_limits": spec.get("rate_limits", False), "sqlite_instance": spec.get("sqlite_instance", False)}
            reports.append(launch(options, reports_dir / f"run_{index:04d}.json"))
    for report in reports:
        entries = [tuple(entry) for entry in report.get("entries", [])]
        for step, mb in peak_rss_by_step(entries, sampler.samples).items():
            peaks[step] = max(peaks.get(step, 0.0), mb)
        for step, seconds in report.get("steps_s", {}).items():
            steps[step] = steps.get(step, 0.0) + seconds
        for stage, seconds in report.get("stages_s", {}).items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    stages["overhead"] = max(0.0, total.seconds - sum(stages.values()))
    errors = [report["error"] for report in reports if report.get("error")]
    return {
        "success": all(report["success"] for report in reports),
        **({"error": errors[0]} if errors else {}),
        "wall_s": round(total.seconds, 3),
        "execute_wall_s": round(sum(report.get("execute_s", 0.0) for report in reports), 3),
        "cpu_s": round(total.cpu_seconds, 3),
        "runs": len(runs),
        "run_wall_s": [round(report["wall_s"], 3) for report in reports],
        "run_execute_s": [round(report.get("execute_s", 0.0), 3) for report in reports],
        "stages_s": {k: round(v, 3) for k, v in stages.items()},
        "steps_s": {k: round(v, 3) for k, v in sorted(steps.items(), key=lambda i: -i[1])},
        "peak_rss_mb_by_step": dict(sorted(peaks.items(), key=lambda i: -i[1])),
        "peak_tree_rss_mb": max([mb for _, mb in sampler.samples] + [r["peak_rss_mb"] for r in reports if r.get("peak_rss_mb")],
                                default=None),
        "failed_checks": sorted({check for report in reports for check in report.get("failed_checks", [])}),
        "step_failures": [failure for report in reports for failure in report.get("step_failures", [])],
        "rows": table_rows(SETTINGS.duckdb_path),
    }


def run_floor(spec: dict) -> dict:
    """Fetch the same raw JSON pages with plain ``requests`` (no retries, no limits, no parsing),
    save the bodies, and load each endpoint's items into DuckDB as one JSON column: the physical
    lower bound of fetching and landing the data."""
    from ai_usage_analytics.bench import floor

    with Stopwatch() as total:
        timings = floor.fetch_and_load(spec)
    timings["wall_s"] = round(total.seconds, 3)
    timings["cpu_s"] = round(total.cpu_seconds, 3)
    timings["success"] = True
    return timings


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text())
    out = Path(argv[2])
    try:
        result = run_floor(spec) if spec["mode"] == "floor" else run_pipeline(spec)
    except Exception:  # the parent reports it; a crash must still leave a result
        result = {"success": False, "error": traceback.format_exc()[-4000:]}
    # the process's own high-water mark, or the sampled sum with its worker processes when higher
    # the launched runs and their workers (this process only launches them); the floor runs here
    result["peak_rss_mb"] = result.get("peak_tree_rss_mb") if spec["mode"] != "floor" else peak_rss_mb()
    out.write_text(json.dumps(result, indent=2))
    return 0 if result.get("success") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
