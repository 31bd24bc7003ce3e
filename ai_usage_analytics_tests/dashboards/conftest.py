"""A small hand-built warehouse holding the eight views' shapes (as tables), with every platform present:
Engineering and Research are big enough to show, Legal (2 people) must be folded away."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse

FIRST = date(2026, 3, 1)
DAYS = [FIRST + timedelta(days=i) for i in range(14)]
PEOPLE = {"Engineering": 6, "Research": 6, "Legal": 2}
ENGINEERING_PLATFORMS = {"cursor": "Cursor", "claude_code": "Claude Code"}
KNOWLEDGE_PLATFORMS = {"claude_web": "Claude.ai", "gemini": "Google Gemini", "claude_api": "Claude API"}


def people():
    for department, n in PEOPLE.items():
        for i in range(n):
            yield department, f"{department.lower()}{i}@corp.com", f"u_{department.lower()}{i}"


def engineering_view() -> pd.DataFrame:
    rows = []
    for d_i, day in enumerate(DAYS):
        for department, email, sk in people():
            for p_i, (code, name) in enumerate(ENGINEERING_PLATFORMS.items()):
                accepted = 10 * (d_i + 1) + 5 * p_i + (3 if department == "Engineering" else 1)
                rows.append({"usage_date": day, "week_start": day - timedelta(days=day.weekday()), "user_sk": sk,
                             "user_email": email, "department": department, "platform_sk": code, "platform_name": name,
                             "lines_suggested": accepted * 2, "lines_accepted": accepted, "suggestions_shown": 4,
                             "suggestions_accepted": 2, "sessions": 1, "commits": 1, "pull_requests": 0,
                             "total_tokens": 100, "cost_usd": 0.5 + 0.1 * p_i, "uses_cursor_and_claude_code": True})
    return pd.DataFrame(rows)


def knowledge_view() -> pd.DataFrame:
    rows = []
    for d_i, day in enumerate(DAYS):
        for department, email, sk in people():
            for p_i, (code, name) in enumerate(KNOWLEDGE_PLATFORMS.items()):
                interactions = None if code == "claude_api" else 3 + d_i % 4 + p_i
                rows.append({"usage_date": day, "month": day.strftime("%Y-%m"), "user_sk": sk, "user_email": email,
                             "department": department, "platform_sk": code, "platform_name": name,
                             "interactions": interactions, "sessions": 2, "total_tokens": 1000, "cost_usd": 0.25,
                             "department_active_people": PEOPLE[department],
                             "department_roster_people": PEOPLE[department] * 2})
    return pd.DataFrame(rows)


def focus_view() -> pd.DataFrame:
    rows = []
    for d_i, day in enumerate(DAYS):
        for department, email, _ in people():
            for name, category in (("Cursor", "Purchase"), ("Claude API", "Usage")):
                rows.append({"BilledCost": 1.0 + d_i * 0.1, "ChargePeriodStart": pd.Timestamp(day),
                             "ServiceName": name, "ChargeCategory": category,
                             "Tags": json.dumps({"person": email, "department": department,
                                                 "cost_center": f"CC-{department.upper()}", "use_case": "x"})})
        rows.append({"BilledCost": 2.0, "ChargePeriodStart": pd.Timestamp(day), "ServiceName": "Claude API",
                     "ChargeCategory": "Usage", "Tags": json.dumps({"person": None, "department": "unattributed",
                                                                    "cost_center": None})})
    return pd.DataFrame(rows)


def roi_view(focus: pd.DataFrame) -> pd.DataFrame:
    tags = pd.json_normalize(focus["Tags"].map(json.loads).tolist())
    spend = focus.assign(department=tags["department"]).groupby("department")["BilledCost"].sum()
    return pd.DataFrame([{"month": "2026-03", "month_start": date(2026, 3, 1), "department": d, "spend_usd": s,
                          "spend_prev_month_usd": None, "spend_mom_change": None,
                          "active_people": PEOPLE.get(d, 0), "cost_per_active_person": None, "accepted_lines": 100,
                          "engineering_sessions": 5, "interactions": 50, "commits": 3, "pull_requests": 1,
                          "estimated_hours_saved": 10.0, "hours_saved_assumption": "lines: a test assumption"}
                         for d, s in spend.items()])


def budget_view() -> pd.DataFrame:
    return pd.DataFrame([{"month": "2026-03", "month_start": date(2026, 3, 1), "budget_category": d,
                          "budget_usd": 500.0, "actual_usd": 200.0, "data_through": DAYS[-1],
                          "working_days_elapsed": 10, "working_days_in_month": 22, "forecast_month_end_usd": 440.0,
                          "variance_usd": -60.0, "variance_pct": -0.12, "status": "under"} for d in PEOPLE])


def unattributed_view() -> pd.DataFrame:
    return pd.DataFrame([{"spend_rank": 1, "platform_sk": "claude_api", "api_key_id": "k1", "api_key_name": "ci-bot",
                          "workspace_id": "w1", "workspace_name": "Default", "cost_source": "anthropic_cost_report",
                          "unattributed_usd": 28.0, "first_seen": DAYS[0], "last_seen": DAYS[-1],
                          "days_with_spend": 14, "suggested_owner_email": "owner@corp.com",
                          "fix": "Add this key to the api_key_mappings sheet"}])


def seat_view() -> pd.DataFrame:
    return pd.DataFrame([{"platform_sk": "cursor", "user_sk": sk, "user_email": email, "department": department,
                          "data_through": DAYS[-1], "last_active_date": None if i % 3 == 0 else DAYS[-1],
                          "active_days_last_30": 0 if i % 3 == 0 else 10, "is_idle": i % 3 == 0,
                          "seat_cost_last_30_usd": 40.0, "paid_tools": 1, "overlapping_tools": False}
                         for i, (department, email, sk) in enumerate(people())])


def views() -> dict[str, pd.DataFrame]:
    focus = focus_view()
    return {"vw_engineering_productivity": engineering_view(), "vw_knowledge_worker_productivity": knowledge_view(),
            "vw_focus_costs": focus, "vw_unified_roi_analysis": roi_view(focus), "vw_budget_vs_actual": budget_view(),
            "vw_unattributed_spend": unattributed_view(), "vw_seat_utilization": seat_view()}


@pytest.fixture
def view_frames() -> dict[str, pd.DataFrame]:
    return views()


@pytest.fixture
def view_warehouse(tmp_path, view_frames) -> DuckDBWarehouse:
    path = tmp_path / "views.duckdb"
    with duckdb.connect(str(path)) as connection:
        for name, frame in view_frames.items():
            connection.register("frame", frame)
            connection.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            connection.unregister("frame")
    return DuckDBWarehouse(path=str(path))
