"""`make demo`: materialise every asset for the recent days into the local warehouse and summarise.

Runs ``daily_job`` through the Dagster instance in ``DAGSTER_HOME`` (so the runs, materialisations
and check results show in the UI afterwards), as one single-run range over the last
``DEMO_DAYS`` complete UTC days, then prints the tables, their row counts and the check results.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import dagster as dg

from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG, partition_keys_for_tick
from ai_usage_analytics.settings import SETTINGS

DEMO_DAYS = 7


def table_row_counts(warehouse) -> list[tuple[str, int]]:
    tables = warehouse.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
    )["table_name"]
    return [(t, int(warehouse.query(f'SELECT COUNT(*) AS n FROM "{t}"')["n"][0])) for t in tables]


def main() -> int:
    from ai_usage_analytics.definitions import defs

    keys = partition_keys_for_tick(datetime.now(timezone.utc), DEMO_DAYS - 1, SETTINGS.partition_start)
    job = defs.resolve_job_def("daily_job")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1], "source": "make-demo"},
            raise_on_error=False,
        )
    warehouse = defs.resources["warehouse"]
    print(f"\nDemo run {result.run_id}: {'succeeded' if result.success else 'FAILED'} for {keys[0]} .. {keys[-1]}")
    print(f"Warehouse: {SETTINGS.duckdb_path}")
    for table, rows in table_row_counts(warehouse):
        print(f"  {table:<40} {rows:>10,} rows")
    print("Checks:")
    for evaluation in result.get_asset_check_evaluations():
        status = "passed" if evaluation.passed else f"FAILED ({evaluation.severity.value})"
        print(f"  {evaluation.asset_key.to_user_string()}.{evaluation.check_name:<28} {status}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
