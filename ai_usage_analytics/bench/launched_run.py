"""One Dagster run in a process of its own, as Dagster starts every run it launches.

A deployed Dagster (``dagster dev``, the daemon) launches each run in a new Python process that
loads the code location and then executes the run; the project's ``dagster.yaml`` queues them one at
a time. A backfill of one run per partition pays that start 365 times for a year, a single-run
backfill once. The bench times runs that way: ``launch(options, out)`` starts
``python -m ai_usage_analytics.bench.launched_run OPTIONS.json OUT.json``, which builds the bench's
definitions, runs ``daily_job`` with ``execute_in_process`` and writes what it saw. ``execute_s`` is
the run alone, without the process start, for the in-process comparison.

The instance is an ephemeral one (its event log in memory) unless ``options["sqlite_instance"]``:
then it is the one in ``DAGSTER_HOME`` (``make demo``'s: SQLite files), whose event log costs a
transaction per event, and a single run over many days writes two events per partition and asset.
The storage is the deployment's choice (Postgres in ``deploy/dagster.yaml``), so the default keeps it
out of the figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

from ai_usage_analytics.bench.measure import Stopwatch, peak_rss_mb, stage_seconds, step_durations
from ai_usage_analytics.settings import REPO_ROOT


def launch(options: dict, out: Path) -> dict:
    """Run ``daily_job`` with ``options`` (``partition_key`` or ``tags``) in a new process; its report
    plus ``wall_s``, the time from starting the process to its end."""
    out.with_suffix(".options.json").write_text(json.dumps(options))
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "ai_usage_analytics.bench.launched_run", str(out.with_suffix(".options.json")), str(out)],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    wall = time.perf_counter() - started
    if not out.exists():
        return {"success": False, "wall_s": wall, "error": completed.stderr[-4000:] or f"exit code {completed.returncode}"}
    return json.loads(out.read_text()) | {"wall_s": wall}


def execute(options: dict) -> dict:
    """In the launched process: the run, and what the bench reads of it (step times, the events that
    time each step's memory, failed steps and checks)."""
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    from ai_usage_analytics.bench.scenario import bench_definitions

    defs, stage_of_step = bench_definitions(rate_limits=options.pop("rate_limits", False))
    job = defs.resolve_job_def("daily_job")
    run_config = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    on_disk = options.pop("sqlite_instance", False)
    with dg.DagsterInstance.get() if on_disk else dg.DagsterInstance.ephemeral() as instance:
        with Stopwatch() as run:
            result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False, **options)
        entries = [
            (entry.step_key, entry.dagster_event.event_type_value, entry.timestamp)
            for entry in instance.all_logs(result.run_id)
            if entry.dagster_event is not None and entry.step_key
        ]
    durations = step_durations(entries)
    return {
        "success": result.success,
        "execute_s": run.seconds,
        "entries": entries,
        "steps_s": durations,
        "stages_s": stage_seconds(durations, stage_of_step),
        "step_failures": [
            f"{event.step_key}: {event.step_failure_data.error.message.strip()[:500]}"
            for event in result.all_events
            if event.event_type_value == "STEP_FAILURE" and event.step_failure_data.error is not None
        ],
        "failed_checks": [
            f"{e.asset_key.to_user_string()}.{e.check_name}" for e in result.get_asset_check_evaluations() if not e.passed
        ],
    }


def main(argv: list[str]) -> int:
    options = json.loads(Path(argv[1]).read_text())
    try:
        report = execute(options)
    except Exception:  # the bench reports it; a crash must still leave a report
        report = {"success": False, "error": traceback.format_exc()[-4000:]}
    report["peak_rss_mb"] = peak_rss_mb()
    Path(argv[2]).write_text(json.dumps(report))
    return 0 if report["success"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
