"""Claude.ai and Gemini payloads -> raw frames: documented shapes (placeholder and realistic values), units."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ai_usage_analytics.checks import schemas
from ai_usage_analytics.transform import claude_web, gemini
from ai_usage_analytics.transform.gemini_export import BILLING_COLUMNS, email_label

FIXTURES = Path(__file__).parents[1] / "fixtures" / "vendor" / "claude_ai"
NOW = datetime(2026, 3, 20, 8, 0, tzinfo=timezone.utc)
DAY = date(2026, 3, 10)
SECRET = "sk-ant-api01-secret-analytics-key-000000000000"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def realistic_user() -> dict:
    record = copy.deepcopy(fixture("analytics_users.json")["data"][0])
    record["user"] = {"id": "user_01H", "email_address": "Jane.Doe@Example.com", "type": "user"}
    record["last_activity_date"] = "2026-03-10"
    record["chat_metrics"].update(message_count=12, distinct_conversation_count=3, distinct_files_uploaded_count=2)
    record["claude_code_metrics"]["core_metrics"].update(distinct_session_count=2, commit_count=1)
    record["claude_code_metrics"]["core_metrics"]["lines_of_code"] = {"added_count": 40, "removed_count": 5}
    record["claude_code_metrics"]["tool_actions"]["edit_tool"] = {"accepted_count": 7, "rejected_count": 1}
    record["claude_code_metrics"]["tool_actions"]["write_tool"] = {"accepted_count": 2, "rejected_count": 0}
    record["office_metrics"]["excel"].update(message_count=4, distinct_session_count=1)
    record["office_metrics"]["word"].update(message_count=1, distinct_session_count=1)
    record["cowork_metrics"].update(message_count=3, distinct_session_count=1)
    record["web_search_count"] = 5
    record["rbac_group_name"] = f"leaked {SECRET}"
    return record


def test_the_documented_placeholder_users_record_parses_and_validates():
    frame = claude_web.normalize_analytics_users([(DAY, fixture("analytics_users.json")["data"])], DAY,
                                                 date(2026, 3, 11), NOW)
    valid = schemas.RawClaudeWebEvents.validate(frame)
    row = valid.iloc[0]
    assert (row["user_id"], row["user_email"], row["usage_date"]) == ("id", "email_address", DAY)
    assert pd.isna(row["last_activity_date"]) and row["chat_message_count"] == 0


def test_a_realistic_users_record_lands_in_the_right_columns_and_is_scrubbed():
    frame = claude_web.normalize_analytics_users([(DAY, [realistic_user()])], DAY, date(2026, 3, 11), NOW,
                                                 secrets=[SECRET])
    row = schemas.RawClaudeWebEvents.validate(frame).iloc[0]
    assert row["user_email"] == "jane.doe@example.com" and row["last_activity_date"] == DAY
    assert (row["chat_message_count"], row["chat_conversation_count"], row["chat_files_uploaded_count"]) == (12, 3, 2)
    assert (row["claude_code_session_count"], row["claude_code_lines_added"], row["claude_code_lines_removed"]) == (2, 40, 5)
    assert (row["claude_code_tool_accepted"], row["claude_code_tool_rejected"]) == (9, 1)
    assert (row["office_message_count"], row["office_session_count"], row["cowork_message_count"]) == (5, 2, 3)
    assert row["web_search_count"] == 5
    assert SECRET not in row["raw_response"] and "[REDACTED]" in row["raw_response"]


def test_a_record_with_missing_metric_groups_counts_zero_and_days_outside_the_window_are_dropped():
    minimal = {"user": {"id": "u1", "email_address": "a@x.com"}}
    frame = claude_web.normalize_analytics_users([(DAY, [minimal]), (date(2026, 3, 11), [minimal])], DAY,
                                                 date(2026, 3, 11), NOW)
    valid = schemas.RawClaudeWebEvents.validate(frame)
    assert len(valid) == 1 and valid.iloc[0]["chat_message_count"] == 0 and valid.iloc[0]["office_message_count"] == 0


def test_user_cost_rows_become_exact_dollars_with_the_platform_by_product():
    placeholder = fixture("analytics_user_cost_report.json")["data"][0]
    realistic = {**placeholder, "actor": {"type": "user_actor", "user_id": "user_01H", "email": "A@X.com",
                                          "name": "A", "deleted": False},
                 "product": "claude_code", "amount": "1234.567890", "list_amount": "1543.209862", "requests": None,
                 "starting_at": "2026-03-10T00:00:00Z", "ending_at": "2026-03-11T00:00:00Z"}
    frame = claude_web.normalize_user_cost([placeholder], date(2019, 12, 27), date(2019, 12, 28), NOW)
    row = schemas.RawClaudeWebCosts.validate(frame).iloc[0]
    assert row["amount_usd"] == Decimal("412.80") and row["list_amount_usd"] == Decimal("516.00")
    assert (row["platform"], row["requests"], bool(row["actor_deleted"])) == ("claude_web", 128, True)
    frame = claude_web.normalize_user_cost([realistic], DAY, date(2026, 3, 11), NOW)
    row = schemas.RawClaudeWebCosts.validate(frame).iloc[0]
    assert (row["platform"], row["actor_email"], row["cost_date"]) == ("claude_code", "a@x.com", DAY)
    assert row["amount_usd"] == Decimal("12.3456789") and pd.isna(row["requests"])


def test_a_user_cost_row_without_a_bucket_is_refused():
    with pytest.raises(ValueError, match="bucket_width=1d"):
        claude_web.normalize_user_cost([{"amount": "1", "starting_at": None}], DAY, date(2026, 3, 11), NOW)


def activity(email, time, *events):
    return {"kind": "admin#reports#activity",
            "id": {"time": time, "uniqueQualifier": "-1", "applicationName": "gemini_in_workspace_apps", "customerId": "C01"},
            "actor": {"email": email, "profileId": "1", "callerType": "USER"}, "events": list(events)}


def event(action, app, name="feature_utilization", multi=False):
    parameters = [{"name": "action", **({"multiValue": [action]} if multi else {"value": action})}]
    if app:
        parameters.append({"name": "app_name", "value": app})
    return {"type": "ai_usage_event", "name": name, "parameters": parameters}


def test_gemini_events_are_counted_per_person_day_app_and_action():
    items = [
        activity("A@x.com", "2026-03-10T15:00:00.000Z", event("summarize", "gmail")),
        activity("a@x.com", "2026-03-10T09:00:00.000Z", event("summarize", "gmail"), event("summarize", "gmail", multi=True)),
        activity("a@x.com", "2026-03-10T10:00:00.000Z", event("generate_text", "docs"), event("other", "docs", name="x")),
        activity("b@x.com", "2026-03-10T23:59:59.999Z", event("conversation", None)),
        activity("a@x.com", "2026-03-11T00:00:00.000Z", event("summarize", "gmail")),
    ]
    frame = schemas.RawGeminiEvents.validate(gemini.normalize_gemini_activities(items, DAY, date(2026, 3, 11), NOW))
    counts = {(r.actor_email, r.app_name, r.action): r.event_count for r in frame.itertuples()}
    assert counts == {("a@x.com", "gmail", "summarize"): 3, ("a@x.com", "docs", "generate_text"): 1,
                      ("b@x.com", None, "conversation"): 1}
    gmail = frame[frame["app_name"] == "gmail"].iloc[0]
    assert gmail["first_event_at"] == pd.Timestamp("2026-03-10T09:00:00Z")
    assert gmail["last_event_at"] == pd.Timestamp("2026-03-10T15:00:00Z")
    assert json.loads(gmail["raw_response"])["id"]["time"] == "2026-03-10T15:00:00.000Z"


def billing(**changes) -> dict:
    row = {c: "" for c in BILLING_COLUMNS}
    row.update(billing_account_id="01A", service_id="C7E2", service_description="Vertex AI", sku_id="S1",
               sku_description="Gemini 2.5 Pro Input Text Tokens", usage_start_time="2026-03-10T14:00:00Z",
               usage_end_time="2026-03-10T15:00:00Z", project_id="gemini-data", project_name="Gemini Data",
               labels=json.dumps([{"key": "user", "value": email_label("jane.doe@example.com")},
                                  {"key": "team", "value": "data"}]),
               cost="1.250000", currency="USD", credits_amount="-0.125000", cost_type="regular",
               usage_amount="1000000", usage_unit="count")
    row.update(changes)
    return row


def test_billing_export_keeps_gemini_lines_of_the_window_at_net_cost_with_labels_lifted():
    frame = pd.DataFrame([
        billing(),
        billing(service_description="Gemini API", sku_description="Something", labels="[]", credits_amount="0"),
        billing(sku_description="Vertex AI Online Prediction"),
        billing(service_description="Compute Engine"),
        billing(usage_start_time="2026-03-11T00:00:00Z"),
    ], dtype=str)
    raw = schemas.RawGeminiCosts.validate(gemini.normalize_billing_export(frame, DAY, date(2026, 3, 11), NOW))
    assert len(raw) == 2
    first = raw.iloc[0]
    assert (first["net_cost"], first["cost"], first["credits_amount"]) == (Decimal("1.125"), Decimal("1.25"), Decimal("-0.125"))
    assert (first["label_user"], first["label_team"]) == ("jane_doe_at_example_com", "data")
    assert pd.isna(raw.iloc[1]["label_user"]) and raw.iloc[1]["service_description"] == "Gemini API"


def test_identical_export_lines_stay_two_lines():
    frame = pd.DataFrame([billing(), billing()], dtype=str)
    raw = schemas.RawGeminiCosts.validate(gemini.normalize_billing_export(frame, DAY, date(2026, 3, 11), NOW))
    assert raw["cost_id"].nunique() == 2 and sum(raw["net_cost"]) == Decimal("2.25")


def test_a_positive_credit_or_another_currency_breaks_the_contract():
    import pandera.errors

    for change in ({"credits_amount": "0.5"}, {"currency": "EUR"}):
        frame = gemini.normalize_billing_export(pd.DataFrame([billing(**change)], dtype=str), DAY, date(2026, 3, 11), NOW)
        with pytest.raises(pandera.errors.SchemaErrors):
            schemas.RawGeminiCosts.validate(frame, lazy=True)


def test_email_label_fits_the_vertex_label_rules():
    assert email_label("Jane.O'Neil+ai@Example.co.uk") == "jane_o-neil-ai_at_example_co_uk"
    assert len(email_label("x" * 80 + "@example.com")) == 63


def test_user_cost_batches_hold_a_bounded_number_of_rows_and_keep_a_repeated_row_once():
    def item(user: str, day: int, amount: str) -> dict:
        return {"starting_at": f"2026-03-{day:02d}T00:00:00Z", "ending_at": f"2026-03-{day + 1:02d}T00:00:00Z",
                "actor": {"type": "user_actor", "user_id": user, "email": f"{user}@example.com"},
                "product": "chat", "model": "claude-sonnet-4", "cost_type": "tokens", "token_type": "output_tokens",
                "amount": amount, "currency": "USD"}

    items = [item(f"u{i}", 10 + i % 3, str(100 + i)) for i in range(7)]
    items.insert(5, dict(items[1]))  # the vendor repeats a row across pages
    whole = claude_web.normalize_user_cost(items, date(2026, 3, 10), date(2026, 3, 13), NOW)
    parts = list(claude_web.user_cost_batches(items, date(2026, 3, 10), date(2026, 3, 13), NOW, batch_rows=3))
    assert [len(p) for p in parts] == [3, 3, 1] and len(whole) == 7
    joined = pd.concat(parts, ignore_index=True)
    assert joined["cost_id"].tolist() == whole["cost_id"].tolist()
    assert joined["amount_usd"].tolist() == whole["amount_usd"].tolist()
    assert list(joined.dtypes) == list(whole.dtypes)
    empty = list(claude_web.user_cost_batches([], date(2026, 3, 10), date(2026, 3, 13), NOW, batch_rows=3))
    assert len(empty) == 1 and empty[0].empty and list(empty[0].columns) == list(whole.columns)
