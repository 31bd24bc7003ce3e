"""The four dashboards on the simulated company's data, built by the whole pipeline: in headless
Chromium nothing errs, every drawn chart has data, and the KPI tiles equal the views' figures."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from ai_usage_analytics.assets import dashboards, facts, raw, reference, views
from ai_usage_analytics_tests.acceptance.conftest import LAST, loaded_pipeline
from ai_usage_analytics_tests.dashboards.browser import chromium_missing, look_at

FIRST = LAST - timedelta(days=13)
WINDOW = (LAST - timedelta(days=6), LAST)  # the pages' default range: the later half of 14 days
MIN = 5
PIPELINE = [*raw.RAW_ASSETS, *reference.REFERENCE_ASSETS, *facts.FACT_ASSETS, *views.VIEW_ASSETS,
            *dashboards.DASHBOARD_ASSETS]

pytestmark = pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")


@pytest.fixture(scope="module")
def built(simulator, tmp_path_factory):
    directory = tmp_path_factory.mktemp("dashboards")
    settings = dataclasses.replace(dashboards.SETTINGS, dashboard_dir=directory / "pages", min_group_size=MIN,
                                   dashboard_person_level=False)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(dashboards, "SETTINGS", settings)
        with loaded_pipeline(simulator, directory, PIPELINE, first=FIRST, last=LAST) as (warehouse, _, _):
            yield warehouse, directory / "pages"


def one(warehouse, sql: str) -> float:
    return float(warehouse.query(sql).iloc[0, 0] or 0)


IN_WINDOW = f"BETWEEN DATE '{WINDOW[0]}' AND DATE '{WINDOW[1]}'"


def test_engineering_kpis_equal_the_view(built):
    warehouse, pages = built
    seen = look_at(pages / "engineering.html", department="Engineering")
    assert seen.console_errors == [] and all(n > 0 for n in seen.charts.values()), seen.charts
    shown = (f"(department, platform_name) IN (SELECT department, platform_name FROM vw_engineering_productivity "
             f"GROUP BY 1, 2 HAVING COUNT(DISTINCT user_sk) FILTER (WHERE user_sk != 'unattributed') >= {MIN})")
    lines = one(warehouse, f"SELECT SUM(lines_accepted) FROM vw_engineering_productivity "
                           f"WHERE usage_date {IN_WINDOW} AND department = 'Engineering' AND {shown}")
    cost = one(warehouse, f"SELECT SUM(cost_usd) FROM vw_engineering_productivity "
                          f"WHERE usage_date {IN_WINDOW} AND department = 'Engineering' AND {shown}")
    assert lines > 0
    assert float(seen.kpis_after_filter["lines"]) == lines
    assert float(seen.kpis_after_filter["spend"]) == pytest.approx(cost, abs=1e-6)
    assert seen.kpis_after_filter != seen.kpis


def test_executive_and_finance_totals_equal_the_views(built):
    warehouse, pages = built
    total = one(warehouse, f"SELECT SUM(BilledCost) FROM vw_focus_costs WHERE CAST(ChargePeriodStart AS DATE) {IN_WINDOW}")
    unattributed = one(warehouse, f"SELECT SUM(BilledCost) FROM vw_focus_costs WHERE CAST(ChargePeriodStart AS DATE) "
                                  f"{IN_WINDOW} AND json_extract_string(Tags, '$.department') = 'unattributed'")
    month = one(warehouse, "SELECT SUM(spend_usd) FROM vw_unified_roi_analysis WHERE month = "
                           f"'{WINDOW[1]:%Y-%m}'" if WINDOW[0].month == WINDOW[1].month else
                "SELECT SUM(spend_usd) FROM vw_unified_roi_analysis")
    for name in ("executive", "finance"):
        notices = re.findall(r'<li class="warn">([^<]*)</li>', (pages / f"{name}.html").read_text())
        # Small departments fold into "Other" rather than disappear, so the spend totals are kept.
        assert not [n for n in notices if "hidden entirely" in n and "(seats)" not in n], notices
        seen = look_at(pages / f"{name}.html")
        assert seen.console_errors == [] and all(n > 0 for n in seen.charts.values()), (name, seen.charts)
        assert seen.kpis_after_filter != seen.kpis
        assert float(seen.kpis["spend"]) == pytest.approx(total, abs=1e-6)
    assert float(seen.kpis["unattributed"]) == pytest.approx(unattributed, abs=1e-6) and unattributed > 0
    executive = look_at(pages / "executive.html")
    assert float(executive.kpis["month_spend"]) == pytest.approx(month, abs=1e-6)


def test_the_knowledge_worker_page_draws_what_it_has_and_names_what_it_lacks(built):
    warehouse, pages = built
    platforms = set(warehouse.query("SELECT DISTINCT platform_sk FROM vw_knowledge_worker_productivity")["platform_sk"])
    text = (pages / "knowledge_worker.html").read_text()
    for code, name in (("claude_web", "Claude.ai"), ("gemini", "Google Gemini")):
        assert (f"No {name} data yet" in text) == (code not in platforms)
    seen = look_at(pages / "knowledge_worker.html")
    assert seen.console_errors == []
    assert all(n > 0 for n in seen.charts.values()), seen.charts  # the rest are pending cards, with the reason
    assert len(seen.charts) + text.count('data-pending="') == 5
