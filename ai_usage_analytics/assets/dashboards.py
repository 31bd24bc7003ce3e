"""The four dashboards: each reads its views through the warehouse and writes one self-contained HTML page
to ``AI_USAGE_DASHBOARD_DIR`` (rendering lives in ``ai_usage_analytics/dashboards``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import dagster as dg

from ai_usage_analytics.dashboards import engineering, executive, finance, knowledge
from ai_usage_analytics.dashboards.options import Options
from ai_usage_analytics.assets.views import read_view, read_view_summed
from ai_usage_analytics.dashboards.page import Page, render
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.settings import SETTINGS

OWNERS = ["team:analytics-engineering"]
# The pages use vw_focus_costs per day, tags (person, department, ...), service and charge category only.
SUMMED_READS = {"vw_focus_costs": (("ChargePeriodStart", "Tags", "ServiceName", "ChargeCategory"), ("BilledCost",))}


def _read(warehouse: Warehouse, view: str):
    if view in SUMMED_READS:
        return read_view_summed(warehouse, view, *SUMMED_READS[view])
    return read_view(warehouse, view)


def _options() -> Options:
    return Options(min_group_size=SETTINGS.min_group_size, person_level=SETTINGS.dashboard_person_level,
                   built_at=datetime.now(timezone.utc))


def build_dashboard_asset(name: str, views: list[str], builder: Callable[..., Page], description: str):
    @dg.asset(
        name=f"{name}_dashboard",
        group_name="dashboards",
        owners=OWNERS,
        kinds={"html", "plotly"},
        deps=views,
        description=description,
        check_specs=[dg.AssetCheckSpec("every_chart_has_data", asset=f"{name}_dashboard",
                                       description="Every chart on the page has data; a chart without any (a source "
                                                   "with no rows yet, or every group too small to show) is shown as "
                                                   "pending with the reason, and this check warns.")],
    )
    def _dashboard(warehouse: Warehouse) -> dg.MaterializeResult:
        frames = [_read(warehouse, view) for view in views]
        page = builder(*frames, _options())
        path = SETTINGS.dashboard_dir / f"{name}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(page), encoding="utf-8")
        pending = page.all_pending()
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "dagster/uri": dg.MetadataValue.url(path.resolve().as_uri()),
                "data_through": str(page.data_through or "no data"),
                "bytes": path.stat().st_size,
                "charts": len(page.charts),
                "pending_charts": ", ".join(title for title, _ in pending) or "none",
                "notices": dg.MetadataValue.md("\n".join(f"- {text}" for _, text in page.notices) or "none"),
            },
            check_results=[dg.AssetCheckResult(
                check_name="every_chart_has_data", passed=not pending, severity=dg.AssetCheckSeverity.WARN,
                metadata={"charts_without_data": "; ".join(f"{t}: {why}" for t, why in pending) or "none"},
            )],
        )

    return _dashboard


DASHBOARD_ASSETS = [
    build_dashboard_asset("engineering", ["vw_engineering_productivity"], engineering.build,
                          "Engineering productivity page: lines accepted per person-day, acceptance trends, Cursor vs "
                          "Claude Code for people using both, cost per accepted line, top departments."),
    build_dashboard_asset("knowledge_worker", ["vw_knowledge_worker_productivity"], knowledge.build,
                          "Knowledge-worker page: interactions per person-day, adoption by department, Claude.ai vs "
                          "Gemini vs the Claude API, cost per department."),
    build_dashboard_asset("executive", ["vw_unified_roi_analysis", "vw_budget_vs_actual", "vw_focus_costs"],
                          executive.build,
                          "Executive page: total AI spend, month over month, cost per active user, adoption, ROI "
                          "(hours saved per $100 from stated assumptions) and budget risk."),
    build_dashboard_asset("finance", ["vw_focus_costs", "vw_budget_vs_actual", "vw_unattributed_spend",
                                      "vw_seat_utilization"], finance.build,
                          "Finance page: allocation by cost center and department, budget vs actual with forecast, "
                          "the unattributed spend worklist, idle seats and a chargeback table with CSV download."),
]
