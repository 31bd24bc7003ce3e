"""GoogleWorkspaceReports (activities.list, gemini_in_workspace_apps) over (mocked) HTTP."""

from __future__ import annotations

import base64
import json
from datetime import date
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import responses
from responses.registries import OrderedRegistry

from ai_usage_analytics.resources.google_reports import GoogleWorkspaceReports
from ai_usage_analytics.resources.http import VendorAPIError
from ai_usage_analytics_tests.resources.test_google_sheets import TOKEN_URI, credentials_file  # noqa: F401 (a fixture)

TOKEN = "ya29.test-token-0123456789"
URL = "https://admin.googleapis.com/admin/reports/v1/activity/users/all/applications/gemini_in_workspace_apps"
FAST = {"backoff_factor": 0.001, "backoff_jitter_seconds": 0.0, "max_retry_wait_seconds": 0.01}


def activity(email: str, time: str) -> dict:
    return {"kind": "admin#reports#activity", "id": {"time": time, "uniqueQualifier": "1",
            "applicationName": "gemini_in_workspace_apps", "customerId": "C01"},
            "actor": {"email": email, "profileId": "1", "callerType": "USER"},
            "events": [{"type": "ai_usage_event", "name": "feature_utilization",
                        "parameters": [{"name": "action", "value": "summarize"}, {"name": "app_name", "value": "gmail"}]}]}


def api(**overrides) -> GoogleWorkspaceReports:
    return GoogleWorkspaceReports(**{"api_key": TOKEN, "today": "2026-03-10", **FAST, **overrides})


@responses.activate(registry=OrderedRegistry)
def test_one_query_for_the_range_paged_by_next_page_token_with_a_bearer_token():
    responses.get(URL, json={"kind": "admin#reports#activities", "items": [activity("a@x.com", "2026-03-02T10:00:00.000Z")],
                             "nextPageToken": "tok2"})
    responses.get(URL, json={"kind": "admin#reports#activities", "items": [activity("b@x.com", "2026-03-01T09:00:00.000Z")]})

    items = api().get_gemini_activities(date(2026, 3, 1), date(2026, 3, 2))

    assert [i["actor"]["email"] for i in items] == ["a@x.com", "b@x.com"]
    query = parse_qsl(urlsplit(responses.calls[0].request.url).query)
    assert query == [("startTime", "2026-03-01T00:00:00.000Z"), ("endTime", "2026-03-03T00:00:00.000Z"),
                     ("eventName", "feature_utilization"), ("maxResults", "1000")]
    assert parse_qsl(urlsplit(responses.calls[1].request.url).query)[-1] == ("pageToken", "tok2")
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


@responses.activate(registry=OrderedRegistry)
def test_a_page_without_items_is_an_empty_page_and_a_day_before_the_data_costs_nothing():
    responses.get(URL, json={"kind": "admin#reports#activities", "etag": '"e"'})
    assert api().get_gemini_activities(date(2026, 3, 1), date(2026, 3, 1)) == []
    assert api().get_gemini_activities(date(2025, 1, 1), date(2025, 6, 19)) == []
    assert len(responses.calls) == 1


@responses.activate(registry=OrderedRegistry)
def test_days_past_the_180_day_retention_are_not_asked_for():
    responses.get(URL, json={"kind": "admin#reports#activities"})
    reports = api(today="2026-12-01")
    assert reports.get_gemini_activities(date(2025, 12, 1), date(2026, 5, 1)) == []  # all too old
    assert reports.get_gemini_activities(date(2025, 12, 1), date(2026, 11, 30)) == []
    assert len(responses.calls) == 1
    query = dict(parse_qsl(urlsplit(responses.calls[0].request.url).query))
    assert query["startTime"] == "2026-06-05T00:00:00.000Z"  # 179 days before today, inside the retention


@responses.activate(registry=OrderedRegistry)
def test_items_that_are_not_a_list_are_a_malformed_response():
    responses.get(URL, json={"kind": "admin#reports#activities", "items": {"oops": 1}})
    with pytest.raises(VendorAPIError, match="no 'items' list"):
        api().get_gemini_activities(date(2026, 3, 1), date(2026, 3, 1))


@responses.activate(registry=OrderedRegistry)
def test_401_names_the_token_variable_without_retrying_or_leaking_it():
    responses.get(URL, json={"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                       "status": "UNAUTHENTICATED"}}, status=401)
    with pytest.raises(VendorAPIError) as caught:
        api().get_gemini_activities(date(2026, 3, 1), date(2026, 3, 1))
    assert "GOOGLE_REPORTS_ACCESS_TOKEN" in str(caught.value) and TOKEN not in str(caught.value)
    assert len(responses.calls) == 1


@responses.activate(registry=OrderedRegistry)
def test_500_is_retried():
    responses.get(URL, json={"error": {"code": 500, "message": "Internal", "status": "INTERNAL"}}, status=500)
    responses.get(URL, json={"items": [activity("a@x.com", "2026-03-01T10:00:00.000Z")]})
    assert len(api().get_gemini_activities(date(2026, 3, 1), date(2026, 3, 1))) == 1


def test_a_service_account_without_an_admin_subject_is_refused_naming_the_setting(tmp_path):
    resource = GoogleWorkspaceReports(api_key="", credentials_path=str(tmp_path / "sa.json"))
    with pytest.raises(VendorAPIError, match="GOOGLE_REPORTS_ADMIN_SUBJECT"):
        resource.access_token()


def test_an_unreadable_service_account_key_fails_naming_the_scope(tmp_path):
    path = tmp_path / "sa.json"
    path.write_text("{}")
    resource = GoogleWorkspaceReports(api_key="", credentials_path=str(path), admin_subject="admin@x.com")
    with pytest.raises(VendorAPIError, match="admin.reports.audit.readonly"):
        resource.access_token()


def test_domain_wide_delegation_mints_a_token_for_the_admin_with_the_reports_scope(credentials_file):  # noqa: F811
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URI, json={"access_token": "ya29.minted", "expires_in": 3600, "token_type": "Bearer"})
        mock.get(URL, json={"items": []})
        resource = GoogleWorkspaceReports(api_key="", credentials_path=credentials_file, admin_subject="admin@corp.com",
                                          today="2026-03-10")
        assert resource.get_gemini_activities(date(2026, 3, 1), date(2026, 3, 1)) == []
        body = mock.calls[0].request.body
        assertion = parse_qs(body.decode() if isinstance(body, bytes) else body)["assertion"][0]
        claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
        assert claims["sub"] == "admin@corp.com"
        assert claims["scope"] == "https://www.googleapis.com/auth/admin.reports.audit.readonly"
        assert mock.calls[1].request.headers["Authorization"] == "Bearer ya29.minted"


def test_no_credential_at_all_fails_before_any_request_naming_both_ways():
    from ai_usage_analytics.resources.http import MissingCredentialsError

    with pytest.raises(MissingCredentialsError) as caught:
        GoogleWorkspaceReports(api_key="", today="2026-03-10").get_gemini_activities(date(2026, 3, 1), date(2026, 3, 1))
    assert caught.value.env_var == "GOOGLE_REPORTS_ACCESS_TOKEN"
    assert "GOOGLE_REPORTS_ADMIN_SUBJECT" in str(caught.value)
