"""The warehouse IO manager, DESIGN section 5 rule by rule, on a DuckDB file and on BigQuery (the emulator)."""

import os
import time
from decimal import Decimal

import dagster as dg
import pandas as pd
import pytest

from ai_usage_analytics.partitions import daily_partitions
from ai_usage_analytics.resources.io_manager import WarehouseIOManager
from ai_usage_analytics.resources.warehouse import WarehouseWriteError

# The rows a "vendor" returns, per day. Mutated by tests to simulate revisions.
SOURCE: dict[str, list[dict]] = {}


def _rows(day: str, n: int, amount: str = "1.005") -> list[dict]:
    return [
        {
            "event_id": f"{day}-{i}",
            "usage_date": pd.Timestamp(day).date(),
            "user_email": f"user{i}@example.com",
            "amount_usd": Decimal(amount),
            "tokens": 100 * (i + 1),
            "event_timestamp": pd.Timestamp(f"{day}T23:30:00Z"),
        }
        for i in range(n)
    ]


@dg.asset(
    partitions_def=daily_partitions,
    metadata={"partition_expr": "usage_date"},
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def sample_daily_events(context: dg.AssetExecutionContext) -> pd.DataFrame:
    rows = [row for key in context.partition_keys for row in SOURCE.get(key, [])]
    frame = pd.DataFrame(rows, columns=["event_id", "usage_date", "user_email", "amount_usd", "tokens", "event_timestamp"])
    return frame.sample(frac=1.0, axis=1, random_state=len(rows))  # column order is not our contract


def run(warehouse, first: str, last: str | None = None) -> dg.ExecuteInProcessResult:
    resources = {"io_manager": WarehouseIOManager(warehouse=warehouse)}
    if last is None:
        return dg.materialize([sample_daily_events], partition_key=first, resources=resources)
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    return dg.materialize([sample_daily_events], tags=tags, resources=resources)


def table(warehouse) -> pd.DataFrame:
    return warehouse.query("SELECT * FROM sample_daily_events ORDER BY event_id")


@pytest.fixture
def warehouse(engine_warehouse):
    return engine_warehouse


@pytest.fixture
def duckdb_warehouse(tmp_path, ddl_dir):
    from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse

    return DuckDBWarehouse(path=str(tmp_path / "warehouse.duckdb"), ddl_dir=str(ddl_dir))


def exact_amounts(warehouse) -> list[Decimal]:
    sql = warehouse.translate("SELECT CAST(amount_usd AS STRING) AS amount FROM sample_daily_events ORDER BY event_id")
    return [Decimal(a) for a in warehouse.query(sql)["amount"]]


@pytest.fixture(autouse=True)
def _reset_source():
    SOURCE.clear()
    yield
    SOURCE.clear()


def test_rematerialising_a_partition_twice_gives_the_same_rows(warehouse):
    SOURCE["2025-03-01"] = _rows("2025-03-01", 3)
    run(warehouse, "2025-03-01")
    first = table(warehouse)
    run(warehouse, "2025-03-01")
    second = table(warehouse)
    assert len(first) == 3
    pd.testing.assert_frame_equal(first, second)


def test_range_write_replaces_exactly_the_range(warehouse):
    for day in ("2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"):
        SOURCE[day] = _rows(day, 2)
    run(warehouse, "2025-03-01", "2025-03-04")
    assert len(table(warehouse)) == 8

    # The vendor revises 03-02 and 03-03 (one row each now); 03-01 and 03-04 are not re-run.
    SOURCE["2025-03-02"] = _rows("2025-03-02", 1, amount="9.5")
    SOURCE["2025-03-03"] = _rows("2025-03-03", 1, amount="9.5")
    SOURCE["2025-03-01"] = []  # would empty 03-01 if the range leaked
    run(warehouse, "2025-03-02", "2025-03-03")

    result = table(warehouse)
    per_day = result.groupby(result["usage_date"].astype(str)).size().to_dict()
    assert per_day == {"2025-03-01": 2, "2025-03-02": 1, "2025-03-03": 1, "2025-03-04": 2}
    revised = result[result["usage_date"].astype(str).isin(["2025-03-02", "2025-03-03"])]
    assert revised["amount_usd"].tolist() == [Decimal("9.5"), Decimal("9.5")]


def test_shuffled_columns_land_by_name(warehouse):
    SOURCE["2025-03-05"] = _rows("2025-03-05", 2, amount="0.0012345")
    run(warehouse, "2025-03-05")
    row = table(warehouse).iloc[1]
    assert row["event_id"] == "2025-03-05-1"
    assert row["user_email"] == "user1@example.com"
    assert row["tokens"] == 200
    assert exact_amounts(warehouse) == [Decimal("0.0012345")] * 2  # DECIMAL(18,3) would have kept 0.001
    assert str(row["usage_date"])[:10] == "2025-03-05"


def test_a_day_that_now_has_no_rows_is_emptied(warehouse):
    SOURCE["2025-03-06"] = _rows("2025-03-06", 4)
    SOURCE["2025-03-07"] = _rows("2025-03-07", 1)
    run(warehouse, "2025-03-06", "2025-03-07")
    SOURCE["2025-03-06"] = []
    run(warehouse, "2025-03-06")
    assert table(warehouse)["event_id"].tolist() == ["2025-03-07-0"]


def test_rows_outside_the_window_are_refused_and_nothing_is_written(warehouse):
    SOURCE["2025-03-08"] = _rows("2025-03-08", 2)
    run(warehouse, "2025-03-08")
    SOURCE["2025-03-08"] = _rows("2025-03-08", 1) + _rows("2025-03-09", 1)
    with pytest.raises(WarehouseWriteError, match="outside the window"):
        run(warehouse, "2025-03-08")
    assert table(warehouse)["event_id"].tolist() == ["2025-03-08-0", "2025-03-08-1"]


def test_frame_with_unknown_column_is_refused_naming_it(warehouse):
    frame = pd.DataFrame(_rows("2025-03-10", 1)).assign(surprise=1)
    with pytest.raises(WarehouseWriteError, match=r"unknown columns \['surprise'\]"):
        warehouse.replace_window("sample_daily_events", frame, "usage_date", *_window("2025-03-10"))


def _window(day: str):
    start = pd.Timestamp(day).date()
    return start, start + pd.Timedelta(days=1)


def test_table_is_created_from_ddl_even_when_the_first_write_is_empty(duckdb_warehouse):
    warehouse = duckdb_warehouse
    run(warehouse, "2025-03-11")
    types = warehouse.query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sample_daily_events' "
        "ORDER BY ordinal_position"
    )
    assert types.values.tolist() == [
        ["event_id", "VARCHAR"],
        ["usage_date", "DATE"],
        ["user_email", "VARCHAR"],
        ["amount_usd", "DECIMAL(38,9)"],
        ["tokens", "BIGINT"],
        ["event_timestamp", "TIMESTAMP WITH TIME ZONE"],
    ]
    assert table(warehouse).empty


def test_columns_added_to_the_ddl_are_added_to_an_existing_table(warehouse, ddl_dir):
    SOURCE["2025-03-12"] = _rows("2025-03-12", 1)
    run(warehouse, "2025-03-12")
    ddl = ddl_dir / "sample_daily_events.sql"
    ddl.write_text(ddl.read_text().replace("event_timestamp TIMESTAMP", "event_timestamp TIMESTAMP,\n  note STRING"))
    from ai_usage_analytics.resources.ddl import load_ddl

    load_ddl.cache_clear()
    warehouse.ensure_table("sample_daily_events")
    assert "note" in table(warehouse).columns
    load_ddl.cache_clear()


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_results_do_not_depend_on_the_machine_time_zone(tmp_path, ddl_dir, zone, monkeypatch):
    from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse

    def scenario(path) -> pd.DataFrame:
        wh = DuckDBWarehouse(path=str(path), ddl_dir=str(ddl_dir))
        for day in ("2025-11-01", "2025-11-02", "2025-11-03"):  # spans the US fall-back change
            SOURCE[day] = _rows(day, 2)
        run(wh, "2025-11-01", "2025-11-03")
        SOURCE["2025-11-02"] = _rows("2025-11-02", 1)
        run(wh, "2025-11-02")
        return table(wh)

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    reference = scenario(tmp_path / "utc.duckdb")
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        other = scenario(tmp_path / f"{zone.replace('/', '_')}.duckdb")
    finally:
        monkeypatch.setenv("TZ", os.environ.get("TZ", "UTC"))
        monkeypatch.undo()
        time.tzset()
    assert len(reference) == 5
    pd.testing.assert_frame_equal(reference, other)


def test_money_is_typed_from_the_ddl_not_from_the_first_values(warehouse):
    rows = _rows("2025-03-06", 3, amount="0.000000001")
    rows[1]["amount_usd"], rows[2]["amount_usd"] = Decimal("23.76"), Decimal("123456789.5")
    SOURCE["2025-03-06"] = rows
    run(warehouse, "2025-03-06")
    assert exact_amounts(warehouse) == [Decimal("0.000000001"), Decimal("23.76"), Decimal("123456789.5")]


def test_a_session_reads_through_one_connection_and_other_threads_open_their_own(duckdb_warehouse, monkeypatch):
    import threading

    import duckdb

    opened = []
    real_connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(1) or real_connect(*a, **k))
    duckdb_warehouse.ensure_table("sample_daily_events")
    opened.clear()
    seen_in_thread = []
    with duckdb_warehouse.session():
        with duckdb_warehouse.session():  # nested: still the one connection
            counts = [len(duckdb_warehouse.read_table("sample_daily_events")) for _ in range(5)]
        thread = threading.Thread(target=lambda: seen_in_thread.append(len(duckdb_warehouse.query("SELECT 1 AS x"))))
        thread.start()
        thread.join(timeout=0.5)  # the file lock is held by the session: the other thread waits for its end
        assert thread.is_alive()
    thread.join(timeout=30)
    assert counts == [0] * 5 and seen_in_thread == [1]
    assert len(opened) == 2  # the session's and the other thread's, after the session closed
    duckdb_warehouse.query("SELECT 1")
    assert len(opened) == 3  # after the session, each call opens again


def _wide_day(day: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "event_id": [f"{day}-{i:08d}" for i in range(n)], "usage_date": pd.Timestamp(day).date(),
        "user_email": [f"someone.with.a.rather.long.name.{i}@example.com" for i in range(n)],
        "amount_usd": Decimal("1.5"), "tokens": range(n), "event_timestamp": pd.Timestamp(f"{day}T10:00:00Z"),
    })


def test_a_window_swap_runs_under_its_own_memory_limit_and_the_session_keeps_its_own(tmp_path, ddl_dir):
    from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse

    def swap(limit: str, day: str, n: int) -> None:
        warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"), ddl_dir=str(ddl_dir), swap_memory_limit=limit)
        window = _window(day)
        with warehouse.session():
            try:
                with warehouse.staged_window("sample_daily_events", "usage_date", *window) as stage:
                    stage.append(_wide_day(day, n))
            finally:  # the session's connection reads on with the warehouse's limit
                setting = warehouse.query("SELECT current_setting('memory_limit') AS m")["m"].iloc[0]
                assert setting == DuckDBWarehouse(path=str(tmp_path / "other.duckdb")).query(
                    "SELECT current_setting('memory_limit') AS m")["m"].iloc[0]

    swap("256MB", "2026-03-01", 300_000)  # the default streams 300,000 wide rows in
    with pytest.raises(Exception, match="Out of Memory"):  # far too low: the limit is in force during the swap
        swap("8MB", "2026-03-02", 300_000)
    counts = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"), ddl_dir=str(ddl_dir)).query(
        "SELECT usage_date, COUNT(*) AS n FROM sample_daily_events GROUP BY 1 ORDER BY 1")
    assert counts["n"].tolist() == [300_000]  # the failed swap wrote nothing


def test_a_window_swap_runs_on_its_own_threads_and_the_session_gets_its_own_back(tmp_path, ddl_dir):
    from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse

    during: list[int] = []

    class Watched(DuckDBWarehouse):
        def _ensure(self, connection, table):  # also called inside the swap's transaction
            during.append(connection.execute("SELECT current_setting('threads')").fetchone()[0])
            super()._ensure(connection, table)

    threads = "SELECT current_setting('threads') AS t"
    default = DuckDBWarehouse(path=str(tmp_path / "other.duckdb")).query(threads)["t"].iloc[0]
    warehouse = Watched(path=str(tmp_path / "w.duckdb"), ddl_dir=str(ddl_dir), swap_threads=default + 1)
    with warehouse.session():
        before = warehouse.query(threads)["t"].iloc[0]
        with warehouse.staged_window("sample_daily_events", "usage_date", *_window("2026-03-01")) as stage:
            stage.append(_wide_day("2026-03-01", 1_000))
        after = warehouse.query(threads)["t"].iloc[0]
    assert during[-1] == default + 1  # the swap's own setting
    assert after == before == during[0] == default  # the session reads on with its own
    assert warehouse.query("SELECT COUNT(*) AS n FROM sample_daily_events")["n"].iloc[0] == 1_000
