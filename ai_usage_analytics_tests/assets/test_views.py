"""Each view on a small hand-built warehouse (DuckDB and BigQuery): values asserted, BigQuery parse, documented columns."""

import json
from datetime import date
from decimal import Decimal

import dagster as dg
import pandas as pd
import pytest
import sqlglot

from ai_usage_analytics.assets.views import VIEW_ASSETS, VIEW_DIR, VIEW_NAMES, read_view
from ai_usage_analytics.transform.platforms import build_dim_platforms

MON, TUE, FEB = date(2026, 3, 2), date(2026, 3, 3), date(2026, 2, 10)


@pytest.fixture
def warehouse(engine_warehouse):
    """Every scenario here on DuckDB and on BigQuery (the emulator)."""
    return engine_warehouse


def rows(warehouse, table, records):
    columns = warehouse.ddl(table).column_names
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in records], columns=list(columns))


def person(email, department, user_type, sk):
    return {"user_sk": sk, "user_email": email, "department": department, "user_type": user_type, "is_active": True,
            "is_discovered": False, "created_at": pd.Timestamp("2026-01-01T00:00Z"), "updated_at": pd.Timestamp("2026-01-01T00:00Z")}


def usage(sk, platform, day, use_case, source="cursor_daily_usage", **metrics):
    return {"event_id": f"{sk}-{platform}-{day}-{source}", "user_sk": sk, "platform_sk": platform, "usage_date": day,
            "attribution_method": "direct_email", "attribution_confidence": 1.0, "metric_source": source,
            "use_case": use_case, "pipeline_run_id": "r", "ingest_timestamp": pd.Timestamp("2026-03-04T00:00Z"), **metrics}


def cost(sk, platform, day, amount, use_case, source="cursor_seats", **extra):
    return {"cost_id": f"{sk}-{platform}-{day}-{amount}", "user_sk": sk, "platform_sk": platform, "cost_date": day,
            "allocated_cost_usd": Decimal(amount), "total_cost_usd": Decimal(amount), "cost_type": "usage",
            "currency_code": "USD", "allocation_percentage": 100.0, "allocation_method": "direct",
            "allocation_confidence": 1.0, "budget_category": "x", "cost_source": source, "source_line_id": "l",
            "attribution_method": "direct_email", "attribution_confidence": 1.0, "use_case": use_case,
            "pipeline_run_id": "r", "ingest_timestamp": pd.Timestamp("2026-03-04T00:00Z"), **extra}


@pytest.fixture
def seeded(warehouse):
    warehouse.replace_table("dim_users", rows(warehouse, "dim_users", [
        person("ada@corp.com", "Engineering", "engineering", "u_ada"),
        person("bob@corp.com", "Engineering", "engineering", "u_bob"),
        person("kim@corp.com", "Research", "knowledge_worker", "u_kim"),
        person("unattributed", "unattributed", None, "unattributed"),
    ]))
    warehouse.replace_table("dim_platforms", build_dim_platforms())
    warehouse.replace_window("fact_ai_usage", rows(warehouse, "fact_ai_usage", [
        usage("u_ada", "cursor", MON, "engineering_productivity", lines_added=100, lines_accepted=60,
              suggestions_shown=10, suggestions_accepted=5),
        usage("u_ada", "claude_code", TUE, "engineering_productivity", "claude_code_report", lines_added=40,
              lines_accepted=40, commits=2, pull_requests=1, session_count=3, suggestions_shown=10, suggestions_accepted=9),
        usage("u_bob", "cursor", MON, "engineering_productivity", lines_added=0, lines_accepted=0),
        usage("u_kim", "claude_api", MON, "knowledge_work", "claude_messages_usage", api_key_id="k1", model_name="m",
              input_tokens=1000, cached_input_tokens=400, cache_read_tokens=300, cache_creation_tokens=100,
              output_tokens=200, total_tokens=1200, usage_purpose="research"),
        usage("u_kim", "claude_web", MON, "knowledge_work", "claude_web_activity", interaction_count=5),
    ]), "usage_date", FEB, date(2026, 4, 1))
    warehouse.replace_window("fact_ai_costs", rows(warehouse, "fact_ai_costs", [
        cost("u_ada", "cursor", MON, "3.00", "engineering_productivity"),
        cost("u_ada", "claude_code", TUE, "2.00", "engineering_productivity", "anthropic_cost_report"),
        cost("u_kim", "claude_api", MON, "0.60", "knowledge_work", "anthropic_cost_report", api_key_id="k1", model_name="m"),
        cost("u_kim", "claude_api", FEB, "0.30", "knowledge_work", "anthropic_cost_report", api_key_id="k1", model_name="m"),
    ]), "cost_date", FEB, date(2026, 4, 1))
    warehouse.replace_table("roi_assumptions", rows(warehouse, "roi_assumptions", []))
    result = dg.materialize(VIEW_ASSETS, resources={"warehouse": warehouse})
    assert all(e.passed for e in result.get_asset_check_evaluations())
    return warehouse


def view(warehouse, name, order):
    return warehouse.query(f"SELECT * FROM {name} ORDER BY {order}")


def test_engineering_productivity(seeded):
    out = view(seeded, "vw_engineering_productivity", "user_sk, usage_date").set_index(["user_sk", "platform_sk"])
    ada_cursor, ada_code, bob = out.loc[("u_ada", "cursor")], out.loc[("u_ada", "claude_code")], out.loc[("u_bob", "cursor")]
    assert ada_cursor["acceptance_rate"] == 0.6 and ada_cursor["suggestion_rate"] == 0.5
    assert ada_cursor["cost_per_accepted_line"] == pytest.approx(0.05)
    assert ada_cursor["productivity_score"] == 60 and ada_code["productivity_score"] == 40 + 2 * 20 + 100
    assert ada_cursor["uses_cursor_and_claude_code"] and ada_code["uses_cursor_and_claude_code"]
    assert str(ada_code["week_start"])[:10] == "2026-03-02" and ada_code["department"] == "Engineering"
    assert pd.isna(bob["acceptance_rate"]) and not bob["uses_cursor_and_claude_code"] and bob["cost_usd"] == 0


def test_knowledge_worker_productivity(seeded):
    out = view(seeded, "vw_knowledge_worker_productivity", "usage_date, platform_sk")
    web = out[(out["platform_sk"] == "claude_web")].iloc[0]
    assert web["interactions"] == 5 and web["active_days_in_month"] == 1
    assert (web["department_active_people"], web["department_roster_people"], web["adoption_rate"]) == (1, 1, 1.0)
    assert web["department_cost_usd"] == pytest.approx(0.6)
    api_feb = out[(out["platform_sk"] == "claude_api") & (out["month"] == "2026-02")].iloc[0]
    assert api_feb["cost_usd"] == pytest.approx(0.3) and api_feb["active_days_in_month"] == 0


def test_api_consumption(seeded):
    (row,) = view(seeded, "vw_api_consumption", "usage_date").to_dict("records")
    assert (row["api_key_id"], row["user_email"], row["usage_purpose"]) == ("k1", "kim@corp.com", "research")
    assert (row["uncached_input_tokens"], row["cache_hit_ratio"]) == (600, 0.3)
    assert row["cost_usd"] == pytest.approx(0.6) and row["cost_per_1k_tokens"] == pytest.approx(0.5)
    assert row["tokens_7d_avg"] == 1200 and row["tokens_vs_7d_avg"] == 1.0


def test_unified_roi_without_and_with_assumptions(seeded):
    out = view(seeded, "vw_unified_roi_analysis", "department, month").set_index(["department", "month"])
    engineering, research = out.loc[("Engineering", "2026-03")], out.loc[("Research", "2026-03")]
    assert (engineering["spend_usd"], engineering["active_people"], engineering["cost_per_active_person"]) == (5.0, 2, 2.5)
    assert engineering["accepted_lines"] == 100 and engineering["commits"] == 2
    assert research["spend_prev_month_usd"] == pytest.approx(0.3) and research["spend_mom_change"] == pytest.approx(1.0)
    assert pd.isna(engineering["estimated_hours_saved"]) and engineering["hours_saved_assumption"] is None

    seeded.replace_table("roi_assumptions", pd.DataFrame(
        [{"output_measure": "accepted_lines", "minutes_saved_per_unit": 0.5, "assumption": "team survey 2026"}]))
    engineering = view(seeded, "vw_unified_roi_analysis", "department, month").set_index(["department", "month"]).loc[
        ("Engineering", "2026-03")]
    assert engineering["estimated_hours_saved"] == pytest.approx(100 * 0.5 / 60)
    assert engineering["hours_saved_assumption"] == "accepted_lines: team survey 2026"


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_every_view_parses_as_bigquery(name):
    tree = sqlglot.parse_one((VIEW_DIR / f"{name}.sql").read_text(), read="bigquery")
    assert tree.named_selects


def test_view_assets_describe_their_columns():
    for asset in VIEW_ASSETS:
        spec = next(iter(asset.specs))
        assert "Columns:" in spec.description


FETCHED = pd.Timestamp("2026-03-04T00:00Z")


def test_budget_vs_actual_forecasts_on_working_days(seeded):
    seeded.replace_table("budgets", pd.DataFrame([
        {"budget_category": "x", "month": "2026-03", "month_start": date(2026, 3, 1), "budget_usd": Decimal("50")},
        {"budget_category": "Sales", "month": "2026-03", "month_start": date(2026, 3, 1), "budget_usd": Decimal("9")},
    ]))
    out = view(seeded, "vw_budget_vs_actual", "month, budget_category").set_index(["month", "budget_category"])
    march = out.loc[("2026-03", "x")]
    assert march["actual_usd"] == pytest.approx(5.6) and str(march["data_through"])[:10] == "2026-03-03"
    assert (march["working_days_elapsed"], march["working_days_in_month"]) == (2, 22)
    assert march["forecast_month_end_usd"] == pytest.approx(5.6 / 2 * 22)
    assert march["variance_usd"] == pytest.approx(5.6 / 2 * 22 - 50) and march["status"] == "over"
    sales = out.loc[("2026-03", "Sales")]  # a budget with no spend yet
    assert (sales["actual_usd"], sales["forecast_month_end_usd"], sales["status"]) == (0, 0, "under")
    february = out.loc[("2026-02", "x")]
    assert pd.isna(february["budget_usd"]) and february["status"] == "no_budget"


def test_unattributed_spend_is_a_ranked_worklist_with_leads(seeded):
    extra = [
        cost("unattributed", "claude_api", MON, "4.00", "api_consumption", "anthropic_cost_report", api_key_id="k9",
             workspace_id="w1"),
        cost("unattributed", "claude_api", TUE, "1.00", "api_consumption", "anthropic_cost_report", api_key_id="k9",
             workspace_id="w1"),
        cost("unattributed", "claude_api", TUE, "0.50", "api_consumption", "anthropic_cost_report", workspace_id="w1"),
    ]
    extra = [{**row, "cost_id": f"{row['cost_id']}-{i}"} for i, row in enumerate(extra)]
    seeded.replace_window("fact_ai_costs", pd.concat([seeded.read_table("fact_ai_costs"), rows(seeded, "fact_ai_costs", extra)]),
                          "cost_date", FEB, date(2026, 4, 1))
    seeded.replace_table("raw_anthropic_api_keys", rows(seeded, "raw_anthropic_api_keys", [
        {"api_key_id": "k9", "api_key_name": "old-batch-job", "created_by_id": "user_x", "fetched_at": FETCHED}]))
    seeded.replace_table("raw_anthropic_users", rows(seeded, "raw_anthropic_users", [
        {"user_id": "user_x", "email": "creator@corp.com", "fetched_at": FETCHED}]))
    seeded.replace_table("raw_anthropic_workspaces", rows(seeded, "raw_anthropic_workspaces", [
        {"workspace_id": "w1", "workspace_name": "Batch", "fetched_at": FETCHED}]))

    out = view(seeded, "vw_unattributed_spend", "spend_rank").to_dict("records")
    assert [(r["spend_rank"], r["api_key_id"], r["unattributed_usd"], r["days_with_spend"]) for r in out] == [
        (1, "k9", 5.0, 2), (2, None, 0.5, 1)]
    assert (out[0]["api_key_name"], out[0]["workspace_name"], out[0]["suggested_owner_email"]) == (
        "old-batch-job", "Batch", "creator@corp.com")
    assert out[0]["fix"].startswith("Add this key") and out[1]["fix"].startswith("No key used this workspace")


def test_seat_utilization_flags_idle_seats_with_their_cost(seeded):
    def member(email, day, active):
        return {"event_id": f"{email}{day}", "ingest_date": day, "fetched_at": FETCHED, "email": email,
                "usage_date": day, "is_active": active}
    seeded.replace_window("raw_cursor_events", rows(seeded, "raw_cursor_events", [
        member("ada@corp.com", MON, True), member("ada@corp.com", TUE, False),
        member("bob@corp.com", MON, False), member("bob@corp.com", TUE, False),
        member("gone@corp.com", FEB, True),  # no longer a member on the latest day
    ]), "usage_date", FEB, date(2026, 4, 1))
    seats = [cost(sk, "cursor", day, "1.25", "engineering_productivity", cost_type="subscription")
             for sk in ("u_ada", "u_bob") for day in (MON, TUE)]
    seats = [{**row, "cost_id": f"seat-{i}"} for i, row in enumerate(seats)]
    seeded.replace_window("fact_ai_costs", pd.concat([seeded.read_table("fact_ai_costs"), rows(seeded, "fact_ai_costs", seats)]),
                          "cost_date", FEB, date(2026, 4, 1))

    out = view(seeded, "vw_seat_utilization", "user_email").set_index("user_email")
    assert list(out.index) == ["ada@corp.com", "bob@corp.com"]
    assert (out.loc["ada@corp.com", "active_days_last_30"], out.loc["ada@corp.com", "is_idle"]) == (1, False)
    assert (out.loc["bob@corp.com", "active_days_last_30"], out.loc["bob@corp.com", "is_idle"]) == (0, True)
    assert pd.isna(out.loc["bob@corp.com", "last_active_date"])
    assert out.loc["bob@corp.com", "seat_cost_last_30_usd"] == pytest.approx(2.5)
    assert out.loc["ada@corp.com", "department"] == "Engineering" and out.loc["ada@corp.com", "paid_tools"] == 1


def test_focus_costs_carry_every_dollar_in_focus_columns(seeded):
    out = read_view(seeded, "vw_focus_costs").sort_values("x_CostId", ignore_index=True)
    assert out["BilledCost"].sum() == pytest.approx(3.0 + 2.0 + 0.6 + 0.3)
    assert {"BilledCost", "EffectiveCost", "ChargePeriodStart", "ChargeCategory", "ServiceName", "Tags"} <= set(out.columns)
    kim = out[out["ResourceId"] == "k1"].sort_values("ChargePeriodStart").iloc[-1]
    assert (kim["ProviderName"], kim["ServiceName"], kim["ChargeCategory"]) == ("Anthropic", "Claude API", "Usage")
    assert str(kim["ChargePeriodStart"])[:10] == "2026-03-02" and str(kim["BillingPeriodStart"])[:10] == "2026-03-01"
    assert json.loads(kim["Tags"])["person"] == "kim@corp.com"


def test_seat_utilization_lists_claude_ai_seats_from_the_daily_seat_listing(seeded):
    counts = ("chat_message_count", "cowork_message_count", "design_message_count", "office_message_count",
              "science_message_count", "web_search_count")

    def seat(email, day, messages):
        return {"event_id": f"{email}{day}", "ingest_date": day, "fetched_at": FETCHED, "usage_date": day,
                "user_id": email, "user_email": email, "raw_response": "{}",
                **{c: 0 for c in counts}, "chat_message_count": messages}
    seeded.replace_window("raw_claude_web_events", rows(seeded, "raw_claude_web_events", [
        seat("kim@corp.com", MON, 4), seat("kim@corp.com", TUE, 0), seat("bob@corp.com", TUE, 0),
    ]), "usage_date", FEB, date(2026, 4, 1))
    seats = [{**cost(sk, "claude_web", TUE, "2.00", "knowledge_work", cost_type="subscription"), "cost_id": f"web-{sk}"}
             for sk in ("u_kim", "u_bob")]
    seeded.replace_window("fact_ai_costs", pd.concat([seeded.read_table("fact_ai_costs"), rows(seeded, "fact_ai_costs", seats)]),
                          "cost_date", FEB, date(2026, 4, 1))

    out = view(seeded, "vw_seat_utilization", "user_email")
    web = out[out["platform_sk"] == "claude_web"].set_index("user_email")
    assert list(web.index) == ["bob@corp.com", "kim@corp.com"]
    assert (web.loc["kim@corp.com", "active_days_last_30"], web.loc["kim@corp.com", "is_idle"]) == (1, False)
    assert (web.loc["bob@corp.com", "is_idle"], web.loc["bob@corp.com", "seat_cost_last_30_usd"]) == (True, pytest.approx(2.0))
    assert str(web.loc["kim@corp.com", "data_through"])[:10] == str(TUE)


def test_a_summed_read_keeps_every_dollar_in_one_row_per_key(seeded):
    from ai_usage_analytics.assets.views import read_view_summed

    keys = ("ChargePeriodStart", "Tags", "ServiceName", "ChargeCategory")
    full = read_view(seeded, "vw_focus_costs")
    summed = read_view_summed(seeded, "vw_focus_costs", keys, ("BilledCost",))
    assert list(summed.columns) == [*keys, "BilledCost"]
    assert len(summed) == len(full.drop_duplicates(list(keys)))
    expected = full.groupby(list(keys))["BilledCost"].sum()
    got = summed.set_index(list(keys))["BilledCost"]
    assert got.sort_index().round(9).equals(expected.sort_index().round(9))
