"""Authentication and the documented limits, with the documented error bodies."""

from __future__ import annotations

import base64

import pytest
import requests

from ai_usage_analytics.resources.cursor import day_end_ms, day_start_ms
from ai_usage_analytics_tests.demo.conftest import ANALYTICS_HEADERS, ANTHROPIC_HEADERS, CURSOR_AUTH, DAY

MS_DAY = 86_400_000


@pytest.mark.parametrize("auth", [None, ("wrong", ""), (CURSOR_AUTH[0], "a-password")])
def test_cursor_needs_basic_auth_with_the_key_and_no_password(simulator, auth):
    response = requests.get(f"{simulator.url}/teams/members", auth=auth)
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "message": "Invalid API key"}


def test_cursor_accepts_a_hand_made_basic_header(simulator):
    token = base64.b64encode(f"{CURSOR_AUTH[0]}:".encode()).decode()
    assert requests.get(f"{simulator.url}/teams/members", headers={"Authorization": f"Basic {token}"}).ok


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "sk-ant-admin01-wrong", "anthropic-version": "2023-06-01"}, ANALYTICS_HEADERS])
def test_anthropic_admin_needs_its_admin_key(simulator, headers):
    response = requests.get(f"{simulator.url}/v1/organizations/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == {"type": "authentication_error", "message": "Authentication error"}
    assert response.json()["request_id"].startswith("req_")


def test_anthropic_version_header_is_required(simulator):
    response = requests.get(f"{simulator.url}/v1/organizations/me", headers={"x-api-key": ANTHROPIC_HEADERS["x-api-key"]})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"


def test_bearer_token_form_is_accepted(simulator):
    headers = {"authorization": f"Bearer {ANTHROPIC_HEADERS['x-api-key']}", "anthropic-version": "2023-06-01"}
    assert requests.get(f"{simulator.url}/v1/organizations/me", headers=headers).ok


def post_daily(simulator, body):
    return requests.post(f"{simulator.url}/teams/daily-usage-data", json=body, auth=CURSOR_AUTH)


def test_cursor_daily_usage_window_is_at_most_30_days(simulator):
    start = day_start_ms(DAY) - 29 * MS_DAY
    assert post_daily(simulator, {"startDate": start, "endDate": day_end_ms(DAY)}).ok
    too_long = post_daily(simulator, {"startDate": start - MS_DAY, "endDate": day_end_ms(DAY)})
    assert too_long.status_code == 400 and too_long.json()["error"] == "Bad Request"
    assert post_daily(simulator, {"startDate": day_start_ms(DAY)}).status_code == 400


def test_plain_daily_usage_returns_active_users_only(simulator):
    body = {"startDate": day_start_ms(DAY), "endDate": day_end_ms(DAY)}
    plain = post_daily(simulator, body).json()
    paged = post_daily(simulator, {**body, "page": 1, "pageSize": 1000}).json()
    assert "pagination" not in plain and all(r["isActive"] for r in plain["data"])
    assert len(plain["data"]) == sum(r["isActive"] for r in paged["data"]) < len(paged["data"])


def test_cursor_events_page_size_is_bounded(simulator):
    body = {"startDate": day_start_ms(DAY), "endDate": day_end_ms(DAY)}
    url = f"{simulator.url}/teams/filtered-usage-events"
    assert requests.post(url, json={**body, "pageSize": 1001}, auth=CURSOR_AUTH).status_code == 400
    assert requests.post(url, json={**body, "hostingType": "MOON"}, auth=CURSOR_AUTH).status_code == 400
    default = requests.post(url, json=body, auth=CURSOR_AUTH).json()
    assert default["pagination"]["pageSize"] == 100


@pytest.mark.parametrize("query", [
    "usage_report/messages?starting_at=2026-01-01T00:00:00Z&limit=32",
    "usage_report/messages?starting_at=2026-01-01T00:00:00Z&limit=0",
    "usage_report/messages?limit=5",
    "usage_report/messages?starting_at=2026-01-01T00:00:00Z&group_by[]=colour",
    "cost_report?starting_at=2026-01-01T00:00:00Z&bucket_width=1h",
    "cost_report?starting_at=2026-01-01T00:00:00Z&page=not-a-token",
    "usage_report/claude_code?starting_at=2026-01-01T00:00:00Z",
    "usage_report/claude_code?starting_at=2026-01-01&limit=1001",
    "api_keys?limit=1001",
    "users?after_id=user_01unknown",
])
def test_anthropic_limits_answer_invalid_request(simulator, query):
    response = requests.get(f"{simulator.url}/v1/organizations/{query}", headers=ANTHROPIC_HEADERS)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_report_buckets_default_to_seven_and_include_empty_days(simulator):
    response = requests.get(f"{simulator.url}/v1/organizations/cost_report?starting_at=2024-12-29T00:00:00Z",
                            headers=ANTHROPIC_HEADERS).json()
    assert len(response["data"]) == 7 and response["has_more"]
    assert [b["results"] for b in response["data"][:3]] == [[], [], []]  # before the organisation's period
    assert response["next_page"].startswith("page_")


def test_claude_code_report_pages_with_limit(simulator):
    url = f"{simulator.url}/v1/organizations/usage_report/claude_code?starting_at={DAY}&limit=2"
    first = requests.get(url, headers=ANTHROPIC_HEADERS).json()
    second = requests.get(f"{url}&page={first['next_page']}", headers=ANTHROPIC_HEADERS).json()
    assert len(first["data"]) == 2 and first["has_more"] and second["data"][0] != first["data"][0]
    other_day = f"{simulator.url}/v1/organizations/usage_report/claude_code?starting_at=2026-03-17&page={first['next_page']}"
    assert requests.get(other_day, headers=ANTHROPIC_HEADERS).status_code == 400  # the cursor is bound to its query


def test_analytics_users_dates_and_key(simulator):
    base = f"{simulator.url}/v1/organizations/analytics/users"
    assert requests.get(f"{base}?date={DAY}", headers=ANTHROPIC_HEADERS).status_code == 401
    assert requests.get(f"{base}?date=2025-12-31", headers=ANALYTICS_HEADERS).status_code == 400
    too_recent = requests.get(f"{base}?date=2026-03-20", headers=ANALYTICS_HEADERS)
    assert too_recent.status_code == 400 and "2026-03-19" in too_recent.json()["error"]["message"]
    rollup = requests.get(f"{base}?starting_date=2026-03-16&ending_date={DAY}&limit=5", headers=ANALYTICS_HEADERS).json()
    assert len(rollup["data"]) == 5 and rollup["next_page"]
