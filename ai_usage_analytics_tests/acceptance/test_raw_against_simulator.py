"""Issue 4's acceptance: the raw assets against the simulator equal its ground truth, for one day and
for a 30-day range in one run, at the API's minimum of requests; faults are retried to identical data
or fail without writing; no credential ever lands anywhere."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ai_usage_analytics.assets import raw
from ai_usage_analytics.demo.prices import TOKEN_TYPES
from ai_usage_analytics_tests.acceptance.conftest import FIRST, LAST, SECRETS, days, per_day, run, table_hash

PARTITIONED = [raw.raw_cursor_events, raw.raw_cursor_usage_events, raw.raw_claude_events,
               raw.raw_claude_code_events, raw.raw_claude_costs]
TABLES = ["raw_cursor_events", "raw_cursor_usage_events", "raw_claude_events", "raw_claude_code_events", "raw_claude_costs"]
DAY_COLUMN = {"raw_claude_costs": "cost_date"}


def raw_hash(warehouse, table: str) -> str:
    return table_hash(warehouse, table, exclude=("ingest_date", "fetched_at"))


def assert_equals_truth(warehouse, org, window):
    cursor_events = per_day(warehouse, "SELECT usage_date, COUNT(*), SUM(CASE WHEN is_chargeable THEN charged_usd END) "
                                       "FROM raw_cursor_usage_events GROUP BY 1")
    members = per_day(warehouse, "SELECT usage_date, COUNT(*), SUM(total_lines_added), SUM(accepted_lines_added) "
                                 "FROM raw_cursor_events GROUP BY 1")
    tokens = per_day(warehouse, "SELECT usage_date, SUM(uncached_input_tokens + cache_read_input_tokens + "
                                "cache_creation_tokens + output_tokens) FROM raw_claude_events GROUP BY 1")
    costs = per_day(warehouse, "SELECT cost_date, SUM(amount_usd) FROM raw_claude_costs GROUP BY 1")
    code = per_day(warehouse, "SELECT usage_date, COUNT(*), SUM(num_sessions), SUM(lines_added) "
                              "FROM raw_claude_code_events GROUP BY 1")
    for day in window:
        truth = org.truth(day)
        c, a, k = truth["cursor"], truth["anthropic"], truth["claude_code"]
        events, charged = cursor_events.get(day, (0, None))
        assert events == c["events"], day
        assert Decimal(charged or 0) == c["charged_cents"] / 100, day
        assert members.get(day, (0, 0, 0)) == (c["seats"], c["lines_added"], c["accepted_lines_added"]), day
        assert tokens.get(day, (0,))[0] == sum(a["tokens"].get(t, 0) for t in TOKEN_TYPES), day
        assert Decimal(costs.get(day, (0,))[0]) == a["cost_usd"], day
        assert code.get(day, (0, 0, 0)) == (k.get("records", 0), k.get("sessions", 0), k.get("lines_added", 0)), day


def test_one_day_equals_the_ground_truth(warehouse, simulator, reference_dir):
    result = run(PARTITIONED, warehouse, simulator, reference_dir, first=LAST, last=LAST)
    assert result.success
    assert_equals_truth(warehouse, simulator.org, [LAST])


def test_a_30_day_range_in_one_run_equals_the_truth_at_the_api_minimum_and_reruns_change_nothing(
    warehouse, simulator, reference_dir
):
    result = run(PARTITIONED, warehouse, simulator, reference_dir)
    assert result.success
    assert_equals_truth(warehouse, simulator.org, days())

    requests = {}
    for asset in PARTITIONED:
        materialization = result.asset_materializations_for_node(asset.key.path[-1])[0]  # one per day, same metadata
        requests[asset.key.path[-1]] = materialization.metadata["http_requests_by_endpoint"].value
    # Cursor daily usage: one 30-day window (paged by the members' count); Anthropic reports: 31 daily
    # buckets fit one page per 30 days, paged further only by the number of result rows.
    assert requests["raw_cursor_events"] == {"POST /teams/daily-usage-data": 1}
    assert set(requests["raw_claude_events"]) == {"GET /v1/organizations/usage_report/messages"}
    assert set(requests["raw_claude_costs"]) == {"GET /v1/organizations/cost_report"}
    assert requests["raw_claude_code_events"]["GET /v1/organizations/usage_report/claude_code"] >= 30  # one day a call
    served = simulator.state.counters.snapshot()["requests"]  # what the simulator saw is what we counted
    assert served["/teams/daily-usage-data"] == 1
    assert served["/v1/organizations/cost_report"] == sum(requests["raw_claude_costs"].values())

    before = {t: raw_hash(warehouse, t) for t in TABLES}
    assert run(PARTITIONED, warehouse, simulator, reference_dir).success
    assert {t: raw_hash(warehouse, t) for t in TABLES} == before


@pytest.mark.parametrize("kind", ["429", "500", "503", "529", "drop"])
def test_transient_faults_are_retried_and_the_data_is_identical(warehouse, simulator, reference_dir, kind):
    assets = [raw.raw_claude_costs, raw.raw_cursor_usage_events]
    assert run(assets, warehouse, simulator, reference_dir, first=LAST, last=LAST).success
    before = {t: raw_hash(warehouse, t) for t in ("raw_claude_costs", "raw_cursor_usage_events")}
    simulator.add_fault("/v1/organizations/cost_report", kind, times=2, retry_after=0)
    simulator.add_fault("/teams/filtered-usage-events", kind, times=1, retry_after=0)

    result = run(assets, warehouse, simulator, reference_dir, first=LAST, last=LAST)

    assert result.success
    assert {t: raw_hash(warehouse, t) for t in before} == before
    (materialization,) = result.asset_materializations_for_node("raw_claude_costs")  # one day
    assert materialization.metadata["http_requests"].value >= 3  # two failures, then the page


@pytest.mark.parametrize(
    "endpoint, kind, expected, after",
    [
        ("/v1/organizations/cost_report", "500", "500", 0),  # retries exhausted
        ("/v1/organizations/cost_report", "truncated", "cost_report", 0),  # malformed body
        # 45 days are two chunks of at most 31 daily buckets: the first is fetched and staged, the
        # second fails, and the first chunk's rows must not be written either
        ("/v1/organizations/usage_report/messages", "500", "500", 1),
    ],
)
def test_unrecoverable_faults_fail_naming_the_endpoint_and_write_nothing(
    warehouse, simulator, reference_dir, endpoint, kind, expected, after
):
    asset = raw.raw_claude_costs if "cost" in endpoint else raw.raw_claude_events
    table, first = asset.key.path[-1], LAST - timedelta(days=44)
    assert run([asset], warehouse, simulator, reference_dir, first=first).success  # previously loaded data
    before = raw_hash(warehouse, table)
    simulator.add_fault(endpoint, kind, times=None, retry_after=0, after=after)

    result = run([asset], warehouse, simulator, reference_dir, first=first, retries=1, raise_on_error=False)

    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    message = failure.message if failure.cause is None else failure.message + failure.cause.message
    assert "Anthropic" in message and expected in message
    assert raw_hash(warehouse, table) == before


def test_a_wrong_key_fails_at_once_saying_which_variable_to_check(warehouse, simulator, reference_dir):
    result = run([raw.raw_claude_costs], warehouse, simulator, reference_dir, first=LAST, last=LAST,
                 anthropic_key="sk-ant-admin01-wrong", raise_on_error=False)
    assert not result.success
    error = result.get_step_failure_events()[0].step_failure_data.error
    text = error.message + (error.cause.message if error.cause else "")
    assert "401" in text and "check ANTHROPIC_ADMIN_API_KEY" in text
    served = simulator.state.counters.snapshot()
    assert served["requests"]["/v1/organizations/cost_report"] == 1  # no retries on 401
    assert served["statuses"]["/v1/organizations/cost_report"] == {"401": 1}


def test_no_credential_reaches_tables_logs_or_metadata(warehouse, simulator, reference_dir):
    simulator.add_fault("/v1/organizations/cost_report", "429", times=1, retry_after=0)
    result = run([*PARTITIONED, *raw.SNAPSHOT_ASSETS], warehouse, simulator, reference_dir,
                 first=LAST, last=LAST)
    assert result.success
    failed = run([raw.raw_claude_costs], warehouse, simulator, reference_dir, first=LAST, last=LAST,
                 anthropic_key=SECRETS[1] + "-revoked", raise_on_error=False)
    haystack = [repr(event) for event in result.all_events + failed.all_events]
    for table in warehouse.query("SELECT table_name FROM information_schema.tables")["table_name"]:
        haystack.append(warehouse.query(f'SELECT * FROM "{table}"').to_csv())
    text = "\n".join(haystack)
    for secret in SECRETS:
        assert secret not in text
    assert FIRST < LAST
