"""The Knowledge-worker dashboard from ``vw_knowledge_worker_productivity``: Claude.ai, Gemini and the
Claude API used for research, by platform, so each tool's charts fill in as its source lands."""

from __future__ import annotations

import pandas as pd

from ai_usage_analytics.dashboards.options import PERSON_LEVEL_OFF, Options, iso_days, last_day
from ai_usage_analytics.dashboards.page import Dataset, Page, chart, column, kpi, measure, table
from ai_usage_analytics.dashboards.privacy import plan, protect

PLATFORMS = {"claude_web": "Claude.ai", "gemini": "Google Gemini", "claude_api": "Claude API"}
SUMS = ["interactions", "sessions", "total_tokens", "cost_usd", "person_days"]


def build(view: pd.DataFrame, options: Options) -> Page:
    frame = view.copy()
    frame["usage_date"] = iso_days(frame, "usage_date")
    frame["platform_name"] = frame["platform_sk"].map(PLATFORMS).fillna(frame["platform_name"])
    frame["person_days"] = frame[["interactions", "sessions", "total_tokens"]].notna().any(axis=1).astype(int)
    protected, suppression = protect(frame, ["department", "platform_name"], "user_sk", options.min_group_size)
    daily = protected.groupby(["usage_date", "department", "platform_name"], as_index=False)[SUMS].sum(min_count=1)

    # Adoption is per department (any tool), so it is protected per department.
    departments = plan(frame, ["department"], "user_sk", options.min_group_size)
    adoption = frame.drop_duplicates(["usage_date", "department"])[
        ["usage_date", "department", "department_active_people", "department_roster_people"]]
    adoption = departments.apply(adoption).groupby(["usage_date", "department"], as_index=False).sum(min_count=1)

    present = set(frame["platform_sk"].dropna())
    with_interactions = set(frame.loc[frame["interactions"].notna(), "platform_sk"])
    notices = [("warn", m) for m in (suppression.message("department × tool groups"),
                                      departments.suppression.message("departments (adoption)")) if m]
    for code, name in PLATFORMS.items():
        if code not in present:
            notices.append(("info", f"No {name} data yet: the source has loaded no knowledge-work rows, so {name} "
                                    "is absent from every chart below (not zero)."))
    datasets = {"daily": Dataset(daily, date="usage_date"), "adoption": Dataset(adoption, date="usage_date")}
    per_day = measure("interactions", "person_days")
    kpis = [
        kpi("person_days", "Active person-days", "daily", measure("person_days"), "int", "up",
            "Days on which a person used a knowledge-work AI tool, summed over people."),
        kpi("interactions", "Interactions", "daily", measure("interactions"), "int", "up",
            "User-initiated conversations/prompts as the vendor reports them (the Claude API reports none)."),
        kpi("per_day", "Interactions per active person-day", "daily", per_day, "num1", "up",
            "Interactions / active person-days on the tools that report interactions."),
        kpi("adoption", "Average daily adoption", "adoption",
            measure("department_active_people", "department_roster_people"), "pct", "up",
            "People active on any knowledge-work tool on a day / people on the roster, averaged over days."),
        kpi("spend", "Knowledge-work AI spend", "daily", measure("cost_usd"), "usd", "neutral",
            "Allocated billed cost of the tools used for research and analysis."),
        kpi("cost_per_day", "Cost per active person-day", "daily", measure("cost_usd", "person_days"), "usd", "down",
            "Spend / active person-days."),
    ]
    charts = [
        chart("adoption", "Adoption by department", "Share of each department's roster active on a knowledge-work "
              "tool on an average day in the period.", "hbar", "adoption", "department",
              measure("department_active_people", "department_roster_people"), "pct"),
        chart("platforms", "Claude.ai vs Gemini vs Claude API: cost per active person-day", "What one day of one "
              "person's use costs on each tool. Tools without data yet are not shown.", "bar", "daily",
              "platform_name", measure("cost_usd", "person_days"), "usd"),
        chart("usage_trend", "Active person-days by tool", "People using each tool per day; weekends dip.", "line",
              "daily", "usage_date", measure("person_days"), "int", series="platform_name"),
        chart("cost_by_department", "Cost per department", "Allocated dollars per department, split by tool.",
              "hbar", "daily", "department", measure("cost_usd"), "usd", series="platform_name", stacked=True),
    ]
    pending = []
    if with_interactions:
        charts.insert(0, chart("interactions", "Interactions per active person-day", "Each line is one tool that "
                               "reports interactions (Claude.ai, Gemini). Higher means heavier use per person.",
                               "line", "daily", "usage_date", per_day, "num1", series="platform_name"))
    else:
        pending.append(("Interactions per active person-day", "No Claude.ai or Gemini data yet: these are the tools "
                        "that report interactions. The chart appears when their first rows load."))
    tables = [table("by_team", "By department and tool", "Sorted by spend.", "daily", ["department", "platform_name"], [
        column("Department", field="department"), column("Tool", field="platform_name"),
        column("Active person-days", m=measure("person_days"), format="int"),
        column("Interactions", m=measure("interactions"), format="int"),
        column("Interactions / person-day", m=per_day, format="num1"),
        column("Tokens", m=measure("total_tokens"), format="int"),
        column("Spend", m=measure("cost_usd"), format="usd"),
    ], sort_by=6, totals=True)]
    if options.person_level:
        people = frame.groupby(["usage_date", "user_email", "department", "platform_name"], as_index=False)[
            SUMS].sum(min_count=1)
        datasets["people"] = Dataset(people, date="usage_date")
        tables.append(table("people", "Per person", "One row per person and tool over the selected period.", "people",
                            ["user_email", "department", "platform_name"], [
                                column("Person", field="user_email"), column("Department", field="department"),
                                column("Tool", field="platform_name"),
                                column("Active days", m=measure("person_days"), format="int"),
                                column("Interactions", m=measure("interactions"), format="int"),
                                column("Spend", m=measure("cost_usd"), format="usd"),
                            ], sort_by=4, limit=200))
    else:
        notices.append(("info", PERSON_LEVEL_OFF))
    return Page(
        name="knowledge_worker", title="Knowledge-worker productivity",
        subtitle="Claude.ai, Google Gemini and the Claude API used for research and analysis.",
        data_through=last_day(view, "usage_date"), built_at=options.built_at, datasets=datasets, kpis=kpis,
        charts=charts, tables=tables, notices=notices, pending=pending,
        empty_reason=f"Nothing to show: no knowledge-work rows yet, or every group has fewer than "
                     f"{options.min_group_size} people.",
        footer="Source: vw_knowledge_worker_productivity.",
    )
