"""The mapping-sheet sensor at fixed ticks: skip when unchanged, move the cursor on a touch, and
request exactly the re-attribution the content change needs."""

import json
import os
from datetime import date, datetime, timezone
from pathlib import Path

import dagster as dg
import pytest

from ai_usage_analytics.checks import schemas
from ai_usage_analytics.resources.google_sheets import LocalCsvReference, ReferenceDataError, ReferenceSheets
from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG
from ai_usage_analytics.sensors import MAPPINGS_KEY, build_mapping_sheet_sensor
from ai_usage_analytics.transform import anthropic
from ai_usage_analytics.transform.reference import parse_api_key_mappings

VENDOR = Path(__file__).parent / "fixtures" / "vendor"
FACTS = [dg.AssetKey("fact_ai_usage"), dg.AssetKey("fact_ai_costs")]
USED_KEY = "apikey_01Rj2N8SVvo6BePZj99NhmiT"  # has usage on 2025-08-01 in the documented messages report
HEADER = "api_key_id,api_key_name,user_email,platform_code,usage_purpose,cost_center,is_active,confidence_score,created_at,last_verified,valid_from,valid_to"
USED_ROW = f"{USED_KEY},Developer Key,ada@company.com,claude_api,research,CC-R,true,0.9,2025-01-01,2025-07-01,,"
IDLE_ROW = "apikey_idle,idle-key,bob@company.com,claude_api,coding,CC-E,true,1,2025-01-01,2025-07-01,,"
TICK_TODAY = date(2025, 8, 10)

sensor = build_mapping_sheet_sensor(FACTS, lookback_days=30, today=lambda: TICK_TODAY)


class Sheet:
    """The local CSV reference, with explicit file times so that every write is a new version."""

    def __init__(self, directory: Path):
        self.directory, self.clock = directory, 1_700_000_000_000_000_000
        for tab, header in (("users", "user_email"), ("budgets", "budget_category,month,budget_usd")):
            (directory / f"{tab}.csv").write_text(header + "\n")
        self.write([USED_ROW])

    def write(self, rows: list[str]) -> None:
        path = self.directory / "api_key_mappings.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n")
        self.clock += 1_000_000_000
        os.utime(path, ns=(self.clock, self.clock))

    def resource(self) -> LocalCsvReference:
        return LocalCsvReference(directory=str(self.directory))


@pytest.fixture
def sheet(tmp_path) -> Sheet:
    return Sheet(tmp_path)


@pytest.fixture
def warehouse(warehouse):
    """Usage of USED_KEY on 2025-08-01 (the documented messages report); no mapping loaded yet."""
    usage = json.loads((VENDOR / "anthropic/usage_report_messages.json").read_text())["data"]
    frame = anthropic.normalize_messages_usage(usage, date(2025, 8, 1), date(2025, 8, 2), datetime(2025, 8, 2, tzinfo=timezone.utc))
    warehouse.replace_window("raw_claude_events", schemas.RawClaudeEvents.validate(frame), "usage_date", date(2025, 8, 1), date(2025, 8, 2))
    return warehouse


def tick(sheet_resource: ReferenceSheets, warehouse, cursor: str | None = None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"reference_sheets": sheet_resource, "warehouse": warehouse}
    )
    return sensor(context), context


def load_mapping(warehouse, sheet: Sheet) -> None:
    """What the api_key_mappings run does: the sheet's current content lands in the warehouse."""
    resource = sheet.resource()
    warehouse.replace_table(
        "api_key_mappings",
        parse_api_key_mappings(resource.header("api_key_mappings"), resource.records("api_key_mappings")),
    )


def test_first_tick_loads_the_mapping_and_reattributes_the_days_the_key_was_used(sheet, warehouse):
    result, _ = tick(sheet.resource(), warehouse)

    (request,) = result.run_requests
    assert set(request.asset_selection) == {MAPPINGS_KEY, *FACTS}
    assert request.tags[RANGE_START_TAG] == request.tags[RANGE_END_TAG] == "2025-08-01"
    assert request.run_key.startswith("api_key_mappings:")
    state = json.loads(result.cursor)
    assert state["version"] == sheet.resource().version() and state["hash"] == sheet.resource().content_hash()


def test_unchanged_sheet_skips_without_reading_content(sheet, warehouse):
    first, _ = tick(sheet.resource(), warehouse)

    class VersionOnly(LocalCsvReference):
        def content_hash(self, tabs=("api_key_mappings",)):
            raise AssertionError("the content must not be read when the version did not move")

    result, _ = tick(VersionOnly(directory=str(sheet.directory)), warehouse, first.cursor)
    assert isinstance(result, dg.SkipReason) and "unchanged" in result.skip_message


def test_touched_but_identical_sheet_moves_the_cursor_and_launches_nothing(sheet, warehouse):
    first, _ = tick(sheet.resource(), warehouse)
    sheet.write([USED_ROW])

    result, _ = tick(sheet.resource(), warehouse, first.cursor)

    assert not result.run_requests
    assert json.loads(result.cursor)["version"] != json.loads(first.cursor)["version"]
    assert json.loads(result.cursor)["hash"] == json.loads(first.cursor)["hash"]


def test_a_change_to_an_unused_key_reloads_the_mapping_only(sheet, warehouse):
    first, _ = tick(sheet.resource(), warehouse)
    load_mapping(warehouse, sheet)
    sheet.write([USED_ROW, IDLE_ROW])

    result, _ = tick(sheet.resource(), warehouse, first.cursor)

    (request,) = result.run_requests
    assert request.asset_selection == [MAPPINGS_KEY]
    assert RANGE_START_TAG not in request.tags


def test_remapping_a_used_key_reattributes_its_days_outside_the_lookback_excluded(sheet, warehouse):
    first, _ = tick(sheet.resource(), warehouse)
    load_mapping(warehouse, sheet)
    sheet.write([USED_ROW.replace("ada@company.com", "grace@company.com")])

    result, _ = tick(sheet.resource(), warehouse, first.cursor)
    (request,) = result.run_requests
    assert set(request.asset_selection) == {MAPPINGS_KEY, *FACTS}
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2025-08-01", "2025-08-01")

    short = build_mapping_sheet_sensor(FACTS, lookback_days=5, today=lambda: TICK_TODAY)
    context = dg.build_sensor_context(cursor=first.cursor, resources={"reference_sheets": sheet.resource(), "warehouse": warehouse})
    (request,) = short(context).run_requests
    assert request.asset_selection == [MAPPINGS_KEY]


def test_revert_and_change_again_gets_a_fresh_run_key(sheet, warehouse):
    keys, cursor = [], None
    for rows in ([USED_ROW], [IDLE_ROW], [USED_ROW], [IDLE_ROW]):
        sheet.write(rows)
        result, _ = tick(sheet.resource(), warehouse, cursor)
        (request,) = result.run_requests
        keys.append(request.run_key)
        cursor = result.cursor
    assert len(set(keys)) == 4


def test_an_unreadable_sheet_skips_with_the_reason_and_keeps_the_cursor(sheet, warehouse):
    first, _ = tick(sheet.resource(), warehouse)

    class Broken(LocalCsvReference):
        def version(self):
            raise ReferenceDataError("Google Sheet x was not found (HTTP 404): check GOOGLE_SHEET_ID")

    context = dg.build_sensor_context(
        cursor=first.cursor, resources={"reference_sheets": Broken(directory=str(sheet.directory)), "warehouse": warehouse}
    )
    result = sensor(context)
    assert isinstance(result, dg.SkipReason) and "check GOOGLE_SHEET_ID" in result.skip_message


def test_a_sheet_with_bad_rows_still_requests_the_mapping_run_that_reports_them(sheet, warehouse):
    first, _ = tick(sheet.resource(), warehouse)
    sheet.write([USED_ROW.replace("ada@company.com", "not-an-email")])

    result, _ = tick(sheet.resource(), warehouse, first.cursor)
    (request,) = result.run_requests
    assert request.asset_selection == [MAPPINGS_KEY]


def test_the_sensor_is_in_the_definitions_targeting_the_mapping_and_the_facts():
    from ai_usage_analytics.definitions import defs

    definition = defs.resolve_sensor_def("api_key_mappings_sheet_sensor")
    assert definition.minimum_interval_seconds == 300
    assert definition.default_status == dg.DefaultSensorStatus.RUNNING
    job = defs.resolve_job_def(definition.job_name)
    assert job.asset_layer.selected_asset_keys == {MAPPINGS_KEY, *FACTS}
