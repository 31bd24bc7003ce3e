"""Reference (dimension) assets: current-state tables, unpartitioned."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import dagster as dg
import pandas as pd

from ai_usage_analytics.checks import schemas
from ai_usage_analytics.checks.schema_check import failed_check, schema_check_spec, validated_output
from ai_usage_analytics.resources.google_sheets import ReferenceDataError, ReferenceSheets, csv_table
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.settings import SETTINGS
from ai_usage_analytics.transform.platforms import build_dim_platforms
from ai_usage_analytics.transform.reference import (
    ReferenceValidationError,
    parse_api_key_mappings,
    parse_budgets,
    parse_roi_assumptions,
    parse_users,
)
from ai_usage_analytics.transform.users import build_dim_users

OWNERS = ["team:analytics-engineering"]
# Raw tables whose people feed dim_users (sql/queries/discovered_people.sql).
PEOPLE_SOURCES = [
    "raw_cursor_events", "raw_cursor_usage_events", "raw_claude_code_events", "raw_anthropic_users", "api_key_mappings",
    "raw_claude_web_events", "raw_gemini_events",
]


def _reference(name: str, kinds: set[str], **extra) -> dict:
    return dict(name=name, group_name="reference", kinds=kinds, owners=OWNERS, check_specs=[schema_check_spec(name)], **extra)


def _read_tab(sheets: ReferenceSheets, tab: str, parse):
    """The parsed tab, or a failed schema check listing every bad row (nothing is written)."""
    try:
        return parse(sheets.header(tab), sheets.records(tab))
    except ReferenceValidationError as error:
        report = pd.DataFrame([vars(p) for p in error.problems]).astype(str)
        yield from failed_check(
            tab,
            str(error),
            {
                "source": sheets.describe(),
                "problem_count": len(error.problems),
                "problems": dg.MetadataValue.md(report.head(50).to_markdown(index=False)),
            },
        )
    except ReferenceDataError as error:
        raise dg.Failure(description=str(error)) from None


@dg.asset(**_reference("dim_platforms", {"python", "table"}))
def dim_platforms():
    """The AI platforms we track (Cursor, Claude Code, Claude API, Claude.ai, Gemini): their category
    (engineering productivity, knowledge work, API consumption), vendor, cost model and what each
    source can tell us. platform_sk equals platform_code."""
    yield from validated_output(schemas.DimPlatforms, build_dim_platforms(), "dim_platforms")


@dg.asset(**_reference("api_key_mappings", {"python", "googlesheets", "table"}))
def api_key_mappings(reference_sheets: ReferenceSheets):
    """Which person each API key belongs to, for what purpose and cost center, with a confidence and
    optional validity dates — maintained by an admin in the mapping Google Sheet (local CSV by default).
    A sheet with any bad row is not loaded: the check lists every problem and the previous mapping stays."""
    frame = yield from _read_tab(reference_sheets, "api_key_mappings", parse_api_key_mappings)
    yield from validated_output(
        schemas.ApiKeyMappings, frame, "api_key_mappings", {"source": reference_sheets.describe()}
    )


@dg.asset(**_reference("budgets", {"python", "googlesheets", "table"}))
def budgets(reference_sheets: ReferenceSheets):
    """Monthly AI budget per budget category (department), from the sheet's budgets tab."""
    frame = yield from _read_tab(reference_sheets, "budgets", parse_budgets)
    frame["month_start"] = pd.to_datetime(frame["month"] + "-01").dt.date
    frame = frame[["budget_category", "month", "month_start", "budget_usd"]]
    yield from validated_output(schemas.Budgets, frame, "budgets", {"source": reference_sheets.describe()})


@dg.asset(**_reference("dim_users", {"python", "table"}, deps=PEOPLE_SOURCES))
def dim_users(reference_sheets: ReferenceSheets, warehouse: Warehouse):
    """Every person: the HR roster (sheet 'users' tab) plus everyone a vendor or the key mapping names
    who is not on it (department 'unknown', is_discovered), leavers kept with end_date and is_active false, and the
    'unattributed' sentinel that owns usage and cost no one could be tied to."""
    roster = yield from _read_tab(reference_sheets, "users", parse_users)
    for table in PEOPLE_SOURCES:
        warehouse.ensure_table(table)
    discovered = warehouse.query_file("queries/discovered_people.sql")
    now = pd.Timestamp.now(tz="UTC")
    frame = build_dim_users(roster, discovered, as_of=now.date(), now=now, previous=warehouse.read_table("dim_users"))
    yield from validated_output(
        schemas.DimUsers,
        frame,
        "dim_users",
        {
            "roster_people": len(roster),
            "discovered_people": int(frame["is_discovered"].sum()),
            "leavers": int((~frame["is_active"]).sum()),
        },
    )


class _CsvFile:
    """A reference CSV that is not a sheet tab (optional: a missing file is an empty table)."""

    def __init__(self, path: Path):
        self.path = path

    @cached_property
    def table(self) -> tuple[list[str], list[dict[str, str]]]:
        return csv_table(self.path) if self.path.is_file() else ([], [])

    def describe(self) -> str:
        return str(self.path)

    def header(self, _tab: str) -> list[str]:
        return self.table[0]

    def records(self, _tab: str) -> list[dict[str, str]]:
        return self.table[1]


@dg.asset(**_reference("roi_assumptions", {"python", "csv", "table"}))
def roi_assumptions():
    """Stated assumptions for estimated time savings (minutes saved per accepted line, session,
    interaction, commit or PR) from roi_assumptions.csv in AI_USAGE_REFERENCE_DIR. Empty when no one
    states an assumption, and then no hours saved are estimated anywhere."""
    source = _CsvFile(SETTINGS.reference_dir / "roi_assumptions.csv")
    frame = yield from _read_tab(source, "roi_assumptions", parse_roi_assumptions)
    yield from validated_output(schemas.RoiAssumptions, frame, "roi_assumptions", {"source": source.describe()})


REFERENCE_ASSETS = [dim_platforms, api_key_mappings, budgets, dim_users, roi_assumptions]
