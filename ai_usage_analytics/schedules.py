"""The 06:00 America/Los_Angeles schedule.

Partitions are UTC days. At 06:00 Pacific (13:00 or 14:00 UTC) the previous UTC day is complete, so
each tick requests that day plus ``AI_USAGE_SCHEDULE_LOOKBACK_DAYS`` earlier days, because vendors
revise recent days. The days go out as one single-run range (one vendor call covers several days),
and the run key carries the tick date so tomorrow's re-request of the same days is not
de-duplicated away.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import dagster as dg

from ai_usage_analytics.jobs import daily_job
from ai_usage_analytics.settings import SETTINGS

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_keys_for_tick(tick: datetime, lookback_days: int, first_day: date) -> list[str]:
    """The UTC days a tick at ``tick`` (time-zone aware) should (re)load, oldest first."""
    last_complete = tick.astimezone(timezone.utc).date() - timedelta(days=1)
    first = max(last_complete - timedelta(days=lookback_days), first_day)
    return [(first + timedelta(days=i)).isoformat() for i in range((last_complete - first).days + 1)]


@dg.schedule(
    job=daily_job,
    cron_schedule="0 6 * * *",
    execution_timezone="America/Los_Angeles",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_6am_pacific(context: dg.ScheduleEvaluationContext):
    """Every day at 06:00 Pacific: the last complete UTC day plus the lookback days, in one run."""
    tick = context.scheduled_execution_time
    keys = partition_keys_for_tick(tick, SETTINGS.schedule_lookback_days, SETTINGS.partition_start)
    if not keys:
        return dg.SkipReason(f"No complete partition yet (first partition {SETTINGS.partition_start}).")
    tick_date = tick.astimezone(timezone.utc).date().isoformat()
    return dg.RunRequest(
        run_key=f"{tick_date}:{keys[0]}...{keys[-1]}",
        tags={RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1], "tick_date": tick_date},
    )
