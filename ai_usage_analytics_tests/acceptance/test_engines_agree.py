"""Issue 9's acceptance: the whole pipeline (raw, reference, facts, every view) for a simulated month on
DuckDB and on BigQuery (the emulator) gives the same facts and the same view rows; a one-day run on
BigQuery reads the partitioned tables only through partition filters on that day."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlparse

import pandas as pd
import pytest
import sqlglot
from google.auth.transport.requests import AuthorizedSession
from sqlglot import exp

from ai_usage_analytics.assets import facts, raw, reference
from ai_usage_analytics.assets.views import VIEW_ASSETS, VIEW_NAMES
from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse
from ai_usage_analytics_tests.acceptance.conftest import LAST, point_settings_at, run
from ai_usage_analytics_tests.conftest import drop_bigquery_dataset, new_bigquery_warehouse

PIPELINE = [*raw.RAW_ASSETS, *reference.REFERENCE_ASSETS, *facts.FACT_ASSETS, *VIEW_ASSETS]
RUN_COLUMNS = ("pipeline_run_id", "ingest_timestamp")  # differ between any two runs by design


@pytest.fixture(scope="module")
def engines(simulator, bigquery_emulator, tmp_path_factory):
    """The same 30 days through the whole pipeline on each engine."""
    directory = tmp_path_factory.mktemp("engines")
    duck = DuckDBWarehouse(path=str(directory / "warehouse.duckdb"))
    bigquery = new_bigquery_warehouse(bigquery_emulator)
    with pytest.MonkeyPatch.context() as monkeypatch:
        reference_dir = point_settings_at(monkeypatch, simulator, directory / "reference")
        for warehouse in (duck, bigquery):
            simulator.reset()
            result = run(PIPELINE, warehouse, simulator, reference_dir)
            assert result.success
            assert all(e.passed for e in result.get_asset_check_evaluations() if e.severity.value == "ERROR")
        yield duck, bigquery, reference_dir
    drop_bigquery_dataset(bigquery)


def canonical(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> list[tuple]:
    """Rows as comparable text, order-independent; floats to 9 significant digits (engines may differ
    in the last bits of a division), JSON text parsed so key order and spacing do not matter."""
    def cell(value):
        if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
            return "NULL"
        if isinstance(value, float):
            return f"{value:.9g}"
        if isinstance(value, str) and value[:1] in "{[":
            try:
                return json.dumps(json.loads(value), sort_keys=True)
            except ValueError:
                return value
        if hasattr(value, "normalize") and not isinstance(value, pd.Timestamp):
            return format(value.normalize(), "f")  # Decimal: 1.500000000 == 1.5
        return str(value)

    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    # Column names compare case-insensitively, as in BigQuery: bqemulator 1.4.0 lower-cases every output
    # column of a query that concatenates strings (vw_focus_costs' SkuId...); BigQuery keeps the case.
    frame = frame.rename(columns=str.lower)
    header = tuple(sorted(frame.columns))
    return [header] + sorted(tuple(cell(v) for v in row) for row in frame[list(header)].itertuples(index=False))


@pytest.mark.parametrize("table", ["fact_ai_usage", "fact_ai_costs", "dim_users", "api_key_mappings"])
def test_tables_are_identical_on_both_engines(engines, table):
    duck, bigquery, _ = engines
    expected = canonical(duck.read_table(table), RUN_COLUMNS + ("created_at", "updated_at"))
    assert len(expected) > 1
    assert canonical(bigquery.read_table(table), RUN_COLUMNS + ("created_at", "updated_at")) == expected


@pytest.mark.parametrize("view", VIEW_NAMES)
def test_every_view_answers_the_same_on_both_engines(engines, view):
    duck, bigquery, _ = engines
    expected = canonical(duck.query(f"SELECT * FROM {view}"))
    assert len(expected) > 1, view
    actual = canonical(bigquery.query(f"SELECT * FROM {view}"))
    assert actual[0] == expected[0]
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    assert (len(actual), missing[:3], extra[:3]) == (len(expected), [], [])


def test_the_facts_reconcile_on_bigquery_per_day(engines):
    duck, bigquery, _ = engines
    sql = "SELECT cost_date, cost_source, SUM(allocated_cost_usd) AS usd FROM fact_ai_costs GROUP BY 1, 2"
    assert canonical(bigquery.query(sql)) == canonical(duck.query(sql))


class RequestLog:
    """Every query job google-cloud-bigquery sends: SQL text and parameters as they go over the wire."""

    def __init__(self):
        self.queries: list[tuple[str, dict]] = []

    def install(self, monkeypatch):
        original = AuthorizedSession.request

        def request(session, method, url, *args, **kwargs):
            body = kwargs.get("data")
            if method == "POST" and urlparse(url).path.endswith("/jobs") and body:
                query = json.loads(body).get("configuration", {}).get("query")
                if query:
                    params = {p["name"]: p["parameterValue"]["value"] for p in query.get("queryParameters", [])}
                    self.queries.append((query["query"], params))
            return original(session, method, url, *args, **kwargs)

        monkeypatch.setattr(AuthorizedSession, "request", request)


def partition_bounds(sql: str, params: dict) -> dict[str, tuple[str | None, str | None]]:
    """For each partitioned table the SQL touches: the [lower, upper) it puts on the partition column,
    with @parameters resolved and DATE literals read."""
    bounds: dict[str, list] = {}
    for statement in sqlglot.parse(sql, read="bigquery"):
        if statement is None:
            continue
        tables = {t.name for t in statement.find_all(exp.Table)} & set(PARTITIONED)
        for table in tables:
            found = bounds.setdefault(table, [None, None])
            for comparison in statement.find_all(exp.GTE, exp.LT):
                if not (isinstance(comparison.this, exp.Column) and comparison.this.name == PARTITIONED[table]):
                    continue
                bound = comparison.expression
                value = params.get(bound.name) if isinstance(bound, exp.Parameter) else bound.find(exp.Literal).this
                found[0 if isinstance(comparison, exp.GTE) else 1] = value
    return {table: tuple(found) for table, found in bounds.items()}


PARTITIONED = {"raw_cursor_events": "usage_date", "raw_cursor_usage_events": "usage_date",
               "raw_claude_events": "usage_date", "raw_claude_code_events": "usage_date",
               "raw_claude_costs": "cost_date", "fact_ai_usage": "usage_date", "fact_ai_costs": "cost_date"}


def test_a_one_day_run_on_bigquery_reads_only_that_days_partitions(engines, simulator, monkeypatch):
    """Reads and window replaces are bounded to the day. The only other reads of partitioned tables
    are the anomaly checks' baselines, which end where the day starts and look back 28 days (month
    to date for the budget check), by design."""
    _, bigquery, reference_dir = engines
    log = RequestLog()
    log.install(monkeypatch)
    day = LAST
    assert run([*raw.RAW_ASSETS, *facts.FACT_ASSETS], bigquery, simulator, reference_dir, first=day, last=day).success

    start, end = day.isoformat(), (day + timedelta(days=1)).isoformat()
    earliest_baseline = min(day.replace(day=1), day - timedelta(days=28)).isoformat()
    touched = {}
    for sql, params in log.queries:
        for table, (lower, upper) in partition_bounds(sql, params).items():
            touched.setdefault(table, []).append((lower, upper))
            if (lower, upper) != (start, end):
                assert upper == start and earliest_baseline <= lower < start, (table, sql, params)
    assert set(touched) == set(PARTITIONED)
    for table in PARTITIONED:
        assert (start, end) in touched[table], table  # every partitioned table is read or replaced for the day
    # the facts read each raw table's day through sql/queries/fact_input_<table>.sql
    reads = [p for s, p in log.queries if "@since" in s and "@until" in s and "EXCEPT (raw_response)" in s]
    assert len(reads) >= 5 and all(p == {"since": start, "until": end} for p in reads)
