"""A backfill's facts side by side (assets/facts.py: fact_ai_usage and then the last days of
fact_ai_costs in a worker process, beside the rest of fact_ai_costs) against the simulator: the same
tables and check results as one after the other, the worker's log lines in the run's log, and a fact
that fails named with its own message while the other is written."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta

import dagster as dg
import pytest

from ai_usage_analytics.assets import facts, raw, reference
from ai_usage_analytics.assets.raw_workers import PROCESS_MIN_DAYS
from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse
from ai_usage_analytics_tests.acceptance.conftest import FIRST, LAST, loaded_pipeline, point_settings_at, run, table_hash

RUN_COLUMNS = ("pipeline_run_id", "ingest_timestamp")
FACTS = ("fact_ai_usage", "fact_ai_costs")


@pytest.fixture(scope="module")
def loaded(simulator, tmp_path_factory):
    """The raw and reference tables of the 30 days, loaded once; each test builds the facts on a copy."""
    directory = tmp_path_factory.mktemp("side_by_side")
    with loaded_pipeline(simulator, directory, [*raw.RAW_ASSETS, *reference.REFERENCE_ASSETS]) as (warehouse, reference_dir, _):
        return warehouse, reference_dir


def build_facts(loaded, simulator, tmp_path, monkeypatch, name: str, workers: int, reference_dir=None):
    """The facts over the 30 days on a copy of the loaded warehouse, with ``workers`` worker processes."""
    source, loaded_reference = loaded
    shutil.copy(source.path, tmp_path / f"{name}.duckdb")
    warehouse = DuckDBWarehouse(path=str(tmp_path / f"{name}.duckdb"))
    point_settings_at(monkeypatch, simulator, loaded_reference)
    # the worker must take the reference files this process reads, not the environment's
    monkeypatch.setenv("AI_USAGE_REFERENCE_DIR", str(tmp_path / "not_the_reference"))
    monkeypatch.setattr(facts, "SETTINGS", dataclasses.replace(
        facts.SETTINGS, workers=workers, reference_dir=reference_dir or loaded_reference))
    with dg.DagsterInstance.ephemeral() as instance:
        result = run(facts.FACT_ASSETS, warehouse, simulator, loaded_reference, raise_on_error=False, instance=instance)
        logged = [entry.user_message for entry in instance.all_logs(result.run_id)]
    return warehouse, result, logged


def outcomes(result) -> set[tuple[str, str, bool]]:
    return {(e.asset_key.path[-1], e.check_name, e.passed) for e in result.get_asset_check_evaluations()}


def test_side_by_side_writes_what_one_after_the_other_writes(loaded, simulator, tmp_path, monkeypatch):
    assert (LAST - FIRST).days + 1 >= PROCESS_MIN_DAYS
    workers_started = []
    real_beside = facts.beside

    def counted(loads, **kwargs):
        workers_started.append({name: load.func.__name__ for name, load in loads.items()})
        return real_beside(loads, **kwargs)

    monkeypatch.setattr(facts, "beside", counted)
    in_order, one_after_the_other, _ = build_facts(loaded, simulator, tmp_path, monkeypatch, "in_order", workers=1)
    assert workers_started == []
    side, side_by_side, logged = build_facts(loaded, simulator, tmp_path, monkeypatch, "side", workers=2)
    assert workers_started == [{"fact_ai_usage": "_usage_in_worker", "fact_ai_costs": "_cost_tail_in_worker"}]
    assert one_after_the_other.success and side_by_side.success
    for table in FACTS:
        assert int(side.query(f"SELECT COUNT(*) AS n FROM {table}")["n"][0]) > 0, table
        assert table_hash(side, table, RUN_COLUMNS) == table_hash(in_order, table, RUN_COLUMNS), table
    assert outcomes(side_by_side) == outcomes(one_after_the_other)
    assert {name for _, name, _ in outcomes(side_by_side)} >= {"schema", "reconciles_to_vendor_bill", "volume_drop"}
    staged = [message for message in logged if message.startswith("fact_ai_usage: staged [")]
    assert len(staged) == 3  # 30 days from the 17th in half months, logged in the worker, forwarded
    # cost by quarter months: February's days here, March's (from the 1st) in the worker after usage
    assert facts.cost_tail_start(FIRST, LAST + timedelta(days=1)) == date(2026, 3, 1)
    staged = [message.split(" with ")[0] for message in logged if message.startswith("fact_ai_costs: staged [")]
    assert sorted(staged) == [f"fact_ai_costs: staged [{a}, {b})" for a, b in (
        ("2026-02-17", "2026-02-24"), ("2026-02-24", "2026-03-01"),
        ("2026-03-01", "2026-03-08"), ("2026-03-08", "2026-03-16"), ("2026-03-16", "2026-03-19"))]
    costs = [m for m in side_by_side.get_asset_materialization_events() if m.asset_key.path[-1] == "fact_ai_costs"]
    assert len(costs) == 30  # one event per partition, with the range's metadata
    metadata = costs[0].materialization.metadata
    assert metadata["window"].value == "[2026-02-17, 2026-03-19)" and metadata["chunks"].value == 5
    assert metadata["dagster/row_count"].value == int(side.query("SELECT COUNT(*) AS n FROM fact_ai_costs")["n"][0])
    assert not list(tmp_path.glob(".staging_*"))  # the worker's staged files went into the swap, then away


def test_cost_failing_beside_usage_names_itself_and_usage_is_written(loaded, simulator, tmp_path, monkeypatch):
    no_prices = tmp_path / "no_prices"
    shutil.copytree(loaded[1], no_prices)
    (no_prices / "seat_prices.csv").write_text("platform_code,plan,seat_price_usd_month\n")
    warehouse, result, _ = build_facts(loaded, simulator, tmp_path, monkeypatch, "failing", workers=2,
                                       reference_dir=no_prices)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_failure_data.user_failure_data.description.startswith(
        f"Cursor seats need a price: add a 'cursor' row to {no_prices / 'seat_prices.csv'}")
    assert int(warehouse.query("SELECT COUNT(*) AS n FROM fact_ai_usage")["n"][0]) > 0  # written by the worker
    assert int(warehouse.query("SELECT COUNT(*) AS n FROM fact_ai_costs")["n"][0]) == 0
    written = {m.asset_key.path[-1] for m in result.get_asset_materialization_events()}
    assert written == {"fact_ai_usage"}
    assert not list(tmp_path.glob(".staging_*"))  # neither this process's nor the worker's months stay staged


def test_cost_failing_here_after_the_worker_staged_its_month_drops_that_month(loaded, simulator, tmp_path, monkeypatch):
    real_build = facts._CostChunks.build

    def failing_here(self, first, last):  # patched in this process only: the spawned worker builds March as usual
        if first < date(2026, 3, 1):
            raise RuntimeError("February's cost lines could not be read")
        return real_build(self, first, last)

    monkeypatch.setattr(facts._CostChunks, "build", failing_here)
    warehouse, result, logged = build_facts(loaded, simulator, tmp_path, monkeypatch, "failing_here", workers=2)
    assert not result.success
    assert "February's cost lines could not be read" in result.get_step_failure_events()[0].step_failure_data.error.to_string()
    assert any(m.startswith("fact_ai_costs: staged [2026-03-16, 2026-03-19)") for m in logged)  # the worker's month
    assert int(warehouse.query("SELECT COUNT(*) AS n FROM fact_ai_costs")["n"][0]) == 0
    assert int(warehouse.query("SELECT COUNT(*) AS n FROM fact_ai_usage")["n"][0]) > 0
    assert not list(tmp_path.glob(".staging_*"))  # the worker's staged month was discarded
