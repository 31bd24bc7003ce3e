"""The Claude Enterprise Analytics per-user cost report: seat users only, consistent with the users
endpoint's activity, ranked, paged with a query-bound cursor, in the documented error body."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import requests

from ai_usage_analytics.demo.server import DEMO_KEYS
from ai_usage_analytics_tests.demo.conftest import ANALYTICS_HEADERS, ANTHROPIC_HEADERS, DAY

PATH = "/v1/organizations/analytics/user_cost_report"
ONE_DAY = f"starting_at={DAY}T00:00:00Z&ending_at={DAY + timedelta(days=1)}T00:00:00Z"


def get(simulator, query: str, headers=ANALYTICS_HEADERS) -> requests.Response:
    return requests.get(f"{simulator.url}{PATH}?{query}", headers=headers)


def every_page(simulator, query: str, limit: int) -> list[dict]:
    rows, page = [], None
    while True:
        body = get(simulator, f"{query}&limit={limit}" + (f"&page={page}" if page else "")).json()
        rows += body["data"]
        if not body["has_more"]:
            assert body["next_page"] is None
            return rows
        page = body["next_page"]


def test_actors_are_the_seat_users_and_chat_requests_are_their_messages(simulator):
    users = requests.get(f"{simulator.url}/v1/organizations/analytics/users?date={DAY}&limit=1000",
                         headers=ANALYTICS_HEADERS).json()["data"]
    messages = {u["user"]["id"]: u["chat_metrics"]["message_count"] for u in users}
    rows = get(simulator, ONE_DAY + "&group_by[]=product&limit=1000").json()["data"]

    assert rows and {r["actor"]["user_id"] for r in rows} <= set(messages)
    chat = {r["actor"]["user_id"]: r["requests"] for r in rows if r["product"] == "chat"}
    assert chat == {user: count for user, count in messages.items() if count}
    assert {r["product"] for r in rows} == {"chat", "claude_code"}
    for row in rows:
        assert Decimal(row["amount"]) == (Decimal(row["list_amount"]) * Decimal("0.8")).quantize(Decimal("0.000001"))
        assert row["currency"] == "USD" and row["starting_at"] is None and row["model"] is None


def test_rows_are_ranked_by_amount_and_paging_returns_the_same_rows(simulator):
    query = f"starting_at={DAY - timedelta(days=6)}T00:00:00Z&ending_at={DAY + timedelta(days=1)}T00:00:00Z"
    whole = every_page(simulator, query, 1000)
    paged = every_page(simulator, query, 7)

    assert paged == whole and len(whole) > 7
    amounts = [Decimal(r["amount"]) for r in whole]
    assert amounts == sorted(amounts, reverse=True)
    assert len({r["actor"]["user_id"] for r in whole}) == len(whole)  # one row per actor without group_by
    ascending = every_page(simulator, query + "&order=asc&order_by=list_amount", 1000)
    assert [r["actor"]["user_id"] for r in ascending] == [r["actor"]["user_id"] for r in reversed(whole)]


def test_token_type_fan_out_adds_up_to_the_actors_total(simulator):
    totals = {r["actor"]["user_id"]: Decimal(r["list_amount"]) for r in get(simulator, ONE_DAY + "&limit=1000").json()["data"]}
    parts = get(simulator, ONE_DAY + "&limit=1000&group_by[]=token_type").json()["data"]

    summed: dict[str, Decimal] = {}
    for row in parts:
        assert row["requests"] is None and row["cost_type"] in ("tokens", "web_search")
        assert (row["token_type"] is None) == (row["cost_type"] == "web_search")
        summed[row["actor"]["user_id"]] = summed.get(row["actor"]["user_id"], Decimal(0)) + Decimal(row["list_amount"])
    assert summed.keys() == totals.keys()
    assert all(abs(summed[u] - totals[u]) <= Decimal("0.00001") * 6 for u in totals)


def test_leavers_are_deleted_accounts_and_can_be_excluded(simulator):
    query = "starting_at=2026-02-18T00:00:00Z&ending_at=2026-03-20T00:00:00Z"
    rows = every_page(simulator, query, 1000)
    deleted = [r for r in rows if r["actor"]["deleted"]]

    assert deleted and all(r["actor"]["email"] is None and r["actor"]["name"] == "Deleted User" for r in deleted)
    kept = every_page(simulator, query + "&exclude_deleted_users=true", 1000)
    assert kept == [r for r in rows if not r["actor"]["deleted"]]


def test_errors_and_cursor_binding(simulator):
    first = get(simulator, ONE_DAY + "&limit=2").json()
    wrong_query = get(simulator, ONE_DAY + f"&limit=2&group_by[]=product&page={first['next_page']}")
    assert wrong_query.status_code == 400 and wrong_query.json()["error"]["type"] == "invalid_request_error"
    assert get(simulator, ONE_DAY + "&limit=0").status_code == 400
    assert get(simulator, ONE_DAY + "&limit=1001").status_code == 400
    assert get(simulator, "starting_at=2026-01-01T00:00:00Z&ending_at=2026-03-01T00:00:00Z").status_code == 400
    assert get(simulator, "starting_at=2025-12-31T00:00:00Z").status_code == 400
    assert get(simulator, ONE_DAY + "&group_by[]=workspace_id").status_code == 400
    unauthorised = get(simulator, ONE_DAY, headers=ANTHROPIC_HEADERS)
    assert unauthorised.status_code == 401 and unauthorised.json()["error"]["type"] == "authentication_error"
    assert DEMO_KEYS["anthropic_admin"] not in unauthorised.text


def test_faults_apply_to_the_cost_report(simulator):
    requests.post(f"{simulator.url}/_sim/faults", json={"endpoint": PATH, "kind": "429", "retry_after": 0})
    assert get(simulator, ONE_DAY).status_code == 429
    requests.post(f"{simulator.url}/_sim/faults", json={"endpoint": PATH, "kind": "empty"})
    assert get(simulator, ONE_DAY).json()["data"] == []
