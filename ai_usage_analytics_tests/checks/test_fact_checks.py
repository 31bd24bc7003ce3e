"""The warn-only anomaly checks (spend spikes, volume drops): flagged against a real baseline, never on a
first load, and the same whether a window is checked in one chunk or in several."""

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from ai_usage_analytics.checks.fact_checks import spend_spikes, volume_drops

DAY = date(2026, 3, 20)


def costs(days_and_usd, who="u_ada", department="Engineering") -> pd.DataFrame:
    return pd.DataFrame(
        [{"user_sk": who, "budget_category": department, "cost_date": d, "allocated_cost_usd": Decimal(str(usd))}
         for d, usd in days_and_usd],
        columns=["user_sk", "budget_category", "cost_date", "allocated_cost_usd"],
    )


def steady(days: int, usd: float, before: date = DAY) -> list:
    return [(before - timedelta(days=i), usd) for i in range(1, days + 1)]


def test_a_first_load_has_no_baseline_and_flags_nothing():
    result = spend_spikes(costs([(DAY, 500)]), costs([]))
    assert result.passed and result.metadata["offenders"].value == 0


def test_a_day_far_above_a_steady_baseline_is_flagged_for_person_and_department():
    result = spend_spikes(costs([(DAY, 100)]), costs(steady(20, 20)))
    assert not result.passed and result.severity.value == "WARN"
    assert result.metadata["offenders"].value == 2  # the person and the department
    assert "| u_ada       | 2026-03-20  |   100 |             20 | user_sk" in result.metadata["details"].value


def test_below_the_factor_or_the_floor_is_not_a_spike():
    assert spend_spikes(costs([(DAY, 55)]), costs(steady(20, 20))).passed  # 55 < 3 x 20
    assert spend_spikes(costs([(DAY, 45)]), costs(steady(20, 1))).passed  # under the $50 floor


def test_earlier_days_of_the_same_run_count_as_baseline():
    window = steady(10, 20) + [(DAY, 100)]
    assert not spend_spikes(costs(window), costs([])).passed


def test_days_without_any_cost_data_do_not_dilute_the_baseline():
    # 8 days of data spread over 28: the average is per covered day, 20, so 55 is no spike
    sparse = [(DAY - timedelta(days=3 * i), 20) for i in range(1, 9)]
    assert spend_spikes(costs([(DAY, 55)]), costs(sparse)).passed


def usage_rows(rows_by_day: dict, source: str = "cursor_usage_events") -> pd.DataFrame:
    return pd.DataFrame([{"metric_source": source, "usage_date": d} for d, n in rows_by_day.items() for _ in range(n)],
                        columns=["metric_source", "usage_date"])


def daily_counts(rows_by_day: dict, source: str = "cursor_usage_events") -> pd.DataFrame:
    return pd.DataFrame([{"metric_source": source, "usage_date": d, "rows": n} for d, n in rows_by_day.items() if n],
                        columns=["metric_source", "usage_date", "rows"])


def drops(result) -> int:
    return result.metadata["offenders"].value


def test_a_volume_collapse_against_its_trailing_median_is_flagged_and_a_first_load_is_not():
    history = daily_counts({DAY - timedelta(days=i): 10 for i in range(1, 29)})
    assert drops(volume_drops(usage_rows({DAY: 4}), history, [DAY])) == 1  # 4 < half of 10
    assert volume_drops(usage_rows({DAY: 6}), history, [DAY]).passed
    assert drops(volume_drops(usage_rows({}), history, [DAY])) == 1  # the source sent nothing at all
    assert volume_drops(usage_rows({DAY: 1}), daily_counts({}), [DAY]).passed  # no baseline yet


def test_volume_drops_are_the_same_in_one_chunk_or_in_several():
    # 20 busy days, then 10 quiet ones, then busy again: each day against the 28 days before it
    days = [DAY + timedelta(days=i) for i in range(45)]
    rows = {d: (3 if 20 <= i < 30 else 10) for i, d in enumerate(days)}
    whole = volume_drops(usage_rows(rows), daily_counts({}), days)
    flagged, history = 0, daily_counts({})
    for first in range(0, 45, 15):  # three chunks, each carrying the earlier chunks' counts
        chunk = days[first:first + 15]
        flagged += drops(volume_drops(usage_rows({d: rows[d] for d in chunk}), history, chunk))
        history = pd.concat([history, daily_counts({d: rows[d] for d in chunk})], ignore_index=True)
    assert drops(whole) == flagged == 10  # the quiet days, each below half the busy median before it


def test_quiet_weekends_are_not_drops_and_a_collapsed_saturday_is():
    days = [DAY + timedelta(days=i) for i in range(35)]
    week = {d: (20 if d.weekday() >= 5 else 100) for d in days}  # a working week, as engineering usage has
    assert volume_drops(usage_rows(week), daily_counts({}), days).passed
    saturday = max(d for d in days if d.weekday() == 5)
    result = volume_drops(usage_rows({**week, saturday: 2}), daily_counts({}), days)
    assert drops(result) == 1 and "same_weekday_median" in result.metadata["details"].value
