"""Our real clients paging through the simulator add up to the organisation's ground truth."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
import requests

from ai_usage_analytics.demo.org import MessagesRow, days
from ai_usage_analytics.demo.reference_files import write_reference_files
from ai_usage_analytics.demo.server import DEMO_KEYS
from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.cursor import CursorAdminAPI
from ai_usage_analytics.transform.anthropic import normalize_api_keys, normalize_messages_usage, normalize_users
from ai_usage_analytics.transform.attribution import attribute_api_keys
from ai_usage_analytics.transform.reference import parse_api_key_mappings
from ai_usage_analytics_tests.demo.conftest import DAY, TODAY
from ai_usage_analytics_tests.demo.test_reference_files import read

FAST = {"backoff_factor": 0.001, "backoff_jitter_seconds": 0.0, "max_retry_wait_seconds": 0.01, "timeout_seconds": 30}


def cents(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def cursor(simulator) -> CursorAdminAPI:
    return CursorAdminAPI(api_key=DEMO_KEYS["cursor"], base_url=simulator.url, requests_per_minute=0,
                          usage_events_requests_per_minute=0, page_size=40, **FAST)


@pytest.fixture
def anthropic(simulator) -> AnthropicAdminAPI:
    return AnthropicAdminAPI(api_key=DEMO_KEYS["anthropic_admin"], base_url=simulator.url, **FAST)


def test_cursor_events_and_daily_usage_add_up_to_the_truth(simulator, cursor):
    truth = simulator.org.truth(DAY)["cursor"]

    events = cursor.get_usage_events(DAY, DAY)
    rows = cursor.get_daily_usage(DAY, DAY)

    assert len(events) == truth["events"] > 40  # several pages
    assert sum(cents(e["chargedCents"]) for e in events if e["isChargeable"]) == truth["charged_cents"]
    assert sum(cents(e["chargedCents"]) for e in events if not e["isChargeable"]) == truth["included_cents"]
    assert sum(cents(e["requestsCosts"]) for e in events) == truth["requests_costs"]
    assert len(rows) == truth["seats"] > 40
    assert sum(r["isActive"] for r in rows) == truth["active_members"] < truth["seats"]  # idle seats come back
    assert sum(r["totalLinesAdded"] for r in rows) == truth["lines_added"]
    assert sum(r["subscriptionIncludedReqs"] + r["usageBasedReqs"] for r in rows) == truth["events"]
    assert cursor.request_counts()["POST /teams/filtered-usage-events"] > 1


def test_cursor_spend_equals_the_cycles_chargeable_events(simulator, cursor):
    first = TODAY.replace(day=1)
    spend = cursor.get_spend()
    events = cursor.get_usage_events(first, TODAY)

    assert spend["subscriptionCycleStart"] == int(pd.Timestamp(first, tz="UTC").timestamp() * 1000)
    charged = Counter()
    for event in events:
        if event["isChargeable"]:
            charged[event["userEmail"]] += cents(event["chargedCents"])
    by_member = {m["email"]: cents(m["spendCents"]) for m in spend["teamMemberSpend"]}
    assert {e: c for e, c in by_member.items() if c} == dict(charged)
    assert sum(by_member.values()) == sum(simulator.org.truth(d)["cursor"]["charged_cents"] for d in days(first, TODAY))


def test_anthropic_usage_and_cost_add_up_to_the_truth_over_two_pages(simulator, anthropic):
    start = DAY - timedelta(days=39)  # 40 daily buckets: two pages of at most 31
    usage = anthropic.get_messages_usage(start, DAY)
    costs = anthropic.get_cost_report(start, DAY)

    assert [b["starting_at"][:10] for b in costs] == [d.isoformat() for d in days(start, DAY)]
    for bucket, usage_bucket in zip(costs, usage):
        day = pd.Timestamp(bucket["starting_at"]).date()
        truth = simulator.org.truth(day)["anthropic"]
        assert sum(cents(i["amount"]) for i in bucket["results"]) == truth["cost_cents"]
        tokens = Counter()
        for item in usage_bucket["results"]:
            tokens["uncached_input_tokens"] += item["uncached_input_tokens"]
            tokens["cache_read_input_tokens"] += item["cache_read_input_tokens"]
            tokens["output_tokens"] += item["output_tokens"]
            tokens["cache_creation.ephemeral_5m_input_tokens"] += item["cache_creation"]["ephemeral_5m_input_tokens"]
            tokens["cache_creation.ephemeral_1h_input_tokens"] += item["cache_creation"]["ephemeral_1h_input_tokens"]
            tokens["web_search_requests"] += item["server_tool_use"]["web_search_requests"]
        assert {k: v for k, v in tokens.items() if v} == {k: v for k, v in truth["tokens"].items() if v}
    assert anthropic.request_counts()["GET /v1/organizations/cost_report"] == 2


def test_claude_code_report_adds_up_and_api_actors_match_messages_usage(simulator, anthropic):
    keys = {k["name"]: k["id"] for k in anthropic.list_api_keys()}
    api_days = 0
    for day in days(DAY - timedelta(days=6), DAY):
        truth = simulator.org.truth(day)["claude_code"]
        records = anthropic.get_claude_code_usage(day)
        assert len(records) == truth.get("records", 0)
        assert sum(r["core_metrics"]["num_sessions"] for r in records) == truth.get("sessions", 0)
        assert sum(r["core_metrics"]["lines_of_code"]["added"] for r in records) == truth.get("lines_added", 0)
        by_key = Counter()
        for record in records:
            if record["actor"]["type"] == "api_actor":
                for model in record["model_breakdown"]:
                    by_key[(keys[record["actor"]["api_key_name"]], model["model"])] += model["tokens"]["input"]
        usage = anthropic.get_messages_usage(day, day)[0]["results"]
        in_workspace = {(i["api_key_id"], i["model"]): i["uncached_input_tokens"] for i in usage
                        if i["workspace_id"] == simulator.org.claude_code_workspace_id}
        assert in_workspace == dict(by_key)
        api_days += bool(by_key)
    assert api_days


def test_lists_page_by_id_and_return_everything(simulator, anthropic):
    org = simulator.org
    keys = anthropic.list_api_keys()
    assert len({k["id"] for k in keys}) == len(keys) == sum(k.created_at.date() <= TODAY for k in org.api_keys)
    assert {k["status"] for k in keys} >= {"active", "inactive"}
    assert len(anthropic.list_workspaces()) == len(org.workspaces)
    assert {u["email"] for u in anthropic.list_users()} == {p.email for p in org.console_members()}
    response = requests.get(f"{simulator.url}/v1/organizations/api_keys?limit=5", headers={
        "x-api-key": DEMO_KEYS["anthropic_admin"], "anthropic-version": "2023-06-01"}).json()
    assert response["has_more"] and len(response["data"]) == 5


def test_unmapped_share_is_what_our_attribution_cannot_place(simulator, anthropic, tmp_path):
    org = simulator.org
    paths = write_reference_files(org, tmp_path, org.start, TODAY)
    mappings = parse_api_key_mappings(*read(paths["api_key_mappings"]))
    now = pd.Timestamp("2026-03-20T00:00:00Z")
    api_keys = normalize_api_keys(anthropic.list_api_keys(), now)
    users = normalize_users(anthropic.list_users(), now)
    roster = org.roster()
    start = DAY - timedelta(days=6)
    usage = normalize_messages_usage(anthropic.get_messages_usage(start, DAY), start, DAY + timedelta(days=1), now,
                                     [org.claude_code_workspace_id])
    attributed = attribute_api_keys(usage, mappings, api_keys, users, roster)
    row_cents = [org.row_cents(_row(org, r)) for r in usage.itertuples()]
    unattributed = sum((c for c, m in zip(row_cents, attributed["attribution_method"]) if m == "unattributed"), Decimal(0))
    expected = sum((org.truth(d)["anthropic"]["unmapped_cost_usd"] for d in days(start, DAY)), Decimal(0))

    assert unattributed / 100 == expected > 0
    assert (attributed["attribution_method"] == "api_key_mapping").any()
    assert (attributed["attribution_method"] == "inferred").any()


def _row(org, record) -> MessagesRow:
    counts = (record.uncached_input_tokens, record.cache_creation_5m_tokens, record.cache_creation_1h_tokens,
              record.cache_read_input_tokens, record.output_tokens, record.web_search_requests)
    return MessagesRow(record.api_key_id, record.workspace_id, record.model, *(int(c) for c in counts))


def test_claude_ai_truth_is_what_the_analytics_endpoints_serve_and_the_control_route_returns_it(simulator):
    from ai_usage_analytics.resources.claude_analytics import ClaudeAnalyticsAPI

    client = ClaudeAnalyticsAPI(api_key=DEMO_KEYS["claude_analytics"], base_url=simulator.url, requests_per_minute=0, **FAST)
    records = client.get_users(DAY)
    rows = client.get_user_cost(DAY, DAY)
    truth = requests.get(f"{simulator.url}/_sim/truth", params={"date": DAY.isoformat()}, timeout=30).json()["claude_ai"]
    assert truth["seats"] == len(records) > 0
    assert truth["messages"] == sum(r["chat_metrics"]["message_count"] for r in records) > 0
    assert truth["web_searches"] == sum(r["web_search_count"] for r in records)
    served = sum((Decimal(r["amount"]) for r in rows), Decimal(0)) / 100
    assert abs(served - Decimal(truth["amount_usd"])) < Decimal("0.000001")
    by_product = Counter()
    for row in rows:
        by_product[row["product"]] += Decimal(row["amount"])
    assert set(by_product) == set(truth["amount_cents"]) == {"chat", "claude_code"}
