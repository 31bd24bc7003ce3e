"""Claude.ai and Gemini raw rows -> fact_ai_usage and fact_ai_costs: attribution, seats, reconciliation."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pandas as pd

from ai_usage_analytics.assets.facts import billed_totals
from ai_usage_analytics.checks import fact_checks, schemas
from ai_usage_analytics.transform import claude_web, gemini
from ai_usage_analytics.transform.cost_facts import CostInputs, build_fact_ai_costs
from ai_usage_analytics.transform.gemini_export import BILLING_COLUMNS, email_label
from ai_usage_analytics.transform.usage_facts import AttributionInputs, build_fact_ai_usage
from ai_usage_analytics.transform.users import build_dim_users

DAY, NEXT = date(2026, 3, 10), date(2026, 3, 11)
NOW = datetime(2026, 3, 12, tzinfo=timezone.utc)
ADA, BOB = "ada@corp.com", "bob@corp.com"


def people() -> AttributionInputs:
    roster = pd.DataFrame([
        {"user_email": e, "first_name": f, "last_name": "X", "department": d, "job_role": "r", "user_type": "knowledge_worker",
         "is_active": True, "start_date": None, "end_date": None}
        for e, f, d in ((ADA, "Ada", "Research"), (BOB, "Bob", "Sales"))
    ])
    users = build_dim_users(roster, pd.DataFrame(columns=["user_email", "source", "first_seen"]), DAY, pd.Timestamp(NOW))
    mappings = pd.DataFrame([{"api_key_id": "gemini-sales", "api_key_name": None, "user_email": BOB, "platform_code": "gemini",
                              "usage_purpose": "analysis", "cost_center": "CC-S", "is_active": True, "confidence_score": 0.9,
                              "valid_from": None, "valid_to": None}])
    empty = pd.DataFrame(columns=["api_key_id", "api_key_name", "created_by_id", "created_by_type"])
    return AttributionInputs(mappings, empty, pd.DataFrame(columns=["user_id", "email"]), users)


def web_events() -> pd.DataFrame:
    records = [
        {"user": {"id": "u_ada", "email_address": ADA}, "chat_metrics": {"message_count": 10, "distinct_conversation_count": 2},
         "office_metrics": {"excel": {"message_count": 3, "distinct_session_count": 1}}, "web_search_count": 4},
        {"user": {"id": "u_bob", "email_address": BOB}},  # a seat, no activity
    ]
    return claude_web.normalize_analytics_users([(DAY, records)], DAY, NEXT, NOW)


def web_costs() -> pd.DataFrame:
    def row(user_id, email, product, amount):
        return {"actor": {"type": "user_actor", "user_id": user_id, "email": email, "deleted": email is None},
                "amount": amount, "list_amount": amount, "currency": "USD", "product": product, "model": "claude-sonnet-4",
                "cost_type": "tokens", "token_type": "output_tokens", "requests": None,
                "starting_at": "2026-03-10T00:00:00Z", "ending_at": "2026-03-11T00:00:00Z"}
    return claude_web.normalize_user_cost([row("u_ada", ADA, "chat", "150.5"), row("u_bob", None, "chat", "20"),
                                           row("u_ada", ADA, "claude_code", "99.000001")], DAY, NEXT, NOW)


def billing_frame() -> pd.DataFrame:
    def row(project, labels, cost, credits="0"):
        values = {c: "" for c in BILLING_COLUMNS}
        values.update(billing_account_id="01A", service_description="Gemini API", sku_description="Gemini Flash",
                      usage_start_time="2026-03-10T10:00:00Z", project_id=project, labels=json.dumps(labels),
                      cost=cost, credits_amount=credits, currency="USD", usage_amount="1000", usage_unit="count")
        return values
    rows = [row("gemini-research", [{"key": "user", "value": email_label(ADA)}], "2.00", "-0.50"),
            row("gemini-sales", [], "1.00"),
            row("sandbox", [{"key": "user", "value": "someone_at_elsewhere_com"}], "0.25")]
    return gemini.normalize_billing_export(pd.DataFrame(rows, dtype=str), DAY, NEXT, NOW)


def gemini_events() -> pd.DataFrame:
    item = {"id": {"time": "2026-03-10T10:00:00Z"}, "actor": {"email": ADA},
            "events": [{"name": "feature_utilization", "parameters": [{"name": "action", "value": "summarize"},
                                                                      {"name": "app_name", "value": "gmail"}]}] * 3}
    return gemini.normalize_gemini_activities([item], DAY, NEXT, NOW)


def cost_inputs() -> CostInputs:
    empty_cursor = pd.DataFrame(columns=["usage_date", "user_email", "model", "is_chargeable", "charged_usd", "requests_costs"])
    return CostInputs(
        claude_costs=pd.DataFrame(), claude_events=pd.DataFrame(), cursor_events=empty_cursor,
        cursor_members=pd.DataFrame(columns=["usage_date", "email"]), cursor_seat_price_usd=None,
        budgets=pd.DataFrame(columns=["budget_category", "month", "budget_usd"]),
        prior_spend=pd.DataFrame(columns=["budget_category", "cost_date", "allocated_cost_usd"]),
        claude_web_costs=web_costs(), claude_web_events=web_events(), claude_web_seat_price_usd=Decimal("62"),
        gemini_costs=billing_frame(), gemini_events=gemini_events(), gemini_seat_price_usd=Decimal("31"),
    )


def test_usage_counts_interactions_and_sessions_per_person_and_skips_idle_seats():
    empty = pd.DataFrame()
    fact = build_fact_ai_usage(empty, empty, empty, empty, people(), "run", pd.Timestamp(NOW),
                               claude_web=web_events(), gemini=gemini_events())
    fact = schemas.FactAiUsage.validate(fact).set_index("platform_sk")
    web, gem = fact.loc["claude_web"], fact.loc["gemini"]
    assert (web["interaction_count"], web["session_count"], web["web_search_requests"]) == (13, 3, 4)
    assert pd.isna(web["total_tokens"]) and web["use_case"] == "knowledge_work"
    assert (web["attribution_method"], web["attribution_confidence"]) == ("direct_email", 1.0)
    assert (gem["interaction_count"], gem["metric_source"]) == (3, "gemini_reports")
    assert len(fact) == 2  # Bob's idle seat-day is no usage row


def test_costs_attribute_each_line_and_reconcile_per_platform_and_day():
    inputs = cost_inputs()
    fact = schemas.FactAiCosts.validate(build_fact_ai_costs(inputs, people(), "run", pd.Timestamp(NOW)))
    by = {(r.cost_source, r.platform_sk, r.user_sk, r.attribution_method): r.allocated_cost_usd for r in fact.itertuples()}
    sk = dict(zip(people().users["user_email"], people().users["user_sk"]))
    assert by[("claude_user_cost_report", "claude_web", sk[ADA], "direct_email")] == Decimal("1.505")
    assert by[("claude_user_cost_report", "claude_web", sk[BOB], "direct_email")] == Decimal("0.20")  # deleted: email by user id
    assert by[("claude_user_cost_report", "claude_code", sk[ADA], "direct_email")] == Decimal("0.99000001")
    assert by[("gemini_billing_export", "gemini", sk[ADA], "direct_email")] == Decimal("1.50")  # net of the credit
    assert by[("gemini_billing_export", "gemini", sk[BOB], "api_key_mapping")] == Decimal("1.00")  # by project
    assert by[("gemini_billing_export", "gemini", "unattributed", "unattributed")] == Decimal("0.25")
    assert by[("claude_web_seats", "claude_web", sk[ADA], "direct_email")] == Decimal("2")  # 62 / 31 days
    assert by[("claude_web_seats", "claude_web", sk[BOB], "direct_email")] == Decimal("2")  # idle seats are paid too
    assert by[("gemini_seats", "gemini", sk[ADA], "direct_email")] == Decimal("1")
    assert ("gemini_seats", "gemini", sk[BOB], "direct_email") not in by  # no Gemini activity: no active seat
    assert set(fact.loc[fact["cost_source"] == "gemini_billing_export", "billing_account_id"]) == {"01A"}
    assert fact_checks.reconciliation(fact, billed_totals(inputs)).passed
    assert fact_checks.allocation_percentages(fact).passed


def test_a_line_missing_from_the_fact_fails_the_reconciliation():
    inputs = cost_inputs()
    fact = build_fact_ai_costs(inputs, people(), "run", pd.Timestamp(NOW))
    dropped = fact[fact["cost_source"] != "gemini_billing_export"]
    result = fact_checks.reconciliation(dropped, billed_totals(inputs))
    assert not result.passed and result.metadata["offenders"].value == 1
