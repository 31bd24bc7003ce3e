"""What every page builder is told besides its frames."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from ai_usage_analytics.transform.common import format_days

PERSON_LEVEL_OFF = (
    "Person-level tables are off (set AI_USAGE_DASHBOARD_PERSON_LEVEL=1 to show them to the people allowed to see them)."
)


@dataclass(frozen=True)
class Options:
    min_group_size: int
    person_level: bool
    built_at: datetime


def last_day(frame: pd.DataFrame, column: str) -> date | None:
    values = pd.to_datetime(frame[column]).dropna() if not frame.empty else pd.Series(dtype="datetime64[ns]")
    return values.max().date() if len(values) else None


def iso_days(frame: pd.DataFrame, column: str) -> pd.Series:
    return format_days(frame[column])
