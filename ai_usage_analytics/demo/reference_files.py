"""The reference CSVs of the local default, written from a synthetic ``Organisation``.

``write_reference_files(org, directory, start, end)`` writes users.csv (the HR roster; contractors
are not on it), api_key_mappings.csv (the keys the organisation maps: by id, or by key name for
Claude Code API actors, one row per owner period), budgets.csv (per department and month of the
period), seat_prices.csv (the Cursor, Claude.ai Enterprise and Gemini seats), roi_assumptions.csv and
gemini_billing_export.csv (the Cloud Billing export lines of the period, see ``demo.gemini_billing``).
Values pass the validators in ``transform.reference`` and ``transform.seat_prices``.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from ai_usage_analytics.demo.org import DEPARTMENTS, Organisation
from ai_usage_analytics.demo.gemini_billing import write_billing_export
from ai_usage_analytics.demo.prices import (
    CLAUDE_AI_SEAT_PLAN,
    CLAUDE_AI_SEAT_USD_MONTH,
    CURSOR_SEAT_PLAN,
    CURSOR_SEAT_USD_MONTH,
    GEMINI_SEAT_PLAN,
    GEMINI_SEAT_USD_MONTH,
)
from ai_usage_analytics.transform.reference import BUDGET_COLUMNS, MAPPING_COLUMNS, MAPPING_OPTIONAL, ROI_COLUMNS, USER_COLUMNS
from ai_usage_analytics.transform.seat_prices import COLUMNS as SEAT_PRICE_COLUMNS

# Monthly AI budget per head, by department (engineering-heavy teams use the metered tools most).
BUDGET_PER_HEAD_USD = {"Engineering": Decimal(140), "Data": Decimal(120), "Product": Decimal(35)}
DEFAULT_BUDGET_PER_HEAD_USD = Decimal(20)
ROI_ASSUMPTIONS = (
    ("accepted_lines", "0.5", "Half a minute of typing and checking per accepted AI-written line (internal estimate)"),
    ("engineering_sessions", "15", "A Claude Code session replaces about a quarter hour of manual work (team survey)"),
    ("interactions", "2", "Two minutes saved per chat answer compared with searching (pilot interviews)"),
    ("commits", "10", "Ten minutes per commit authored by an agent (engineering leads' estimate)"),
    ("pull_requests", "30", "Half an hour per pull request opened by an agent (engineering leads' estimate)"),
)


def _flag(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _write(path: Path, columns: tuple[str, ...], rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    return path


def user_rows(org: Organisation) -> list[dict]:
    return [
        {"user_email": p.email, "first_name": p.first_name, "last_name": p.last_name, "department": p.department,
         "job_role": p.job_role, "user_type": p.user_type, "is_active": _flag(p.end_date is None or p.end_date >= org.today),
         "start_date": _day(p.start_date), "end_date": _day(p.end_date)}
        for p in org.people if p.in_roster
    ]


def mapping_rows(org: Organisation) -> list[dict]:
    rows = []
    for key in org.api_keys:
        if not key.mapped:
            continue
        for period in key.owners:
            rows.append({
                "api_key_id": "" if key.map_by_name else key.id,
                "api_key_name": key.name,
                "user_email": period.email,
                "platform_code": "claude_code" if key.kind == "claude_code" else "claude_api",
                "usage_purpose": key.purpose,
                "cost_center": key.cost_center or "",
                "is_active": "TRUE",
                "confidence_score": "1.0" if key.kind != "shared" else "0.9",
                "created_at": key.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "last_verified": org.today.isoformat(),
                "valid_from": _day(period.valid_from),
                "valid_to": _day(period.valid_to),
            })
    return rows


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def budget_rows(org: Organisation, start: date, end: date) -> list[dict]:
    rows = []
    for month in _months(start, end):
        middle = month.replace(day=15)
        for department in DEPARTMENTS:
            heads = sum(1 for p in org.people if p.department == department and p.employed(middle))
            per_head = BUDGET_PER_HEAD_USD.get(department, DEFAULT_BUDGET_PER_HEAD_USD)
            rows.append({"budget_category": department, "month": month.strftime("%Y-%m"),
                         "budget_usd": f"{max(heads, 1) * per_head:.2f}"})
    return rows


def write_reference_files(org: Organisation, directory: Path | str, start: date, end: date) -> dict[str, Path]:
    """Write the six reference CSVs into ``directory`` (created if needed); returns name -> path."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "users": _write(directory / "users.csv", USER_COLUMNS, user_rows(org)),
        "api_key_mappings": _write(directory / "api_key_mappings.csv", MAPPING_COLUMNS + MAPPING_OPTIONAL, mapping_rows(org)),
        "budgets": _write(directory / "budgets.csv", BUDGET_COLUMNS, budget_rows(org, start, end)),
        "seat_prices": _write(directory / "seat_prices.csv", SEAT_PRICE_COLUMNS, [
            {"platform_code": code, "plan": plan, "seat_price_usd_month": f"{price:.2f}"}
            for code, plan, price in (("cursor", CURSOR_SEAT_PLAN, CURSOR_SEAT_USD_MONTH),
                                      ("claude_web", CLAUDE_AI_SEAT_PLAN, CLAUDE_AI_SEAT_USD_MONTH),
                                      ("gemini", GEMINI_SEAT_PLAN, GEMINI_SEAT_USD_MONTH))]),
        "roi_assumptions": _write(directory / "roi_assumptions.csv", ROI_COLUMNS, [
            {"output_measure": m, "minutes_saved_per_unit": minutes, "assumption": text} for m, minutes, text in ROI_ASSUMPTIONS]),
        "gemini_billing_export": write_billing_export(org, directory / "gemini_billing_export.csv", start, end),
    }


def refresh_billing_export(org: Organisation, billing_csv: Path, reference_dir: Path, start: date, end: date) -> bool:
    """Rewrite the demo's Gemini billing export through ``end`` when it is the reference folder's own
    file: unlike the mappings, roster and budgets a user may have edited, it stands for the vendor's
    export, which grows every day, so a demo run on a later day would otherwise find no billing lines
    for its last days. A file ``GEMINI_BILLING_EXPORT_CSV`` points elsewhere is left alone. Returns
    whether it was rewritten."""
    if Path(billing_csv).resolve() != (Path(reference_dir) / "gemini_billing_export.csv").resolve():
        return False
    write_billing_export(org, Path(billing_csv), start, end)
    return True
