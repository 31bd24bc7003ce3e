"""The Executive dashboard from ``vw_focus_costs`` (daily spend), ``vw_unified_roi_analysis`` (monthly
spend, people and output per department) and ``vw_budget_vs_actual`` (budget risk)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ai_usage_analytics.dashboards.options import Options, iso_days, last_day
from ai_usage_analytics.dashboards.page import Dataset, Page, chart, column, kpi, measure, series_measure, table
from ai_usage_analytics.dashboards.privacy import Plan, plan


def focus_daily(focus: pd.DataFrame) -> pd.DataFrame:
    """vw_focus_costs per day, department (its Tags' department: the budget category), cost center,
    platform, charge category and person (kept only for the privacy plan)."""
    codes, distinct = pd.factorize(focus["Tags"])  # each distinct tag set parsed once
    parsed = pd.json_normalize([json.loads(text) for text in distinct])
    parsed = parsed.reindex(index=range(len(distinct) + 1), columns=["person", "department", "cost_center"])
    tags = parsed.iloc[np.where(codes < 0, len(distinct), codes)].reset_index(drop=True)  # the extra row: no tags
    frame = pd.DataFrame({
        "day": iso_days(focus, "ChargePeriodStart"),
        "department": tags["department"].fillna("unknown").values,
        "cost_center": tags["cost_center"].fillna("(no cost center)").values,
        "person": tags["person"].values,
        "platform_name": focus["ServiceName"].values,
        "charge_category": focus["ChargeCategory"].values,
        "cost_usd": focus["BilledCost"].astype(float).values,
    })
    frame.loc[frame["department"] == "unattributed", "person"] = None
    return frame


def budget_months(budget: pd.DataFrame, departments: Plan) -> pd.DataFrame:
    """vw_budget_vs_actual per month and department, small departments folded as ``departments`` says."""
    frame = budget.rename(columns={"budget_category": "department"})[
        ["month_start", "department", "budget_usd", "actual_usd", "forecast_month_end_usd", "status"]].copy()
    frame["month_start"] = iso_days(frame, "month_start")
    frame["over"] = (frame["status"] == "over").astype(int)
    frame["budgeted_forecast_usd"] = frame["forecast_month_end_usd"].where(frame["budget_usd"].notna())
    return departments.apply(frame.drop(columns="status")).groupby(["month_start", "department"], as_index=False).sum(
        min_count=1)


def budget_use_kpi() -> dict:
    spec = kpi("budget_use", "Forecast month-end vs budget", "budget", measure("budgeted_forecast_usd", "budget_usd"),
               "pct", "down", "Run-rate forecast of the budgeted departments / their budget.")
    return {**spec, "compare_requires": "actual_usd"}  # months before the data began have budgets, no actuals


def build(roi: pd.DataFrame, budget: pd.DataFrame, focus: pd.DataFrame, options: Options) -> Page:
    costs = focus_daily(focus)
    departments = plan(costs, ["department"], "person", options.min_group_size)
    daily = departments.apply(costs).groupby(["day", "department", "platform_name"], as_index=False)["cost_usd"].sum()

    monthly = roi[["month_start", "department", "spend_usd", "active_people", "accepted_lines", "interactions",
                   "estimated_hours_saved"]].copy()
    monthly["month_start"] = iso_days(monthly, "month_start")
    monthly = departments.apply(monthly).groupby(["month_start", "department"], as_index=False).sum(min_count=1)
    monthly["spend_hundreds"] = monthly["spend_usd"] / 100
    months = pd.DataFrame({"month_start": sorted(monthly["month_start"].unique()), "months": 1})
    budgets = budget_months(budget, departments)

    datasets = {
        "daily": Dataset(daily, date="day"),
        "monthly": Dataset(monthly, date="month_start", grain="month"),
        "months": Dataset(months, date="month_start", grain="month", department=None),
        "budget": Dataset(budgets, date="month_start", grain="month"),
    }
    notices = [("warn", m) for m in [departments.suppression.message("departments")] if m]
    assumptions = roi["hours_saved_assumption"].dropna().unique() if "hours_saved_assumption" in roi else []
    if not len(assumptions):
        notices.append(("info", "No hours-saved estimate: roi_assumptions.csv states no minutes saved per unit, "
                                "and the page invents none."))
    kpis = [
        kpi("spend", "Total AI spend", "daily", measure("cost_usd"), "usd", "neutral",
            "Every allocated billed dollar in the period, all tools (vw_focus_costs)."),
        kpi("month_spend", "Spend in the month(s) shown", "monthly", measure("spend_usd"), "usd", "neutral",
            "Calendar-month spend; the change compares with the month(s) before (month over month)."),
        kpi("active", "Active AI users per month", "monthly", measure("active_people", "months", den_dataset="months"),
            "num1", "up", "People with any AI usage in a month (adoption), averaged over the months shown."),
        kpi("per_person", "Cost per active user per month", "monthly", measure("spend_usd", "active_people"), "usd",
            "down", "Monthly spend / active people."),
        kpi("hours", "Estimated hours saved", "monthly", measure("estimated_hours_saved"), "int", "up",
            "From the stated roi_assumptions only; see the ROI chart's note."),
        budget_use_kpi(),
    ]
    note = "Assumptions: " + "; ".join(assumptions) if len(assumptions) else ""
    charts = [
        chart("trend", "Daily AI spend by tool", "Stacked dollars per day; the height of a bar is the day's total.",
              "bar", "daily", "day", measure("cost_usd"), "usd", series="platform_name", stacked=True, wide=True),
        chart("by_department", "Spend by department", "Who the dollars are allocated to in the period, by tool.",
              "hbar", "daily", "department", measure("cost_usd"), "usd", series="platform_name", stacked=True),
        chart("mom", "Month over month spend by department", "One bar per month and department; compare a "
              "department's bars across months.", "hbar", "monthly", "department", measure("spend_usd"), "usd",
              series="month_start"),
        chart("roi", "ROI: estimated hours saved per $100 spent", "Hours saved (from the stated assumptions) per $100 "
              "of AI spend, by department. Higher is a better return.", "hbar", "monthly", "department",
              measure("estimated_hours_saved", "spend_hundreds"), "num1", note=note,
              empty="No hours-saved assumptions are set, so no return is estimated."),
        chart("budget", "Budget risk: budget vs forecast month-end", "Per department: the budget (first bar) and the run-rate "
              "forecast for month end (second bar); a second bar taller than the first is a department heading over budget.", "hbar", "budget",
              "department", measures=[series_measure("Budget", measure("budget_usd"), "usd"),
                                      series_measure("Forecast month-end", measure("forecast_month_end_usd"), "usd")],
              format="usd", height=420),
    ]
    tables = [table("summary", "Departments at a glance", "Monthly figures over the months the range touches.",
                    "monthly", ["department"], [
                        column("Department", field="department"),
                        column("Spend", m=measure("spend_usd"), format="usd"),
                        column("Active users (person-months)", m=measure("active_people"), format="int"),
                        column("Cost per active user", m=measure("spend_usd", "active_people"), format="usd"),
                        column("Hours saved (est.)", m=measure("estimated_hours_saved"), format="int"),
                        column("Budget", m=measure("budget_usd", dataset="budget"), format="usd"),
                        column("Forecast month-end", m=measure("forecast_month_end_usd", dataset="budget"), format="usd"),
                        column("Months over budget", m=measure("over", dataset="budget"), format="int"),
                    ], sort_by=1, totals=True)]
    return Page(
        name="executive", title="AI spend and return: executive summary",
        subtitle="Total AI spend, month over month, cost per active user, adoption, return and budget risk.",
        data_through=last_day(focus, "ChargePeriodStart"), built_at=options.built_at, datasets=datasets, kpis=kpis,
        charts=charts, tables=tables, notices=notices,
        footer="Sources: vw_focus_costs, vw_unified_roi_analysis, vw_budget_vs_actual.",
    )
