"""CursorAdminAPI against the documented example bodies served over (mocked) HTTP."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import responses
from responses import matchers
from responses.registries import OrderedRegistry

from ai_usage_analytics.resources.cursor import CursorAdminAPI, day_end_ms, day_start_ms, windows
from ai_usage_analytics.resources.http import MissingCredentialsError, VendorAPIError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "vendor" / "cursor"
BASE = "https://api.cursor.com"
KEY = "crsr_0123456789abcdef_test_key"
FAST = {"backoff_factor": 0.001, "backoff_jitter_seconds": 0.0, "max_retry_wait_seconds": 0.01}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def api(**overrides) -> CursorAdminAPI:
    return CursorAdminAPI(**{"api_key": KEY, "requests_per_minute": 0, **FAST, **overrides})


def epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def bodies() -> list[dict]:
    return [json.loads(call.request.body) for call in responses.calls]


def test_day_bounds_are_utc_epoch_ms_inclusive():
    assert day_start_ms(date(2024, 3, 18)) == 1710720000000  # the documented example `date`
    assert day_end_ms(date(2024, 3, 18)) == epoch_ms(datetime(2024, 3, 18, 23, 59, 59, 999000, tzinfo=UTC))


@pytest.mark.parametrize(("days", "calls"), [(1, 1), (29, 1), (30, 1), (31, 2), (60, 2), (61, 3), (65, 3), (365, 13)])
def test_windows_are_the_fewest_of_at_most_30_days(days, calls):
    start = date(2025, 1, 1)
    parts = windows(start, start + timedelta(days=days - 1))
    assert len(parts) == calls
    assert parts[0][0] == start and parts[-1][1] == start + timedelta(days=days - 1)
    assert all((last - first).days < 30 for first, last in parts)
    assert all(parts[i + 1][0] == parts[i][1] + timedelta(days=1) for i in range(len(parts) - 1))


@responses.activate
def test_get_members_sends_basic_auth_with_the_key_as_user_name():
    responses.get(f"{BASE}/teams/members", json=fixture("teams_members.json"))

    members = api().get_members()

    assert members == fixture("teams_members.json")["teamMembers"]
    request = responses.calls[0].request
    assert request.method == "GET"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    assert request.headers["User-Agent"].startswith("ai-usage-analytics/")


@responses.activate
def test_get_members_accepts_the_2025_shape():
    members_2025 = {"teamMembers": [{"name": "Alex", "email": "developer@company.com", "role": "free-owner"}]}
    responses.get(f"{BASE}/teams/members", json=members_2025)
    assert api().get_members() == members_2025["teamMembers"]


def test_daily_usage_for_65_days_takes_three_calls_with_exact_bounds():
    documented = fixture("teams_daily_usage_data.json")
    row_2025 = {"date": 1738281600000, "email": "old@company.com", "isActive": True, "chatRequests": 3}
    resource = api()

    with responses.RequestsMock(registry=OrderedRegistry) as mock:
        for body in (documented, {"data": [row_2025], "period": {}}, {"data": []}):
            mock.post(f"{BASE}/teams/daily-usage-data", json=body)
        rows = resource.get_daily_usage(date(2025, 1, 1), date(2025, 3, 6))
        sent = [json.loads(call.request.body) for call in mock.calls]

    def at(*parts: int) -> int:
        return epoch_ms(datetime(*parts, tzinfo=UTC))

    paged = {"page": 1, "pageSize": 1000}
    assert sent == [
        {"startDate": at(2025, 1, 1), "endDate": at(2025, 1, 31) - 1, **paged},
        {"startDate": at(2025, 1, 31), "endDate": at(2025, 3, 2) - 1, **paged},
        {"startDate": at(2025, 3, 2), "endDate": at(2025, 3, 7) - 1, **paged},
    ]
    assert sent[0] == {"startDate": 1735689600000, "endDate": 1738281599999, **paged}
    assert rows == [*documented["data"], row_2025]
    assert resource.request_counts() == {"POST /teams/daily-usage-data": 3}


@responses.activate
def test_daily_usage_for_one_day_covers_exactly_that_day():
    responses.post(f"{BASE}/teams/daily-usage-data", json=fixture("teams_daily_usage_data.paginated.json"))

    rows = api().get_daily_usage(date(2024, 3, 18), date(2024, 3, 18))

    assert bodies() == [{"startDate": 1710720000000, "endDate": 1710806399999, "page": 1, "pageSize": 1000}]
    assert [row["email"] for row in rows] == ["developer@company.com", "inactive-user@company.com"]


def test_daily_usage_pages_so_that_idle_members_come_back_too():
    first = fixture("teams_daily_usage_data.paginated.json")
    first["pagination"].update(hasNextPage=True, totalPages=2, pageSize=1)
    second = {"data": [{**first["data"][0], "email": "late@company.com"}],
              "pagination": {"page": 2, "pageSize": 1, "totalUsers": 2, "totalPages": 2, "hasNextPage": False}}
    with responses.RequestsMock(registry=OrderedRegistry) as mock:
        for body in (first, second):
            mock.post(f"{BASE}/teams/daily-usage-data", json=body)
        rows = api(page_size=1).get_daily_usage(date(2024, 3, 18), date(2024, 3, 18))
        pages = [json.loads(call.request.body)["page"] for call in mock.calls]
    assert pages == [1, 2]
    assert [row["email"] for row in rows] == ["developer@company.com", "inactive-user@company.com", "late@company.com"]


def test_a_reversed_range_is_refused_before_any_call():
    with responses.RequestsMock() as mock:
        with pytest.raises(ValueError, match="ends"):
            api().get_daily_usage(date(2025, 2, 1), date(2025, 1, 1))
        with pytest.raises(ValueError, match="ends"):
            api().get_usage_events(date(2025, 2, 1), date(2025, 1, 1))
        assert len(mock.calls) == 0


@responses.activate
def test_usage_events_are_one_paged_query_over_the_whole_range():
    first = fixture("teams_filtered_usage_events.json")
    last = copy.deepcopy(first)
    last["usageEvents"] = last["usageEvents"][:1]
    last["pagination"].update(currentPage=2, hasNextPage=False, hasPreviousPage=True)
    window = {"startDate": 1735689600000, "endDate": epoch_ms(datetime(2025, 2, 15, tzinfo=UTC)) - 1}
    for number, body in ((1, first), (2, last)):
        responses.post(
            f"{BASE}/teams/filtered-usage-events",
            match=[matchers.json_params_matcher({**window, "page": number, "pageSize": 250})],
            json=body,
        )
    resource = api(page_size=250)

    events = resource.get_usage_events(date(2025, 1, 1), date(2025, 2, 14))

    assert events == [*first["usageEvents"], *last["usageEvents"]]
    assert resource.request_counts() == {"POST /teams/filtered-usage-events": 2}


@responses.activate
def test_usage_events_default_page_size_is_the_documented_maximum():
    responses.post(f"{BASE}/teams/filtered-usage-events", json={"usageEvents": [], "pagination": {"hasNextPage": False}})
    CursorAdminAPI(api_key=KEY).get_usage_events(date(2025, 1, 1), date(2025, 1, 1))
    assert bodies()[0]["pageSize"] == 1000


@responses.activate
def test_spend_merges_every_page():
    first = fixture("teams_spend.json")
    first["totalPages"] = 2
    second = {**copy.deepcopy(first), "teamMemberSpend": [{"email": "third@company.com", "spendCents": 1}]}
    for number, body in ((1, first), (2, second)):
        responses.post(
            f"{BASE}/teams/spend",
            match=[matchers.json_params_matcher({"page": number, "pageSize": 1000})],
            json=body,
        )

    spend = api().get_spend()

    assert spend == {
        "teamMemberSpend": [*fixture("teams_spend.json")["teamMemberSpend"], *second["teamMemberSpend"]],
        "subscriptionCycleStart": 1708992000000,
        "totalMembers": 15,
    }


@responses.activate
def test_spend_single_page_as_documented():
    responses.post(f"{BASE}/teams/spend", json=fixture("teams_spend.json"))
    assert len(api().get_spend()["teamMemberSpend"]) == 2
    assert len(responses.calls) == 1


def test_missing_key_names_the_variable_and_sends_nothing():
    with responses.RequestsMock() as mock:
        resource = CursorAdminAPI()
        for call in (
            resource.get_members,
            resource.get_spend,
            lambda: resource.get_daily_usage(date(2025, 1, 1), date(2025, 1, 2)),
            lambda: resource.get_usage_events(date(2025, 1, 1), date(2025, 1, 2)),
        ):
            with pytest.raises(MissingCredentialsError) as raised:
                call()
            assert str(raised.value).startswith("CURSOR_API_KEY is not set: export it (a Cursor admin API key")
            assert raised.value.env_var == "CURSOR_API_KEY"
        assert len(mock.calls) == 0
        assert resource.request_counts() == {}


def test_a_blank_key_counts_as_missing():
    with pytest.raises(MissingCredentialsError):
        CursorAdminAPI(api_key="  \n").get_members()


@responses.activate
def test_401_fails_once_with_the_vendor_message_and_the_variable():
    responses.post(f"{BASE}/teams/daily-usage-data", status=401, json=fixture("error_401.json"))

    with pytest.raises(VendorAPIError) as raised:
        api(api_key_env_var="CURSOR_ADMIN_KEY").get_daily_usage(date(2025, 1, 1), date(2025, 1, 1))

    assert str(raised.value) == "Cursor POST /teams/daily-usage-data returned 401: Invalid API key; check CURSOR_ADMIN_KEY"
    assert len(responses.calls) == 1


@responses.activate(registry=OrderedRegistry)
def test_429_then_success_gives_the_same_rows():
    responses.post(f"{BASE}/teams/daily-usage-data", status=429, headers={"Retry-After": "0"}, json=fixture("error_429.json"))
    responses.post(f"{BASE}/teams/daily-usage-data", status=500, json=fixture("error_500.json"))
    responses.post(f"{BASE}/teams/daily-usage-data", json=fixture("teams_daily_usage_data.json"))
    resource = api()

    rows = resource.get_daily_usage(date(2024, 3, 18), date(2024, 3, 18))

    assert rows == fixture("teams_daily_usage_data.json")["data"]
    assert resource.request_counts() == {"POST /teams/daily-usage-data": 3}
    assert resource.success_counts() == {"POST /teams/daily-usage-data": 1}


@responses.activate
def test_a_response_without_its_list_is_malformed():
    responses.get(f"{BASE}/teams/members", json={"members": []})
    with pytest.raises(VendorAPIError, match="returned 200: the response has no 'teamMembers' list"):
        api().get_members()


@responses.activate
def test_the_key_never_appears_in_errors():
    responses.get(f"{BASE}/teams/members", status=403, json={"error": "Forbidden", "message": f"key {KEY} lacks admin:*"})
    responses.post(f"{BASE}/teams/spend", status=503, body=f"<html>{KEY}</html>")
    responses.post(f"{BASE}/teams/daily-usage-data", body=f'{{"data": "{KEY}')
    resource = api()
    errors = []
    one_day = (date(2025, 1, 1), date(2025, 1, 1))
    for call in (resource.get_members, resource.get_spend, lambda: resource.get_daily_usage(*one_day)):
        with pytest.raises(VendorAPIError) as raised:
            call()
        errors.append(raised.value)

    for error in errors:
        assert KEY not in f"{error} {error!r} {error.message} {error.args}"
    assert [error.status for error in errors] == [403, 503, 200]


def test_rate_limits_follow_the_documented_quotas():
    client = CursorAdminAPI(api_key=KEY).make_client()
    assert client.rate_limiter("/teams/members").per_minute == 20
    assert client.rate_limiter("/teams/daily-usage-data").per_minute == 20
    assert client.rate_limiter("/teams/spend").per_minute == 20
    assert client.rate_limiter("/teams/filtered-usage-events").per_minute == 60
    unlimited = CursorAdminAPI(api_key=KEY, requests_per_minute=0, usage_events_requests_per_minute=0).make_client()
    assert unlimited.rate_limiter("/teams/members").per_minute == 0
    assert unlimited.rate_limiter("/teams/filtered-usage-events").per_minute == 0


@responses.activate
def test_admin_calls_wait_for_the_20_per_minute_limit():
    responses.get(f"{BASE}/teams/members", json={"teamMembers": []})
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    client = CursorAdminAPI(api_key=KEY).make_client(clock=lambda: now[0], sleep=sleep)
    for _ in range(41):
        client.request("GET", "/teams/members")

    assert waits == [60.0, 60.0]
    assert client.request_counts() == {"GET /teams/members": 41}


@responses.activate
def test_works_as_a_dagster_resource_with_an_env_var(monkeypatch):
    monkeypatch.setenv("TEST_CURSOR_KEY", KEY)
    responses.get(f"{BASE}/teams/members", json=fixture("teams_members.json"))

    @dg.asset
    def members(cursor: CursorAdminAPI) -> dg.MaterializeResult:
        rows = cursor.get_members()
        return dg.MaterializeResult(metadata={"rows": len(rows), "http_requests": sum(cursor.request_counts().values())})

    result = dg.materialize([members], resources={"cursor": CursorAdminAPI(api_key=dg.EnvVar("TEST_CURSOR_KEY"))})

    assert result.success
    metadata = result.asset_materializations_for_node("members")[0].metadata
    assert metadata["rows"].value == 2 and metadata["http_requests"].value == 1
    assert responses.calls[0].request.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
