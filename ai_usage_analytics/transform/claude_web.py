"""Claude Enterprise Analytics API payloads -> raw table frames.

``/analytics/users`` records (one per seat user, for the requested ``date``; the record itself has
no date) become raw_claude_web_events; ``user_cost_report`` rows become raw_claude_web_costs with
cents strings as exact dollars. Every metric group may be missing (older or partial records count
0); the documented placeholder values (``"email_address"``, ``"last_activity_date"``) parse, a
non-date ``last_activity_date`` becoming null.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime

import pandas as pd

from ai_usage_analytics.transform.anthropic import _finish, _finish_frame
from ai_usage_analytics.transform.common import audit_columns, cents_to_usd, parse_utc, raw_jsons, stable_id

OFFICE_APPS = ("excel", "outlook", "powerpoint", "word")
TOOLS = ("edit_tool", "multi_edit_tool", "notebook_edit_tool", "write_tool")
CHAT_FIELDS = {
    "chat_message_count": "message_count",
    "chat_conversation_count": "distinct_conversation_count",
    "chat_thinking_message_count": "thinking_message_count",
    "chat_files_uploaded_count": "distinct_files_uploaded_count",
    "chat_artifacts_created_count": "distinct_artifacts_created_count",
    "chat_projects_created_count": "distinct_projects_created_count",
    "chat_projects_used_count": "distinct_projects_used_count",
    "chat_connectors_used_count": "connectors_used_count",
    "chat_skills_used_count": "distinct_skills_used_count",
}
EVENT_COUNTS = [
    *CHAT_FIELDS, "claude_code_session_count", "claude_code_commit_count", "claude_code_pull_request_count",
    "claude_code_lines_added", "claude_code_lines_removed", "claude_code_tool_accepted", "claude_code_tool_rejected",
    "cowork_message_count", "cowork_session_count", "design_message_count", "design_session_count",
    "office_message_count", "office_session_count", "science_message_count", "science_session_count", "web_search_count",
]
COST_LINE_FIELDS = ("product", "model", "cost_type", "token_type", "context_window", "inference_geo", "speed", "rbac_group_id")
# A month of user_cost_report lines is ~140,000 rows at 2,000 people; a raw pull stages them this many
# at a time, so a chunk's memory does not grow with the organisation.
USER_COST_BATCH_ROWS = 25_000
COST_ROW_FIELDS = (
    "cost_id", "cost_date", "starting_at", "ending_at", "actor_type", "actor_user_id", "actor_email", "actor_name",
    "actor_deleted", "platform", *COST_LINE_FIELDS, "amount_usd", "list_amount_usd", "currency", "requests",
    "raw_response",
)


def _n(group: dict | None, key: str) -> int:
    value = (group or {}).get(key)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _day_or_none(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _lower(value) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _user_day(record: dict, day: date) -> dict:
    user = record.get("user") or {}
    chat = record.get("chat_metrics") or {}
    code = record.get("claude_code_metrics") or {}
    core, tools = code.get("core_metrics") or {}, code.get("tool_actions") or {}
    office = record.get("office_metrics") or {}
    cowork, design, science = (record.get(k) or {} for k in ("cowork_metrics", "design_metrics", "science_metrics"))
    return {
        "user_id": user.get("id"),
        "user_email": _lower(user.get("email_address")),
        "user_type": user.get("type"),
        "rbac_group_id": record.get("rbac_group_id"),
        "rbac_group_name": record.get("rbac_group_name"),
        "last_activity_date": _day_or_none(record.get("last_activity_date")),
        **{column: _n(chat, field) for column, field in CHAT_FIELDS.items()},
        "claude_code_session_count": _n(core, "distinct_session_count"),
        "claude_code_commit_count": _n(core, "commit_count"),
        "claude_code_pull_request_count": _n(core, "pull_request_count"),
        "claude_code_lines_added": _n(core.get("lines_of_code"), "added_count"),
        "claude_code_lines_removed": _n(core.get("lines_of_code"), "removed_count"),
        "claude_code_tool_accepted": sum(_n(tools.get(t), "accepted_count") for t in TOOLS),
        "claude_code_tool_rejected": sum(_n(tools.get(t), "rejected_count") for t in TOOLS),
        "cowork_message_count": _n(cowork, "message_count"),
        "cowork_session_count": _n(cowork, "distinct_session_count"),
        "design_message_count": _n(design, "message_count"),
        "design_session_count": _n(design, "distinct_session_count"),
        "office_message_count": sum(_n(office.get(app), "message_count") for app in OFFICE_APPS),
        "office_session_count": sum(_n(office.get(app), "distinct_session_count") for app in OFFICE_APPS),
        "science_message_count": _n(science, "message_count"),
        "science_session_count": _n(science, "distinct_session_count"),
        "web_search_count": _n(record, "web_search_count"),
    }


def normalize_analytics_users(
    days: Iterable[tuple[date, list[dict]]], start: date, end: date, fetched_at: datetime, secrets: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per (requested day, user) in [start, end); ``days`` pairs each day with its records."""
    secrets = tuple(secrets)
    audit = audit_columns(fetched_at)
    rows: dict[str, dict] = {}
    for day, records in days:
        for record, raw in zip(records, raw_jsons(records, secrets)):
            values = _user_day(record, day)
            event_id = stable_id("claude_web_events", day, values["user_id"] or values["user_email"])
            rows[event_id] = {"event_id": event_id, **audit, "usage_date": day, **values, "raw_response": raw}
    return _finish(list(rows.values()), "raw_claude_web_events", "usage_date", start, end, EVENT_COUNTS)


def user_cost_batches(
    items: Iterable[dict], start: date, end: date, fetched_at: datetime, secrets: Iterable[str] = (),
    batch_rows: int = USER_COST_BATCH_ROWS,
) -> Iterator[pd.DataFrame]:
    """``normalize_user_cost``'s rows as the pages stream in, in frames of at most ``batch_rows``
    rows (at least one frame). A row repeated by the vendor (the same bucket, person and line) is kept
    once, wherever it comes."""
    secrets = tuple(secrets)
    seen: set[str] = set()
    rows: list[tuple] = []  # tuples, not dicts: cheaper per row; raw_response added per frame
    kept: list[dict] = []  # the items of rows, for their raw_response
    stamps: dict = {}  # a window has a few dozen distinct bucket bounds and thousands of rows

    def stamp(value):
        if value not in stamps:
            stamps[value] = parse_utc(value)
        return stamps[value]

    sent = False
    for item in items:
        actor = item.get("actor") or {}
        starting_at, ending_at = stamp(item.get("starting_at")), stamp(item.get("ending_at"))
        if starting_at is None:
            raise ValueError("a user_cost_report row without starting_at: request it with bucket_width=1d")
        line = tuple(item.get(field) for field in COST_LINE_FIELDS)
        email = _lower(actor.get("email"))
        cost_id = stable_id("claude_web_cost", starting_at.isoformat(), actor.get("user_id") or email, *line)
        if cost_id in seen:
            continue
        seen.add(cost_id)
        rows.append((
            cost_id, starting_at.date(), starting_at, ending_at, actor.get("type"), actor.get("user_id"), email,
            actor.get("name"), actor.get("deleted"),
            "claude_code" if item.get("product") == "claude_code" else "claude_web", *line,
            cents_to_usd(item.get("amount")), cents_to_usd(item.get("list_amount")), item.get("currency") or "USD",
            item.get("requests"),
        ))
        kept.append(item)
        if len(rows) >= batch_rows:
            yield _cost_frame(rows, raw_jsons(kept, secrets), start, end, fetched_at)
            rows, kept, sent = [], [], True
    if rows or not sent:
        yield _cost_frame(rows, raw_jsons(kept, secrets), start, end, fetched_at)


def normalize_user_cost(
    items: Iterable[dict], start: date, end: date, fetched_at: datetime, secrets: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per (daily bucket, user, cost line) in [start, end), amounts in dollars."""
    (frame,) = user_cost_batches(items, start, end, fetched_at, secrets, batch_rows=sys.maxsize)
    return frame


def _cost_frame(rows: list[tuple], raws: list[str], start: date, end: date, fetched_at: datetime) -> pd.DataFrame:
    result = pd.DataFrame(rows, columns=COST_ROW_FIELDS[:-1])
    result["raw_response"] = pd.Series(raws, dtype=object)
    for column, value in audit_columns(fetched_at).items():
        result[column] = value
    result = _finish_frame(result, "raw_claude_web_costs", "cost_date", start, end, ["requests"])
    result["actor_deleted"] = result["actor_deleted"].astype("boolean")
    return result
