"""The 06:00 Pacific schedule, evaluated at fixed tick times (including both DST change days)."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from ai_usage_analytics.definitions import defs
from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG, partition_keys_for_tick

PACIFIC = ZoneInfo("America/Los_Angeles")


def tick(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=PACIFIC)


def evaluate(at: datetime) -> list[dg.RunRequest]:
    schedule = defs.resolve_schedule_def("daily_6am_pacific")
    context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=defs.get_repository_def())
    return schedule.evaluate_tick(context).run_requests


def test_cron_is_six_am_pacific():
    schedule = defs.resolve_schedule_def("daily_6am_pacific")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "America/Los_Angeles"
    assert schedule.job_name == "daily_job"


@pytest.mark.parametrize(
    ("local_tick", "utc_instant", "expected_first", "expected_last"),
    [
        # An ordinary winter day: 06:00 PST = 14:00 UTC.
        ("2026-01-15T06:00", "2026-01-15T14:00", "2026-01-11", "2026-01-14"),
        # Spring forward (2026-03-08, 02:00 -> 03:00): 06:00 PDT = 13:00 UTC.
        ("2026-03-08T06:00", "2026-03-08T13:00", "2026-03-04", "2026-03-07"),
        # Fall back (2026-11-01, 02:00 -> 01:00): 06:00 PST = 14:00 UTC.
        ("2026-11-01T06:00", "2026-11-01T14:00", "2026-10-28", "2026-10-31"),
        # New Year: the range crosses the year boundary.
        ("2027-01-01T06:00", "2027-01-01T14:00", "2026-12-28", "2026-12-31"),
    ],
)
def test_tick_requests_last_complete_utc_day_plus_lookback(local_tick, utc_instant, expected_first, expected_last):
    at = tick(local_tick)
    assert at.astimezone(timezone.utc) == datetime.fromisoformat(utc_instant).replace(tzinfo=timezone.utc)
    (request,) = evaluate(at)
    assert request.tags[RANGE_START_TAG] == expected_first
    assert request.tags[RANGE_END_TAG] == expected_last
    assert request.run_key == f"{local_tick[:10]}:{expected_first}...{expected_last}"


def test_consecutive_ticks_re_request_overlapping_days_under_different_run_keys():
    (monday,) = evaluate(tick("2026-06-01T06:00"))
    (tuesday,) = evaluate(tick("2026-06-02T06:00"))
    assert monday.run_key != tuesday.run_key
    assert (monday.tags[RANGE_START_TAG], monday.tags[RANGE_END_TAG]) == ("2026-05-28", "2026-05-31")
    assert (tuesday.tags[RANGE_START_TAG], tuesday.tags[RANGE_END_TAG]) == ("2026-05-29", "2026-06-01")


def test_keys_for_tick_lists_every_day_and_respects_partition_start():
    at = tick("2025-01-03T06:00")
    assert partition_keys_for_tick(at, 3, date(2024, 1, 1)) == [
        "2024-12-30",
        "2024-12-31",
        "2025-01-01",
        "2025-01-02",
    ]
    assert partition_keys_for_tick(at, 3, date(2025, 1, 1)) == ["2025-01-01", "2025-01-02"]
    assert partition_keys_for_tick(at, 0, date(2024, 1, 1)) == ["2025-01-02"]
    assert partition_keys_for_tick(at, 3, date(2025, 1, 3)) == []


def test_requested_days_are_partitions_of_the_daily_definition():
    from ai_usage_analytics.partitions import daily_partitions

    at = tick("2026-03-08T06:00")
    keys = partition_keys_for_tick(at, 3, date(2025, 1, 1))
    known = set(daily_partitions.get_partition_keys(current_time=at))
    assert set(keys) <= known
    assert keys[-1] == max(known)  # the newest complete UTC day
