"""The least time the documented rate limits give a scenario's requests."""

from __future__ import annotations

import pytest

from ai_usage_analytics.bench import minimum as m
from ai_usage_analytics.bench.rate_limits import Limit, documented_limits, limited_seconds, rate_limit_floor, rate_limited
from ai_usage_analytics.bench.report import rate_limit_line


def test_a_limiter_lets_a_minute_of_requests_through_at_once_then_one_minute_each():
    assert limited_seconds(0, 60) == limited_seconds(1, 60) == 0.0
    assert limited_seconds(60, 60) == 0.0  # all within the first window
    assert limited_seconds(61, 60) == 60.0
    assert limited_seconds(249, 60) == 240.0  # 30 days of Cursor usage events at 2,000 people
    assert limited_seconds(21, 20) == 60.0
    assert limited_seconds(10_000, 0) == 0.0  # no limit


def test_the_limits_are_the_clients_documented_defaults_and_cover_every_endpoint_the_bench_counts():
    limits = {limit.name: limit for limit in documented_limits()}
    assert limits["Cursor usage events"].per_minute == 60
    assert limits["Cursor Admin API"].per_minute == 20
    assert limits["Claude Enterprise Analytics"].per_minute == 60
    covered = [path for limit in limits.values() for path in limit.paths]
    assert len(covered) == len(set(covered))  # an endpoint waits on one limiter only
    assert set(m.ENDPOINTS) <= set(covered)


def test_the_slowest_limiter_bounds_the_run():
    requests = {m.USAGE_EVENTS: 249, m.DAILY_USAGE: 2, m.ANALYTICS_USERS: 30, m.USER_COST: 49, m.MESSAGES: 1}
    floor = rate_limit_floor(requests)
    assert (floor.seconds, floor.limit, floor.requests, floor.per_minute) == (240.0, "Cursor usage events", 249, 60)

    # the analytics endpoints share one limiter: 61 + 60 requests need two more minutes
    floor = rate_limit_floor({m.ANALYTICS_USERS: 61, m.USER_COST: 60, m.USAGE_EVENTS: 60})
    assert (floor.seconds, floor.limit, floor.requests) == (120.0, "Claude Enterprise Analytics", 121)

    assert rate_limit_floor({m.USAGE_EVENTS: 1}).limit is None
    assert rate_limit_floor({"/elsewhere": 500}, [Limit("x", frozenset({"/other"}), 1)]).seconds == 0.0


def test_the_bench_entry_and_its_report_line():
    entry = {"wall_s": 30.0, **rate_limited({m.USAGE_EVENTS: 249, m.DAILY_USAGE: 1}, {m.USAGE_EVENTS: 245})}
    assert entry == {
        "wall_s": 30.0, "rate_limited_at_least_s": 240.0,
        "rate_limited_by": "Cursor usage events: 249 requests at 60 a minute", "rate_limited_minimum_at_least_s": 240.0,
    }
    assert rate_limit_line("backfill_single_run", entry) == (
        "  backfill_single_run under the vendors' documented rate limits (off for this run): at least 240 s, "
        "8.00x this run (Cursor usage events: 249 requests at 60 a minute; at the API minimum of requests 240 s)"
    )
    limited = {**entry, "wall_s": 260.0, "rate_limits": True}
    assert "(on for this run): at least 240 s, 0.92x this run" in rate_limit_line("backfill_single_run", limited)
    assert rate_limit_line("daily", {"wall_s": 5.0, **rate_limited({m.USAGE_EVENTS: 3}, {m.USAGE_EVENTS: 3})}) is None


@pytest.mark.parametrize("on", [False, True])
def test_the_bench_runs_the_production_clients_with_or_without_their_limits(on, monkeypatch):
    from ai_usage_analytics.bench.__main__ import parse_args
    from ai_usage_analytics.bench.scenario import bench_definitions

    monkeypatch.setenv("BENCH_RATE_LIMITS", "1" if on else "0")
    assert parse_args([]).rate_limits is on
    assert parse_args(["--rate-limits"]).rate_limits is True
    for name in ("CURSOR_API_KEY", "ANTHROPIC_ADMIN_API_KEY", "CLAUDE_ANALYTICS_API_KEY"):
        monkeypatch.setenv(name, "test-secret-not-real")
    defs, _ = bench_definitions(rate_limits=on)
    cursor, analytics = defs.resources["cursor"], defs.resources["claude_analytics"]
    limits = (cursor.requests_per_minute, cursor.usage_events_requests_per_minute, analytics.requests_per_minute)
    assert limits == ((20, 60, 60) if on else (0, 0, 0))
