"""A backfill's raw pull in worker processes (assets/raw_workers.py) against the simulator: the same
tables, request counts and checks as the pull in threads; the workers' log lines in the run's log; one
vendor's failure named with its own message while the other vendor's tables are written."""

from __future__ import annotations

import dataclasses
import pickle

import dagster as dg

from ai_usage_analytics.assets import raw, raw_sources
from ai_usage_analytics.assets.raw_workers import PROCESS_MIN_DAYS, Portable, _portable_error, _unwire, _wire
from ai_usage_analytics.resources.cursor import CursorAdminAPI
from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse
from ai_usage_analytics_tests.acceptance.conftest import FIRST, LAST, run, table_hash

TABLES = ["raw_cursor_events", "raw_cursor_usage_events", "raw_claude_events", "raw_claude_code_events", "raw_claude_costs"]
RUN_COLUMNS = ("ingest_date", "fetched_at")


def with_workers(monkeypatch, workers: int) -> None:
    monkeypatch.setattr(raw_sources, "SETTINGS", dataclasses.replace(raw_sources.SETTINGS, workers=workers))


def pull(tmp_path, simulator, name: str, **kwargs):
    warehouse = DuckDBWarehouse(path=str(tmp_path / f"{name}.duckdb"))
    result = run(raw.RAW_ASSETS, warehouse, simulator, tmp_path, raise_on_error=False, **kwargs)
    return warehouse, result


def requests_by_table(result) -> dict:
    found = {}
    for materialization in result.asset_materializations_for_node("raw_engineering_pulls"):
        found[materialization.asset_key.path[-1]] = materialization.metadata["http_requests_by_endpoint"].value
    return found


def test_worker_processes_write_what_threads_write(tmp_path, simulator, monkeypatch):
    assert (LAST - FIRST).days + 1 >= PROCESS_MIN_DAYS
    with_workers(monkeypatch, 1)
    threads, in_threads = pull(tmp_path, simulator, "threads")
    simulator.reset()
    with_workers(monkeypatch, 2)
    with dg.DagsterInstance.ephemeral() as instance:
        processes, in_processes = pull(tmp_path, simulator, "processes", instance=instance)
        logged = [entry.user_message for entry in instance.all_logs(in_processes.run_id)]
    assert in_threads.success and in_processes.success
    for table in TABLES:
        assert table_hash(processes, table, RUN_COLUMNS) == table_hash(threads, table, RUN_COLUMNS), table
    assert requests_by_table(in_processes) == requests_by_table(in_threads)
    assert set(requests_by_table(in_processes)) == set(TABLES)
    checks = in_processes.get_asset_check_evaluations()
    assert {c.asset_key.path[-1] for c in checks if c.check_name == "schema" and c.passed} >= set(TABLES)
    staged = [message for message in logged if message.startswith("raw_cursor_usage_events: staged [")]
    assert len(staged) == 10  # 30 days in 3-day chunks, each logged in the worker, forwarded to the run's log


def test_a_vendor_failing_in_its_worker_names_itself_and_the_other_is_written(tmp_path, simulator, monkeypatch):
    with_workers(monkeypatch, 2)
    warehouse, result = pull(tmp_path, simulator, "failing", anthropic_key="sk-ant-admin01-wrong-key")
    assert not result.success
    failure = next(e for e in result.all_events
                   if e.event_type_value == "STEP_FAILURE" and e.step_key == "raw_engineering_pulls")
    message = failure.step_failure_data.error.cause.message  # the user error under Dagster's wrapper
    assert message.startswith("ai_usage_analytics.assets.raw_sources.RawSourcesFailed: 3 of 5 raw sources failed")
    assert "raw_claude_costs: Anthropic GET /v1/organizations/cost_report returned 401" in message
    assert "ANTHROPIC_ADMIN_API_KEY" in message
    assert "sk-ant-admin01-wrong-key" not in message
    written = {t: int(warehouse.query(f"SELECT COUNT(*) AS n FROM {t}")["n"][0]) for t in TABLES[:2]}
    assert all(n > 0 for n in written.values()), written


def test_events_and_errors_survive_the_trip_between_processes():
    check = dg.AssetCheckResult(check_name="schema", asset_key=dg.AssetKey("raw_x"), passed=False,
                                severity=dg.AssetCheckSeverity.WARN, description="2 offender(s)",
                                metadata={"offenders": 2, "cases": dg.MetadataValue.md("| a |")})
    back = _unwire(*pickle.loads(pickle.dumps(_wire(check))))
    assert (back.check_name, back.asset_key, back.passed, back.severity, back.description) == (
        "schema", dg.AssetKey("raw_x"), False, dg.AssetCheckSeverity.WARN, "2 offender(s)")
    assert back.metadata["offenders"].value == 2 and back.metadata["cases"].value == "| a |"

    class Picky(Exception):
        def __init__(self, vendor: str, status: int) -> None:
            super().__init__(f"{vendor} answered {status}")

    error = _portable_error(Picky("Cursor", 401))
    assert isinstance(pickle.loads(pickle.dumps(error)), RuntimeError)
    assert str(error) == "Picky: Cursor answered 401"
    assert _portable_error(ValueError("plain")).args == ("plain",)


def test_a_resource_is_rebuilt_from_its_fields():
    cursor = CursorAdminAPI(api_key="key", base_url="http://127.0.0.1:1", requests_per_minute=0, page_size=10)
    rebuilt = pickle.loads(pickle.dumps(Portable.of(cursor))).build()
    assert isinstance(rebuilt, CursorAdminAPI)
    assert (rebuilt.api_key, rebuilt.base_url, rebuilt.requests_per_minute, rebuilt.page_size) == ("key", "http://127.0.0.1:1", 0, 10)
