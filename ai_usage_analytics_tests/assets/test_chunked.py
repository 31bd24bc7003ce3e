"""Range runs written chunk by chunk: chunk boundaries, the staged window write (DuckDB's staging
files and the interface's in-memory default), and a Dagster run that fails in a later chunk."""

import contextlib
import pickle
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pandas as pd
import pandera.pandas as pa
import pytest

from ai_usage_analytics.assets.chunked import (
    STOP, Tail, combine_check_results, day_chunks, month_chunks, stage_range, window, write_range,
)
from ai_usage_analytics.partitions import daily_partitions
from ai_usage_analytics.resources import duckdb_warehouse
from ai_usage_analytics.resources.bigquery_warehouse import STAGING_PREFIX, BigQueryWarehouse
from ai_usage_analytics.resources.warehouse import Warehouse, WarehouseWriteError

COLUMNS = ["event_id", "usage_date", "user_email", "amount_usd", "tokens", "event_timestamp"]


def rows(first: date, last: date, tag: str = "new") -> pd.DataFrame:
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    return pd.DataFrame(
        [(f"{tag}-{d}", d, "a@example.com", Decimal("1.005"), 10, pd.Timestamp(d, tz="UTC")) for d in days],
        columns=COLUMNS,
    )


def stored(warehouse) -> list[str]:
    return list(warehouse.query("SELECT event_id FROM sample_daily_events ORDER BY usage_date")["event_id"])


def staging_tables(warehouse) -> list[str]:
    if isinstance(warehouse, BigQueryWarehouse):
        tables = warehouse.client.list_tables(f"{warehouse.project}.{warehouse.dataset}")
        return [t.table_id for t in tables if t.table_id.startswith(STAGING_PREFIX)]
    folder = Path(warehouse.path).parent
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(duckdb_warehouse.STAGING_PREFIX))


def staged_window(warehouse, implementation: str):
    """The engine's staging-table implementation, or the interface's in-memory default on the same engine."""
    if implementation == "engine":
        return warehouse.staged_window
    return lambda *args: Warehouse.staged_window(warehouse, *args)


def test_day_chunks_follow_the_vendor_window_from_the_start():
    assert day_chunks(date(2025, 1, 1), date(2025, 3, 7), 30) == [
        (date(2025, 1, 1), date(2025, 1, 31)), (date(2025, 1, 31), date(2025, 3, 2)), (date(2025, 3, 2), date(2025, 3, 7)),
    ]
    assert day_chunks(date(2025, 1, 1), date(2025, 1, 2), 31) == [(date(2025, 1, 1), date(2025, 1, 2))]
    with pytest.raises(ValueError):
        day_chunks(date(2025, 1, 1), date(2025, 1, 2), 0)


def test_month_chunks_cut_at_month_boundaries():
    assert month_chunks(date(2024, 12, 20), date(2025, 3, 2)) == [
        (date(2024, 12, 20), date(2025, 1, 1)), (date(2025, 1, 1), date(2025, 2, 1)),
        (date(2025, 2, 1), date(2025, 3, 1)), (date(2025, 3, 1), date(2025, 3, 2)),
    ]
    assert len(month_chunks(date(2025, 1, 1), date(2026, 1, 1))) == 12


@pytest.mark.parametrize("implementation", ["engine", "interface_default"])
def test_staged_window_replaces_only_the_window_once_every_chunk_arrived(engine_warehouse, implementation):
    warehouse = engine_warehouse
    staged = staged_window(warehouse, implementation)
    warehouse.replace_window("sample_daily_events", rows(date(2025, 1, 1), date(2025, 3, 1), "old"), "usage_date",
                             date(2025, 1, 1), date(2025, 3, 1))
    with staged("sample_daily_events", "usage_date", date(2025, 1, 10), date(2025, 2, 10)) as stage:
        stage.append(rows(date(2025, 1, 10), date(2025, 2, 1)))
        assert len(stored(warehouse)) == 59  # nothing swapped in yet
        stage.append(rows(date(2025, 2, 1), date(2025, 2, 5)))
    ids = stored(warehouse)
    assert ids[:9] == [f"old-2025-01-0{d}" for d in range(1, 10)]
    assert ids[9:35] == [f"new-{date(2025, 1, 10) + timedelta(days=i)}" for i in range(26)]
    assert ids[35:] == [f"old-{date(2025, 2, 10) + timedelta(days=i)}" for i in range(19)]  # 02-05..02-09 emptied
    assert stage.rows == 26 and staging_tables(warehouse) == []


@pytest.mark.parametrize("implementation", ["engine", "interface_default"])
def test_a_failure_in_a_later_chunk_writes_nothing(engine_warehouse, implementation):
    warehouse = engine_warehouse
    staged = staged_window(warehouse, implementation)
    warehouse.replace_window("sample_daily_events", rows(date(2025, 1, 1), date(2025, 2, 1), "old"), "usage_date",
                             date(2025, 1, 1), date(2025, 2, 1))
    before = stored(warehouse)
    with pytest.raises(RuntimeError, match="vendor down"):
        with staged("sample_daily_events", "usage_date", date(2025, 1, 1), date(2025, 2, 1)) as stage:
            stage.append(rows(date(2025, 1, 1), date(2025, 1, 16)))
            raise RuntimeError("vendor down")
    assert stored(warehouse) == before and staging_tables(warehouse) == []


def test_duckdb_stages_chunks_whose_columns_are_all_null_in_one_and_typed_in_the_next(warehouse):
    empty = rows(date(2025, 1, 1), date(2025, 1, 3)).assign(user_email=None, amount_usd=None, tokens=None)
    with warehouse.staged_window("sample_daily_events", "usage_date", date(2025, 1, 1), date(2025, 1, 5)) as stage:
        stage.append(empty)
        stage.append(rows(date(2025, 1, 3), date(2025, 1, 5)))
        assert len(staging_tables(warehouse)) == 1  # the staging folder, not yet swapped in
    stored_rows = warehouse.query("SELECT user_email, amount_usd, tokens FROM sample_daily_events ORDER BY usage_date")
    assert stored_rows["user_email"].tolist() == [None, None, "a@example.com", "a@example.com"]
    assert stored_rows["amount_usd"].tolist() == [None, None, Decimal("1.005"), Decimal("1.005")]
    assert stored_rows["tokens"].isna().tolist() == [True, True, False, False]
    assert stored_rows["tokens"].tolist()[2:] == [10, 10]
    assert staging_tables(warehouse) == []


def test_a_chunk_with_rows_outside_the_window_is_refused(engine_warehouse):
    warehouse = engine_warehouse
    with pytest.raises(WarehouseWriteError, match="outside the window"):
        with warehouse.staged_window("sample_daily_events", "usage_date", date(2025, 1, 1), date(2025, 1, 5)) as stage:
            stage.append(rows(date(2025, 1, 4), date(2025, 1, 6)))
    assert stored(warehouse) == [] and staging_tables(warehouse) == []


def test_combined_check_fails_if_any_chunk_failed_and_sums_offenders():
    ok = dg.AssetCheckResult(check_name="c", asset_key="a", passed=True, metadata={"offenders": 0, "lines": 3})
    bad = dg.AssetCheckResult(check_name="c", asset_key="a", passed=False, metadata={"offenders": 2, "lines": 4, "details": "x"})
    combined = combine_check_results([ok, bad, bad])
    assert not combined.passed
    values = {k: getattr(v, "value", v) for k, v in combined.metadata.items()}
    assert (values["offenders"], values["lines"], values["chunks"], values["details"]) == (4, 11, 3, "x")
    assert combine_check_results([ok, ok]).passed


class Events(pa.DataFrameModel):
    event_id: str
    tokens: int = pa.Field(ge=0)


SOURCE: dict[str, int] = {}


@dg.asset(
    name="sample_daily_events", partitions_def=daily_partitions, metadata={"partition_expr": "usage_date"},
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[dg.AssetCheckSpec("schema", asset="sample_daily_events"), dg.AssetCheckSpec("small", asset="sample_daily_events")],
)
def chunked_events(context: dg.AssetExecutionContext, warehouse: Warehouse):
    def build(first: date, last: date) -> pd.DataFrame:
        if SOURCE.get(str(first)) == "vendor down":
            raise RuntimeError(f"vendor down for {first}")
        if SOURCE.get(str(first)) == "interrupt":
            STOP.get().set()
        frame = rows(first, last)
        frame["tokens"] = SOURCE.get(str(first), 10)
        return frame

    def checks(valid, first, last):
        return [dg.AssetCheckResult(check_name="small", asset_key="sample_daily_events", passed=bool((valid["tokens"] < 1000).all()),
                                    metadata={"offenders": int((valid["tokens"] >= 1000).sum())})]

    yield from write_range(context, warehouse, Events, day_chunks(*window(context), 10), build, checks,
                           summarize=lambda v: {"tokens": int(v["tokens"].sum())}, prefetch=SOURCE.get("prefetch", 0))


def materialize(warehouse, first, last):
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    return dg.materialize([chunked_events], tags=tags, resources={"warehouse": warehouse}, raise_on_error=False)


@pytest.fixture(autouse=True)
def _reset_source():
    SOURCE.clear()
    yield
    SOURCE.clear()


def test_a_range_run_reports_once_and_refuses_the_window_when_a_later_chunk_fails(warehouse):
    result = materialize(warehouse, "2025-01-01", "2025-01-25")
    assert result.success
    materializations = result.asset_materializations_for_node("sample_daily_events")
    assert len(materializations) == 25  # one per partition of the range, same metadata
    meta = {k: v.value for k, v in materializations[0].metadata.items()}
    assert (meta["dagster/row_count"], meta["chunks"], meta["tokens"], meta["days"]) == (25, 3, 250, 25)
    evaluations = result.get_asset_check_evaluations()
    assert sorted((e.check_name, e.passed) for e in evaluations) == [("schema", True), ("small", True)]
    first_load = stored(warehouse)

    SOURCE["2025-01-21"] = 5000  # the third chunk fails its gate
    result = materialize(warehouse, "2025-01-01", "2025-01-25")
    assert not result.success
    assert [e.passed for e in result.get_asset_check_evaluations() if e.check_name == "small"] == [False]
    assert stored(warehouse) == first_load and staging_tables(warehouse) == []

    SOURCE.clear()
    SOURCE["2025-01-11"] = -1  # the second chunk breaks the contract
    result = materialize(warehouse, "2025-01-01", "2025-01-25")
    assert not result.success
    assert stored(warehouse) == first_load


@pytest.mark.parametrize("prefetch", [0, 1, 2])
def test_a_fetch_failing_in_a_later_chunk_writes_nothing_with_or_without_prefetch(warehouse, prefetch):
    SOURCE["prefetch"] = prefetch
    assert materialize(warehouse, "2025-01-01", "2025-01-25").success
    first_load = stored(warehouse)
    SOURCE["2025-01-11"] = "vendor down"
    result = materialize(warehouse, "2025-01-01", "2025-01-25")
    assert not result.success
    assert "vendor down for 2025-01-11" in str(result.get_step_failure_events()[0].step_failure_data.error.to_string())
    assert stored(warehouse) == first_load and staging_tables(warehouse) == []
    del SOURCE["2025-01-11"]
    result = materialize(warehouse, "2025-01-01", "2025-01-25")
    meta = {k: v.value for k, v in result.asset_materializations_for_node("sample_daily_events")[0].metadata.items()}
    assert result.success and meta["dagster/row_count"] == 25 and meta["tokens"] == 250


def test_a_range_told_to_stop_ends_before_its_next_chunk_and_writes_nothing(warehouse):
    assert materialize(warehouse, "2025-01-01", "2025-01-25").success
    first_load = stored(warehouse)
    SOURCE["2025-01-11"] = "interrupt"  # the stop arrives while the second chunk is fetched
    token = STOP.set(threading.Event())
    try:
        result = materialize(warehouse, "2025-01-01", "2025-01-25")
    finally:
        STOP.reset(token)
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.to_string()
    assert "sample_daily_events: the run was interrupted; nothing of [2025-01-01, 2025-01-26) was written" in message
    assert stored(warehouse) == first_load and staging_tables(warehouse) == []


def test_half_month_chunks_cut_at_month_boundaries_and_the_16th():
    from ai_usage_analytics.assets.chunked import half_month_chunks

    assert half_month_chunks(date(2025, 1, 20), date(2025, 3, 10)) == [
        (date(2025, 1, 20), date(2025, 2, 1)), (date(2025, 2, 1), date(2025, 2, 16)),
        (date(2025, 2, 16), date(2025, 3, 1)), (date(2025, 3, 1), date(2025, 3, 10)),
    ]
    assert half_month_chunks(date(2025, 3, 16), date(2025, 3, 17)) == [(date(2025, 3, 16), date(2025, 3, 17))]
    assert len(half_month_chunks(date(2025, 1, 1), date(2026, 1, 1))) == 24


def test_quarter_month_chunks_cut_at_month_boundaries_the_8th_16th_and_24th():
    from ai_usage_analytics.assets.chunked import quarter_month_chunks

    assert quarter_month_chunks(date(2025, 1, 20), date(2025, 2, 10)) == [
        (date(2025, 1, 20), date(2025, 1, 24)), (date(2025, 1, 24), date(2025, 2, 1)),
        (date(2025, 2, 1), date(2025, 2, 8)), (date(2025, 2, 8), date(2025, 2, 10)),
    ]
    assert quarter_month_chunks(date(2025, 3, 24), date(2025, 3, 25)) == [(date(2025, 3, 24), date(2025, 3, 25))]
    year = quarter_month_chunks(date(2025, 1, 1), date(2026, 1, 1))
    assert len(year) == 48 and all((first - first.replace(day=1)).days < 28 for first, _ in year)


@dg.asset(
    name="sample_daily_events", partitions_def=daily_partitions, metadata={"partition_expr": "usage_date"},
    backfill_policy=dg.BackfillPolicy.single_run(), check_specs=[dg.AssetCheckSpec("schema", asset="sample_daily_events")],
)
def chunked_in_parts(context: dg.AssetExecutionContext, warehouse: Warehouse):
    def build(first: date, last: date):
        frame = rows(first, last)
        frame["tokens"] = 10
        for day in frame["usage_date"].unique():  # one frame per day of the chunk
            if SOURCE.get(str(day)) == "vendor down":
                raise RuntimeError(f"vendor down for {day}")
            yield frame[frame["usage_date"] == day].reset_index(drop=True)

    yield from write_range(context, warehouse, Events, day_chunks(*window(context), 10), build,
                           summarize=lambda v: {"parts": 1}, prefetch=SOURCE.get("prefetch", 0))


@pytest.mark.parametrize("prefetch", [0, 1])
def test_a_chunk_built_in_parts_is_staged_part_by_part_and_a_late_failure_writes_nothing(warehouse, prefetch):
    SOURCE["prefetch"] = prefetch
    tags = {"dagster/asset_partition_range_start": "2025-01-01", "dagster/asset_partition_range_end": "2025-01-25"}
    run = lambda: dg.materialize([chunked_in_parts], tags=tags, resources={"warehouse": warehouse}, raise_on_error=False)  # noqa: E731
    result = run()
    meta = {k: v.value for k, v in result.asset_materializations_for_node("sample_daily_events")[0].metadata.items()}
    assert result.success and (meta["dagster/row_count"], meta["chunks"], meta["parts"]) == (25, 3, 25)
    first_load = stored(warehouse)
    SOURCE["2025-01-24"] = "vendor down"  # in the last part of the last chunk
    assert not run().success
    assert stored(warehouse) == first_load and staging_tables(warehouse) == []


def test_a_build_with_checks_returns_one_frame_per_chunk(warehouse):
    @dg.asset(name="sample_daily_events", partitions_def=daily_partitions, metadata={"partition_expr": "usage_date"},
              check_specs=[dg.AssetCheckSpec("schema", asset="sample_daily_events")])
    def parts_with_checks(context: dg.AssetExecutionContext, warehouse: Warehouse):
        yield from write_range(context, warehouse, Events, day_chunks(*window(context), 10),
                               lambda first, last: iter([rows(first, last).assign(tokens=1)]), checks=lambda *_: [])

    result = dg.materialize([parts_with_checks], partition_key="2025-01-01", resources={"warehouse": warehouse},
                            raise_on_error=False)
    assert "a build with checks returns one frame per chunk" in result.get_step_failure_events()[0].step_failure_data.error.to_string()


# --- a window's last days staged elsewhere (another process) and adopted into the window's swap ---------------


@pytest.mark.parametrize("fails", [False, True])
def test_a_part_staged_elsewhere_is_swapped_in_with_the_window_or_not_at_all(engine_warehouse, fails):
    warehouse = engine_warehouse
    warehouse.replace_window("sample_daily_events", rows(date(2025, 1, 1), date(2025, 3, 1), "old"), "usage_date",
                             date(2025, 1, 1), date(2025, 3, 1))
    before = stored(warehouse)
    with warehouse.staged_part("sample_daily_events", "usage_date", date(2025, 1, 20), date(2025, 2, 5)) as elsewhere:
        elsewhere.append(rows(date(2025, 1, 20), date(2025, 2, 1), "tail"))
        elsewhere.append(rows(date(2025, 2, 1), date(2025, 2, 3), "tail"))
    part = pickle.loads(pickle.dumps(elsewhere.part))  # it crosses from the worker process
    assert (part.rows, part.start, part.end) == (14, date(2025, 1, 20), date(2025, 2, 5))
    assert stored(warehouse) == before and len(staging_tables(warehouse)) == 1
    with contextlib.suppress(RuntimeError):
        with warehouse.staged_window("sample_daily_events", "usage_date", date(2025, 1, 10), date(2025, 2, 5)) as stage:
            stage.append(rows(date(2025, 1, 10), date(2025, 1, 20)))
            assert stage.adopt(part) == 14 and stage.rows == 24
            if fails:
                raise RuntimeError("a later check failed")
    assert staging_tables(warehouse) == []  # both stagings, the window's and the adopted one
    if fails:
        assert stored(warehouse) == before
        return
    ids = stored(warehouse)
    assert ids[:9] == before[:9] and ids[9:19] == [f"new-{date(2025, 1, 10) + timedelta(days=i)}" for i in range(10)]
    assert ids[19:33] == [f"tail-{date(2025, 1, 20) + timedelta(days=i)}" for i in range(14)]
    assert ids[33:] == before[35:]  # 02-03 and 02-04 emptied, February's rest kept


def test_a_part_outside_the_window_is_refused_and_a_part_not_adopted_is_discarded(engine_warehouse):
    warehouse = engine_warehouse
    with warehouse.staged_part("sample_daily_events", "usage_date", date(2025, 2, 1), date(2025, 2, 10)) as elsewhere:
        elsewhere.append(rows(date(2025, 2, 1), date(2025, 2, 10)))
    with pytest.raises(WarehouseWriteError, match="does not belong to the window"):
        with warehouse.staged_window("sample_daily_events", "usage_date", date(2025, 1, 1), date(2025, 2, 5)) as stage:
            stage.adopt(elsewhere.part)
    assert stored(warehouse) == [] and len(staging_tables(warehouse)) == 1  # still the worker's, not this window's
    warehouse.discard(elsewhere.part)
    assert staging_tables(warehouse) == []


def test_a_part_that_fails_while_staging_leaves_nothing_staged(engine_warehouse):
    warehouse = engine_warehouse
    with pytest.raises(RuntimeError, match="vendor down"):
        with warehouse.staged_part("sample_daily_events", "usage_date", date(2025, 2, 1), date(2025, 2, 10)) as stage:
            stage.append(rows(date(2025, 2, 1), date(2025, 2, 3)))
            raise RuntimeError("vendor down")
    assert stage.part is None and staging_tables(warehouse) == []
    with warehouse.staged_part("sample_daily_events", "usage_date", date(2025, 2, 1), date(2025, 2, 10)) as empty:
        pass
    assert (empty.part.rows, empty.part.location) == (0, "") and staging_tables(warehouse) == []
    with warehouse.staged_window("sample_daily_events", "usage_date", date(2025, 2, 1), date(2025, 2, 10)) as stage:
        stage.adopt(empty.part)  # nothing staged: nothing to take, the window emptied
    assert stored(warehouse) == [] and staging_tables(warehouse) == []


def test_the_in_memory_default_cannot_stage_a_part_for_another_process(warehouse):
    with pytest.raises(NotImplementedError, match="cannot stage a part"):
        with Warehouse.staged_part(warehouse, "sample_daily_events", "usage_date", date(2025, 2, 1), date(2025, 2, 2)):
            pass


TAIL_START = date(2025, 1, 16)


@dg.asset(
    name="sample_daily_events", partitions_def=daily_partitions, metadata={"partition_expr": "usage_date"},
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[dg.AssetCheckSpec("schema", asset="sample_daily_events"), dg.AssetCheckSpec("small", asset="sample_daily_events")],
)
def events_with_a_tail(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """The days before TAIL_START built here; the rest staged by ``stage_range`` (as a worker process
    would) and adopted, its StagedRange pickled on the way as it would be."""
    def build(first: date, last: date) -> pd.DataFrame:
        return rows(first, last, "head" if first < TAIL_START else "tail").assign(tokens=SOURCE.get(str(first), 10))

    def checks(valid, first, last):
        return [dg.AssetCheckResult(check_name="small", asset_key="sample_daily_events",
                                    passed=bool((valid["tokens"] < 1000).all()),
                                    metadata={"offenders": int((valid["tokens"] >= 1000).sum())})]

    start, end = window(context)

    def adopt():
        staged = yield from stage_range(context, warehouse, Events, day_chunks(TAIL_START, end, 5), build, checks,
                                        summarize=lambda v: {"tokens": int(v["tokens"].sum())})
        if SOURCE.get("tail") == "lost":
            raise RuntimeError("the worker died")
        return pickle.loads(pickle.dumps(staged))

    yield from write_range(context, warehouse, Events, day_chunks(start, TAIL_START, 10), build, checks,
                           summarize=lambda v: {"tokens": int(v["tokens"].sum())}, tail=Tail(TAIL_START, end, adopt))


def test_a_range_with_a_tail_staged_elsewhere_reports_once_and_writes_all_or_nothing(warehouse):
    tags = {"dagster/asset_partition_range_start": "2025-01-01", "dagster/asset_partition_range_end": "2025-01-25"}
    run = lambda: dg.materialize([events_with_a_tail], tags=tags, resources={"warehouse": warehouse}, raise_on_error=False)  # noqa: E731
    result = run()
    assert result.success
    meta = {k: v.value for k, v in result.asset_materializations_for_node("sample_daily_events")[0].metadata.items()}
    assert (meta["window"], meta["chunks"], meta["dagster/row_count"], meta["tokens"]) == ("[2025-01-01, 2025-01-26)", 4, 25, 250)
    small = [e for e in result.get_asset_check_evaluations() if e.check_name == "small"]
    assert [(e.passed, e.metadata["chunks"].value) for e in small] == [(True, 4)]  # 2 chunks here, 2 in the tail
    first_load = stored(warehouse)
    assert first_load == [f"head-{date(2025, 1, 1) + timedelta(days=i)}" for i in range(15)] + [
        f"tail-{date(2025, 1, 16) + timedelta(days=i)}" for i in range(10)]

    SOURCE["2025-01-21"] = 5000  # the tail's second chunk fails its gate: nothing of the window is written
    result = run()
    assert not result.success and [e.passed for e in result.get_asset_check_evaluations() if e.check_name == "small"] == [False]
    assert stored(warehouse) == first_load and staging_tables(warehouse) == []

    SOURCE.clear()
    SOURCE["tail"] = "lost"  # staged, but never handed over
    result = run()
    assert "the worker died" in result.get_step_failure_events()[0].step_failure_data.error.to_string()
    assert stored(warehouse) == first_load
