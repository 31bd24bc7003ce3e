"""Sheet tabs (api_key_mappings, users, budgets) -> typed frames, or a report of every bad row.

The tabs are edited by people, so every problem is collected and reported at once, with the sheet
row number (the header is row 1), the column, the value and what to do. A tab with any problem is
not loaded at all, so the previous version stays in the warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import pandas as pd

from ai_usage_analytics.transform.common import stable_id
from ai_usage_analytics.transform.platforms import PLATFORM_CODES

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
USAGE_PURPOSES = ("coding", "research", "analysis", "automation", "general")
USER_TYPES = ("engineering", "knowledge_worker", "hybrid")

MAPPING_COLUMNS = (
    "api_key_id", "api_key_name", "user_email", "platform_code", "usage_purpose", "cost_center",
    "is_active", "confidence_score", "created_at", "last_verified",
)
MAPPING_OPTIONAL = ("valid_from", "valid_to")
USER_COLUMNS = ("user_email", "first_name", "last_name", "department", "job_role", "user_type", "is_active",
                "start_date", "end_date")
BUDGET_COLUMNS = ("budget_category", "month", "budget_usd")


@dataclass(frozen=True)
class Problem:
    row: int | None  # sheet row number; None for problems with the tab itself
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = "header" if self.row is None else f"row {self.row}"
        column = f", column {self.column}" if self.column else ""
        value = f" ({self.value!r})" if self.value not in (None, "") else ""
        return f"{where}{column}{value}: {self.reason}"


class ReferenceValidationError(ValueError):
    def __init__(self, tab: str, problems: list[Problem]):
        self.tab, self.problems = tab, problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"Tab '{tab}' has {len(problems)} problem(s); nothing was loaded and the previous version stays "
            f"in the warehouse. Fix these in the sheet:\n{lines}{more}"
        )


class _Rows:
    """Collects problems while parsing cells."""

    def __init__(self, tab: str, header: list[str], records: list[dict[str, str]], required, optional=()):
        self.tab, self.records, self.problems = tab, records, []
        present = [h.strip() for h in header]
        missing = [c for c in required if c not in present]
        if missing:
            self.problems.append(Problem(None, None, None, f"missing column(s) {missing}; the header row must "
                                         f"contain {list(required) + list(optional)} (renamed or deleted?)"))
        elif not records:
            self.problems.append(Problem(None, None, None, "the tab has a header but no rows"))
        self.optional_present = {c for c in optional if c in present}

    def fail(self, row: int, column: str | None, value, reason: str) -> None:
        self.problems.append(Problem(row, column, None if value is None else str(value), reason))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ReferenceValidationError(self.tab, self.problems)

    def rows(self):
        for index, record in enumerate(self.records):
            yield index + 2, {k.strip(): (v or "").strip() if isinstance(v, str) else ("" if v is None else str(v))
                              for k, v in record.items()}

    def text(self, row: int, record: dict, column: str, required: bool = False) -> str | None:
        value = record.get(column, "")
        if not value:
            if required:
                self.fail(row, column, value, "required")
            return None
        return value

    def email(self, row: int, record: dict, column: str) -> str | None:
        value = self.text(row, record, column, required=True)
        if value and not EMAIL.match(value):
            self.fail(row, column, value, "not an email address")
            return None
        return value.lower() if value else None

    def choice(self, row: int, record: dict, column: str, allowed, required: bool = True) -> str | None:
        value = self.text(row, record, column, required=required)
        if value and value.lower() not in allowed:
            self.fail(row, column, value, f"must be one of {list(allowed)}")
            return None
        return value.lower() if value else None

    def boolean(self, row: int, record: dict, column: str, default: bool) -> bool:
        value = record.get(column, "").lower()
        if not value:
            return default
        if value in TRUE or value in FALSE:
            return value in TRUE
        self.fail(row, column, value, "must be TRUE or FALSE")
        return default

    def day(self, row: int, record: dict, column: str) -> date | None:
        value = record.get(column, "")
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.fail(row, column, value, "not a date (use YYYY-MM-DD)")
            return None

    def timestamp(self, row: int, record: dict, column: str) -> pd.Timestamp | None:
        value = record.get(column, "")
        if not value:
            return None
        try:
            stamp = pd.Timestamp(value)
        except ValueError:
            self.fail(row, column, value, "not a date or timestamp")
            return None
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")

    def number(self, row: int, record: dict, column: str, low: float, high: float | None, default=None):
        value = record.get(column, "")
        if not value:
            if default is None:
                self.fail(row, column, value, "required")
            return default
        try:
            number = Decimal(value.replace(",", "").replace("$", ""))
        except InvalidOperation:
            self.fail(row, column, value, "not a number")
            return default
        if number < low or (high is not None and number > high):
            self.fail(row, column, value, f"must be between {low} and {high}" if high is not None else f"must be >= {low}")
            return default
        return number


def _overlap(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    low = max(a[0] or date.min, b[0] or date.min)
    high = min(a[1] or date.max, b[1] or date.max)
    return low <= high


def parse_api_key_mappings(header: list[str], records: list[dict[str, str]]) -> pd.DataFrame:
    """The api_key_mappings tab as a frame in table column order (mapping_id first)."""
    rows = _Rows("api_key_mappings", header, records, MAPPING_COLUMNS, MAPPING_OPTIONAL)
    out = []
    for number, record in rows.rows() if not rows.problems else ():
        key_id, key_name = record.get("api_key_id") or None, record.get("api_key_name") or None
        if not key_id and not key_name:
            rows.fail(number, "api_key_id", "", "give the API key id, or the key name for Claude Code API actors")
        valid_from, valid_to = rows.day(number, record, "valid_from"), rows.day(number, record, "valid_to")
        if valid_from and valid_to and valid_from > valid_to:
            rows.fail(number, "valid_to", valid_to, f"is before valid_from {valid_from}")
        out.append(
            {
                "mapping_id": stable_id("api_key_mapping", key_id, key_name, valid_from),
                "api_key_id": key_id,
                "api_key_name": key_name,
                "user_email": rows.email(number, record, "user_email"),
                "platform_code": rows.choice(number, record, "platform_code", PLATFORM_CODES),
                "usage_purpose": rows.choice(number, record, "usage_purpose", USAGE_PURPOSES, required=False),
                "cost_center": record.get("cost_center") or None,
                "is_active": rows.boolean(number, record, "is_active", default=True),
                "confidence_score": float(rows.number(number, record, "confidence_score", 0, 1, default=Decimal(1))),
                "created_at": rows.timestamp(number, record, "created_at"),
                "last_verified": rows.timestamp(number, record, "last_verified"),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "_row": number,
            }
        )
    _report_overlaps(rows, out)
    rows.raise_if_any()
    return pd.DataFrame(out).drop(columns="_row")


def _report_overlaps(rows: _Rows, mappings: list[dict]) -> None:
    active: dict[str, list[dict]] = {}
    for mapping in mappings:
        if mapping["is_active"]:
            key = mapping["api_key_id"] or f"name:{mapping['api_key_name']}"
            active.setdefault(key, []).append(mapping)
    for key, group in active.items():
        for i, first in enumerate(group):
            for second in group[i + 1:]:
                if _overlap((first["valid_from"], first["valid_to"]), (second["valid_from"], second["valid_to"])):
                    rows.fail(second["_row"], "api_key_id", key.removeprefix("name:"),
                              f"active for the same key as row {first['_row']} in overlapping validity dates; "
                              "set valid_to/valid_from so they do not overlap, or set is_active to FALSE")


def parse_users(header: list[str], records: list[dict[str, str]]) -> pd.DataFrame:
    """The users (HR roster) tab."""
    rows = _Rows("users", header, records, USER_COLUMNS)
    out, seen = [], {}
    for number, record in rows.rows() if not rows.problems else ():
        email = rows.email(number, record, "user_email")
        if email and email in seen:
            rows.fail(number, "user_email", email, f"appears again (first at row {seen[email]})")
        seen.setdefault(email, number)
        start, end = rows.day(number, record, "start_date"), rows.day(number, record, "end_date")
        if start and end and end < start:
            rows.fail(number, "end_date", end, f"is before start_date {start}")
        out.append(
            {
                "user_email": email,
                "first_name": rows.text(number, record, "first_name"),
                "last_name": rows.text(number, record, "last_name"),
                "department": rows.text(number, record, "department", required=True),
                "job_role": rows.text(number, record, "job_role"),
                "user_type": rows.choice(number, record, "user_type", USER_TYPES),
                "is_active": rows.boolean(number, record, "is_active", default=True),
                "start_date": start,
                "end_date": end,
            }
        )
    rows.raise_if_any()
    return pd.DataFrame(out, columns=list(USER_COLUMNS))


def parse_budgets(header: list[str], records: list[dict[str, str]]) -> pd.DataFrame:
    """The budgets tab: one budget per category (department) and month."""
    rows = _Rows("budgets", header, records, BUDGET_COLUMNS)
    out, seen = [], {}
    for number, record in rows.rows() if not rows.problems else ():
        category = rows.text(number, record, "budget_category", required=True)
        month = rows.text(number, record, "month", required=True)
        if month and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            rows.fail(number, "month", month, "must look like 2026-01")
            month = None
        key = (category, month)
        if category and month and key in seen:
            rows.fail(number, "month", month, f"second budget for {category} in {month} (first at row {seen[key]})")
        seen.setdefault(key, number)
        out.append(
            {
                "budget_category": category,
                "month": month,
                "budget_usd": rows.number(number, record, "budget_usd", 0, None),
            }
        )
    rows.raise_if_any()
    return pd.DataFrame(out, columns=list(BUDGET_COLUMNS))


ROI_COLUMNS = ("output_measure", "minutes_saved_per_unit", "assumption")
ROI_MEASURES = ("accepted_lines", "engineering_sessions", "interactions", "commits", "pull_requests")


def parse_roi_assumptions(header: list[str], records: list[dict[str, str]]) -> pd.DataFrame:
    """roi_assumptions.csv: each stated assumption needs its measure, minutes per unit and source text."""
    if not header and not records:
        return pd.DataFrame(columns=list(ROI_COLUMNS))
    rows = _Rows("roi_assumptions", header, records or [{}], ROI_COLUMNS)
    out = []
    for number, record in rows.rows() if not rows.problems else ():
        out.append(
            {
                "output_measure": rows.choice(number, record, "output_measure", ROI_MEASURES),
                "minutes_saved_per_unit": float(rows.number(number, record, "minutes_saved_per_unit", 0, None, Decimal(0))),
                "assumption": rows.text(number, record, "assumption", required=True),
            }
        )
    rows.raise_if_any()
    return pd.DataFrame(out, columns=list(ROI_COLUMNS))
