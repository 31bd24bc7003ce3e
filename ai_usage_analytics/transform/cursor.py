"""Cursor Admin API payloads -> raw table frames (raw_cursor_events, raw_cursor_usage_events).

Both documented generations are accepted: ``userId`` numeric or ``user_...``; ``day`` present
(2026) or only ``date`` epoch ms (2025); optional fields absent or null. Unknown fields stay in
``raw_response``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from itertools import islice

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
    raw_jsons,
    stable_id,
    within,
)

EVENT_BATCH = 1000  # events serialised and screened for credentials together (a page)
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
    """One row per distinct usage event in [start, end); identical events repeated across pages collapse.

    Column by column (one list per field) rather than a dict per event: a year is millions of events."""
    secrets = tuple(secrets)
    received, raws = [], []
    stream = iter(events)
    while batch := list(islice(stream, EVENT_BATCH)):  # as they stream in: the next pages are fetched meanwhile
        received.extend(batch)
        raws.extend(raw_jsons(batch, secrets))
    ids = [stable_id("cursor_usage_event", raw) for raw in raws]
    events = received
    tokens = [event.get("tokenUsage") or {} for event in events]

    def field(key: str) -> list:
        return [event.get(key) for event in events]

    def token(key: str) -> list:
        return [usage.get(key) for usage in tokens]

    millis = pd.to_numeric(pd.Series(field("timestamp"), dtype=object)).astype(float).astype("int64")
    stamps = pd.to_datetime(millis, unit="ms", utc=True)
    audit = audit_columns(fetched_at)
    result = pd.DataFrame({
        "event_id": ids,
        "ingest_date": audit["ingest_date"],
        "fetched_at": pd.Series(audit["fetched_at"], index=stamps.index).astype("datetime64[ns, UTC]"),
        "usage_date": stamps.dt.date,
        "event_timestamp": stamps,
        "user_email": [_email(v) for v in field("userEmail")],
        "model": field("model"),
        "kind": field("kind"),
        "max_mode": field("maxMode"),
        "requests_costs": field("requestsCosts"),
        "is_token_based_call": field("isTokenBasedCall"),
        "is_chargeable": field("isChargeable"),
        "is_headless": field("isHeadless"),
        "input_tokens": token("inputTokens"),
        "output_tokens": token("outputTokens"),
        "cache_write_tokens": token("cacheWriteTokens"),
        "cache_read_tokens": token("cacheReadTokens"),
        "token_cost_usd": [cents_to_usd(v) for v in token("totalCents")],
        "discount_percent_off": token("discountPercentOff"),
        "charged_usd": [cents_to_usd(v) for v in field("chargedCents")],
        "cursor_token_fee_usd": [cents_to_usd(v) for v in field("cursorTokenFee")],
        "conversation_id": field("conversationId"),
        "service_account_id": [as_text(v) for v in field("serviceAccountId")],
        "service_account_name": field("serviceAccountName"),
        "cloud_agent_id": [as_text(v) for v in field("cloudAgentId")],
        "automation_id": [as_text(v) for v in field("automationId")],
        "raw_response": raws,
    }) if events else frame([], _columns("raw_cursor_usage_events"))
    # identical events (a page boundary repeated) have identical ids: keep the first
    result = result.drop_duplicates("event_id", keep="first").reindex(columns=list(_columns("raw_cursor_usage_events")))
    result = result[within(result["usage_date"], start, end)] if len(result) else result
    return _int_columns(result, ["input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens"])


def _int_columns(result: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    result = result.reset_index(drop=True)
    for column in columns:
        result[column] = pd.to_numeric(result[column]).astype("Int64")
    return result
