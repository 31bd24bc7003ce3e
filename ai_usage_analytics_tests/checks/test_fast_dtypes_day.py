"""Day behaves as pandera's Date: same coercion, same failures; only faster on all-date columns."""

from datetime import date, datetime

import pandas as pd
import pandera.errors
import pandera.pandas as pa
import pytest

from ai_usage_analytics.checks.fast_dtypes import Day
from ai_usage_analytics_tests.checks.one_column_schemas import one_column


Coerced, Strict, Pandera = one_column("day", Day, pa.Date)


def test_an_all_date_column_passes_unchanged():
    days = [date(2026, 1, 1), date(2026, 2, 28)]
    frame = pd.DataFrame({"day": days})
    out = Coerced.validate(frame)
    assert out["day"].tolist() == days and [type(v) for v in out["day"]] == [date, date]


@pytest.mark.parametrize("values", [
    [date(2026, 1, 1), None],
    ["2026-01-01", "2026-03-05"],
    [datetime(2026, 1, 1, 23, 59), date(2026, 1, 2)],
    [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-02 13:00")],
    [None, None],
])
def test_other_values_are_coerced_as_pandera_coerces_dates(values):
    frame = pd.DataFrame({"day": values})
    ours, theirs = Coerced.validate(frame.copy())["day"], Pandera.validate(frame.copy())["day"]
    assert [str(v) for v in ours] == [str(v) for v in theirs]
    assert [type(v) for v in ours] == [type(v) for v in theirs]


def test_without_coercion_a_timestamp_is_a_failure_case():
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        Strict.validate(pd.DataFrame({"day": [date(2026, 1, 1), datetime(2026, 1, 2, 5)]}), lazy=True)
    assert "2026-01-02 05:00:00" in caught.value.failure_cases["failure_case"].astype(str).tolist()


def test_a_null_in_a_required_day_column_is_a_failure_case():
    with pytest.raises(pandera.errors.SchemaErrors):
        Strict.validate(pd.DataFrame({"day": [date(2026, 1, 1), None]}), lazy=True)
