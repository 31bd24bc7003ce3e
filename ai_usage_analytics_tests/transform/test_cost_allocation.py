"""Cost allocation edge cases: every line's rows add up to the line exactly, and methods are right."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from ai_usage_analytics.transform.allocation import split_exact
from ai_usage_analytics.transform.cost_facts import (
    CostInputs,
    allocate_anthropic,
    build_fact_ai_costs,
    seat_lines,
    daily_seat_price,
)
from ai_usage_analytics.transform.usage_facts import AttributionInputs
from ai_usage_analytics.transform.users import build_dim_users

DAY = date(2026, 3, 2)
WS = "wrkspc_research"


def usage(key, model="claude-sonnet-4", workspace=WS, uncached=0, output=0, cache_read=0, web=0, day=DAY):
    return {
        "usage_date": day, "workspace_id": workspace, "model": model, "api_key_id": key,
        "uncached_input_tokens": uncached, "output_tokens": output, "cache_read_input_tokens": cache_read,
        "cache_creation_5m_tokens": 0, "cache_creation_1h_tokens": 0, "web_search_requests": web,
    }


def line(cost_id, amount, token_type="uncached_input_tokens", model="claude-sonnet-4", cost_type="tokens", workspace=WS):
    return {
        "cost_id": cost_id, "cost_date": DAY, "workspace_id": workspace, "platform": "claude_api",
        "amount_usd": Decimal(amount), "description": f"{model} {token_type}", "cost_type": cost_type,
        "model": model, "token_type": token_type,
    }


def shares(lines, events) -> pd.DataFrame:
    return allocate_anthropic(pd.DataFrame(lines), pd.DataFrame(events))


def test_split_by_tokens_of_the_line_type():
    out = shares([line("in", "3.00"), line("out", "1.00", token_type="output_tokens")],
                 [usage("k1", uncached=100, output=0), usage("k2", uncached=200, output=50)])
    by = out.set_index(["source_line_id", "api_key_id"])["allocated_cost_usd"]
    assert by[("in", "k1")] == Decimal("1.000000000") and by[("in", "k2")] == Decimal("2.000000000")
    assert by[("out", "k2")] == Decimal("1.000000000") and ("out", "k1") not in by.index
    assert set(out["allocation_method"]) == {"usage_based"}
    assert out.set_index(["source_line_id", "api_key_id"])["billable_units"][("in", "k2")] == 200


def test_one_user_gets_the_whole_line():
    out = shares([line("in", "0.0123457")], [usage("only", uncached=7)])
    assert out["allocated_cost_usd"].tolist() == [Decimal("0.012345700")]
    assert out["allocation_share"].tolist() == [1.0]


def test_rounding_with_many_users_adds_up_exactly():
    events = [usage(f"k{i:03d}", uncached=1 + (i % 7)) for i in range(997)]
    out = shares([line("in", "10.00")], events)
    assert len(out) == 997
    assert sum(out["allocated_cost_usd"]) == Decimal("10.00")
    assert abs(out["allocation_share"].sum() - 1.0) < 1e-9


def test_zero_usage_line_goes_to_the_unattributed_sentinel():
    out = shares([line("lonely", "4.20", workspace="wrkspc_empty")], [usage("k1", uncached=10)])
    (row,) = out.to_dict("records")
    assert row["allocation_method"] == "unattributed" and row["api_key_id"] is None
    assert row["allocated_cost_usd"] == Decimal("4.200000000")


def test_model_nobody_used_is_split_equally_among_the_workspace_users():
    out = shares([line("opus", "1.00", model="claude-opus-4")],
                 [usage("k1", uncached=10), usage("k2", uncached=1000), usage("k3", workspace="other", uncached=5)])
    assert out["api_key_id"].tolist() == ["k1", "k2"]
    assert out["allocated_cost_usd"].tolist() == [Decimal("0.500000000"), Decimal("0.500000000")]
    assert set(out["allocation_method"]) == {"equal_split"}


def test_web_search_lines_follow_search_requests_and_code_execution_is_split_equally():
    lines = [
        line("search", "0.30", token_type=None, model=None, cost_type="web_search"),
        line("code", "0.90", token_type=None, model=None, cost_type="code_execution"),
    ]
    out = shares(lines, [usage("k1", uncached=10, web=1), usage("k2", uncached=10, web=2), usage("k3", uncached=5)])
    search = out[out["source_line_id"] == "search"].set_index("api_key_id")["allocated_cost_usd"]
    assert search.to_dict() == {"k1": Decimal("0.100000000"), "k2": Decimal("0.200000000")}
    code = out[out["source_line_id"] == "code"]
    assert code["allocation_method"].unique().tolist() == ["equal_split"]
    assert code["allocated_cost_usd"].tolist() == [Decimal("0.300000000")] * 3


def test_default_workspace_null_is_matched():
    out = shares([line("in", "2.00", workspace=None)], [usage("k1", workspace=None, uncached=1)])
    assert out["api_key_id"].tolist() == ["k1"] and out["allocation_method"].tolist() == ["usage_based"]


@pytest.mark.parametrize(("total", "weights"), [(1, [1, 1, 1]), (10**12 + 3, [5, 0.5, 1e-3]), (0, [1, 2])])
def test_split_exact_always_adds_up(total, weights):
    assert sum(split_exact(total, weights)) == total


def test_seats_amortise_the_monthly_price_per_member_and_day():
    members = pd.DataFrame({"usage_date": [date(2026, 2, 1), date(2026, 2, 1), date(2026, 3, 1)],
                            "email": ["a@corp.com", "b@corp.com", "a@corp.com"]})
    seats = seat_lines(members, Decimal("40"))
    assert seats["allocated_cost_usd"].tolist() == [Decimal("1.428571429")] * 2 + [Decimal("1.290322581")]
    assert daily_seat_price(Decimal("40"), date(2026, 2, 1)) * 28 == Decimal("40.000000012")


def test_fact_costs_attribute_budget_and_reconcile():
    roster = pd.DataFrame([
        {"user_email": "ada@corp.com", "first_name": "Ada", "last_name": "Lovelace", "department": "Research",
         "job_role": "Scientist", "user_type": "knowledge_worker", "is_active": True, "start_date": None, "end_date": None},
    ])
    users = build_dim_users(roster, pd.DataFrame(columns=["user_email", "source", "first_seen"]), DAY, pd.Timestamp("2026-03-03T00:00Z"))
    mappings = pd.DataFrame([{"api_key_id": "k1", "api_key_name": "x", "user_email": "ada@corp.com", "platform_code": "claude_api",
                              "usage_purpose": "research", "cost_center": "CC-R", "is_active": True, "confidence_score": 1.0,
                              "valid_from": None, "valid_to": None}])
    empty = pd.DataFrame(columns=["api_key_id", "api_key_name", "created_by_id", "created_by_type"])
    attribution = AttributionInputs(mappings, empty, pd.DataFrame(columns=["user_id", "email"]), users)
    inputs = CostInputs(
        claude_costs=pd.DataFrame([line("in", "6.00")]),
        claude_events=pd.DataFrame([usage("k1", uncached=2), usage("k2", uncached=1)]),
        cursor_events=pd.DataFrame(columns=["usage_date", "user_email", "model", "is_chargeable", "charged_usd", "requests_costs"]),
        cursor_members=pd.DataFrame(columns=["usage_date", "email"]),
        cursor_seat_price_usd=None,
        budgets=pd.DataFrame([{"budget_category": "Research", "month": "2026-03", "budget_usd": Decimal("5")}]),
        prior_spend=pd.DataFrame([{"budget_category": "Research", "cost_date": date(2026, 3, 1), "allocated_cost_usd": Decimal("1.5")}]),
    )
    fact = build_fact_ai_costs(inputs, attribution, "run-1", pd.Timestamp("2026-03-03T00:00Z")).set_index("api_key_id")
    ada, nobody = fact.loc["k1"], fact.loc["k2"]
    assert (ada["allocated_cost_usd"], ada["usage_cost_usd"], ada["base_cost_usd"]) == (Decimal("4.000000000"), Decimal("4.000000000"), Decimal(0))
    assert (ada["attribution_method"], ada["cost_center"], ada["budget_category"]) == ("api_key_mapping", "CC-R", "Research")
    assert ada["use_case"] == "knowledge_work"
    assert ada["budget_allocated_usd"] == Decimal("5") and ada["is_over_budget"]  # 1.5 earlier + 4.0 today > 5
    assert nobody["user_sk"] == "unattributed" and nobody["budget_category"] == "unattributed"
    assert nobody["is_over_budget"] is None
    assert sum(fact["allocated_cost_usd"]) == Decimal("6.00") == fact["total_cost_usd"].iloc[0]
    assert abs(fact["allocation_percentage"].sum() - 100) < 1e-9
    assert fact["rate_per_unit"].tolist() == [2.0, 2.0]
