"""Issue 10's acceptance: Claude.ai (Enterprise Analytics) and Gemini (Workspace Reports, billing export)
against the simulator: a 30-day range in one run equals the ground truth at the APIs' minimum of
requests, in the raw tables and in the facts; faults are retried to identical data or fail naming
vendor, endpoint and status with nothing written; no credential lands anywhere."""

from __future__ import annotations

import calendar
from datetime import timedelta
from decimal import Decimal

import pytest

from ai_usage_analytics.assets import facts, reference, views
from ai_usage_analytics.assets.raw_knowledge_work import KNOWLEDGE_WORK_RAW_ASSETS
from ai_usage_analytics.bench import minimum
from ai_usage_analytics.demo.gemini_billing import gemini_cost_usd
from ai_usage_analytics.demo.simulator.analytics_cost import claude_ai_truth
from ai_usage_analytics.resources.google_reports import earliest_day
from ai_usage_analytics_tests.acceptance.conftest import (
    FIRST, LAST, SECRETS, TODAY, days, loaded_pipeline, per_day, run, table_hash,
)

RAW = {a.key.path[-1]: a for a in KNOWLEDGE_WORK_RAW_ASSETS}
PIPELINE = [*KNOWLEDGE_WORK_RAW_ASSETS, *reference.REFERENCE_ASSETS, *facts.FACT_ASSETS, *views.VIEW_ASSETS]
CENT = Decimal("0.01")
USERS, COST = "/v1/organizations/analytics/users", "/v1/organizations/analytics/user_cost_report"
GEMINI = "/admin/reports/v1/activity/users/all/applications/gemini_in_workspace_apps"


@pytest.fixture(scope="module")
def pipeline(simulator, tmp_path_factory):
    simulator.reset()
    with loaded_pipeline(simulator, tmp_path_factory.mktemp("knowledge"), PIPELINE) as (warehouse, _, result):
        yield warehouse, result


def raw_hash(warehouse, table: str) -> str:
    return table_hash(warehouse, table, exclude=("ingest_date", "fetched_at"))


def requests_of(result, asset: str) -> dict:
    return result.asset_materializations_for_node(asset)[0].metadata["http_requests_by_endpoint"].value


def test_the_raw_tables_equal_the_ground_truth_per_day(pipeline, simulator):
    warehouse, _ = pipeline
    web = per_day(warehouse, "SELECT usage_date, COUNT(*), SUM(chat_message_count), SUM(web_search_count) "
                             "FROM raw_claude_web_events GROUP BY 1")
    cost = per_day(warehouse, "SELECT cost_date, SUM(amount_usd) FROM raw_claude_web_costs GROUP BY 1")
    events = per_day(warehouse, "SELECT usage_date, SUM(event_count), COUNT(DISTINCT actor_email) FROM raw_gemini_events GROUP BY 1")
    billing = per_day(warehouse, "SELECT cost_date, SUM(net_cost) FROM raw_gemini_costs GROUP BY 1")
    for day in days():
        claude, gemini = claude_ai_truth(simulator.org, day), simulator.org.truth(day)["gemini"]
        assert web.get(day, (0, 0, 0)) == (claude["seats"], claude["messages"], claude["web_searches"]), day
        assert abs(Decimal(cost.get(day, (0,))[0]) - claude["amount_usd"]) < Decimal("0.000001"), day
        assert events.get(day, (0, 0)) == (gemini["events"], gemini["people"]), day
        assert Decimal(billing.get(day, (0,))[0]) == gemini_cost_usd(simulator.org, day), day


def test_the_range_costs_exactly_the_apis_minimum_of_requests(pipeline, simulator):
    _, result = pipeline
    fewest = minimum.requests_minimum(minimum.range_counts(simulator.org, FIRST, LAST))
    assert requests_of(result, "raw_claude_web_events") == {f"GET {USERS}": fewest[USERS]} == {f"GET {USERS}": 30}
    assert requests_of(result, "raw_claude_web_costs") == {f"GET {COST}": fewest[COST]}
    assert requests_of(result, "raw_gemini_events") == {f"GET {GEMINI}": fewest[GEMINI]}
    assert fewest[COST] >= 2  # the range pages, so the cursor was followed


def test_the_facts_equal_the_truth_per_platform_and_day(pipeline, simulator):
    warehouse, _ = pipeline
    usage = per_day(warehouse, "SELECT usage_date, SUM(CASE WHEN platform_sk = 'claude_web' THEN interaction_count END), "
                               "SUM(CASE WHEN platform_sk = 'gemini' THEN interaction_count END) FROM fact_ai_usage "
                               "WHERE use_case = 'knowledge_work' AND attribution_method = 'direct_email' GROUP BY 1")
    costs = per_day(warehouse, "SELECT cost_date, "
                               "SUM(CASE WHEN cost_source = 'claude_user_cost_report' THEN allocated_cost_usd END), "
                               "SUM(CASE WHEN cost_source = 'gemini_billing_export' THEN allocated_cost_usd END), "
                               "SUM(CASE WHEN cost_source = 'claude_web_seats' THEN allocated_cost_usd END) "
                               "FROM fact_ai_costs GROUP BY 1")
    for day in days():
        claude, gemini = claude_ai_truth(simulator.org, day), simulator.org.truth(day)["gemini"]
        messages, events = usage.get(day, (None, None))
        assert (messages or 0, events or 0) == (claude["messages"], gemini["events"]), day
        web, billed, seats = (Decimal(v or 0) for v in costs.get(day, (0, 0, 0)))
        assert web.quantize(CENT) == claude["amount_usd"].quantize(CENT), day
        assert billed == gemini_cost_usd(simulator.org, day), day
        month_days = calendar.monthrange(day.year, day.month)[1]
        assert seats.quantize(CENT) == (Decimal(60) * claude["seats"] / month_days).quantize(CENT), day


def test_the_knowledge_worker_view_compares_claude_ai_and_gemini_by_department(pipeline, simulator):
    warehouse, _ = pipeline
    view = warehouse.query("SELECT platform_sk, department, SUM(interactions) AS interactions, SUM(cost_usd) AS cost "
                           "FROM vw_knowledge_worker_productivity GROUP BY 1, 2")
    for platform in ("claude_web", "gemini"):
        rows = view[view["platform_sk"] == platform]
        assert rows["department"].nunique() >= 3 and (rows["cost"] > 0).all()
    total = sum(claude_ai_truth(simulator.org, d)["messages"] for d in days())
    assert view.loc[view["platform_sk"] == "claude_web", "interactions"].sum() == total


def test_a_rerun_changes_nothing(pipeline, simulator, reference_dir):
    warehouse, _ = pipeline
    before = {t: raw_hash(warehouse, t) for t in RAW}
    assert run(list(RAW.values()), warehouse, simulator, reference_dir).success
    assert {t: raw_hash(warehouse, t) for t in RAW} == before


@pytest.mark.parametrize("kind", ["429", "500", "503", "drop"])
def test_transient_faults_are_retried_to_identical_data(warehouse, simulator, reference_dir, kind):
    assets = list(RAW.values())
    assert run(assets, warehouse, simulator, reference_dir, first=LAST - timedelta(days=2)).success
    before = {t: raw_hash(warehouse, t) for t in RAW}
    for path in (USERS, COST, GEMINI):
        simulator.add_fault(path, kind, times=2, retry_after=0)
    result = run(assets, warehouse, simulator, reference_dir, first=LAST - timedelta(days=2))
    assert result.success
    assert {t: raw_hash(warehouse, t) for t in RAW} == before
    assert requests_of(result, "raw_claude_web_events") == {f"GET {USERS}": 3 + 2}


@pytest.mark.parametrize(
    "asset, endpoint, kind, options, expected",
    [
        ("raw_claude_web_events", USERS, "500", {"times": None}, ["Claude Analytics", USERS, "500"]),  # retries exhausted
        ("raw_claude_web_events", USERS, "truncated", {"times": 1, "after": 10}, ["Claude Analytics", USERS, "200"]),  # mid-range
        ("raw_claude_web_costs", COST, "expired_cursor", {"times": None}, ["Claude Analytics", COST, "410"]),  # page 2 of 30 days
        ("raw_gemini_events", GEMINI, "non_json", {"times": None}, ["Google Reports", GEMINI, "200"]),
    ],
)
def test_unrecoverable_faults_fail_naming_vendor_endpoint_and_status_and_write_nothing(
    warehouse, simulator, reference_dir, asset, endpoint, kind, options, expected
):
    earlier = FIRST - timedelta(days=5)
    assert run([RAW[asset]], warehouse, simulator, reference_dir, first=earlier).success  # data already loaded
    before = raw_hash(warehouse, asset)
    simulator.add_fault(endpoint, kind, retry_after=0, **options)

    result = run([RAW[asset]], warehouse, simulator, reference_dir, retries=1, raise_on_error=False)

    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    message = failure.message + (failure.cause.message if failure.cause else "")
    assert all(part in message for part in expected), message
    assert raw_hash(warehouse, asset) == before


def test_a_wrong_analytics_key_fails_at_once_naming_the_variable(warehouse, simulator, reference_dir):
    result = run([RAW["raw_claude_web_events"]], warehouse, simulator, reference_dir, first=LAST,
                 analytics_key="sk-ant-api01-wrong", raise_on_error=False)
    assert not result.success
    error = result.get_step_failure_events()[0].step_failure_data.error
    text = error.message + (error.cause.message if error.cause else "")
    assert "401" in text and "check CLAUDE_ANALYTICS_API_KEY" in text and "sk-ant-api01-wrong" not in text
    assert simulator.state.counters.snapshot()["statuses"][USERS] == {"401": 1}  # not retried


def test_a_day_not_aggregated_yet_is_left_for_the_next_run(warehouse, simulator, reference_dir):
    result = run([RAW["raw_claude_web_events"]], warehouse, simulator, reference_dir, first=TODAY - timedelta(days=1),
                 last=TODAY)
    assert result.success
    metadata = result.asset_materializations_for_node("raw_claude_web_events")[0].metadata
    assert metadata["days_not_yet_available"].value == [TODAY.isoformat()]
    loaded = per_day(warehouse, "SELECT usage_date, COUNT(*) FROM raw_claude_web_events GROUP BY 1")
    assert set(loaded) == {TODAY - timedelta(days=1)}


def test_a_year_asks_the_reports_api_only_for_the_days_it_keeps(warehouse, simulator, reference_dir):
    first = LAST - timedelta(days=364)
    kept = earliest_day(TODAY)  # 179 days back: the simulator, like Google, refuses a startTime past 180
    result = run([RAW["raw_gemini_events"]], warehouse, simulator, reference_dir, first=first, last=LAST)
    assert result.success
    metadata = result.asset_materializations_for_node("raw_gemini_events")[0].metadata
    assert metadata["days_beyond_retention"].value == (kept - first).days == 187
    events = per_day(warehouse, "SELECT usage_date, SUM(event_count) FROM raw_gemini_events GROUP BY 1")
    assert min(events) >= kept
    for day in days(kept, LAST):
        assert events.get(day, (0,))[0] == simulator.org.truth(day)["gemini"]["events"], day
    assert simulator.state.counters.snapshot()["statuses"].get(GEMINI, {}).keys() <= {"200"}


def test_no_credential_reaches_tables_logs_or_metadata(warehouse, simulator, reference_dir):
    simulator.add_fault(USERS, "429", times=1, retry_after=0)
    result = run(list(RAW.values()), warehouse, simulator, reference_dir, first=LAST)
    failed = run([RAW["raw_claude_web_costs"]], warehouse, simulator, reference_dir, first=LAST,
                 analytics_key=SECRETS[2] + "-revoked", raise_on_error=False)
    assert result.success and not failed.success
    haystack = [repr(event) for event in result.all_events + failed.all_events]
    for table in RAW:
        haystack.append(warehouse.query(f'SELECT * FROM "{table}"').to_csv())
    text = "\n".join(haystack)
    for secret in SECRETS:
        assert secret not in text
