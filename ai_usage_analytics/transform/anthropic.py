"""Anthropic Admin API payloads -> raw table frames.

Accepts the 2025 and 2026 shapes: 2026-only fields (inference_geo, account_id, service_account_id,
is_remote) may be absent; Claude Code ``date`` may be an RFC 3339 midnight or a plain YYYY-MM-DD.
Cost report ``amount`` is a decimal string in cents and becomes exact dollars.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd

from ai_usage_analytics.resources.ddl import load_ddl
from ai_usage_analytics.settings import SQL_DIR
from ai_usage_analytics.transform.common import (
    audit_columns,
    cents_to_usd,
    frame,
    parse_utc,
    raw_json,
    stable_id,
    within,
)
from ai_usage_analytics.transform.detection import detect_platform

MESSAGE_GROUP_FIELDS = (
    "api_key_id",
    "workspace_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "account_id",
    "service_account_id",
)
COST_LINE_FIELDS = (
    "workspace_id",
    "description",
    "cost_type",
    "model",
    "token_type",
    "service_tier",
    "context_window",
    "inference_geo",
)


def _columns(table: str) -> tuple[str, ...]:
    return load_ddl(str(SQL_DIR / "ddl"), table).column_names


def _int(value) -> int:
    return int(value or 0)


def _finish(rows: list[dict], table: str, day_column: str, start: date, end: date, ints: Iterable[str]) -> pd.DataFrame:
    return _finish_frame(frame(rows, _columns(table)), table, day_column, start, end, ints)


def _finish_frame(result: pd.DataFrame, table: str, day_column: str, start: date, end: date,
                  ints: Iterable[str]) -> pd.DataFrame:
    """``result`` in the table's column order, rows of [start, end) only, ``ints`` as nullable integers."""
    result = result.reindex(columns=list(_columns(table)))
    if len(result):
        result = result[within(result[day_column], start, end)].reset_index(drop=True)
    for column in ints:
        result[column] = pd.to_numeric(result[column]).astype("Int64")
    return result


def normalize_messages_usage(
    buckets: Iterable[dict],
    start: date,
    end: date,
    fetched_at: datetime,
    claude_code_workspaces: Iterable[str] = (),
    secrets: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per (daily bucket, group) in [start, end); empty buckets give no rows."""
    secrets, workspaces = tuple(secrets), frozenset(claude_code_workspaces)
    audit = audit_columns(fetched_at)
    rows: dict[str, dict] = {}
    for bucket in buckets:
        starting_at, ending_at = parse_utc(bucket["starting_at"]), parse_utc(bucket["ending_at"])
        for item in bucket.get("results") or []:
            creation = item.get("cache_creation") or {}
            creation_5m, creation_1h = _int(creation.get("ephemeral_5m_input_tokens")), _int(
                creation.get("ephemeral_1h_input_tokens")
            )
            cache_read = _int(item.get("cache_read_input_tokens"))
            platform, method, confidence = detect_platform(item.get("workspace_id"), workspaces)
            group = {field: item.get(field) for field in MESSAGE_GROUP_FIELDS}
            event_id = stable_id("claude_messages", starting_at.isoformat(), *group.values())
            rows[event_id] = {
                "event_id": event_id,
                **audit,
                **group,
                "platform": platform,
                "uncached_input_tokens": _int(item.get("uncached_input_tokens")),
                "cached_input_tokens": cache_read + creation_5m + creation_1h,
                "cache_read_input_tokens": cache_read,
                "cache_creation_tokens": creation_5m + creation_1h,
                "output_tokens": _int(item.get("output_tokens")),
                "detection_method": method,
                "detection_confidence": confidence,
                "starting_at": starting_at,
                "ending_at": ending_at,
                "raw_response": raw_json(item, secrets),
                "usage_date": starting_at.date(),
                "cache_creation_5m_tokens": creation_5m,
                "cache_creation_1h_tokens": creation_1h,
                "web_search_requests": _int((item.get("server_tool_use") or {}).get("web_search_requests")),
            }
    ints = (
        "uncached_input_tokens",
        "cached_input_tokens",
        "cache_read_input_tokens",
        "cache_creation_tokens",
        "output_tokens",
        "cache_creation_5m_tokens",
        "cache_creation_1h_tokens",
        "web_search_requests",
    )
    return _finish(list(rows.values()), "raw_claude_events", "usage_date", start, end, ints)


def normalize_cost_report(
    buckets: Iterable[dict],
    start: date,
    end: date,
    fetched_at: datetime,
    claude_code_workspaces: Iterable[str] = (),
    secrets: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per (daily bucket, workspace, cost line) in [start, end), amounts in dollars."""
    secrets, workspaces = tuple(secrets), frozenset(claude_code_workspaces)
    audit = audit_columns(fetched_at)
    rows: dict[str, dict] = {}
    for bucket in buckets:
        starting_at, ending_at = parse_utc(bucket["starting_at"]), parse_utc(bucket["ending_at"])
        for item in bucket.get("results") or []:
            line = {field: item.get(field) for field in COST_LINE_FIELDS}
            cost_id = stable_id("claude_cost", starting_at.isoformat(), *line.values())
            platform, method, _ = detect_platform(item.get("workspace_id"), workspaces)
            rows[cost_id] = {
                "cost_id": cost_id,
                **audit,
                **line,
                "api_key_id": None,
                "platform": platform,
                "amount_usd": cents_to_usd(item.get("amount")),
                "cost_date": starting_at.date(),
                "detection_method": method,
                "raw_response": raw_json(item, secrets),
                "currency": item.get("currency") or "USD",
                "starting_at": starting_at,
                "ending_at": ending_at,
            }
    return _finish(list(rows.values()), "raw_claude_costs", "cost_date", start, end, ())


def _claude_code_day(value: str) -> date:
    return parse_utc(value).date()


def normalize_claude_code(
    records: Iterable[dict], start: date, end: date, fetched_at: datetime, secrets: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per Claude Code report record in [start, end)."""
    secrets = tuple(secrets)
    audit = audit_columns(fetched_at)
    rows: dict[str, dict] = {}
    for record in records:
        day = _claude_code_day(record["date"])
        actor = record.get("actor") or {}
        email = actor.get("email_address")
        email = email.strip().lower() if isinstance(email, str) else None
        key_name = actor.get("api_key_name")
        metrics = record.get("core_metrics") or {}
        lines = metrics.get("lines_of_code") or {}
        tools = record.get("tool_actions") or {}
        breakdown = record.get("model_breakdown") or []
        token_sum = {k: sum(_int((m.get("tokens") or {}).get(k)) for m in breakdown) for k in (
            "input", "output", "cache_read", "cache_creation")}
        estimated_cents = sum(float((m.get("estimated_cost") or {}).get("amount") or 0) for m in breakdown)
        event_id = stable_id(
            "claude_code", day, actor.get("type"), email or key_name, record.get("customer_type"),
            record.get("terminal_type"), record.get("is_remote"),
        )
        rows[event_id] = {
            "event_id": event_id,
            **audit,
            "usage_date": day,
            "actor_type": actor.get("type"),
            "actor_email": email,
            "api_key_name": key_name,
            "organization_id": record.get("organization_id"),
            "customer_type": record.get("customer_type"),
            "subscription_type": record.get("subscription_type"),
            "terminal_type": record.get("terminal_type"),
            "is_remote": record.get("is_remote"),
            "num_sessions": _int(metrics.get("num_sessions")),
            "lines_added": _int(lines.get("added")),
            "lines_removed": _int(lines.get("removed")),
            "commits_by_claude_code": _int(metrics.get("commits_by_claude_code")),
            "pull_requests_by_claude_code": _int(metrics.get("pull_requests_by_claude_code")),
            "tool_accepted": sum(_int((t or {}).get("accepted")) for t in tools.values()),
            "tool_rejected": sum(_int((t or {}).get("rejected")) for t in tools.values()),
            "tool_actions": json.dumps(tools, sort_keys=True),
            "input_tokens": token_sum["input"],
            "output_tokens": token_sum["output"],
            "cache_read_tokens": token_sum["cache_read"],
            "cache_creation_tokens": token_sum["cache_creation"],
            "estimated_cost_usd": cents_to_usd(round(estimated_cents, 6)),
            "model_breakdown": json.dumps(breakdown, sort_keys=True),
            "raw_response": raw_json(record, secrets),
        }
    ints = (
        "num_sessions", "lines_added", "lines_removed", "commits_by_claude_code", "pull_requests_by_claude_code",
        "tool_accepted", "tool_rejected", "input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens",
    )
    return _finish(list(rows.values()), "raw_claude_code_events", "usage_date", start, end, ints)


def _ref(value: dict | None, field: str):
    return (value or {}).get(field)


def normalize_api_keys(keys: Iterable[dict], fetched_at: datetime, secrets: Iterable[str] = ()) -> pd.DataFrame:
    secrets = tuple(secrets)
    rows = [
        {
            "api_key_id": key["id"],
            "api_key_name": key.get("name"),
            "workspace_id": key.get("workspace_id"),
            "status": key.get("status"),
            "created_at": parse_utc(key.get("created_at")),
            "created_by_id": _ref(key.get("created_by"), "id"),
            "created_by_type": _ref(key.get("created_by"), "type"),
            "principal_id": _ref(key.get("principal"), "id"),
            "principal_type": _ref(key.get("principal"), "type"),
            "expires_at": parse_utc(key.get("expires_at")),
            "partial_key_hint": key.get("partial_key_hint"),
            "fetched_at": audit_columns(fetched_at)["fetched_at"],
            "raw_response": raw_json(key, secrets),
        }
        for key in keys
    ]
    return frame(rows, _columns("raw_anthropic_api_keys")).drop_duplicates("api_key_id", keep="last")


def normalize_workspaces(workspaces: Iterable[dict], fetched_at: datetime, secrets: Iterable[str] = ()) -> pd.DataFrame:
    secrets = tuple(secrets)
    rows = [
        {
            "workspace_id": ws["id"],
            "workspace_name": ws.get("name"),
            "created_at": parse_utc(ws.get("created_at")),
            "archived_at": parse_utc(ws.get("archived_at")),
            "fetched_at": audit_columns(fetched_at)["fetched_at"],
            "raw_response": raw_json(ws, secrets),
        }
        for ws in workspaces
    ]
    return frame(rows, _columns("raw_anthropic_workspaces")).drop_duplicates("workspace_id", keep="last")


def normalize_users(users: Iterable[dict], fetched_at: datetime, secrets: Iterable[str] = ()) -> pd.DataFrame:
    secrets = tuple(secrets)
    rows = [
        {
            "user_id": user["id"],
            "email": (user.get("email") or "").strip().lower() or None,
            "name": user.get("name"),
            "role": user.get("role"),
            "added_at": parse_utc(user.get("added_at")),
            "fetched_at": audit_columns(fetched_at)["fetched_at"],
            "raw_response": raw_json(user, secrets),
        }
        for user in users
    ]
    return frame(rows, _columns("raw_anthropic_users")).drop_duplicates("user_id", keep="last")
