"""Issue 6's acceptance: over a 30-day range the facts equal the simulator's ground truth per vendor and
day, the unattributed share is the share the synthetic company left unmapped, re-runs are identical,
and mapping a key moves its cost from 'unattributed' to the person without changing any day's total."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import dagster as dg
import pandas as pd
import pytest

from ai_usage_analytics.assets import facts, raw, reference
from ai_usage_analytics.demo.prices import TOKEN_TYPES
from ai_usage_analytics.resources.google_sheets import LocalCsvReference
from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG
from ai_usage_analytics.sensors import build_mapping_sheet_sensor
from ai_usage_analytics_tests.acceptance.conftest import TODAY, days, loaded_pipeline, per_day, run, table_hash

PIPELINE = [*raw.RAW_ASSETS, *reference.REFERENCE_ASSETS, *facts.FACT_ASSETS]
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def pipeline(simulator, tmp_path_factory):
    """Raw -> reference -> facts for the 30 days, loaded once for the module (the tests run in file
    order; the last one edits the mapping)."""
    with loaded_pipeline(simulator, tmp_path_factory.mktemp("facts"), PIPELINE) as (warehouse, reference_dir, _):
        yield warehouse, reference_dir


@pytest.fixture
def loaded(pipeline):
    return pipeline[0]


@pytest.fixture
def reference_dir(pipeline):
    return pipeline[1]


def by_day(warehouse, sql: str) -> dict:
    return {day: values[0] for day, values in per_day(warehouse, sql).items()}


def fact_hash(warehouse, table: str) -> str:
    return table_hash(warehouse, table, exclude=("pipeline_run_id", "ingest_timestamp"))


def test_fact_totals_equal_the_ground_truth_per_vendor_and_day(loaded, simulator):
    anthropic = by_day(loaded, "SELECT cost_date, SUM(allocated_cost_usd) FROM fact_ai_costs "
                               "WHERE cost_source = 'anthropic_cost_report' GROUP BY 1")
    cursor = by_day(loaded, "SELECT cost_date, SUM(allocated_cost_usd) FROM fact_ai_costs "
                            "WHERE cost_source = 'cursor_usage_events' GROUP BY 1")
    api_tokens = by_day(loaded, "SELECT usage_date, SUM(total_tokens) FROM fact_ai_usage "
                                "WHERE metric_source = 'claude_messages_usage' GROUP BY 1")
    cursor_lines = by_day(loaded, "SELECT usage_date, SUM(lines_added) FROM fact_ai_usage "
                                  "WHERE metric_source = 'cursor_daily_usage' GROUP BY 1")
    for day in days():
        truth = simulator.org.truth(day)
        assert Decimal(anthropic.get(day, 0)).quantize(CENT) == Decimal(truth["anthropic"]["cost_usd"]).quantize(CENT), day
        assert Decimal(cursor.get(day, 0)).quantize(CENT) == Decimal(truth["cursor"]["charged_usd"]).quantize(CENT), day
        assert api_tokens.get(day, 0) == sum(truth["anthropic"]["tokens"].get(t, 0) for t in TOKEN_TYPES), day
        assert cursor_lines.get(day, 0) == truth["cursor"]["lines_added"], day


def test_month_to_date_budgets_carry_across_the_chunks_of_a_month(loaded):
    """The run works through half months: from the 16th on, month-to-date spend takes the 1st-15th from
    the days carried between chunks. Recomputed here from the written table, every row agrees."""
    rows = loaded.query(
        "WITH daily AS (SELECT budget_category, cost_date, SUM(CAST(allocated_cost_usd AS DOUBLE)) AS usd "
        "FROM fact_ai_costs GROUP BY 1, 2), mtd AS (SELECT budget_category, cost_date, SUM(usd) OVER ("
        "PARTITION BY budget_category, date_trunc('month', cost_date) ORDER BY cost_date) AS spent FROM daily) "
        "SELECT DISTINCT f.budget_category, f.cost_date, CAST(f.budget_allocated_usd AS DOUBLE) AS budget, "
        "f.is_over_budget, m.spent FROM fact_ai_costs f JOIN mtd m USING (budget_category, cost_date) "
        "WHERE f.budget_allocated_usd IS NOT NULL")
    assert len(rows) and {d.day for d in pd.to_datetime(rows["cost_date"])} >= {1, 15, 16, 17}
    clear = rows[(rows["spent"] - rows["budget"]).abs() > 1e-6]
    assert (clear["is_over_budget"] == (clear["spent"] > clear["budget"])).all()
    assert clear["is_over_budget"].any() and not clear["is_over_budget"].all()


def test_the_unattributed_share_is_what_the_company_left_unmapped(loaded, simulator):
    frame = loaded.query("SELECT SUM(allocated_cost_usd) AS total, "
                         "SUM(CASE WHEN user_sk = 'unattributed' THEN allocated_cost_usd ELSE 0 END) AS unattributed "
                         "FROM fact_ai_costs WHERE cost_source = 'anthropic_cost_report'")
    truths = [simulator.org.truth(day)["anthropic"] for day in days()]
    unmapped = sum((Decimal(t["unmapped_cost_usd"]) for t in truths), Decimal(0))
    total = sum((Decimal(t["cost_usd"]) for t in truths), Decimal(0))
    assert Decimal(frame["unattributed"][0]).quantize(CENT) == unmapped.quantize(CENT) > 0
    assert float(frame["unattributed"][0] / frame["total"][0]) == pytest.approx(float(unmapped / total), abs=1e-6)


def test_rerunning_the_range_gives_identical_facts(loaded, simulator, reference_dir):
    before = (fact_hash(loaded, "fact_ai_usage"), fact_hash(loaded, "fact_ai_costs"))
    assert run(PIPELINE, loaded, simulator, reference_dir).success
    assert (fact_hash(loaded, "fact_ai_usage"), fact_hash(loaded, "fact_ai_costs")) == before


def test_mapping_a_key_in_the_sheet_reattributes_through_the_sensor_and_keeps_each_days_total(loaded, simulator, reference_dir):
    unmapped = loaded.query(
        "SELECT api_key_id, SUM(allocated_cost_usd) AS usd FROM fact_ai_costs "
        "WHERE user_sk = 'unattributed' AND api_key_id IS NOT NULL GROUP BY 1 ORDER BY usd DESC LIMIT 1"
    )
    key, usd = unmapped["api_key_id"][0], Decimal(unmapped["usd"][0])
    person = loaded.query("SELECT user_email, user_sk FROM dim_users WHERE NOT is_discovered AND user_sk != 'unattributed' "
                          "ORDER BY user_email LIMIT 1")
    daily_before = by_day(loaded, "SELECT cost_date, SUM(allocated_cost_usd) FROM fact_ai_costs GROUP BY 1")
    path = reference_dir / "api_key_mappings.csv"
    with path.open(newline="") as handle:
        header = next(csv.reader(handle))
    row = {c: "" for c in header} | {"api_key_id": key, "api_key_name": "found-owner", "user_email": person["user_email"][0],
                                      "platform_code": "claude_api", "usage_purpose": "general", "is_active": "true"}
    with path.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=header).writerow(row)

    # The sensor sees the edit and asks for the mapping plus the facts of the days the key was used.
    sensor = build_mapping_sheet_sensor([facts.USAGE, facts.COSTS], today=lambda: TODAY)
    tick = sensor(dg.build_sensor_context(
        resources={"reference_sheets": LocalCsvReference(directory=str(reference_dir)), "warehouse": loaded}))
    (request,) = tick.run_requests
    assert set(request.asset_selection) == {reference.api_key_mappings.key, facts.USAGE, facts.COSTS}
    first, last = (date.fromisoformat(request.tags[t]) for t in (RANGE_START_TAG, RANGE_END_TAG))
    key_days = by_day(loaded, f"SELECT cost_date, COUNT(*) FROM fact_ai_costs WHERE api_key_id = '{key}' GROUP BY 1")
    assert (first, last) == (min(key_days), max(key_days))

    assert run(PIPELINE, loaded, simulator, reference_dir, first=first, last=last,
               selection=request.asset_selection).success

    moved = loaded.query(f"SELECT user_sk, SUM(allocated_cost_usd) AS usd FROM fact_ai_costs WHERE api_key_id = '{key}' GROUP BY 1")
    assert moved["user_sk"].tolist() == [person["user_sk"][0]]
    assert Decimal(moved["usd"][0]) == usd
    assert by_day(loaded, "SELECT cost_date, SUM(allocated_cost_usd) FROM fact_ai_costs GROUP BY 1") == daily_before
