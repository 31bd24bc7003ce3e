"""Claude Enterprise Analytics API (``x-api-key`` analytics key plus ``anthropic-version``):

* ``GET /v1/organizations/analytics/users`` (``date`` or ``starting_date``/``ending_date``, ``limit`` 1..1000, ``page``)
* ``GET /v1/organizations/analytics/user_cost_report``: see ``analytics_cost``.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from datetime import date, timedelta

from flask import Flask, Response, request

from ai_usage_analytics.demo.org import Organisation, Person, anthropic_id, days, page_token, read_page_token, rng_for
from ai_usage_analytics.demo.simulator.common import ApiError, _int_param, _iso_day, _respond
from ai_usage_analytics.demo.simulator.paging import _check_cursor_not_expired, _empty_days, _page_items
from ai_usage_analytics.demo.simulator.state import SimulatorState

ANALYTICS_USERS_LIMITS = (100, 1000)
ANALYTICS_FIRST_DAY = date(2026, 1, 1)


def rbac_group_id(org: Organisation, person: Person) -> str:
    """The id of the person's department group, as both analytics endpoints report it."""
    return _department_group_id(org.seed, person.department)


@functools.lru_cache(maxsize=1024)
def _department_group_id(seed: int, department: str) -> str:
    # Asked for every dimension of every cost part; hashing it each time was a tenth of a cost report.
    return anthropic_id("rbac_group", seed, department)


def chat_messages(org: Organisation, person: Person, day: date) -> tuple[random.Random, int]:
    """The person's Claude.ai chat messages on ``day``, and the generator that draws the rest of the day's
    record (the cost report needs the messages alone, not the whole record)."""
    rng = rng_for(org.seed, "claude_ai", day, person.index)
    weekend = day.weekday() >= 5
    active = person.employed(day) and rng.random() < (0.15 if weekend else 0.7) * min(1.0, org.growth(day))
    return rng, int(rng.gammavariate(2, 6 * person.activity)) + 1 if active else 0


def web_searches(messages: int) -> int:
    return messages // 6


def _analytics_day(org: Organisation, person: Person, day: date) -> dict:
    """One Claude Enterprise user's engagement on ``day`` in the analytics/users record shape."""
    rng, messages = chat_messages(org, person, day)
    conversations = min(messages, 1 + messages // 5) if messages else 0
    chat = {
        "connectors_used_count": rng.randrange(0, 3) if messages else 0,
        "distinct_artifacts_created_count": rng.randrange(0, 2) if messages else 0,
        "distinct_connectors_used_count": rng.randrange(0, 2) if messages else 0,
        "distinct_conversation_count": conversations,
        "distinct_files_uploaded_count": rng.randrange(0, 3) if messages else 0,
        "distinct_projects_created_count": 1 if messages and rng.random() < 0.05 else 0,
        "distinct_projects_used_count": rng.randrange(0, 2) if messages else 0,
        "distinct_shared_artifacts_viewed_count": 0,
        "distinct_skills_used_count": 0,
        "message_count": messages,
        "shared_conversations_viewed_count": rng.randrange(0, 2) if messages else 0,
        "thinking_message_count": messages // 4,
    }
    code = Counter()
    tools = {t: Counter() for t in ("edit_tool", "multi_edit_tool", "notebook_edit_tool", "write_tool")}
    for record in org.claude_code_records(person.index, day, user=True):
        metrics = record["core_metrics"]
        code.update(commit_count=metrics["commits_by_claude_code"], distinct_session_count=metrics["num_sessions"],
                    added_count=metrics["lines_of_code"]["added"], removed_count=metrics["lines_of_code"]["removed"],
                    pull_request_count=metrics["pull_requests_by_claude_code"])
        for tool, counts in record["tool_actions"].items():
            tools[tool].update(accepted_count=counts["accepted"], rejected_count=counts["rejected"])
    office_app = {"connectors_used_count": 0, "distinct_connectors_used_count": 0, "distinct_session_count": 0,
                  "distinct_skills_used_count": 0, "message_count": 0, "skills_used_count": 0}
    return {
        "chat_metrics": chat,
        "claude_code_metrics": {
            "core_metrics": {"commit_count": code["commit_count"], "distinct_session_count": code["distinct_session_count"],
                             "lines_of_code": {"added_count": code["added_count"], "removed_count": code["removed_count"]},
                             "pull_request_count": code["pull_request_count"]},
            "tool_actions": {t: {"accepted_count": c["accepted_count"], "rejected_count": c["rejected_count"]}
                             for t, c in tools.items()},
        },
        "cowork_metrics": {k: 0 for k in (
            "action_count", "connectors_used_count", "dispatch_turn_count", "distinct_connectors_used_count",
            "distinct_session_count", "distinct_skills_used_count", "message_count", "skills_used_count",
            "distinct_plugins_used_count", "edit_tool_count", "file_edit_count", "multi_edit_tool_count",
            "notebook_edit_tool_count", "plugins_used_count", "sessions_with_file_edits_count", "write_tool_count")},
        "design_metrics": {"distinct_projects_created_count": 0, "distinct_projects_used_count": 0,
                           "distinct_session_count": 0, "message_count": 0},
        "office_metrics": {app: dict(office_app) for app in ("excel", "outlook", "powerpoint", "word")},
        "science_metrics": {"delegation_count": 0, "distinct_session_count": 0, "message_count": 0,
                            "remote_compute_job_count": 0, "skills_used_count": 0},
        "web_search_count": web_searches(messages),
        "distinct_user_count": 1,
        "last_activity_date": day.isoformat() if messages or code["distinct_session_count"] else None,
        "rbac_group_id": rbac_group_id(org, person),
        "rbac_group_name": person.department,
        "user": {"id": person.anthropic_user_id, "email_address": person.email, "type": "user"},
    }


def _add_metrics(total: dict, part: dict) -> dict:
    """Numeric leaves summed; the latest non-null ``last_activity_date``; other values kept."""
    for key, value in part.items():
        if isinstance(value, dict):
            _add_metrics(total[key], value)
        elif key == "last_activity_date":
            total[key] = max(filter(None, (total[key], value)), default=None)
        elif isinstance(value, int) and key != "distinct_user_count":
            total[key] += value
    return total


def _install_analytics(app: Flask, state: SimulatorState) -> None:
    org = state.org

    @app.get("/v1/organizations/analytics/users")
    def analytics_users() -> Response:
        path, args = request.path, request.args
        latest = org.today - timedelta(days=1)
        if args.get("date"):
            first = last = _iso_day(args["date"], "date")
        else:
            first = _iso_day(args.get("starting_date"), "starting_date")
            last = _iso_day(args["ending_date"], "ending_date") if args.get("ending_date") else first
        if last < first or (last - first).days > 30:
            raise ApiError(400, "ending_date must be on or after starting_date and at most 31 days later")
        if first < ANALYTICS_FIRST_DAY:
            raise ApiError(400, f"data is available from {ANALYTICS_FIRST_DAY.isoformat()}")
        if last > latest:
            raise ApiError(400, f"the latest day with data is {latest.isoformat()}")
        limit = _int_param(args.get("limit"), "limit", ANALYTICS_USERS_LIMITS[0], 1, ANALYTICS_USERS_LIMITS[1])
        query = f"{first}|{last}"
        offset = 0
        if args.get("page"):
            parts = read_page_token(args["page"])
            if not parts or len(parts) != 3 or "|".join(parts[:2]) != query or not parts[2].isdigit():
                raise ApiError(400, "page: the cursor does not belong to this query")
            offset = int(parts[2])
            _check_cursor_not_expired(path, state, True)
        span = days(first, last)
        empty = _empty_days(path, state, span)
        seats = [p for p in org.people if p.claude_ai and p.in_roster and any(p.employed(d) for d in span)]

        def fetch(start: int, count: int) -> list[dict]:
            out = []
            for person in seats[start:start + count]:
                records = [_analytics_day(org, person, d) for d in span if person.employed(d) and d not in empty]
                if not records:
                    records = [_analytics_day(org, person, first)]
                total = records[0]
                for record in records[1:]:
                    _add_metrics(total, record)
                out.append(total)
            return out

        chosen = _page_items(path, state, fetch, offset, limit)
        more = offset + limit < len(seats)
        return _respond({"data": chosen, "next_page": page_token(first, last, offset + limit) if more else None})
