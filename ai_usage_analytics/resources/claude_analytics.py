"""Claude Enterprise Analytics API client (https://api.anthropic.com/v1/organizations/analytics/) as a
Dagster resource.

Auth is ``x-api-key`` with an analytics key (scope ``read:analytics``, created by the Primary Owner in
claude.ai under Organization settings -> API; Admin API keys cannot call it). The API allows 60
requests per minute per organisation across all its endpoints, so one limiter covers every path.

* ``/analytics/users`` is a per-day snapshot (``date=YYYY-MM-DD``), paged with ``limit`` (<= 1000) and
  the ``next_page`` cursor passed back as ``page`` until it is null. Engagement is aggregated about
  10:00 UTC the next day: a too-recent day is refused with 400 naming the latest day; that day and
  every later one are reported as not available yet (``UsersDay.ready`` false) and retried by the
  next scheduled run, never failed.
* ``/analytics/user_cost_report``: ``starting_at``/``ending_at`` (RFC 3339, at most 31 days a query),
  daily buckets, paged with ``has_more``/``next_page``.

A cursor is bound to its query and may expire after a data refresh: 410, which fails the call
(the window is fetched again by the next run; nothing is written).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ai_usage_analytics.resources.anthropic import API_VERSION, report_window
from ai_usage_analytics.resources.cursor import windows
from ai_usage_analytics.resources.http import VendorAPIError, VendorAPIResource, VendorHTTPClient, read_ahead

USERS_PATH = "/v1/organizations/analytics/users"
USER_COST_PATH = "/v1/organizations/analytics/user_cost_report"
USERS_LIMIT = 1000
USER_COST_LIMIT = 1000
USER_COST_MAX_DAYS = 31
USER_COST_GROUP_BY = ("product", "model", "cost_type", "token_type")
FIRST_DAY = date(2026, 1, 1)  # the API has data from this day
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class UsersDay:
    """One day of ``/analytics/users``: the records, or ``ready`` false when the day is not aggregated yet."""

    day: date
    records: list[dict[str, Any]]
    ready: bool = True


def too_recent(error: VendorAPIError, day: date) -> bool:
    """A 400 that names a latest available day earlier than ``day`` (the documented "too recent" answer)."""
    if error.status != 400:
        return False
    named = [date.fromisoformat(d) for d in _DAY.findall(error.message)]
    return bool(named) and max(named) < day


class ClaudeAnalyticsAPI(VendorAPIResource):
    """Claude Enterprise Analytics API: per-user daily engagement and per-user cost."""

    api_key_env_var: str = "CLAUDE_ANALYTICS_API_KEY"
    base_url: str = "https://api.anthropic.com"
    requests_per_minute: int = 60

    def make_client(
        self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> VendorHTTPClient:
        key = self.api_key.strip()
        return VendorHTTPClient(
            "Claude Analytics",
            self.base_url,
            credential=key,
            credential_env_var=self.api_key_env_var,
            credential_description=(
                "a Claude Enterprise Analytics API key with scope read:analytics, sk-ant-api01-…, created by the "
                "Primary Owner in claude.ai → Organization settings → API"
            ),
            headers={"x-api-key": key, "anthropic-version": API_VERSION},
            policy=self.retry_policy(),
            requests_per_minute=self.requests_per_minute,
            clock=clock,
            sleep=sleep,
        )

    def get_users_days(self, start: date, end: date) -> Iterator[UsersDay]:
        """``/analytics/users`` for every day of ``[start, end]``. Days before 2026-01-01 have no data
        and cost no request; after the first too-recent day, later days are not asked for either."""
        day, ready = start, True
        while day <= end:
            if day < FIRST_DAY or not ready:
                yield UsersDay(day, [], ready=day < FIRST_DAY)
            else:
                try:
                    yield UsersDay(day, self.get_users(day))
                except VendorAPIError as error:
                    if not too_recent(error, day):
                        raise
                    ready = False
                    yield UsersDay(day, [], ready=False)
            day += timedelta(days=1)

    def get_users(self, day: date) -> list[dict[str, Any]]:
        """Every user record of one day, following ``next_page`` until it is null."""
        endpoint = f"GET {USERS_PATH}"
        params = [("date", day.isoformat()), ("limit", USERS_LIMIT)]
        records: list[dict[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.http.request("GET", USERS_PATH, params=[*params, ("page", token)] if token else params)
            records.extend(self.http.items(page, "data", endpoint))
            token = page.get("next_page")
            if token is None or token == "":
                return records
            if not isinstance(token, str) or token in seen:
                raise VendorAPIError(self.http.vendor, endpoint, 200, "next_page is not a string or repeats")
            seen.add(token)

    def iter_user_cost(self, start: date, end: date) -> Iterator[dict[str, Any]]:
        """``/analytics/user_cost_report`` rows for ``[start, end]`` in daily buckets grouped by
        product, model, cost type and token type, in the fewest windows of at most 31 days, page by
        page (a 31-day window of 2,000 seats is ~150,000 rows: callers consume them as they come)."""
        for first, last in windows(max(start, FIRST_DAY), end, USER_COST_MAX_DAYS) if end >= FIRST_DAY else []:
            params = [
                *report_window(first, last),
                ("bucket_width", "1d"),
                *(("group_by[]", dimension) for dimension in USER_COST_GROUP_BY),
                ("limit", USER_COST_LIMIT),
            ]
            for page in read_ahead(self.http.pages_by_token(USER_COST_PATH, params)):  # next page while this is used
                yield from self.http.items(page, "data", f"GET {USER_COST_PATH}")

    def get_user_cost(self, start: date, end: date) -> list[dict[str, Any]]:
        """Every row ``iter_user_cost`` yields, as a list."""
        return list(self.iter_user_cost(start, end))
