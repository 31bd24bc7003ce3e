"""The sensor on the API-key mapping sheet.

Every few minutes it asks the sheet for its version (Drive modifiedTime, or the CSV files' mtimes:
one cheap call). Only when that moved does it read the content and hash it; a change of format or
of an untouched cell moves the cursor and launches nothing. A real content change launches ONE run:
api_key_mappings, then — for the days within the lookback on which a changed key had usage — the
assets whose attribution depends on the mapping, as one partition range. The run key carries the
content hash and the sheet version, so reverting an edit and making it again re-runs as it should.
"""


import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone

import dagster as dg

from ai_usage_analytics.resources.google_sheets import ReferenceDataError, ReferenceSheets
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG
from ai_usage_analytics.settings import SETTINGS
from ai_usage_analytics.transform.mapping_changes import affected_days, changed_keys
from ai_usage_analytics.transform.reference import ReferenceValidationError, parse_api_key_mappings

MAPPINGS_KEY = dg.AssetKey("api_key_mappings")
USAGE_SOURCES = ("raw_claude_events", "raw_claude_code_events")


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def build_mapping_sheet_sensor(
    reattributed_assets: Sequence[dg.AssetKey],
    lookback_days: int = SETTINGS.reattribution_lookback_days,
    today: Callable[[], date] = utc_today,
) -> dg.SensorDefinition:
    reattributed_assets = list(reattributed_assets)

    @dg.sensor(
        name="api_key_mappings_sheet_sensor",
        target=[MAPPINGS_KEY, *reattributed_assets],
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def api_key_mappings_sheet_sensor(
        context: dg.SensorEvaluationContext, reference_sheets: ReferenceSheets, warehouse: Warehouse
    ):
        """Re-loads api_key_mappings when the mapping sheet's content changes, and re-attributes the
        fact days on which a changed key had usage."""
        state = json.loads(context.cursor) if context.cursor else {}
        try:
            version = reference_sheets.version()
            if state.get("version") == version:
                return dg.SkipReason(f"{reference_sheets.describe()} unchanged since {version}.")
            digest = reference_sheets.content_hash()
        except ReferenceDataError as error:
            return dg.SkipReason(f"Could not read the mapping sheet: {error}")
        cursor = json.dumps({"version": version, "hash": digest})
        if state.get("hash") == digest:
            return dg.SensorResult(skip_reason="The sheet was touched but its content is the same.", cursor=cursor)

        days = _affected_days(reference_sheets, warehouse, today() - timedelta(days=lookback_days))
        # The version (a Drive timestamp, or every CSV's mtime and size) is hashed to keep the key short.
        run_key = f"api_key_mappings:{digest[:16]}:{hashlib.sha256(version.encode()).hexdigest()[:16]}"
        if not days or not reattributed_assets:
            request = dg.RunRequest(run_key=run_key, asset_selection=[MAPPINGS_KEY])
        else:
            first, last = days[0].isoformat(), days[-1].isoformat()
            request = dg.RunRequest(
                run_key=run_key,
                asset_selection=[MAPPINGS_KEY, *reattributed_assets],
                tags={RANGE_START_TAG: first, RANGE_END_TAG: last, "reattributed_days": str(len(days))},
            )
        return dg.SensorResult(run_requests=[request], cursor=cursor)

    return api_key_mappings_sheet_sensor


def _affected_days(sheets: ReferenceSheets, warehouse: Warehouse, since: date) -> list[date]:
    """Days since ``since`` with usage of a key whose mapping rows changed. A sheet that does not
    parse affects nothing yet: the mapping run will fail and report its bad rows."""
    try:
        new = parse_api_key_mappings(sheets.header("api_key_mappings"), sheets.records("api_key_mappings"))
    except ReferenceValidationError:
        return []
    for table in ("api_key_mappings", *USAGE_SOURCES):
        warehouse.ensure_table(table)
    keys = changed_keys(warehouse.read_table("api_key_mappings"), new)
    usage_days = warehouse.query_file("queries/api_key_usage_days.sql", {"since": since})
    return affected_days(usage_days, keys)
