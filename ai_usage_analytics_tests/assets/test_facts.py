"""Fact assets on a seeded warehouse (DuckDB and BigQuery): attribution, reconciliation gates, idempotence."""

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from ai_usage_analytics.assets import facts
from ai_usage_analytics.checks import schemas
from ai_usage_analytics.resources.io_manager import WarehouseIOManager
from ai_usage_analytics.transform import anthropic, cursor
from ai_usage_analytics.transform.platforms import build_dim_platforms
from ai_usage_analytics.transform.users import build_dim_users

VENDOR = Path(__file__).parents[1] / "fixtures" / "vendor"
DAY = date(2025, 8, 1)
NOW = datetime(2025, 8, 2, 13, tzinfo=timezone.utc)
WINDOW = (DAY, date(2025, 8, 2))


@pytest.fixture
def warehouse(engine_warehouse):
    """Every scenario here on DuckDB and on BigQuery (the emulator)."""
    return engine_warehouse


def body(path):
    return json.loads((VENDOR / path).read_text())


def seed(warehouse, mapped: bool):
    """One API key with usage and a cost line on DAY; a Cursor member with charges and a seat."""
    usage = body("anthropic/usage_report_messages.json")["data"]
    warehouse.replace_window("raw_claude_events", schemas.RawClaudeEvents.validate(
        anthropic.normalize_messages_usage(usage, *WINDOW, NOW)), "usage_date", *WINDOW)
    costs = body("anthropic/cost_report.json")["data"]
    costs[0]["results"].append({**costs[0]["results"][0], "token_type": "output_tokens", "amount": "50", "description": "out"})
    warehouse.replace_window("raw_claude_costs", schemas.RawClaudeCosts.validate(
        anthropic.normalize_cost_report(costs, *WINDOW, NOW)), "cost_date", *WINDOW)
    daily = body("cursor/teams_daily_usage_data.json")["data"]
    daily[0].update(day=DAY.isoformat(), date=1754006400000)
    warehouse.replace_window("raw_cursor_events", schemas.RawCursorEvents.validate(
        cursor.normalize_daily_usage(daily, *WINDOW, NOW)), "usage_date", *WINDOW)
    events = body("cursor/teams_filtered_usage_events.json")["usageEvents"]
    for event in events:
        event["timestamp"] = str(1754006400000 + 3_600_000)
    warehouse.replace_window("raw_cursor_usage_events", schemas.RawCursorUsageEvents.validate(
        cursor.normalize_usage_events(events, *WINDOW, NOW)), "usage_date", *WINDOW)
    warehouse.replace_table("raw_anthropic_api_keys", anthropic.normalize_api_keys([], NOW))
    warehouse.replace_table("raw_anthropic_users", anthropic.normalize_users([], NOW))
    roster = pd.DataFrame([{"user_email": "developer@company.com", "first_name": "Dev", "last_name": "Eloper",
                            "department": "Engineering", "job_role": "SWE", "user_type": "engineering",
                            "is_active": True, "start_date": None, "end_date": None},
                           {"user_email": "ada@company.com", "first_name": "Ada", "last_name": "Lovelace",
                            "department": "Research", "job_role": "Scientist", "user_type": "knowledge_worker",
                            "is_active": True, "start_date": None, "end_date": None}])
    discovered = pd.DataFrame([{"user_email": "admin@company.com", "source": "cursor", "first_seen": DAY}])
    warehouse.replace_table("dim_users", schemas.DimUsers.validate(build_dim_users(roster, discovered, DAY, pd.Timestamp(NOW))))
    warehouse.replace_table("dim_platforms", build_dim_platforms())
    mapping = [{"mapping_id": "m1", "api_key_id": "apikey_01Rj2N8SVvo6BePZj99NhmiT", "api_key_name": "Developer Key",
                "user_email": "ada@company.com", "platform_code": "claude_api", "usage_purpose": "research",
                "cost_center": "CC-R", "is_active": True, "confidence_score": 0.9, "created_at": None,
                "last_verified": None, "valid_from": None, "valid_to": None}] if mapped else []
    warehouse.replace_table("api_key_mappings", pd.DataFrame(mapping, columns=warehouse.ddl("api_key_mappings").column_names))
    warehouse.replace_table("budgets", pd.DataFrame([{"budget_category": "Research", "month": "2025-08",
                                                       "month_start": date(2025, 8, 1), "budget_usd": Decimal("1")}]))


@pytest.fixture
def seat_prices(tmp_path, monkeypatch):
    (tmp_path / "seat_prices.csv").write_text("platform_code,plan,seat_price_usd_month\ncursor,business,40\n")
    monkeypatch.setattr(facts, "SETTINGS", facts.SETTINGS.__class__(**{**facts.SETTINGS.__dict__, "reference_dir": tmp_path}))


def materialize(warehouse, key):
    return dg.materialize([facts.facts], selection=[key], partition_key=DAY.isoformat(),
                          resources={"warehouse": warehouse, "io_manager": WarehouseIOManager(warehouse=warehouse)},
                          raise_on_error=False)


def checks(result):
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_usage_fact_attributes_by_mapping_and_email(warehouse):
    seed(warehouse, mapped=True)
    result = materialize(warehouse, facts.USAGE)
    assert result.success and checks(result) == {"schema": True, "unique_natural_key": True,
                                                 "keys_exist_in_dimensions": True, "volume_drop": True}
    fact = warehouse.query("SELECT * FROM fact_ai_usage ORDER BY metric_source")
    claude = fact[fact["metric_source"] == "claude_messages_usage"].iloc[0]
    assert (claude["attribution_method"], claude["attribution_confidence"], claude["use_case"]) == ("api_key_mapping", 0.9, "knowledge_work")
    assert claude["total_tokens"] == 1500 + 1700 + 500
    daily = fact[fact["metric_source"] == "cursor_daily_usage"].iloc[0]
    assert (daily["lines_added"], daily["lines_accepted"]) == (1543, 1102)
    assert round(daily["acceptance_rate"], 4) == round(1102 / 1543, 4)


def test_cost_fact_reconciles_and_unmapped_key_is_unattributed(warehouse, seat_prices):
    seed(warehouse, mapped=False)
    result = materialize(warehouse, facts.COSTS)
    assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert checks(result) == {"schema": True, "unique_natural_key": True, "keys_exist_in_dimensions": True,
                              "reconciles_to_vendor_bill": True, "allocation_sums_to_100_percent": True, "spend_spike": True}
    totals = warehouse.query("SELECT platform_sk, user_sk, cost_source, CAST(SUM(allocated_cost_usd) AS VARCHAR) AS usd "
                             "FROM fact_ai_costs GROUP BY ALL ORDER BY ALL")
    anthropic_rows = totals[totals["cost_source"] == "anthropic_cost_report"]
    assert anthropic_rows["user_sk"].tolist() == ["unattributed"]
    assert Decimal(anthropic_rows["usd"].iloc[0]) == Decimal("1.2378912") + Decimal("0.5")
    seat = totals[totals["cost_source"] == "cursor_seats"]
    assert Decimal(seat["usd"].iloc[0]) == Decimal("1.290322581")  # $40 / 31 days


def test_remapping_moves_cost_from_unattributed_to_the_person_without_changing_the_total(warehouse, seat_prices):
    seed(warehouse, mapped=False)
    materialize(warehouse, facts.COSTS)
    before = warehouse.query("SELECT CAST(SUM(allocated_cost_usd) AS VARCHAR) AS usd FROM fact_ai_costs")["usd"][0]
    seed(warehouse, mapped=True)
    materialize(warehouse, facts.COSTS)
    after = warehouse.query("SELECT user_sk, budget_category, is_over_budget, CAST(allocated_cost_usd AS VARCHAR) AS usd "
                            "FROM fact_ai_costs WHERE cost_source = 'anthropic_cost_report'")
    assert set(after["budget_category"]) == {"Research"} and "unattributed" not in set(after["user_sk"])
    assert after["is_over_budget"].all()  # $1.74 > the $1 Research budget
    assert warehouse.query("SELECT CAST(SUM(allocated_cost_usd) AS VARCHAR) AS usd FROM fact_ai_costs")["usd"][0] == before


def test_rerunning_gives_identical_facts(warehouse, seat_prices):
    seed(warehouse, mapped=True)
    columns = "cost_id, user_sk, platform_sk, cost_date, CAST(allocated_cost_usd AS VARCHAR) a, allocation_percentage"
    materialize(warehouse, facts.COSTS)
    first = warehouse.query(f"SELECT {columns} FROM fact_ai_costs ORDER BY cost_id")
    materialize(warehouse, facts.COSTS)
    pd.testing.assert_frame_equal(first, warehouse.query(f"SELECT {columns} FROM fact_ai_costs ORDER BY cost_id"))


def test_a_cost_that_does_not_reconcile_is_not_written(warehouse, seat_prices, monkeypatch):
    seed(warehouse, mapped=True)
    original = facts.billed_totals
    monkeypatch.setattr(facts, "billed_totals", lambda inputs: original(inputs).assign(billed_usd=Decimal("999")))
    result = materialize(warehouse, facts.COSTS)
    assert not result.success and checks(result)["reconciles_to_vendor_bill"] is False
    warehouse.ensure_table("fact_ai_costs")
    assert warehouse.query("SELECT COUNT(*) AS n FROM fact_ai_costs")["n"][0] == 0


def test_a_failing_fact_leaves_the_other_written_and_both_failing_are_named(warehouse, seat_prices, monkeypatch):
    seed(warehouse, mapped=True)
    original = facts.billed_totals
    monkeypatch.setattr(facts, "billed_totals", lambda inputs: original(inputs).assign(billed_usd=Decimal("999")))
    result = dg.materialize([facts.facts], partition_key=DAY.isoformat(), raise_on_error=False,
                            resources={"warehouse": warehouse, "io_manager": WarehouseIOManager(warehouse=warehouse)})
    assert not result.success and checks(result)["reconciles_to_vendor_bill"] is False
    assert {m.asset_key.path[-1] for m in result.get_asset_materialization_events()} == {"fact_ai_usage"}
    assert warehouse.query("SELECT COUNT(*) AS n FROM fact_ai_usage")["n"][0] > 0

    def broken(*args, **kwargs):
        raise ValueError("usage could not be built")

    monkeypatch.setattr(facts, "build_fact_ai_usage", broken)
    with pytest.raises(facts.FactsFailed, match=r"^2 of 2 facts failed \(the others were written\): "
                       r"fact_ai_usage: usage could not be built; fact_ai_costs: "):
        dg.materialize([facts.facts], partition_key=DAY.isoformat(),
                       resources={"warehouse": warehouse, "io_manager": WarehouseIOManager(warehouse=warehouse)})


def test_the_worker_takes_a_quarter_of_a_backfill_s_cost_from_a_month_s_first_day():
    from ai_usage_analytics.assets.facts import COST_TAIL_SHARE, cost_tail_start

    assert COST_TAIL_SHARE == 0.25
    # a year to 2026-12-04: 91 days before its end is 2026-09-05, nearest first of a month 2026-09-01
    assert cost_tail_start(date(2025, 12, 5), date(2026, 12, 5)) == date(2026, 9, 1)
    assert cost_tail_start(date(2026, 2, 17), date(2026, 3, 19)) == date(2026, 3, 1)  # the only one inside
    assert cost_tail_start(date(2026, 1, 1), date(2026, 4, 1)) == date(2026, 3, 1)  # never the window's own start
    assert cost_tail_start(date(2026, 3, 2), date(2026, 3, 30)) is None  # no month begins inside: all here
    assert cost_tail_start(date(2026, 3, 2), date(2026, 4, 2)) == date(2026, 4, 1)
