"""Each fault kind, switched on for one endpoint, is seen by a plain ``requests`` call; clients recover."""

from __future__ import annotations

import pytest
import requests

from ai_usage_analytics.demo.server import DEMO_KEYS
from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.http import VendorAPIError
from ai_usage_analytics.resources.cursor import day_end_ms, day_start_ms
from ai_usage_analytics_tests.demo.conftest import ANTHROPIC_HEADERS, CURSOR_AUTH, DAY

COST = "/v1/organizations/cost_report"
COST_QUERY = f"{COST}?starting_at={DAY}T00:00:00Z&group_by[]=workspace_id&group_by[]=description&limit=1"
EVENTS = "/teams/filtered-usage-events"
EVENTS_BODY = {"startDate": day_start_ms(DAY), "endDate": day_end_ms(DAY), "pageSize": 5}


def cost(simulator, query: str = COST_QUERY, **options) -> requests.Response:
    return requests.get(simulator.url + query, headers=ANTHROPIC_HEADERS, **options)


def events(simulator, page: int = 1) -> requests.Response:
    return requests.post(simulator.url + EVENTS, json={**EVENTS_BODY, "page": page}, auth=CURSOR_AUTH)


def fault(simulator, **rule) -> None:
    response = requests.post(f"{simulator.url}/_sim/faults", json=rule)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 529])
def test_status_faults_answer_in_the_vendors_error_body_then_stop(simulator, status):
    fault(simulator, endpoint=COST, kind=str(status), times=2, retry_after=3)

    first, second, third = cost(simulator), cost(simulator), cost(simulator)

    assert first.status_code == second.status_code == status
    assert first.json()["type"] == "error" and first.json()["error"]["type"]
    assert third.status_code == 200
    if status == 429:
        assert first.headers["Retry-After"] == "3" and first.json()["error"]["type"] == "rate_limit_error"
    counters = requests.get(f"{simulator.url}/_sim/counters").json()
    assert counters["statuses"][COST] == {str(status): 2, "200": 1}


def test_cursor_429_uses_cursors_body(simulator):
    fault(simulator, endpoint=EVENTS, kind="429", times=1, retry_after=0)
    response = events(simulator)
    assert response.status_code == 429
    assert response.json() == {"error": "Too Many Requests", "message": "Rate limit exceeded. Please try again later."}


def test_dropped_connection(simulator):
    fault(simulator, endpoint=COST, kind="drop")
    with pytest.raises(requests.ConnectionError):
        cost(simulator)
    assert cost(simulator).status_code == 200


def test_slow_response_past_the_timeout(simulator):
    fault(simulator, endpoint=COST, kind="slow", delay=0.6)
    with pytest.raises(requests.Timeout):
        cost(simulator, timeout=0.2)


@pytest.mark.parametrize("kind", ["truncated", "non_json"])
def test_broken_bodies(simulator, kind):
    fault(simulator, endpoint=COST, kind=kind)
    response = cost(simulator)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_expired_cursor_on_a_later_page(simulator):
    fault(simulator, endpoint=COST, kind="expired_cursor")
    first = cost(simulator)
    assert first.status_code == 200
    second = cost(simulator, f"{COST_QUERY}&page={first.json()['next_page']}")
    assert second.status_code == 410
    assert second.json()["type"] == "error" and "expired" in second.json()["error"]["message"]
    fault(simulator, endpoint=EVENTS, kind="expired_cursor")
    assert events(simulator, 1).status_code == 200
    expired = events(simulator, 2)
    assert expired.status_code == 410 and expired.json()["error"] == "Gone"


def test_empty_day(simulator):
    assert cost(simulator).json()["data"][0]["results"]
    fault(simulator, endpoint=COST, kind="empty", date=DAY.isoformat())
    bucket = cost(simulator).json()["data"][0]
    assert bucket["starting_at"].startswith(DAY.isoformat()) and bucket["results"] == []


def test_duplicated_rows_across_pages(simulator):
    fault(simulator, endpoint=EVENTS, kind="duplicate")
    first, second = events(simulator, 1).json()["usageEvents"], events(simulator, 2).json()["usageEvents"]
    assert second[0] == first[-1] and len(second) == len(first) + 1


def test_faults_are_configurable_from_python_and_reset_clears_them(simulator):
    simulator.add_fault(COST, "500", times=None)
    assert cost(simulator).status_code == cost(simulator).status_code == 500
    requests.post(f"{simulator.url}/_sim/reset")
    assert cost(simulator).status_code == 200
    assert requests.get(f"{simulator.url}/_sim/counters").json() == {
        "requests": {COST: 1}, "statuses": {COST: {"200": 1}}}


def test_probability_is_seeded(simulator):
    def pattern() -> list[int]:
        requests.post(f"{simulator.url}/_sim/reset")
        fault(simulator, endpoint=COST, kind="503", times=None, probability=0.5)
        return [cost(simulator).status_code for _ in range(12)]

    first = pattern()
    assert first == pattern() and {200, 503} == set(first)


def test_unknown_fault_kind_is_refused(simulator):
    response = requests.post(f"{simulator.url}/_sim/faults", json={"endpoint": COST, "kind": "gremlins"})
    assert response.status_code == 400 and "gremlins" in response.json()["error"]


def test_our_client_retries_through_429s_and_5xx(simulator):
    fault(simulator, endpoint=COST, kind="429", times=2, retry_after=0)
    fault(simulator, endpoint=COST, kind="529", times=1, retry_after=0)
    client = AnthropicAdminAPI(api_key=DEMO_KEYS["anthropic_admin"], base_url=simulator.url, backoff_factor=0.001,
                               backoff_jitter_seconds=0.0, max_retry_wait_seconds=0.01)

    buckets = client.get_cost_report(DAY, DAY)

    assert buckets[0]["results"]
    assert client.request_counts()["GET /v1/organizations/cost_report"] == 4


def test_our_client_reports_an_expired_cursor(simulator):
    fault(simulator, endpoint=COST, kind="expired_cursor")
    client = AnthropicAdminAPI(api_key=DEMO_KEYS["anthropic_admin"], base_url=simulator.url)
    with pytest.raises(VendorAPIError) as error:
        client.get_cost_report(DAY.replace(month=1, day=1), DAY)
    assert error.value.status == 410 and "expired" in str(error.value)
