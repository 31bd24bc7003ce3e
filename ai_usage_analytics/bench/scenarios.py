"""The scenarios of `make bench` and their sizes (full, or a tenth with BENCH_QUICK=1)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta

SCENARIO_NAMES = (
    "daily", "backfill_single_run", "backfill_per_partition", "scaling_200", "scaling_2000", "scaling_20000", "floor",
)
REQUIRED_FIELDS = ("wall_s", "requests", "requests_minimum", "peak_rss_mb", "rows", "people", "days")
SAMPLE_DAYS = 7  # one run a day timed over a whole week: weekend days are lighter than weekdays


@dataclass(frozen=True)
class Scenario:
    """``mode``: ``single_run`` (one run over the range, range tags), ``per_partition`` (one run per
    day over the last ``sample_days`` days, extrapolated to ``days``) or ``floor`` (no pipeline)."""

    name: str
    mode: str
    people: int
    days: int
    seed: int
    sample_days: int | None = None

    def to_json(self) -> dict:
        return asdict(self)


def bench_today(today: date) -> date:
    """The day the bench runs as: ``today``, or the Saturday after the last Friday when yesterday was a
    weekend day. The daily and scaling scenarios run yesterday, and a weekend day has about a tenth of
    a weekday's Cursor traffic: a Sunday's bench would time a daily run that is not the usual one."""
    last = today - timedelta(days=1)
    while last.weekday() >= 5:
        last -= timedelta(days=1)
    return last + timedelta(days=1)


def _tenth(value: int) -> int:
    return max(1, math.ceil(value / 10))


def build_scenarios(people: int = 2000, days: int = 365, seed: int = 7, quick: bool = False,
                    sample_days: int = SAMPLE_DAYS) -> list[Scenario]:
    """Every scenario for a base size of ``people`` and a backfill of ``days`` days. Quick mode
    divides people and days by ten (at least 10 people: the simulator's smallest organisation)."""
    size = (lambda n: max(10, _tenth(n))) if quick else (lambda n: n)
    span = _tenth(days) if quick else days
    base = size(people)
    sample = max(1, min(sample_days, span))
    return [
        Scenario("daily", "single_run", base, 1, seed),
        Scenario("backfill_single_run", "single_run", base, span, seed),
        Scenario("backfill_per_partition", "per_partition", base, span, seed, sample_days=sample),
        Scenario("scaling_200", "single_run", size(max(10, people // 10)), 1, seed),
        Scenario("scaling_2000", "single_run", base, 1, seed),
        Scenario("scaling_20000", "single_run", size(people * 10), 1, seed),
        Scenario("floor", "floor", base, span, seed),
    ]
