"""Documented payloads land in the right columns with the right units (both doc generations)."""

import copy
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pandas as pd
import pytest

from ai_usage_analytics.checks import schemas
from ai_usage_analytics.transform import anthropic, cursor
from ai_usage_analytics.transform.common import REDACTED, raw_json, scrub

VENDOR = __import__("pathlib").Path(__file__).parents[1] / "fixtures" / "vendor"
FETCHED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
LATER = datetime(2026, 2, 1, tzinfo=timezone.utc)


def payload(path: str) -> dict:
    return json.loads((VENDOR / path).read_text())


def day(text: str) -> date:
    return date.fromisoformat(text)


# --- Cursor daily usage ------------------------------------------------------------------------


def test_cursor_daily_usage_2026_row_maps_every_field():
    rows = payload("cursor/teams_daily_usage_data.json")["data"]
    out = schemas.RawCursorEvents.validate(cursor.normalize_daily_usage(rows, day("2024-03-18"), day("2024-03-19"), FETCHED))
    (row,) = out.to_dict("records")
    assert row["email"] == "developer@company.com"
    assert row["usage_date"] == day("2024-03-18")
    assert row["event_timestamp"] == pd.Timestamp("2024-03-18T00:00:00Z")
    assert (row["total_lines_added"], row["accepted_lines_added"]) == (1543, 1102)
    assert (row["total_accepts"], row["total_rejects"]) == (73, 14)
    assert (row["subscription_included_reqs"], row["usage_based_reqs"], row["api_key_reqs"]) == (180, 5, 0)
    assert (row["total_tabs_shown"], row["total_tabs_accepted"]) == (342, 289)
    assert row["most_used_model"] == "gpt-5" and row["client_version"] == "0.25.1"
    assert row["user_id"] == "12345"  # numeric in this doc version, stored as text
    assert row["ingest_date"] == day("2026-01-02") and row["fetched_at"] == pd.Timestamp(FETCHED)
    assert json.loads(row["raw_response"])["totalLinesDeleted"] == 892


def test_cursor_daily_usage_2025_row_without_day_uses_epoch_ms_and_tolerates_absent_fields():
    row = copy.deepcopy(payload("cursor/teams_daily_usage_data.json")["data"][0])
    for field in ("day", "userId", "mostUsedModel", "clientVersion", "bugbotUsages"):
        row.pop(field)
    row["date"] = 1710806400000  # 2024-03-19T00:00:00Z
    row["someNewField"] = {"nested": True}
    out = schemas.RawCursorEvents.validate(cursor.normalize_daily_usage([row], day("2024-03-19"), day("2024-03-20"), FETCHED))
    assert out["usage_date"].tolist() == [day("2024-03-19")]
    assert out["user_id"].isna().all() and out["most_used_model"].isna().all()
    assert json.loads(out["raw_response"][0])["someNewField"] == {"nested": True}


def test_cursor_rows_outside_the_window_are_dropped_and_ids_are_stable():
    rows = payload("cursor/teams_daily_usage_data.json")["data"]
    assert cursor.normalize_daily_usage(rows, day("2024-03-19"), day("2024-03-21"), FETCHED).empty
    first = cursor.normalize_daily_usage(rows, day("2024-03-18"), day("2024-03-19"), FETCHED)
    again = cursor.normalize_daily_usage(rows, day("2024-03-18"), day("2024-03-19"), LATER)
    assert first["event_id"].tolist() == again["event_id"].tolist()


# --- Cursor usage events -----------------------------------------------------------------------


def test_cursor_usage_events_convert_cents_to_dollars_and_epoch_strings_to_timestamps():
    events = payload("cursor/teams_filtered_usage_events.json")["usageEvents"]
    out = schemas.RawCursorUsageEvents.validate(
        cursor.normalize_usage_events(events, day("2025-06-26"), day("2025-06-27"), FETCHED)
    )
    first = out.iloc[0]
    assert first["event_timestamp"] == pd.Timestamp(1750979225854, unit="ms", tz="UTC")
    assert first["usage_date"] == day("2025-06-26")
    assert first["charged_usd"] == Decimal("0.2136232")
    assert first["token_cost_usd"] == Decimal("0.2018232")
    assert first["cursor_token_fee_usd"] == Decimal("0.0118")
    assert (first["input_tokens"], first["output_tokens"], first["cache_write_tokens"], first["cache_read_tokens"]) == (
        126, 450, 6112, 11964,
    )
    assert out.iloc[1]["discount_percent_off"] == 10
    included = out.iloc[2]
    assert included["kind"] == "Included in Business" and pd.isna(included["input_tokens"])
    assert included["charged_usd"] == Decimal("0.08")
    assert sum(out["charged_usd"]) == Decimal("0.6669232")


def test_cursor_usage_events_repeated_across_pages_collapse():
    events = payload("cursor/teams_filtered_usage_events.json")["usageEvents"]
    out = cursor.normalize_usage_events(events + events[:2], day("2025-06-26"), day("2025-06-27"), FETCHED)
    assert len(out) == 3 and out["event_id"].is_unique


# --- Anthropic usage, cost, Claude Code ---------------------------------------------------------


def test_messages_usage_tokens_and_platform_detection():
    buckets = payload("anthropic/usage_report_messages.json")["data"]
    workspace = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
    out = schemas.RawClaudeEvents.validate(
        anthropic.normalize_messages_usage(buckets, day("2025-08-01"), day("2025-08-02"), FETCHED, [workspace])
    )
    (row,) = out.to_dict("records")
    assert (row["api_key_id"], row["workspace_id"], row["model"]) == ("apikey_01Rj2N8SVvo6BePZj99NhmiT", workspace, "claude-opus-4-6")
    assert row["uncached_input_tokens"] == 1500 and row["output_tokens"] == 500
    assert (row["cache_read_input_tokens"], row["cache_creation_5m_tokens"], row["cache_creation_1h_tokens"]) == (200, 500, 1000)
    assert (row["cache_creation_tokens"], row["cached_input_tokens"]) == (1500, 1700)
    assert row["web_search_requests"] == 10
    assert (row["platform"], row["detection_method"], row["detection_confidence"]) == ("claude_code", "workspace_id", 1.0)
    assert row["usage_date"] == day("2025-08-01")
    assert row["starting_at"] == pd.Timestamp("2025-08-01T00:00:00Z")
    assert row["ending_at"] == pd.Timestamp("2025-08-02T00:00:00Z")
    other = anthropic.normalize_messages_usage(buckets, day("2025-08-01"), day("2025-08-02"), FETCHED, [])
    assert other["platform"].tolist() == ["claude_api"]


def test_messages_usage_2025_item_without_2026_fields_and_empty_buckets():
    bucket = copy.deepcopy(payload("anthropic/usage_report_messages.json")["data"][0])
    for field in ("inference_geo", "account_id", "service_account_id", "server_tool_use"):
        bucket["results"][0].pop(field)
    empty = {"starting_at": "2025-08-02T00:00:00Z", "ending_at": "2025-08-03T00:00:00Z", "results": []}
    out = schemas.RawClaudeEvents.validate(
        anthropic.normalize_messages_usage([bucket, empty], day("2025-08-01"), day("2025-08-03"), FETCHED)
    )
    assert len(out) == 1
    assert out["inference_geo"].isna().all() and out["web_search_requests"].tolist() == [0]


def test_cost_report_amount_is_cents_string_to_exact_dollars():
    buckets = payload("anthropic/cost_report.json")["data"]
    out = schemas.RawClaudeCosts.validate(anthropic.normalize_cost_report(buckets, day("2025-08-01"), day("2025-08-02"), FETCHED))
    (row,) = out.to_dict("records")
    assert row["amount_usd"] == Decimal("1.2378912")
    assert (row["cost_type"], row["token_type"], row["model"]) == ("tokens", "uncached_input_tokens", "claude-opus-4-6")
    assert row["description"] == "Claude Sonnet 4 Usage - Input Tokens"
    assert row["cost_date"] == day("2025-08-01") and row["api_key_id"] is None
    assert row["currency"] == "USD"


def test_cost_report_non_token_lines_have_null_model_fields():
    line = {"amount": "250", "currency": "USD", "description": "Code Execution Usage", "cost_type": "code_execution",
            "model": None, "token_type": None, "service_tier": None, "context_window": None, "workspace_id": None}
    bucket = {"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z", "results": [line]}
    out = schemas.RawClaudeCosts.validate(anthropic.normalize_cost_report([bucket], day("2025-08-01"), day("2025-08-02"), FETCHED))
    assert out["amount_usd"].tolist() == [Decimal("2.5")]
    assert out["model"].isna().all() and out["workspace_id"].isna().all()


@pytest.mark.parametrize("fixture", ["usage_report_claude_code.json", "usage_report_claude_code.2025.json"])
def test_claude_code_records_both_generations(fixture):
    records = payload(f"anthropic/{fixture}")["data"]
    out = schemas.RawClaudeCodeEvents.validate(anthropic.normalize_claude_code(records, day("2025-08-08"), day("2025-08-09"), FETCHED))
    (row,) = out.to_dict("records")
    assert row["usage_date"] == day("2025-08-08")
    assert (row["actor_type"], row["actor_email"]) == ("user_actor", "user@emaildomain.com")
    assert (row["num_sessions"], row["lines_added"], row["lines_removed"]) == (15, 342, 128)
    assert (row["commits_by_claude_code"], row["pull_requests_by_claude_code"]) == (8, 2)
    assert (row["tool_accepted"], row["tool_rejected"]) == (50, 6)
    assert (row["input_tokens"], row["output_tokens"]) == (45230 + 23100, 12450 + 5680)
    assert (row["cache_read_tokens"], row["cache_creation_tokens"]) == (8790 + 3420, 2340 + 890)
    assert row["estimated_cost_usd"] == Decimal("2.28")  # 186 + 42 cents
    if fixture == "usage_report_claude_code.json":
        assert row["is_remote"] is False  # 2026 reports split remote and local
    else:
        assert pd.isna(row["is_remote"])  # the 2025 report had no such field


def test_claude_code_plain_date_and_api_actor():
    record = copy.deepcopy(payload("anthropic/usage_report_claude_code.json")["data"][0])
    record["date"] = "2025-08-09"
    record["actor"] = {"type": "api_actor", "api_key_name": "engineering-ci"}
    record["tool_actions"]["brand_new_tool"] = {"accepted": 1, "rejected": 1}
    out = schemas.RawClaudeCodeEvents.validate(anthropic.normalize_claude_code([record], day("2025-08-09"), day("2025-08-10"), FETCHED))
    assert out["api_key_name"].tolist() == ["engineering-ci"] and out["actor_email"].isna().all()
    assert out["tool_accepted"].tolist() == [51]


def test_snapshots_of_keys_workspaces_and_users():
    keys = schemas.RawAnthropicApiKeys.validate(anthropic.normalize_api_keys(payload("anthropic/api_keys_list.json")["data"], FETCHED))
    assert keys[["api_key_id", "api_key_name", "created_by_id"]].values.tolist() == [
        ["apikey_01Rj2N8SVvo6BePZj99NhmiT", "Developer Key", "user_01WCz1FkmYMm4gnmykNKUu3Q"]
    ]
    workspaces = schemas.RawAnthropicWorkspaces.validate(
        anthropic.normalize_workspaces(payload("anthropic/workspaces_list.json")["data"], FETCHED)
    )
    assert workspaces["workspace_name"].tolist() == ["Workspace Name"]
    users = schemas.RawAnthropicUsers.validate(anthropic.normalize_users(payload("anthropic/users_list.json")["data"], FETCHED))
    assert users[["email", "role"]].values.tolist() == [["user@emaildomain.com", "user"]]


# --- Secrets ---------------------------------------------------------------------------------------


def test_scrub_removes_configured_secrets_credential_shapes_and_credential_keys():
    secret = "demo-secret-value-123"
    value = {
        "note": f"called with {secret}",
        "leak": "sk-ant-admin01-" + "A" * 40,
        "api_key": "anything",
        "nested": [{"authorization": "Basic xyz"}],
        "input_tokens": 5,
        "hint": "sk-ant-api03-R2D...igAA",
    }
    cleaned = scrub(value, [secret])
    assert cleaned["note"] == f"called with {REDACTED}"
    assert cleaned["leak"] == REDACTED and cleaned["api_key"] == REDACTED
    assert cleaned["nested"][0]["authorization"] == REDACTED
    assert cleaned["input_tokens"] == 5 and cleaned["hint"] == "sk-ant-api03-R2D...igAA"


def test_raw_response_never_carries_the_secret():
    row = copy.deepcopy(payload("cursor/teams_daily_usage_data.json")["data"][0])
    row["clientVersion"] = "leaky-cursor-key-1234567890"
    out = cursor.normalize_daily_usage([row], day("2024-03-18"), day("2024-03-19"), FETCHED, secrets=["leaky-cursor-key-1234567890"])
    assert "leaky-cursor-key" not in out["raw_response"][0]


@pytest.mark.parametrize("value", [
    {"model": "gpt-5", "nested": {"list": [1, "two", None]}, "price": 1.5},
    {"note": "key crsr_0123456789abcdef0123 leaked"},
    {"deep": [{"Authorization": "Basic abc"}]},
    {"comment": "the configured secret s3cr3t-value-xyz inside"},
    {"text": "caf\u00e9 sk-ant-admin01-abcdefghijklmnop0123 \u00e9"},
])
def test_raw_json_fast_path_equals_scrubbing_every_value(value):
    expected = json.dumps(scrub(value, ["s3cr3t-value-xyz"]), sort_keys=True, separators=(",", ":"), default=str,
                          ensure_ascii=False)  # canonical JSON keeps UTF-8 characters as they are
    assert raw_json(value, ["s3cr3t-value-xyz"]) == expected
    assert ("[REDACTED]" in expected) == (value is not None and "model" not in value)
