"""Cursor Admin API client (https://api.cursor.com) as a Dagster resource.

Auth is HTTP Basic with the admin key as user name and an empty password. Rows come back exactly as
the API sends them (2025 and 2026 shapes alike); parsing belongs to the transform layer. Dates are
UTC days and every range includes both end days.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from itertools import chain
from datetime import date, timedelta
from typing import Any

from ai_usage_analytics.resources.http import VendorAPIResource, VendorHTTPClient, read_ahead

DAILY_USAGE_PATH = "/teams/daily-usage-data"
USAGE_EVENTS_PATH = "/teams/filtered-usage-events"
MEMBERS_PATH = "/teams/members"
SPEND_PATH = "/teams/spend"
MAX_WINDOW_DAYS = 30  # daily-usage-data rejects longer ranges
MS_PER_DAY = 86_400_000
EPOCH = date(1970, 1, 1)


def day_start_ms(day: date) -> int:
    """Epoch milliseconds of ``day`` 00:00:00.000 UTC."""
    return (day - EPOCH).days * MS_PER_DAY


def day_end_ms(day: date) -> int:
    """Epoch milliseconds of ``day`` 23:59:59.999 UTC (Cursor's bounds are inclusive)."""
    return day_start_ms(day) + MS_PER_DAY - 1


def windows(start: date, end: date, max_days: int = MAX_WINDOW_DAYS) -> list[tuple[date, date]]:
    """``[start, end]`` cut into the fewest inclusive windows of at most ``max_days`` days."""
    _check_range(start, end)
    result = []
    first = start
    while first <= end:
        last = min(first + timedelta(days=max_days - 1), end)
        result.append((first, last))
        first = last + timedelta(days=1)
    return result


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")


class CursorAdminAPI(VendorAPIResource):
    """Cursor Admin API: team members, daily usage, usage events and current-cycle spend.

    Client-side limits follow the documented per-team quotas: 20 requests/minute for the Admin API
    and 60/minute for filtered-usage-events (0 disables a limit). Each resource instance has its
    own limiter, so steps running in separate processes do not share it.
    """

    api_key_env_var: str = "CURSOR_API_KEY"
    base_url: str = "https://api.cursor.com"
    requests_per_minute: int = 20
    usage_events_requests_per_minute: int = 60
    page_size: int = 1000

    def make_client(
        self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> VendorHTTPClient:
        key = self.api_key.strip()
        return VendorHTTPClient(
            "Cursor",
            self.base_url,
            credential=key,
            credential_env_var=self.api_key_env_var,
            credential_description="a Cursor admin API key from cursor.com/dashboard → API Keys",
            auth=(key, ""),
            policy=self.retry_policy(),
            requests_per_minute=self.requests_per_minute,
            rate_limits={USAGE_EVENTS_PATH: self.usage_events_requests_per_minute},
            clock=clock,
            sleep=sleep,
        )

    def get_members(self) -> list[dict[str, Any]]:
        """GET /teams/members: the raw ``teamMembers`` items."""
        page = self.http.request("GET", MEMBERS_PATH)
        return self.http.items(page, "teamMembers", f"GET {MEMBERS_PATH}")

    def get_daily_usage(self, start: date, end: date) -> list[dict[str, Any]]:
        """POST /teams/daily-usage-data over ``[start, end]``: windows of at most 30 days, each paged.

        Paging (``page``/``pageSize``) makes Cursor return every member with a membership in the
        window, with ``isActive`` per day, not only those with activity: the seats, idle ones included.
        """
        rows: list[dict[str, Any]] = []
        for first, last in windows(start, end):
            body = {"startDate": day_start_ms(first), "endDate": day_end_ms(last)}
            for page in self.http.pages_by_number(DAILY_USAGE_PATH, body, self.page_size, "data"):
                rows.extend(self.http.items(page, "data", f"POST {DAILY_USAGE_PATH}"))
        return rows

    def get_usage_events(self, start: date, end: date) -> list[dict[str, Any]]:
        """POST /teams/filtered-usage-events: every event in ``[start, end]``, one paged query."""
        return list(self.iter_usage_events(start, end))

    def iter_usage_events(self, start: date, end: date) -> Iterator[dict[str, Any]]:
        """The same events as they arrive, the next pages fetched while these are processed."""
        _check_range(start, end)
        body = {"startDate": day_start_ms(start), "endDate": day_end_ms(end)}
        for page in read_ahead(self.http.pages_by_number(USAGE_EVENTS_PATH, body, self.page_size, "usageEvents")):
            yield from self.http.items(page, "usageEvents", f"POST {USAGE_EVENTS_PATH}")

    def get_spend(self) -> dict[str, Any]:
        """POST /teams/spend, all pages merged: ``teamMemberSpend``, ``subscriptionCycleStart``,
        ``totalMembers`` (the current billing cycle only; the API has no history)."""
        pages = self.http.pages_by_number(SPEND_PATH, {}, self.page_size, "teamMemberSpend")
        first = next(pages)
        members: list[dict[str, Any]] = []
        for page in chain([first], pages):
            members.extend(self.http.items(page, "teamMemberSpend", f"POST {SPEND_PATH}"))
        return {
            "teamMemberSpend": members,
            "subscriptionCycleStart": first.get("subscriptionCycleStart"),
            "totalMembers": first.get("totalMembers"),
        }
