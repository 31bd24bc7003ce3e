"""AnthropicAdminAPI against the documented example bodies served over (mocked) HTTP."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import dagster as dg
import pytest
import responses
from responses.registries import OrderedRegistry

from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.http import MissingCredentialsError, VendorAPIError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "vendor" / "anthropic"
BASE = "https://api.anthropic.com"
KEY = "sk-ant-admin01-test-0123456789abcdef"
FAST = {"backoff_factor": 0.001, "backoff_jitter_seconds": 0.0, "max_retry_wait_seconds": 0.01}
MESSAGES = f"{BASE}/v1/organizations/usage_report/messages"
COST = f"{BASE}/v1/organizations/cost_report"
CLAUDE_CODE = f"{BASE}/v1/organizations/usage_report/claude_code"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def api(**overrides) -> AnthropicAdminAPI:
    return AnthropicAdminAPI(**{"api_key": KEY, **FAST, **overrides})


def sent_params(index: int) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(responses.calls[index].request.url).query)


def last_page(body: dict, **changes) -> dict:
    return {**copy.deepcopy(body), "has_more": False, "next_page": None, **changes}


@responses.activate(registry=OrderedRegistry)
def test_messages_usage_sends_the_documented_query_and_follows_next_page():
    first = fixture("usage_report_messages.json")
    bucket_2025 = {
        "starting_at": "2025-08-02T00:00:00Z",
        "ending_at": "2025-08-03T00:00:00Z",
        "results": [{"uncached_input_tokens": 7, "output_tokens": 1, "model": "claude-sonnet-4-20250514"}],
    }
    responses.get(MESSAGES, json=first)
    responses.get(MESSAGES, json=last_page(first, data=[bucket_2025]))
    resource = api()

    buckets = resource.get_messages_usage(date(2025, 8, 1), date(2025, 8, 2))

    expected = [
        ("starting_at", "2025-08-01T00:00:00Z"),
        ("ending_at", "2025-08-03T00:00:00Z"),
        ("bucket_width", "1d"),
        ("group_by[]", "api_key_id"),
        ("group_by[]", "workspace_id"),
        ("group_by[]", "model"),
        ("group_by[]", "service_tier"),
        ("group_by[]", "context_window"),
        ("limit", "31"),
    ]
    assert sent_params(0) == expected
    assert sent_params(1) == [*expected, ("page", "page_MjAyNS0wNS0xNFQwMDowMDowMFo=")]
    assert buckets == [*first["data"], bucket_2025]
    headers = responses.calls[0].request.headers
    assert headers["x-api-key"] == KEY
    assert headers["anthropic-version"] == "2023-06-01"
    assert headers["User-Agent"].startswith("ai-usage-analytics/")
    assert "Authorization" not in headers
    assert resource.request_counts() == {"GET /v1/organizations/usage_report/messages": 2}


@responses.activate(registry=OrderedRegistry)
def test_a_65_day_range_is_one_query_paged_by_31_buckets():
    page = fixture("usage_report_messages.json")
    responses.get(MESSAGES, json={**page, "next_page": "page_a"})
    responses.get(MESSAGES, json={**page, "next_page": "page_b"})
    responses.get(MESSAGES, json=last_page(page))
    resource = api()

    resource.get_messages_usage(date(2025, 1, 1), date(2025, 3, 6))

    assert [dict(sent_params(i)).get("page") for i in range(3)] == [None, "page_a", "page_b"]
    assert {dict(sent_params(i))["ending_at"] for i in range(3)} == {"2025-03-07T00:00:00Z"}
    assert resource.request_counts() == {"GET /v1/organizations/usage_report/messages": 3}


@responses.activate(registry=OrderedRegistry)
def test_cost_report_groups_by_workspace_and_description():
    first = fixture("cost_report.json")
    responses.get(COST, json=first)
    responses.get(COST, json=last_page(first, data=[]))

    buckets = api().get_cost_report(date(2025, 8, 1), date(2025, 8, 1))

    assert sent_params(0) == [
        ("starting_at", "2025-08-01T00:00:00Z"),
        ("ending_at", "2025-08-02T00:00:00Z"),
        ("bucket_width", "1d"),
        ("group_by[]", "workspace_id"),
        ("group_by[]", "description"),
        ("limit", "31"),
    ]
    assert dict(sent_params(1))["page"] == first["next_page"]
    assert buckets == first["data"]
    assert buckets[0]["results"][0]["amount"] == "123.78912"


@responses.activate(registry=OrderedRegistry)
def test_claude_code_usage_is_one_day_paged_and_accepts_both_shapes():
    current = fixture("usage_report_claude_code.json")
    older = fixture("usage_report_claude_code.2025.json")
    responses.get(CLAUDE_CODE, json=current)
    responses.get(CLAUDE_CODE, json=last_page(older))

    records = api().get_claude_code_usage(date(2025, 8, 8))

    assert sent_params(0) == [("starting_at", "2025-08-08"), ("limit", "1000")]
    assert sent_params(1) == [("starting_at", "2025-08-08"), ("limit", "1000"), ("page", current["next_page"])]
    assert records == [*current["data"], *older["data"]]
    assert "is_remote" in records[0] and "is_remote" not in records[1]


@pytest.mark.parametrize(
    ("method", "path", "name", "extra"),
    [
        ("list_api_keys", "api_keys", "api_keys_list.json", []),
        ("list_workspaces", "workspaces", "workspaces_list.json", [("include_archived", "true")]),
        ("list_users", "users", "users_list.json", []),
    ],
)
@responses.activate(registry=OrderedRegistry)
def test_lists_follow_last_id(method, path, name, extra):
    first = fixture(name)
    second = {"data": [{"id": "second"}], "first_id": "second", "last_id": "second", "has_more": False}
    responses.get(f"{BASE}/v1/organizations/{path}", json=first)
    responses.get(f"{BASE}/v1/organizations/{path}", json=second)

    items = getattr(api(), method)()

    assert sent_params(0) == [*extra, ("limit", "1000")]
    assert sent_params(1) == [*extra, ("limit", "1000"), ("after_id", "last_id")]
    assert items == [*first["data"], {"id": "second"}]


def test_missing_key_names_the_variable_and_sends_nothing():
    with responses.RequestsMock() as mock:
        resource = AnthropicAdminAPI()
        for call in (
            lambda: resource.get_messages_usage(date(2025, 1, 1), date(2025, 1, 1)),
            lambda: resource.get_cost_report(date(2025, 1, 1), date(2025, 1, 1)),
            lambda: resource.get_claude_code_usage(date(2025, 1, 1)),
            resource.list_api_keys,
            resource.list_workspaces,
            resource.list_users,
        ):
            with pytest.raises(MissingCredentialsError) as raised:
                call()
            assert str(raised.value).startswith("ANTHROPIC_ADMIN_API_KEY is not set: export it (an Anthropic Admin API key")
        assert len(mock.calls) == 0


@responses.activate
def test_401_fails_once_with_the_vendor_message_and_the_variable():
    responses.get(MESSAGES, status=401, json=fixture("error_authentication.INFERRED.json"))

    with pytest.raises(VendorAPIError) as raised:
        api().get_messages_usage(date(2025, 1, 1), date(2025, 1, 1))

    assert str(raised.value) == (
        "Anthropic GET /v1/organizations/usage_report/messages returned 401: "
        "authentication_error: Authentication error; check ANTHROPIC_ADMIN_API_KEY"
    )
    assert raised.value.request_id == "req_011CSHoEeqs5C35K2UUqR7Fy"
    assert len(responses.calls) == 1


@responses.activate
def test_403_permission_error_is_not_retried():
    body = {"type": "error", "error": {"type": "permission_error", "message": "Permission denied"}, "request_id": "req_1"}
    responses.get(f"{BASE}/v1/organizations/users", status=403, json=body)

    expected = r"returned 403: permission_error: Permission denied; check ANTHROPIC_ADMIN_API_KEY$"
    with pytest.raises(VendorAPIError, match=expected):
        api().list_users()
    assert len(responses.calls) == 1


@responses.activate(registry=OrderedRegistry)
def test_rate_limit_and_overload_are_retried():
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    responses.get(COST, status=429, headers={"retry-after": "0"}, json=fixture("error_rate_limit.INFERRED.json"))
    responses.get(COST, status=529, json=overloaded)
    responses.get(COST, json=last_page(fixture("cost_report.json")))
    resource = api()

    assert resource.get_cost_report(date(2025, 8, 1), date(2025, 8, 1)) == fixture("cost_report.json")["data"]
    assert resource.request_counts() == {"GET /v1/organizations/cost_report": 3}
    assert resource.success_counts() == {"GET /v1/organizations/cost_report": 1}


@responses.activate
def test_exhausted_retries_name_vendor_endpoint_and_status():
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    responses.get(CLAUDE_CODE, status=529, json=overloaded)

    with pytest.raises(VendorAPIError) as raised:
        api(max_retries=2).get_claude_code_usage(date(2025, 8, 8))

    assert str(raised.value) == (
        "Anthropic GET /v1/organizations/usage_report/claude_code returned 529: "
        "overloaded_error: Overloaded (gave up after 3 attempts)"
    )
    assert len(responses.calls) == 3


@responses.activate(registry=OrderedRegistry)
def test_an_expired_cursor_mid_range_fails_without_retry():
    responses.get(MESSAGES, json=fixture("usage_report_messages.json"))
    expired = {"type": "error", "error": {"type": "invalid_request_error", "message": "page token expired"}}
    responses.get(MESSAGES, status=410, json=expired)

    with pytest.raises(VendorAPIError) as raised:
        api().get_messages_usage(date(2025, 8, 1), date(2025, 8, 31))

    assert raised.value.status == 410
    assert raised.value.endpoint == "GET /v1/organizations/usage_report/messages"
    assert len(responses.calls) == 2


@responses.activate(registry=OrderedRegistry)
def test_a_malformed_page_mid_range_fails():
    responses.get(MESSAGES, json=fixture("usage_report_messages.json"))
    responses.get(MESSAGES, body='{"data": [{"starting_at": "2025-08-02T00:00:00Z", "results": [')

    with pytest.raises(VendorAPIError, match=r"messages returned 200: malformed JSON body"):
        api().get_messages_usage(date(2025, 8, 1), date(2025, 8, 31))


@responses.activate
def test_not_found_carries_the_vendor_message():
    responses.get(f"{BASE}/v1/organizations/workspaces", status=404, json=fixture("error_not_found.json"))
    with pytest.raises(VendorAPIError, match="returned 404: not_found_error: The requested resource could not be found.$"):
        api().list_workspaces()


@responses.activate
def test_the_key_never_appears_in_errors():
    echoed = {"type": "error", "error": {"type": "authentication_error", "message": f"bad key {KEY}"}}
    responses.get(f"{BASE}/v1/organizations/users", status=401, json=echoed)
    responses.get(f"{BASE}/v1/organizations/api_keys", status=502, body=f"<html>x-api-key: {KEY}</html>")
    resource = api(max_retries=1)
    errors = []
    for call in (resource.list_users, resource.list_api_keys):
        with pytest.raises(VendorAPIError) as raised:
            call()
        errors.append(raised.value)

    for error in errors:
        assert KEY not in f"{error} {error!r} {error.message} {error.args}"


def test_a_reversed_range_is_refused():
    with pytest.raises(ValueError, match="ends"):
        api().get_cost_report(date(2025, 2, 1), date(2025, 1, 1))


def test_no_client_side_rate_limit_by_default():
    assert AnthropicAdminAPI(api_key=KEY).make_client().rate_limiter("/v1/organizations/users").per_minute == 0
    assert AnthropicAdminAPI(api_key=KEY, requests_per_minute=50).make_client().rate_limiter("/x").per_minute == 50


@responses.activate
def test_works_as_a_dagster_resource_with_an_env_var(monkeypatch):
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", KEY)
    responses.get(f"{BASE}/v1/organizations/users", json=last_page(fixture("users_list.json")))

    @dg.asset
    def users(anthropic: AnthropicAdminAPI) -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows": len(anthropic.list_users())})

    result = dg.materialize([users], resources={"anthropic": AnthropicAdminAPI(api_key=dg.EnvVar("TEST_ANTHROPIC_KEY"))})

    assert result.success
    assert responses.calls[0].request.headers["x-api-key"] == KEY
