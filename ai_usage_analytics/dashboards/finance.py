"""The Finance dashboard from ``vw_focus_costs`` (allocation, chargeback), ``vw_budget_vs_actual``,
``vw_unattributed_spend`` (the worklist) and ``vw_seat_utilization`` (idle seats)."""

from __future__ import annotations

import pandas as pd

from ai_usage_analytics.dashboards.executive import budget_months, budget_use_kpi, focus_daily
from ai_usage_analytics.dashboards.options import PERSON_LEVEL_OFF, Options, iso_days, last_day
from ai_usage_analytics.dashboards.page import Dataset, Page, chart, column, kpi, measure, series_measure, table
from ai_usage_analytics.dashboards.privacy import plan


def build(focus: pd.DataFrame, budget: pd.DataFrame, unattributed: pd.DataFrame, seats: pd.DataFrame,
          options: Options) -> Page:
    costs = focus_daily(focus)
    departments = plan(costs, ["department"], "person", options.min_group_size)
    allocation = departments.apply(costs)
    allocation["unattributed_usd"] = allocation["cost_usd"].where(allocation["department"] == "unattributed", 0.0)
    allocation = allocation.groupby(["day", "department", "cost_center", "platform_name", "charge_category"],
                                    as_index=False)[["cost_usd", "unattributed_usd"]].sum()
    budgets = budget_months(budget, departments)

    seat_rows = seats.assign(idle=seats["is_idle"].astype(bool).astype(int), seats=1,
                             idle_cost_usd=seats["seat_cost_last_30_usd"].where(seats["is_idle"].astype(bool), 0.0))
    seat_plan = plan(seat_rows, ["department"], "user_email", options.min_group_size)
    by_seat = seat_plan.apply(seat_rows).groupby(["department", "platform_sk"], as_index=False)[
        ["seats", "idle", "idle_cost_usd", "seat_cost_last_30_usd"]].sum()

    worklist = unattributed.copy()
    for c in ("first_seen", "last_seen"):
        worklist[c] = iso_days(worklist, c)
    worklist["key"] = worklist["api_key_name"].fillna(worklist["api_key_id"]).fillna("(no key)")
    worklist["workspace_name"] = worklist["workspace_name"].fillna("—")
    worklist["lead"] = worklist["suggested_owner_email"].fillna("—") if options.person_level else "hidden"
    worklist = worklist[["key", "workspace_name", "platform_sk", "first_seen", "last_seen", "lead", "fix",
                         "unattributed_usd", "days_with_spend"]]  # the owner's email only as "lead", when allowed

    datasets = {
        "allocation": Dataset(allocation, date="day"),
        "budget": Dataset(budgets, date="month_start", grain="month"),
        "seats": Dataset(by_seat),
        "worklist": Dataset(worklist, department=None),
    }
    notices = [("warn", m) for m in (departments.suppression.message("departments"),
                                      seat_plan.suppression.message("departments (seats)")) if m]
    notices.append(("info", "Idle seats and the unattributed worklist are as of the latest data, not the date range; "
                            "the worklist is not split by department (nobody owns that spend yet)."))
    kpis = [
        kpi("spend", "Allocated spend", "allocation", measure("cost_usd"), "usd", "neutral",
            "Every billed dollar, allocated to a person, department and cost center (or to unattributed)."),
        kpi("unattributed", "Unattributed spend", "allocation", measure("unattributed_usd"), "usd", "down",
            "Dollars no one could be tied to yet: see the worklist below."),
        kpi("unattributed_share", "Unattributed share", "allocation", measure("unattributed_usd", "cost_usd"), "pct",
            "down", "Unattributed / allocated spend."),
        budget_use_kpi(),
        kpi("idle", "Idle seats", "seats", measure("idle"), "int", "down", "Paid seats unused for 30 days."),
        kpi("idle_cost", "Idle seat cost (30 days)", "seats", measure("idle_cost_usd"), "usd", "down",
            "What the idle seats cost over the last 30 days: the monthly saving from removing them."),
    ]
    charts = [
        chart("cost_center", "Allocation by cost center", "Dollars per cost center (from the API-key mapping sheet), "
              "by tool. “(no cost center)” is spend on seats and keys without one.", "hbar", "allocation",
              "cost_center", measure("cost_usd"), "usd", series="platform_name", stacked=True),
        chart("department", "Allocation by department", "Dollars per department (budget category), by tool.",
              "hbar", "allocation", "department", measure("cost_usd"), "usd", series="platform_name", stacked=True),
        chart("budget", "Budget vs actual with forecast", "Per department for the month(s) in the range: budget, "
              "actual to date and the run-rate forecast for month end.", "hbar", "budget", "department",
              measures=[series_measure("Budget", measure("budget_usd"), "usd"),
                        series_measure("Actual to date", measure("actual_usd"), "usd"),
                        series_measure("Forecast month-end", measure("forecast_month_end_usd"), "usd")],
              format="usd", wide=True, height=420),
        chart("idle", "Idle seats by department", "Seats with no activity in 30 days, and what they cost in that time.",
              "hbar", "seats", "department", measures=[series_measure("Idle seat cost", measure("idle_cost_usd"), "usd")],
              format="usd"),
        chart("charge", "Usage vs seats per day", "Usage-based charges and seat (purchase) charges per day.", "bar",
              "allocation", "day", measure("cost_usd"), "usd", series="charge_category", stacked=True),
    ]
    tables = [
        table("chargeback", "Chargeback", "What to charge each department and cost center for each tool in the "
              "selected period. Download CSV exports exactly these rows.", "allocation",
              ["department", "cost_center", "platform_name"], [
                  column("Department", field="department"), column("Cost center", field="cost_center"),
                  column("Tool", field="platform_name"),
                  column("Amount (USD)", m=measure("cost_usd"), format="usd", csv="amount_usd"),
              ], sort_by=3, csv="ai-chargeback-{from}-to-{to}.csv", totals=True),
        table("worklist", "Unattributed spend worklist", "Largest first. Map each key in the api_key_mappings sheet; "
              "the next run moves its cost to the person.", "worklist",
              ["key", "workspace_name", "platform_sk", "first_seen", "last_seen", "lead", "fix"], [
                  column("Key", field="key"), column("Workspace", field="workspace_name"),
                  column("Platform", field="platform_sk"),
                  column("Unattributed (USD)", m=measure("unattributed_usd"), format="usd"),
                  column("Days with spend", m=measure("days_with_spend"), format="int"),
                  column("First seen", field="first_seen"), column("Last seen", field="last_seen"),
                  column("Suggested owner", field="lead"), column("Fix", field="fix"),
              ], sort_by=3, totals=True),
    ]
    if options.person_level:
        people = seats[seats["is_idle"].astype(bool)].copy()
        people["last_active_date"] = iso_days(people, "last_active_date").fillna("never")
        datasets["idle_people"] = Dataset(people[["user_email", "department", "platform_sk", "last_active_date",
                                                  "seat_cost_last_30_usd"]])
        tables.append(table("idle_people", "Idle seats, per person", "Candidates to remove or reassign.",
                            "idle_people", ["user_email", "department", "platform_sk", "last_active_date"], [
                                column("Person", field="user_email"), column("Department", field="department"),
                                column("Tool", field="platform_sk"), column("Last active", field="last_active_date"),
                                column("Cost, last 30 days", m=measure("seat_cost_last_30_usd"), format="usd"),
                            ], sort_by=4))
    else:
        notices.append(("info", PERSON_LEVEL_OFF + " The worklist's suggested owners are hidden for the same reason."))
    return Page(
        name="finance", title="AI spend: finance",
        subtitle="Allocation by cost center and department, budget vs actual, unattributed spend, idle seats, chargeback.",
        data_through=last_day(focus, "ChargePeriodStart"), built_at=options.built_at, datasets=datasets, kpis=kpis,
        charts=charts, tables=tables, notices=notices,
        footer="Sources: vw_focus_costs, vw_budget_vs_actual, vw_unattributed_spend, vw_seat_utilization. "
               "Amounts are allocated billed USD; they reconcile to the vendors' bills.",
    )
