"""Google Workspace Reports API, Gemini in Workspace apps: the documented activity structure (no
documented example body exists, so keys and types are asserted here), paging adds up to the truth,
Bearer auth, maxResults bounds and faults in Google's error body."""

from __future__ import annotations

from datetime import timedelta

import requests

from ai_usage_analytics.demo.server import DEMO_KEYS
from ai_usage_analytics_tests.demo.conftest import DAY

PATH = "/admin/reports/v1/activity/users/all/applications/gemini_in_workspace_apps"
BEARER = {"Authorization": f"Bearer {DEMO_KEYS['google_reports']}"}
ONE_DAY = {"startTime": f"{DAY}T00:00:00Z", "endTime": f"{DAY + timedelta(days=1)}T00:00:00Z"}


def get(simulator, params: dict, headers=BEARER, path: str = PATH) -> requests.Response:
    return requests.get(simulator.url + path, params=params, headers=headers)


def every_item(simulator, params: dict) -> list[dict]:
    items, token = [], None
    while True:
        body = get(simulator, {**params, **({"pageToken": token} if token else {})}).json()
        items += body.get("items", [])
        token = body.get("nextPageToken")
        if not token:
            return items


def assert_google_error(response: requests.Response, status: int) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"code", "message", "status"} and error["code"] == status
    assert isinstance(error["message"], str) and isinstance(error["status"], str)


def test_activities_have_the_documented_structure(simulator):
    body = get(simulator, {**ONE_DAY, "maxResults": 50}).json()

    assert set(body) == {"kind", "etag", "items", "nextPageToken"} and body["kind"] == "admin#reports#activities"
    assert isinstance(body["etag"], str) and isinstance(body["nextPageToken"], str) and len(body["items"]) == 50
    for item in body["items"]:
        assert set(item) == {"kind", "id", "etag", "actor", "events"} and item["kind"] == "admin#reports#activity"
        assert set(item["id"]) == {"time", "uniqueQualifier", "applicationName", "customerId"}
        assert item["id"]["applicationName"] == "gemini_in_workspace_apps"
        assert item["id"]["time"].startswith(DAY.isoformat()) and item["id"]["time"].endswith("Z")
        assert int(item["id"]["uniqueQualifier"]) and all(isinstance(v, str) for v in item["id"].values())
        assert set(item["actor"]) == {"email", "profileId", "callerType"} and item["actor"]["profileId"].isdigit()
        for event in item["events"]:
            assert (event["type"], event["name"]) == ("ai_usage_event", "feature_utilization")
            assert [p["name"] for p in event["parameters"]] == ["action", "app_name"]
            assert all(isinstance(p["value"], str) and p["value"] for p in event["parameters"])
    times = [i["id"]["time"] for i in body["items"]]
    assert times == sorted(times, reverse=True)  # newest first


def test_paging_with_plain_requests_adds_up_to_the_truth(simulator):
    for day in (DAY, DAY - timedelta(days=4)):  # a Wednesday and a Saturday
        params = {"startTime": f"{day}T00:00:00Z", "endTime": f"{day + timedelta(days=1)}T00:00:00Z", "maxResults": 37}
        items = every_item(simulator, params)
        truth = simulator.org.truth(day)["gemini"]

        assert len(items) == truth["events"] and len({i["actor"]["email"] for i in items}) == truth["people"]
        assert len({i["id"]["uniqueQualifier"] for i in items}) == len(items)
    assert simulator.org.truth(DAY)["gemini"]["events"] > simulator.org.truth(DAY - timedelta(days=4))["gemini"]["events"]


def test_knowledge_workers_and_hybrids_use_gemini_more_than_engineers(simulator):
    week = {"startTime": f"{DAY - timedelta(days=6)}T00:00:00Z", "endTime": f"{DAY + timedelta(days=1)}T00:00:00Z"}
    users = {i["actor"]["email"] for i in every_item(simulator, week)}
    people = [p for p in simulator.org.people if p.employed(DAY)]
    share = {kind: sum(p.email in users for p in group) / len(group)
             for kind in ("knowledge_worker", "engineering")
             if (group := [p for p in people if p.user_type == kind])}
    assert share["knowledge_worker"] > share["engineering"]


def test_one_user_and_a_partial_window(simulator):
    items = every_item(simulator, ONE_DAY)
    email = items[0]["actor"]["email"]
    mine = [i for i in items if i["actor"]["email"] == email]
    path = PATH.replace("/all/", f"/{email}/")
    assert get(simulator, ONE_DAY, path=path).json()["items"] == mine
    morning = every_item(simulator, {"startTime": f"{DAY}T00:00:00Z", "endTime": f"{DAY}T12:00:00Z"})
    assert morning == [i for i in items if i["id"]["time"] < f"{DAY}T12:00:00"]


def test_bearer_token_max_results_and_page_token_errors(simulator):
    assert_google_error(get(simulator, ONE_DAY, headers={}), 401)
    assert_google_error(get(simulator, ONE_DAY, headers={"Authorization": "Bearer ya29.wrong"}), 401)
    assert_google_error(get(simulator, ONE_DAY, headers={"x-api-key": DEMO_KEYS["google_reports"]}), 401)
    assert_google_error(get(simulator, {**ONE_DAY, "maxResults": 0}), 400)
    assert_google_error(get(simulator, {**ONE_DAY, "maxResults": 1001}), 400)
    assert get(simulator, {**ONE_DAY, "maxResults": 1000}).status_code == 200
    token = get(simulator, {**ONE_DAY, "maxResults": 5}).json()["nextPageToken"]
    assert_google_error(get(simulator, {**ONE_DAY, "maxResults": 6, "pageToken": token}), 400)
    assert_google_error(get(simulator, {"startTime": "yesterday"}), 400)
    assert_google_error(get(simulator, ONE_DAY, path=PATH.replace("/all/", "/nobody@example.com/")), 404)


def test_faults_apply_to_the_reports_endpoint(simulator):
    requests.post(f"{simulator.url}/_sim/faults", json={"endpoint": PATH, "kind": "503", "retry_after": 0})
    failed = get(simulator, ONE_DAY)
    assert_google_error(failed, 503)
    assert failed.headers["Retry-After"] == "0"
    assert get(simulator, ONE_DAY).status_code == 200
    requests.post(f"{simulator.url}/_sim/faults", json={"endpoint": PATH, "kind": "expired_cursor"})
    token = get(simulator, {**ONE_DAY, "maxResults": 5}).json()["nextPageToken"]
    assert_google_error(get(simulator, {**ONE_DAY, "maxResults": 5, "pageToken": token}), 410)
    counters = requests.get(f"{simulator.url}/_sim/counters").json()
    assert counters["statuses"][PATH] == {"503": 1, "200": 2, "410": 1}
