"""Cursor Admin API payloads -> raw table frames (raw_cursor_events, raw_cursor_usage_events).

Both documented generations are accepted: ``userId`` numeric or ``user_...``; ``day`` present
(2026) or only ``date`` epoch ms (2025); optional fields absent or null. Unknown fields stay in
``raw_response``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd

from ai_usage_analytics.resources.ddl import load_ddl
from ai_usage_analytics.settings import SQL_DIR
from ai_usage_analytics.transform.common import (
    as_text,
    audit_columns,
    cents_to_usd,
    epoch_ms_to_utc,
    frame,
    raw_json,
    stable_id,
    within,
)

DAILY_COUNTERS = {
    "total_lines_added": "totalLinesAdded",
    "accepted_lines_added": "acceptedLinesAdded",
    "total_accepts": "totalAccepts",
    "total_rejects": "totalRejects",
    "subscription_included_reqs": "subscriptionIncludedReqs",
    "usage_based_reqs": "usageBasedReqs",
    "total_lines_deleted": "totalLinesDeleted",
    "accepted_lines_deleted": "acceptedLinesDeleted",
    "total_applies": "totalApplies",
    "total_tabs_shown": "totalTabsShown",
    "total_tabs_accepted": "totalTabsAccepted",
    "composer_requests": "composerRequests",
    "chat_requests": "chatRequests",
    "agent_requests": "agentRequests",
    "cmdk_usages": "cmdkUsages",
    "api_key_reqs": "apiKeyReqs",
    "bugbot_usages": "bugbotUsages",
}


def _columns(table: str) -> tuple[str, ...]:
    return load_ddl(str(SQL_DIR / "ddl"), table).column_names


def _email(value) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _daily_usage_day(row: dict) -> date:
    if row.get("day"):
        return date.fromisoformat(str(row["day"])[:10])
    return epoch_ms_to_utc(row["date"]).date()


def normalize_daily_usage(
    rows: Iterable[dict], start: date, end: date, fetched_at: datetime, secrets: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per (email, UTC day) in [start, end); rows without an email cannot be attributed and
    are kept out (Cursor always sends one for members)."""
    secrets = tuple(secrets)
    audit = audit_columns(fetched_at)
    out: dict[tuple[str, date], dict] = {}
    for row in rows:
        email = _email(row.get("email"))
        if email is None:
            continue
        day = _daily_usage_day(row)
        record = {
            "event_id": stable_id("cursor_daily_usage", email, day),
            **audit,
            "email": email,
            "usage_date": day,
            "session_id": None,
            "most_used_model": row.get("mostUsedModel"),
            "client_version": row.get("clientVersion"),
            "raw_response": raw_json(row, secrets),
            "event_timestamp": pd.Timestamp(day.isoformat(), tz="UTC"),
            "user_id": as_text(row.get("userId")),
            "is_active": row.get("isActive"),
            "apply_most_used_extension": row.get("applyMostUsedExtension"),
            "tab_most_used_extension": row.get("tabMostUsedExtension"),
        }
        for column, field in DAILY_COUNTERS.items():
            record[column] = row.get(field)
        out[(email, day)] = record  # a repeated (email, day) from overlapping pages keeps the last
    result = frame(list(out.values()), _columns("raw_cursor_events"))
    result = result[within(result["usage_date"], start, end)] if len(result) else result
    return _int_columns(result, DAILY_COUNTERS)


def normalize_usage_events(
    events: Iterable[dict], start: date, end: date, fetched_at: datetime, secrets: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per distinct usage event in [start, end); identical events repeated across pages collapse."""
    secrets = tuple(secrets)
    audit = audit_columns(fetched_at)
    out: dict[str, dict] = {}
    for event in events:
        raw = raw_json(event, secrets)
        event_id = stable_id("cursor_usage_event", raw)
        stamp = epoch_ms_to_utc(event.get("timestamp"))
        tokens = event.get("tokenUsage") or {}
        out[event_id] = {
            "event_id": event_id,
            **audit,
            "usage_date": stamp.date(),
            "event_timestamp": stamp,
            "user_email": _email(event.get("userEmail")),
            "model": event.get("model"),
            "kind": event.get("kind"),
            "max_mode": event.get("maxMode"),
            "requests_costs": event.get("requestsCosts"),
            "is_token_based_call": event.get("isTokenBasedCall"),
            "is_chargeable": event.get("isChargeable"),
            "is_headless": event.get("isHeadless"),
            "input_tokens": tokens.get("inputTokens"),
            "output_tokens": tokens.get("outputTokens"),
            "cache_write_tokens": tokens.get("cacheWriteTokens"),
            "cache_read_tokens": tokens.get("cacheReadTokens"),
            "token_cost_usd": cents_to_usd(tokens.get("totalCents")),
            "discount_percent_off": tokens.get("discountPercentOff"),
            "charged_usd": cents_to_usd(event.get("chargedCents")),
            "cursor_token_fee_usd": cents_to_usd(event.get("cursorTokenFee")),
            "conversation_id": event.get("conversationId"),
            "service_account_id": as_text(event.get("serviceAccountId")),
            "service_account_name": event.get("serviceAccountName"),
            "cloud_agent_id": as_text(event.get("cloudAgentId")),
            "automation_id": as_text(event.get("automationId")),
            "raw_response": raw,
        }
    result = frame(list(out.values()), _columns("raw_cursor_usage_events"))
    result = result[within(result["usage_date"], start, end)] if len(result) else result
    return _int_columns(result, ["input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens"])


def _int_columns(result: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    result = result.reset_index(drop=True)
    for column in columns:
        result[column] = pd.to_numeric(result[column]).astype("Int64")
    return result
