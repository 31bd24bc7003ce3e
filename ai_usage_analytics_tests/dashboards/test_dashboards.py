"""The four dashboard assets on a hand-built warehouse: pages written, privacy kept, and in headless
Chromium every chart has data, nothing errs or goes to the network, and the department filter moves
the numbers, which equal the views' figures."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
from pathlib import Path

import dagster as dg
import pytest

from ai_usage_analytics.assets import dashboards
from ai_usage_analytics_tests.dashboards.browser import chromium_missing, download_csv, look_at
from ai_usage_analytics_tests.dashboards.conftest import DAYS

NAMES = ["engineering", "knowledge_worker", "executive", "finance"]
SCREENSHOTS = Path(os.environ["AI_USAGE_SCREENSHOT_DIR"]) if os.environ.get("AI_USAGE_SCREENSHOT_DIR") else None


def build(monkeypatch, warehouse, directory: Path, person_level: bool = False) -> dg.ExecuteInProcessResult:
    settings = dataclasses.replace(dashboards.SETTINGS, dashboard_dir=directory, dashboard_person_level=person_level,
                                   min_group_size=5)
    monkeypatch.setattr(dashboards, "SETTINGS", settings)
    return dg.materialize(dashboards.DASHBOARD_ASSETS, resources={"warehouse": warehouse})


@pytest.fixture
def pages(monkeypatch, view_warehouse, tmp_path) -> dict[str, Path]:
    result = build(monkeypatch, view_warehouse, tmp_path / "dashboards")
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    return {name: tmp_path / "dashboards" / f"{name}.html" for name in NAMES}


def test_pages_are_self_contained_and_linked_from_metadata(monkeypatch, view_warehouse, tmp_path):
    result = build(monkeypatch, view_warehouse, tmp_path / "out")
    for name in NAMES:
        path = tmp_path / "out" / f"{name}.html"
        text = path.read_text()
        assert text.count("plotly.js v") >= 1 and len(re.findall(r"<script[^>]*\bsrc=", text)) == 0
        metadata = result.asset_materializations_for_node(f"{name}_dashboard")[0].metadata
        assert metadata["path"].value == str(path) and metadata["dagster/uri"].value == path.resolve().as_uri()
        assert "Data through <strong>2026-03-14</strong>" in text


def test_small_groups_and_people_never_reach_the_page_unless_enabled(monkeypatch, view_warehouse, tmp_path):
    build(monkeypatch, view_warehouse, tmp_path / "off")
    for name in NAMES:
        text = (tmp_path / "off" / f"{name}.html").read_text()
        assert '"Legal"' not in text, name  # 2 people: folded away before embedding
        assert "@corp.com" not in text, name
        assert ("AI_USAGE_DASHBOARD_PERSON_LEVEL=1" in text) == (name != "executive")  # it has no person tables
    assert "Legal" in (tmp_path / "off" / "finance.html").read_text()  # named in the notice only
    build(monkeypatch, view_warehouse, tmp_path / "on", person_level=True)
    assert "engineering0@corp.com" in (tmp_path / "on" / "engineering.html").read_text()
    assert "owner@corp.com" in (tmp_path / "on" / "finance.html").read_text()


def test_a_platform_without_data_is_said_so_not_drawn_empty(monkeypatch, view_warehouse, view_frames, tmp_path):
    knowledge = view_frames["vw_knowledge_worker_productivity"]
    with view_warehouse.connect() as connection:
        connection.execute("DELETE FROM vw_knowledge_worker_productivity WHERE platform_sk IN ('claude_web', 'gemini')")
    assert len(knowledge)  # the fixture had them
    result = build(monkeypatch, view_warehouse, tmp_path / "kw")
    [check] = [e for e in result.get_asset_check_evaluations() if e.asset_key.path == ["knowledge_worker_dashboard"]]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "Interactions per active person-day: No Claude.ai or Gemini data yet" in check.metadata[
        "charts_without_data"].value
    text = (tmp_path / "kw" / "knowledge_worker.html").read_text()
    assert "No Claude.ai data yet" in text and "No Google Gemini data yet" in text
    assert 'data-pending="Interactions per active person-day"' in text
    assert 'data-chart="interactions"' not in text


@pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")
@pytest.mark.parametrize("name", NAMES)
def test_in_chromium_every_chart_has_data_and_the_department_filter_moves_the_numbers(pages, name, tmp_path):
    shot = (SCREENSHOTS or tmp_path) / f"{name}.png"
    seen = look_at(pages[name], shot, department="Research")
    assert seen.console_errors == []
    assert [r for r in seen.requests if not r.startswith("file://")] == []
    assert seen.charts and all(points > 0 for points in seen.charts.values()), seen.charts
    assert all(rows > 0 for rows in seen.tables.values()), seen.tables
    assert seen.kpis_after_filter != seen.kpis
    assert shot.stat().st_size > 10_000


@pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")
def test_kpis_equal_the_views_figures(pages, view_frames):
    window = DAYS[7:]  # the default range: the later half of 14 days
    eng = view_frames["vw_engineering_productivity"]
    eng = eng[eng["usage_date"].isin(window) & (eng["department"] != "Legal")]
    seen = look_at(pages["engineering"], department="Engineering")
    assert float(seen.kpis["lines"]) == eng["lines_accepted"].sum()
    assert float(seen.kpis["spend"]) == pytest.approx(eng["cost_usd"].sum())
    assert float(seen.kpis["acceptance"]) == pytest.approx(eng["lines_accepted"].sum() / eng["lines_suggested"].sum())
    only = eng[eng["department"] == "Engineering"]
    assert float(seen.kpis_after_filter["lines"]) == only["lines_accepted"].sum()
    every_day = view_frames["vw_engineering_productivity"].query("department == 'Engineering'")
    assert float(seen.kpis_all_data["lines"]) == every_day["lines_accepted"].sum() > only["lines_accepted"].sum()
    # Finance: Legal folds into "Other" with... no one else small, so it is dropped; the rest equals the view.
    focus = view_frames["vw_focus_costs"]
    in_window = focus[focus["ChargePeriodStart"].dt.date.isin(window) & ~focus["Tags"].str.contains('"Legal"')]
    finance = look_at(pages["finance"])
    assert float(finance.kpis["spend"]) == pytest.approx(in_window["BilledCost"].sum())
    assert float(finance.kpis["unattributed"]) == pytest.approx(2.0 * len(window))
    assert finance.kpi_text["unattributed"] == "$14.00"


@pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")
def test_the_chargeback_csv_is_the_filtered_table_and_adds_up_to_the_spend_tile(pages):
    name, text, seen = download_csv(pages["finance"], "chargeback", department="Research")
    assert name == f"ai-chargeback-{DAYS[7]}-to-{DAYS[-1]}.csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["Department", "Cost center", "Tool", "amount_usd"]
    assert {r["Department"] for r in rows} == {"Research"} and len(rows) == seen.tables["chargeback"] == 2
    assert sum(float(r["amount_usd"]) for r in rows) == pytest.approx(float(seen.kpis["spend"]))


def test_views_without_rows_give_pages_that_say_so(monkeypatch, view_warehouse, tmp_path):
    with view_warehouse.connect() as connection:
        for name in ("vw_engineering_productivity", "vw_knowledge_worker_productivity", "vw_focus_costs",
                     "vw_unified_roi_analysis", "vw_budget_vs_actual", "vw_unattributed_spend", "vw_seat_utilization"):
            connection.execute(f"DELETE FROM {name}")
    result = build(monkeypatch, view_warehouse, tmp_path / "empty")
    assert result.success
    assert [e.passed for e in result.get_asset_check_evaluations()] == [False] * 4
    for name in NAMES:
        text = (tmp_path / "empty" / f"{name}.html").read_text()
        assert "Data through <strong>no data yet</strong>" in text
        assert 'data-chart="' not in text and 'data-pending="' in text
