"""The fewest vendor HTTP requests the APIs allow for loading a range of days, per endpoint.

The rules (the same the clients in ``resources/`` follow, from the vendors' documentation):

* Cursor ``POST /teams/daily-usage-data``: at most 30 days a query; paged by members (``pageSize``
  1000), every member with a seat in the window listed once per page. Per window: ceil(members / 1000),
  at least one page.
* Cursor ``POST /teams/filtered-usage-events``: any range in one query, paged by events (``pageSize``
  at most 1000): ceil(events / 1000), at least one page.
* Anthropic ``usage_report/messages`` and ``cost_report``: daily buckets, at most 31 buckets a page,
  every group of a bucket on its page: ceil(days / 31).
* Anthropic ``usage_report/claude_code``: one day a query, at most 1000 records a page: per day
  ceil(records / 1000), at least one.
* Anthropic lists (``api_keys``, ``workspaces``, ``users``): ceil(items / 1000), at least one.
* Claude Enterprise Analytics ``/analytics/users``: one day a query (days from 2026-01-01), 1000 users
  a page: per day ceil(seat users / 1000), at least one.
* Claude Enterprise Analytics ``/analytics/user_cost_report``: windows of at most 31 days, 1000 rows
  (user x day x product x model) a page: per window ceil(rows / 1000), at least one.
* Google Workspace Reports ``gemini_in_workspace_apps``: the range (from 2025-06-20, within the last 180 days) in one query,
  1000 activities a page: ceil(activities / 1000), at least one.

Only the endpoints the pipeline needs count. Row counts come from the simulator's organisation
(``range_counts``), so the minimum is the truth, not what the pipeline happened to send.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

DAILY_USAGE = "/teams/daily-usage-data"
USAGE_EVENTS = "/teams/filtered-usage-events"
MESSAGES = "/v1/organizations/usage_report/messages"
COSTS = "/v1/organizations/cost_report"
CLAUDE_CODE = "/v1/organizations/usage_report/claude_code"
API_KEYS = "/v1/organizations/api_keys"
WORKSPACES = "/v1/organizations/workspaces"
USERS = "/v1/organizations/users"
ANALYTICS_USERS = "/v1/organizations/analytics/users"
USER_COST = "/v1/organizations/analytics/user_cost_report"
GEMINI = "/admin/reports/v1/activity/users/all/applications/gemini_in_workspace_apps"
ENDPOINTS = (DAILY_USAGE, USAGE_EVENTS, MESSAGES, COSTS, CLAUDE_CODE, API_KEYS, WORKSPACES, USERS, ANALYTICS_USERS,
             USER_COST, GEMINI)

CURSOR_WINDOW_DAYS = 30
CURSOR_PAGE_SIZE = 1000
ANTHROPIC_BUCKETS_PER_PAGE = 31
ANTHROPIC_LIST_LIMIT = 1000
ANALYTICS_PAGE_SIZE = 1000
USER_COST_WINDOW_DAYS = 31
GEMINI_PAGE_SIZE = 1000


def pages(items: int, page_size: int) -> int:
    """Pages needed for ``items`` items: an empty answer is still one request."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    return max(1, math.ceil(items / page_size))


def cursor_windows(days: int) -> int:
    return math.ceil(days / CURSOR_WINDOW_DAYS)


@dataclass(frozen=True)
class RangeCounts:
    """What the APIs hold for a range of ``days`` UTC days."""

    days: int
    seated_per_window: list[int]  # Cursor members with a seat, per window of at most 30 days
    cursor_events: int
    claude_code_records_per_day: list[int]
    api_keys: int
    workspaces: int
    users: int
    extra: dict = field(default_factory=dict)
    # None: every day of the range has data and none has rows (one empty page per query)
    analytics_seats_per_day: list[int] | None = None  # per day from 2026-01-01
    user_cost_rows_per_window: list[int] | None = None  # per window of <= 31 days from 2026-01-01
    gemini_activities: int | None = 0  # None: no day of the range has Gemini data (no query)


def requests_minimum(counts: RangeCounts) -> dict[str, int]:
    """The fewest requests per endpoint path for the range ``counts`` describes."""
    if counts.days < 1:
        raise ValueError("a range has at least one day")
    if len(counts.seated_per_window) != cursor_windows(counts.days):
        raise ValueError(f"{counts.days} days make {cursor_windows(counts.days)} Cursor windows, "
                         f"got {len(counts.seated_per_window)} member counts")
    if len(counts.claude_code_records_per_day) != counts.days:
        raise ValueError("claude_code_records_per_day needs one count per day")
    report_pages = math.ceil(counts.days / ANTHROPIC_BUCKETS_PER_PAGE)
    return {
        DAILY_USAGE: sum(pages(n, CURSOR_PAGE_SIZE) for n in counts.seated_per_window),
        USAGE_EVENTS: pages(counts.cursor_events, CURSOR_PAGE_SIZE),
        MESSAGES: report_pages,
        COSTS: report_pages,
        CLAUDE_CODE: sum(pages(n, ANTHROPIC_LIST_LIMIT) for n in counts.claude_code_records_per_day),
        API_KEYS: pages(counts.api_keys, ANTHROPIC_LIST_LIMIT),
        WORKSPACES: pages(counts.workspaces, ANTHROPIC_LIST_LIMIT),
        USERS: pages(counts.users, ANTHROPIC_LIST_LIMIT),
        ANALYTICS_USERS: sum(pages(n, ANALYTICS_PAGE_SIZE) for n in (
            counts.analytics_seats_per_day if counts.analytics_seats_per_day is not None else [0] * counts.days)),
        USER_COST: sum(pages(n, ANALYTICS_PAGE_SIZE) for n in (
            counts.user_cost_rows_per_window if counts.user_cost_rows_per_window is not None
            else [0] * math.ceil(counts.days / USER_COST_WINDOW_DAYS))),
        GEMINI: 0 if counts.gemini_activities is None else pages(counts.gemini_activities, GEMINI_PAGE_SIZE),
    }


def range_counts(org, first: date, last: date) -> RangeCounts:
    """Counts for ``[first, last]`` from a simulator ``Organisation`` (the same selections the
    simulator serves from)."""
    from ai_usage_analytics.demo.simulator.analytics import ANALYTICS_FIRST_DAY
    from ai_usage_analytics.demo.simulator.analytics_cost import user_cost_parts
    from ai_usage_analytics.demo.simulator.anthropic import _added_at
    from ai_usage_analytics.resources.google_reports import earliest_day

    all_days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    seated = []
    for w in range(cursor_windows(len(all_days))):
        wanted = [d for d in all_days[w * CURSOR_WINDOW_DAYS:(w + 1) * CURSOR_WINDOW_DAYS] if org.in_period(d)]
        seated.append(sum(1 for p in org.people if any(p.has_cursor_seat(d) and p.employed(d) for d in wanted)))
    per_member = [org.cursor_event_counts(d) for d in all_days if org.in_period(d)]
    events = sum(sum(day.values()) for day in per_member)
    active = [n for day in per_member for n in day.values() if n]
    heavy = {p.index for p in org.people if p.cursor_level == "heavy"}
    heavy_days = [n for day in per_member for i, n in day.items() if n and i in heavy]
    claude_code_keys = [k for k in org.api_keys if k.kind == "claude_code"]
    records = [
        sum(len(org.claude_code_records(p.index, d, user=True)) for p in org.people)
        + sum(len(org.claude_code_records(k, d, user=False)) for k in claude_code_keys)
        if org.in_period(d) else 0
        for d in all_days
    ]
    analytics_days = [d for d in all_days if d >= ANALYTICS_FIRST_DAY]
    seat_users = [p for p in org.people if p.claude_ai and p.in_roster]
    seats = [sum(1 for p in seat_users if p.employed(d)) if org.in_period(d) else 0 for d in analytics_days]
    cost_rows = []
    for w in range(math.ceil(len(analytics_days) / USER_COST_WINDOW_DAYS)):
        window = analytics_days[w * USER_COST_WINDOW_DAYS:(w + 1) * USER_COST_WINDOW_DAYS]
        cost_rows.append(sum(len({(part.product, part.model) for part in user_cost_parts(org, p, d)})
                             for p in seat_users for d in window))
    gemini_first = earliest_day(org.today)  # data start and 180-day retention (the simulator's today)
    gemini_days = [d for d in all_days if d >= gemini_first]
    gemini = sum(len(org.gemini_person_day(p, d)) for p in org.people for d in gemini_days) if gemini_days else None
    return RangeCounts(
        analytics_seats_per_day=seats,
        user_cost_rows_per_window=cost_rows,
        gemini_activities=gemini,
        days=len(all_days),
        seated_per_window=seated,
        cursor_events=events,
        claude_code_records_per_day=records,
        api_keys=sum(1 for k in org.api_keys if k.created_at.date() <= org.today),
        workspaces=sum(1 for w in org.workspaces if w.created_at.date() <= org.today),
        users=sum(1 for p in org.console_members() if _added_at(org, p).date() <= org.today),
        extra={
            "cursor_events_per_active_member_day": round(sum(active) / len(active), 1) if active else 0.0,
            "cursor_events_per_active_heavy_member_day": round(sum(heavy_days) / len(heavy_days), 1) if heavy_days else 0.0,
            "cursor_events_max_member_day": max(active, default=0),
        },
    )
