"""One scenario in a fresh process: ``python -m ai_usage_analytics.bench.scenario SPEC.json RESULT.json``.

The parent (``__main__``) serves the simulator, writes the reference files and puts the settings'
environment (vendor URLs, keys, AI_USAGE_DUCKDB_PATH, AI_USAGE_REFERENCE_DIR, ...) into this
process's environment, so ``ai_usage_analytics.settings`` reads them fresh at import. This process
runs the pipeline (or the floor) and writes what it measured; the parent adds the request counts.

Pipeline modes run ``daily_job`` of a ``Definitions`` built from the same assets and resource
classes as ``ai_usage_analytics.definitions``, with the vendor clients' client-side rate limits
turned off (settings expose no such knob, and a 20-requests-a-minute limit would measure the limit,
not the pipeline) unless the spec asks for them (``--rate-limits``: the production clients as they
are), through ``execute_in_process`` on an ephemeral Dagster instance: the in-process
executor, which every launched run on DuckDB uses too (``AI_USAGE_EXECUTOR``'s default there).
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ai_usage_analytics.bench.measure import (
    RssSampler, Stopwatch, peak_rss_by_step, peak_rss_mb, stage_seconds, step_durations,
)

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
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG
    from ai_usage_analytics.settings import SETTINGS

    defs, stage_of_step = bench_definitions(rate_limits=spec.get("rate_limits", False))
    job = defs.resolve_job_def("daily_job")
    first, last = date.fromisoformat(spec["first"]), date.fromisoformat(spec["last"])
    run_config = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    if spec["mode"] == "per_partition":
        keys = [(last - timedelta(days=i)).isoformat() for i in reversed(range(spec["sample_days"]))]
        runs = [{"partition_key": key} for key in keys]
    else:
        keys = [first.isoformat(), last.isoformat()]
        runs = [{"tags": {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1], "source": "make-bench"}}]
    stages = {stage: 0.0 for stage in (*STAGES, "other")}
    steps: dict[str, float] = {}
    failed_checks: list[str] = []
    step_failures: list[str] = []
    success = True
    peaks: dict[str, float] = {}
    run_seconds: list[float] = []
    with dg.DagsterInstance.ephemeral() as instance, Stopwatch() as total, RssSampler() as sampler:
        for options in runs:
            with Stopwatch() as one:
                result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False, **options)
            run_seconds.append(round(one.seconds, 3))
            success = success and result.success
            entries = [
                (entry.step_key, entry.dagster_event.event_type_value, entry.timestamp)
                for entry in instance.all_logs(result.run_id)
                if entry.dagster_event is not None and entry.step_key
            ]
            durations = step_durations(entries)
            for step, mb in peak_rss_by_step(entries, sampler.samples).items():
                peaks[step] = max(peaks.get(step, 0.0), mb)
            for step, seconds in durations.items():
                steps[step] = steps.get(step, 0.0) + seconds
            for stage, seconds in stage_seconds(durations, stage_of_step).items():
                stages[stage] = stages.get(stage, 0.0) + seconds
            step_failures += [
                f"{event.step_key}: {event.step_failure_data.error.message.strip()[:500]}"
                for event in result.all_events
                if event.event_type_value == "STEP_FAILURE" and event.step_failure_data.error is not None
            ]
            failed_checks += [
                f"{e.asset_key.to_user_string()}.{e.check_name}"
                for e in result.get_asset_check_evaluations() if not e.passed
            ]
    stages["overhead"] = max(0.0, total.seconds - sum(stages.values()))
    return {
        "success": success,
        "wall_s": round(total.seconds, 3),
        "cpu_s": round(total.cpu_seconds, 3),
        "runs": len(runs),
        "run_wall_s": run_seconds,
        "stages_s": {k: round(v, 3) for k, v in stages.items()},
        "steps_s": {k: round(v, 3) for k, v in sorted(steps.items(), key=lambda i: -i[1])},
        "peak_rss_mb_by_step": dict(sorted(peaks.items(), key=lambda i: -i[1])),
        "peak_tree_rss_mb": max((mb for _, mb in sampler.samples), default=None),
        "failed_checks": sorted(set(failed_checks)),
        "step_failures": step_failures,
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
    result["peak_rss_mb"] = max(filter(None, (peak_rss_mb(), result.get("peak_tree_rss_mb"))), default=None)
    out.write_text(json.dumps(result, indent=2))
    return 0 if result.get("success") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
