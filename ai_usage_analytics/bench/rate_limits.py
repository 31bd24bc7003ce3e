"""The least time the vendors' rate limits give a scenario's requests, had the limits been on.

The bench measures with the clients' limits off: it times our work, not the vendors' quotas. This
turns its request counts back into time under the limits the clients keep in production (the
resource classes' defaults, from the vendors' documentation), so the report can say how long a
backfill takes against the real APIs at the least. A client's limiter allows ``per_minute``
requests in any 60-second window, so ``n`` requests through one limiter take at least
60 s x floor((n - 1) / per_minute). Limiters of different vendors wait side by side, so the
scenario's bound is its slowest limiter's.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai_usage_analytics.resources import anthropic, claude_analytics, cursor, google_reports


@dataclass(frozen=True)
class Limit:
    """One client-side limiter: the endpoints that share it and its requests per minute (0: none)."""

    name: str
    paths: frozenset[str]
    per_minute: int


def _default(resource: type, field: str) -> int:
    return resource.model_fields[field].default


def documented_limits() -> list[Limit]:
    """The production clients' limiters, each with the endpoints it covers."""
    cursor_api, analytics_api = cursor.CursorAdminAPI, claude_analytics.ClaudeAnalyticsAPI
    anthropic_paths = {anthropic.MESSAGES_USAGE_PATH, anthropic.COST_REPORT_PATH, anthropic.CLAUDE_CODE_PATH,
                       anthropic.API_KEYS_PATH, anthropic.WORKSPACES_PATH, anthropic.USERS_PATH}
    return [
        Limit("Cursor usage events", frozenset({cursor.USAGE_EVENTS_PATH}),
              _default(cursor_api, "usage_events_requests_per_minute")),
        Limit("Cursor Admin API", frozenset({cursor.DAILY_USAGE_PATH, cursor.MEMBERS_PATH, cursor.SPEND_PATH}),
              _default(cursor_api, "requests_per_minute")),
        Limit("Claude Enterprise Analytics", frozenset({claude_analytics.USERS_PATH, claude_analytics.USER_COST_PATH}),
              _default(analytics_api, "requests_per_minute")),
        Limit("Anthropic Admin API", frozenset(anthropic_paths), _default(anthropic.AnthropicAdminAPI, "requests_per_minute")),
        Limit("Google Workspace Reports", frozenset({google_reports.ACTIVITIES_PATH}),
              _default(google_reports.GoogleWorkspaceReports, "requests_per_minute")),
    ]


def limited_seconds(requests: int, per_minute: int) -> float:
    """The least time ``requests`` take through one limiter of ``per_minute`` (0: no limit)."""
    if per_minute <= 0 or requests <= 1:
        return 0.0
    return 60.0 * ((requests - 1) // per_minute)


@dataclass(frozen=True)
class RateLimitFloor:
    seconds: float
    limit: str | None  # the slowest limiter, None when no request waits
    requests: int  # the requests through it
    per_minute: int


def rate_limit_floor(requests_by_endpoint: dict[str, int], limits: list[Limit] | None = None) -> RateLimitFloor:
    """The slowest limiter's least time for these requests; endpoints no limiter covers do not wait."""
    slowest = RateLimitFloor(0.0, None, 0, 0)
    for limit in documented_limits() if limits is None else limits:
        requests = sum(n for path, n in requests_by_endpoint.items() if path in limit.paths)
        seconds = limited_seconds(requests, limit.per_minute)
        if seconds > slowest.seconds:
            slowest = RateLimitFloor(seconds, limit.name, requests, limit.per_minute)
    return slowest


def rate_limited(requests_by_endpoint: dict[str, int], minimum: dict[str, int]) -> dict:
    """A bench entry's fields: the least time the documented limits give the requests sent, which limiter
    that is, and the least time for the API minimum of requests."""
    sent, least = rate_limit_floor(requests_by_endpoint), rate_limit_floor(minimum)
    return {
        "rate_limited_at_least_s": sent.seconds,
        "rate_limited_by": None if sent.limit is None else
        f"{sent.limit}: {sent.requests:,} requests at {sent.per_minute} a minute",
        "rate_limited_minimum_at_least_s": least.seconds,
    }
