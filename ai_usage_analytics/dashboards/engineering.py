"""The Engineering dashboard from ``vw_engineering_productivity``."""

from __future__ import annotations

import pandas as pd

from ai_usage_analytics.dashboards.options import PERSON_LEVEL_OFF, Options, iso_days, last_day
from ai_usage_analytics.dashboards.page import Dataset, Page, chart, column, kpi, measure, table
from ai_usage_analytics.dashboards.privacy import protect

SUMS = ["lines_suggested", "lines_accepted", "sessions", "commits", "pull_requests", "cost_usd", "person_days"]
KEYS = ["usage_date", "department", "platform_name"]


def _prepare(view: pd.DataFrame) -> pd.DataFrame:
    frame = view.copy()
    frame["usage_date"] = iso_days(frame, "usage_date")
    frame["platform_name"] = frame["platform_name"].fillna(frame["platform_sk"])
    used = frame[["lines_suggested", "lines_accepted", "sessions", "total_tokens", "suggestions_shown"]].fillna(0)
    frame["person_days"] = (used > 0).any(axis=1).astype(int)
    return frame


def _daily(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby(KEYS, as_index=False)[SUMS].sum(min_count=1)


def build(view: pd.DataFrame, options: Options) -> Page:
    frame = _prepare(view)
    protected, suppression = protect(frame, ["department", "platform_name"], "user_sk", options.min_group_size)
    in_cohort = frame["uses_cursor_and_claude_code"].fillna(False).astype(bool) & frame["platform_sk"].isin(
        ["cursor", "claude_code"])
    cohort, cohort_suppression = protect(frame[in_cohort], ["department", "platform_name"], "user_sk",
                                         options.min_group_size)
    datasets = {
        "daily": Dataset(_daily(protected), date="usage_date"),
        "cohort": Dataset(_daily(cohort), date="usage_date"),
    }
    notices = [("warn", m) for m in (suppression.message("department × tool groups"),
                                      cohort_suppression.message("groups of the both-tools cohort")) if m]
    per_day = measure("lines_accepted", "person_days")
    kpis = [
        kpi("lines", "Lines accepted", "daily", measure("lines_accepted"), "int", "up",
            "AI-suggested lines people kept (Cursor Tab/Composer and Claude Code edits)."),
        kpi("acceptance", "Acceptance rate", "daily", measure("lines_accepted", "lines_suggested"), "pct", "up",
            "Lines accepted / lines suggested."),
        kpi("per_day", "Lines accepted per active person-day", "daily", per_day, "num1", "up",
            "Lines accepted / days on which a person used a coding tool."),
        kpi("spend", "Engineering AI spend", "daily", measure("cost_usd"), "usd", "neutral",
            "Allocated billed cost of Cursor, Claude Code and Claude API used for engineering."),
        kpi("cost_per_line", "Cost per accepted line", "daily", measure("cost_usd", "lines_accepted"), "usd4", "down",
            "Spend / lines accepted (Claude API spend has no lines and is included in spend only)."),
    ]
    charts = [
        chart("lines_trend", "Lines accepted per active person-day", "Each line is one tool. Higher means more "
              "AI-written code kept per person on the days they used the tool.", "line", "daily", "usage_date",
              per_day, "num1", series="platform_name"),
        chart("acceptance_trend", "Acceptance rate over time", "Share of suggested lines that were accepted, per "
              "tool and day. A falling line means suggestions are being rejected more often.", "line", "daily",
              "usage_date", measure("lines_accepted", "lines_suggested"), "pct", series="platform_name"),
        chart("cohort", "Cursor vs Claude Code, for people using both",
              "Only people who accepted lines from both tools in the same week, so the comparison is between the same "
              "people: lines accepted per active person-day on each tool, by department.", "bar", "cohort",
              "department", per_day, "num1", series="platform_name",
              empty="Nobody in this selection used both Cursor and Claude Code in the same week."),
        chart("cost_per_line", "Cost per accepted line by tool", "Allocated spend divided by lines accepted. "
              "Lower is cheaper output; seat-based tools get cheaper the more they are used.", "bar", "daily",
              "platform_name", measure("cost_usd", "lines_accepted"), "usd4"),
        chart("top_teams", "Top departments by lines accepted", "The ten departments with the most accepted lines, "
              "split by tool.", "hbar", "daily", "department", measure("lines_accepted"), "int",
              series="platform_name", stacked=True, top=10),
        chart("spend", "Engineering AI spend by department", "Allocated dollars per department and tool in the "
              "selected period.", "hbar", "daily", "department", measure("cost_usd"), "usd", series="platform_name",
              stacked=True),
    ]
    tables = [
        table("by_team", "By department and tool", "Sorted by lines accepted. Person-days count each person once per "
              "day and tool.", "daily", ["department", "platform_name"], [
                  column("Department", field="department"), column("Tool", field="platform_name"),
                  column("Lines accepted", m=measure("lines_accepted"), format="int"),
                  column("Acceptance rate", m=measure("lines_accepted", "lines_suggested"), format="pct"),
                  column("Active person-days", m=measure("person_days"), format="int"),
                  column("Lines / person-day", m=per_day, format="num1"),
                  column("Commits", m=measure("commits"), format="int"),
                  column("Pull requests", m=measure("pull_requests"), format="int"),
                  column("Spend", m=measure("cost_usd"), format="usd"),
                  column("Cost / line", m=measure("cost_usd", "lines_accepted"), format="usd4"),
              ], sort_by=2, totals=True),
    ]
    if options.person_level:
        lines = frame["lines_accepted"].fillna(0)
        people = frame.assign(cursor_lines=lines.where(frame["platform_sk"] == "cursor", 0),
                              claude_code_lines=lines.where(frame["platform_sk"] == "claude_code", 0))
        people = people.groupby(["usage_date", "user_email", "department"], as_index=False)[
            ["cursor_lines", "claude_code_lines", "lines_accepted", "cost_usd"]].sum()
        datasets["people"] = Dataset(people, date="usage_date")
        tables.append(table("people", "Per person: Cursor vs Claude Code", "One row per person over the selected "
                            "period.", "people", ["user_email", "department"], [
                                column("Person", field="user_email"), column("Department", field="department"),
                                column("Cursor lines", m=measure("cursor_lines"), format="int"),
                                column("Claude Code lines", m=measure("claude_code_lines"), format="int"),
                                column("Spend", m=measure("cost_usd"), format="usd"),
                                column("Cost / line", m=measure("cost_usd", "lines_accepted"), format="usd4"),
                            ], sort_by=2, limit=200))
    else:
        notices.append(("info", PERSON_LEVEL_OFF))
    return Page(
        name="engineering", title="Engineering productivity",
        subtitle="Cursor, Claude Code and the Claude API used for coding: output, acceptance and cost.",
        data_through=last_day(view, "usage_date"), built_at=options.built_at, datasets=datasets, kpis=kpis,
        charts=charts, tables=tables, notices=notices,
        footer="Source: vw_engineering_productivity. Lines are as the vendors report them; the measures rank "
               "output, not value.",
    )

