"""The one daily partitions definition every partitioned asset shares.

A partition is the UTC calendar day the data describes (vendor buckets are UTC days). Keys are
``YYYY-MM-DD``; the newest partition is the last complete UTC day (``end_offset=0``). Assets and the
IO manager turn keys into ``datetime.date`` values and never into local wall-clock times, so the
machine's time zone cannot shift a window.
"""

from datetime import date, timedelta

import dagster as dg

from ai_usage_analytics.settings import SETTINGS

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=SETTINGS.partition_start.isoformat(), timezone="UTC"
)


def partition_key_to_date(key: str) -> date:
    return date.fromisoformat(key)


def day_window(first_key: str, last_key: str) -> tuple[date, date]:
    """Half-open [start, end) day window covering the partition keys first..last inclusive."""
    return partition_key_to_date(first_key), partition_key_to_date(last_key) + timedelta(days=1)
