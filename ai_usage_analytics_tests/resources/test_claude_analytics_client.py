"""ClaudeAnalyticsAPI against the documented example bodies served over (mocked) HTTP."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from responses.registries import OrderedRegistry

from ai_usage_analytics.resources.claude_analytics import ClaudeAnalyticsAPI
from ai_usage_analytics.resources.http import MissingCredentialsError, VendorAPIError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "vendor" / "claude_ai"
BASE = "https://api.anthropic.com"
KEY = "sk-ant-api01-test-analytics-0123456789abcdef"
FAST = {"backoff_factor": 0.001, "backoff_jitter_seconds": 0.0, "max_retry_wait_seconds": 0.01, "requests_per_minute": 0}
USERS = f"{BASE}/v1/organizations/analytics/users"
COST = f"{BASE}/v1/organizations/analytics/user_cost_report"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def api(**overrides) -> ClaudeAnalyticsAPI:
    return ClaudeAnalyticsAPI(**{"api_key": KEY, **FAST, **overrides})


def sent(index: int) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(responses.calls[index].request.url).query)


def error(status: int, message: str) -> dict:
    return {"type": "error", "error": {"type": "invalid_request_error", "message": message}, "request_id": "req_1"}


@responses.activate(registry=OrderedRegistry)
def test_users_sends_date_and_limit_and_follows_next_page_until_null():
    first = fixture("analytics_users.json")
    second = copy.deepcopy(first)
    second["data"][0]["user"]["email_address"] = "b@example.com"
    second["next_page"] = None
    responses.get(USERS, json=first)
    responses.get(USERS, json=second)

    records = api().get_users(date(2026, 2, 3))

    assert [r["user"]["email_address"] for r in records] == ["email_address", "b@example.com"]
    assert sent(0) == [("date", "2026-02-03"), ("limit", "1000")]
    assert sent(1) == [("date", "2026-02-03"), ("limit", "1000"), ("page", "next_page")]
    headers = responses.calls[0].request.headers
    assert headers["x-api-key"] == KEY and headers["anthropic-version"] == "2023-06-01"


@responses.activate(registry=OrderedRegistry)
def test_a_too_recent_day_and_the_days_after_it_are_not_ready_and_cost_no_more_requests():
    page = {**fixture("analytics_users.json"), "next_page": None}
    responses.get(USERS, json=page)
    responses.get(USERS, json=error(400, "the latest day with data is 2026-02-03"), status=400)

    days = list(api().get_users_days(date(2026, 2, 3), date(2026, 2, 6)))

    assert [(d.day.isoformat(), d.ready, len(d.records)) for d in days] == [
        ("2026-02-03", True, 1), ("2026-02-04", False, 0), ("2026-02-05", False, 0), ("2026-02-06", False, 0)]
    assert len(responses.calls) == 2


@responses.activate(registry=OrderedRegistry)
def test_days_before_the_api_has_data_cost_no_request():
    responses.get(USERS, json={"data": [], "next_page": None})
    days = list(api().get_users_days(date(2025, 12, 30), date(2026, 1, 1)))
    assert [(d.day.isoformat(), d.ready) for d in days] == [("2025-12-30", True), ("2025-12-31", True), ("2026-01-01", True)]
    assert len(responses.calls) == 1 and sent(0)[0] == ("date", "2026-01-01")


@responses.activate(registry=OrderedRegistry)
def test_another_400_fails_naming_vendor_endpoint_and_status():
    responses.get(USERS, json=error(400, "limit: must be between 1 and 1000"), status=400)
    with pytest.raises(VendorAPIError) as caught:
        list(api().get_users_days(date(2026, 2, 3), date(2026, 2, 3)))
    assert str(caught.value) == (
        "Claude Analytics GET /v1/organizations/analytics/users returned 400: "
        "invalid_request_error: limit: must be between 1 and 1000")


@responses.activate(registry=OrderedRegistry)
def test_an_expired_cursor_fails_without_retrying():
    responses.get(USERS, json=fixture("analytics_users.json"))
    responses.get(USERS, json=error(410, "cursor expired"), status=410)
    with pytest.raises(VendorAPIError) as caught:
        api().get_users(date(2026, 2, 3))
    assert caught.value.status == 410 and "page cursor expired" in str(caught.value)
    assert len(responses.calls) == 2


@responses.activate(registry=OrderedRegistry)
def test_401_names_the_variable_is_not_retried_and_never_shows_the_key():
    responses.get(USERS, json={"type": "error", "error": {"type": "authentication_error", "message": f"bad {KEY}"}},
                  status=401)
    with pytest.raises(VendorAPIError) as caught:
        api().get_users(date(2026, 2, 3))
    assert caught.value.status == 401 and "CLAUDE_ANALYTICS_API_KEY" in str(caught.value)
    assert KEY not in str(caught.value) and len(responses.calls) == 1


@responses.activate(registry=OrderedRegistry)
def test_429_and_503_are_retried_to_the_same_records():
    page = {**fixture("analytics_users.json"), "next_page": None}
    responses.get(USERS, json=error(429, "rate limited"), status=429, headers={"Retry-After": "0"})
    responses.get(USERS, json=error(503, "busy"), status=503)
    responses.get(USERS, json=page)
    resource = api()
    assert resource.get_users(date(2026, 2, 3)) == page["data"]
    assert resource.request_counts() == {"GET /v1/organizations/analytics/users": 3}


def test_a_missing_key_fails_before_any_request_naming_the_variable():
    with pytest.raises(MissingCredentialsError) as caught:
        ClaudeAnalyticsAPI(api_key="").get_users(date(2026, 2, 3))
    assert caught.value.env_var == "CLAUDE_ANALYTICS_API_KEY"


def test_one_limiter_of_60_a_minute_covers_the_organisation():
    client = ClaudeAnalyticsAPI(api_key=KEY).http
    assert client.rate_limiter("/v1/organizations/analytics/users") is client.rate_limiter(
        "/v1/organizations/analytics/user_cost_report")
    assert client.rate_limiter("/v1/organizations/analytics/users").per_minute == 60


@responses.activate(registry=OrderedRegistry)
def test_user_cost_windows_of_31_days_daily_buckets_and_has_more_paging():
    body = fixture("analytics_user_cost_report.json")
    responses.get(COST, json=body)
    responses.get(COST, json={**body, "has_more": False, "next_page": None})
    responses.get(COST, json={**body, "data": [], "has_more": False, "next_page": None})

    rows = api().get_user_cost(date(2026, 1, 1), date(2026, 2, 9))  # 40 days: 31 + 9

    assert len(rows) == 2
    assert sent(0) == [
        ("starting_at", "2026-01-01T00:00:00Z"), ("ending_at", "2026-02-01T00:00:00Z"), ("bucket_width", "1d"),
        ("group_by[]", "product"), ("group_by[]", "model"), ("group_by[]", "cost_type"), ("group_by[]", "token_type"),
        ("limit", "1000")]
    assert sent(1)[-1] == ("page", "next_page")
    assert sent(2)[:2] == [("starting_at", "2026-02-01T00:00:00Z"), ("ending_at", "2026-02-10T00:00:00Z")]
