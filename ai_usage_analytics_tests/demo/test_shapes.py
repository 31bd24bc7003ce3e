"""Every simulated endpoint answers in the structure of the documented example (keys, nesting, JSON types)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from ai_usage_analytics.resources.cursor import day_end_ms, day_start_ms
from ai_usage_analytics_tests.demo.conftest import ANALYTICS_HEADERS, ANTHROPIC_HEADERS, CURSOR_AUTH, DAY

VENDOR = Path(__file__).parents[1] / "fixtures" / "vendor"
WINDOW = {"startDate": day_start_ms(DAY), "endDate": day_end_ms(DAY)}
REPORT = f"starting_at={DAY}T00:00:00Z&ending_at={DAY.replace(day=DAY.day + 1)}T00:00:00Z"


def schema(value):
    """The structure of a decoded JSON value; list items are merged (keys in every item are required)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        merged = "empty"
        for item in value:
            merged = merge(merged, schema(item))
        return ("list", merged)
    return ("dict", {k: schema(v) for k, v in value.items()}, frozenset(value))


def merge(a, b):
    if a == "empty" or b == "empty":
        return b if a == "empty" else a
    if a is None or b is None:
        return a if b is None else b
    if isinstance(a, str) and isinstance(b, str) and {a, b} == {"int", "number"}:
        return "number"
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "dict":
        keys = {k: merge(a[1].get(k, "empty"), b[1].get(k, "empty")) for k in a[1].keys() | b[1].keys()}
        return ("dict", keys, a[2] & b[2])
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "list":
        return ("list", merge(a[1], b[1]))
    assert a == b, f"fixture items disagree: {a} vs {b}"
    return a


def mismatches(value, expected, where="$") -> list[str]:
    """Where ``value`` departs from the fixture structure ``expected`` (null matches anything;
    a fixture float accepts any number, a fixture int only an int)."""
    if value is None or expected in (None, "empty"):
        return []
    if isinstance(expected, str):
        actual = schema(value)
        ok = actual == expected or (expected == "number" and actual == "int")
        return [] if ok else [f"{where}: {actual} where the fixture has {expected}"]
    if expected[0] == "list":
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        return [m for i, item in enumerate(value) for m in mismatches(item, expected[1], f"{where}[{i}]")]
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    problems = [f"{where}: missing key {k}" for k in sorted(expected[2] - value.keys())]
    problems += [f"{where}: key {k} is not in the fixture" for k in sorted(value.keys() - expected[1].keys())]
    return problems + [m for k in value.keys() & expected[1].keys() for m in mismatches(value[k], expected[1][k], f"{where}.{k}")]


def fixture(name: str):
    body = json.loads((VENDOR / name).read_text())
    if name.startswith("anthropic/usage_report_claude_code"):
        # README section 1.4: the actor is a user_actor with email_address *or* an api_actor with
        # api_key_name; the example shows only the first, so the documented second form is added.
        api_record = {**body["data"][0], "actor": {"type": "api_actor", "api_key_name": "name"}}
        body["data"].append(api_record)
    return body


def lists_are_filled(value, where="$") -> list[str]:
    if isinstance(value, list):
        return [where] if not value else [e for i, v in enumerate(value) for e in lists_are_filled(v, f"{where}[{i}]")]
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in lists_are_filled(v, f"{where}.{k}")]
    return []


CASES = [
    ("cursor/teams_members.json", "GET", "/teams/members", None),
    ("cursor/teams_daily_usage_data.json", "POST", "/teams/daily-usage-data", WINDOW),
    ("cursor/teams_daily_usage_data.paginated.json", "POST", "/teams/daily-usage-data", {**WINDOW, "page": 1, "pageSize": 500}),
    ("cursor/teams_filtered_usage_events.json", "POST", "/teams/filtered-usage-events", {**WINDOW, "page": 1, "pageSize": 1000}),
    ("cursor/teams_spend.json", "POST", "/teams/spend", {"page": 1, "pageSize": 1000}),
    ("anthropic/usage_report_messages.json", "GET", "/v1/organizations/usage_report/messages?" + REPORT
     + "".join(f"&group_by[]={d}" for d in ("api_key_id", "workspace_id", "model", "service_tier", "context_window")), None),
    ("anthropic/cost_report.json", "GET", "/v1/organizations/cost_report?" + REPORT + "&group_by[]=workspace_id&group_by[]=description", None),
    ("anthropic/usage_report_claude_code.json", "GET", f"/v1/organizations/usage_report/claude_code?starting_at={DAY}&limit=1000", None),
    ("anthropic/api_keys_list.json", "GET", "/v1/organizations/api_keys?limit=1000", None),
    ("anthropic/workspaces_list.json", "GET", "/v1/organizations/workspaces?limit=1000&include_archived=true", None),
    ("anthropic/users_list.json", "GET", "/v1/organizations/users?limit=1000", None),
    ("anthropic/organizations_me.json", "GET", "/v1/organizations/me", None),
    ("claude_ai/analytics_users.json", "GET", f"/v1/organizations/analytics/users?date={DAY}&limit=1000", None),
    ("claude_ai/analytics_user_cost_report.json", "GET", "/v1/organizations/analytics/user_cost_report?" + REPORT
     + "&bucket_width=1d&limit=1000" + "".join(f"&group_by[]={d}" for d in (
         "product", "model", "token_type", "rbac_group_id", "context_window", "inference_geo", "speed")), None),
]


@pytest.mark.parametrize(("name", "method", "path", "body"), CASES, ids=[c[0] for c in CASES])
def test_endpoint_matches_the_documented_example(simulator, name, method, path, body):
    headers = ANALYTICS_HEADERS if "/analytics/" in path else ANTHROPIC_HEADERS
    auth = CURSOR_AUTH if path.startswith("/teams/") else None
    response = requests.request(method, simulator.url + path, json=body, auth=auth, headers=None if auth else headers)

    assert response.status_code == 200, response.text
    payload = response.json()
    assert mismatches(payload, schema(fixture(name))) == []
    optional_empty = {"$.next_page"}
    assert [e for e in lists_are_filled(payload) if e not in optional_empty] == []  # every list has items to compare


ERRORS = [
    ("cursor/error_401.json", "GET", "/teams/members", {"auth": ("wrong", "")}),
    ("cursor/error_400.json", "POST", "/teams/daily-usage-data", {"auth": CURSOR_AUTH, "json": {"startDate": 0, "endDate": 40 * 86_400_000}}),
    ("anthropic/error_authentication.INFERRED.json", "GET", "/v1/organizations/me", {"headers": {"x-api-key": "nope", "anthropic-version": "2023-06-01"}}),
    ("anthropic/error_not_found.json", "GET", "/v1/organizations/cost_report?starting_at=2026-03-01T00:00:00Z&limit=32", {"headers": ANTHROPIC_HEADERS}),
    ("anthropic/error_authentication.INFERRED.json", "GET", f"/v1/organizations/analytics/users?date={DAY}", {"headers": ANTHROPIC_HEADERS}),
]


@pytest.mark.parametrize(("name", "method", "path", "options"), ERRORS, ids=[f"{e[0]} {e[2][:40]}" for e in ERRORS])
def test_errors_use_the_documented_body(simulator, name, method, path, options):
    response = requests.request(method, simulator.url + path, **options)

    assert response.status_code in (400, 401)
    assert mismatches(response.json(), schema(fixture(name))) == []


def test_the_comparison_notices_a_wrong_structure():
    expected = schema(fixture("cursor/teams_spend.json"))
    member = fixture("cursor/teams_spend.json")["teamMemberSpend"][0]
    broken = {"teamMemberSpend": [{**member, "spendCents": "12", "extra": 1}], "subscriptionCycleStart": 1, "totalMembers": 2}
    assert mismatches(broken, expected) == [
        "$: missing key totalPages",
        "$.teamMemberSpend[0]: key extra is not in the fixture",
        "$.teamMemberSpend[0].spendCents: str where the fixture has number",
    ]
