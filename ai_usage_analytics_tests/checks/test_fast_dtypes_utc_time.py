"""UtcTime behaves as pandera's DateTime in UTC: same coercion, same failures; only faster on a
column that already holds UTC nanosecond timestamps."""

from datetime import datetime, timezone

import pandas as pd
import pandera.errors
import pytest

from ai_usage_analytics.checks.fast_dtypes import UtcTime
from ai_usage_analytics_tests.checks.one_column_schemas import one_column


Coerced, Strict, Pandera = one_column("at", UtcTime, pd.DatetimeTZDtype("ns", "UTC"))


def test_a_utc_nanosecond_column_passes_through_as_it_is():
    stamps = pd.Series(pd.to_datetime([1_767_225_600_000, None, 1_767_312_000_123], unit="ms", utc=True))
    out = Coerced.validate(pd.DataFrame({"at": stamps}))["at"]
    assert str(out.dtype) == "datetime64[ns, UTC]"
    assert out.iloc[0] == pd.Timestamp("2026-01-01", tz="UTC") and pd.isna(out.iloc[1])
    assert out.iloc[2] == pd.Timestamp("2026-01-02 00:00:00.123", tz="UTC")


@pytest.mark.parametrize("values", [
    ["2026-01-01T00:00:00Z", "2026-01-01T05:00:00+02:00"],
    [datetime(2026, 1, 1, 12, tzinfo=timezone.utc), None],
    [pd.Timestamp("2026-01-01 13:00")],  # naive: localised to UTC
    pd.Series(pd.to_datetime(["2026-01-01 10:00"]).tz_localize("Europe/Berlin")),  # another zone: converted
    pd.Series(pd.to_datetime(["2026-01-01 10:00"], utc=True)).astype("datetime64[us, UTC]"),  # another unit
    [None, None],
])
def test_other_values_are_coerced_as_pandera_coerces_utc_timestamps(values):
    frame = pd.DataFrame({"at": values})
    ours, theirs = Coerced.validate(frame.copy())["at"], Pandera.validate(frame.copy())["at"]
    assert ours.dtype == theirs.dtype
    assert [str(v) for v in ours] == [str(v) for v in theirs]


def test_an_unparseable_value_fails_as_with_pandera():
    frame = pd.DataFrame({"at": ["2026-01-01T00:00:00Z", "not a time"]})
    with pytest.raises(pandera.errors.SchemaErrors) as ours:
        Coerced.validate(frame.copy())
    with pytest.raises(pandera.errors.SchemaErrors) as theirs:
        Pandera.validate(frame.copy())
    assert ours.value.failure_cases["failure_case"].tolist() == theirs.value.failure_cases["failure_case"].tolist()


def test_without_coercion_text_is_a_failure_case():
    with pytest.raises(pandera.errors.SchemaErrors):
        Strict.validate(pd.DataFrame({"at": ["2026-01-01T00:00:00Z"]}), lazy=True)


def test_a_null_in_a_required_column_is_a_failure_case():
    stamps = pd.Series(pd.to_datetime([1_767_225_600_000, None], unit="ms", utc=True))
    with pytest.raises(pandera.errors.SchemaErrors):
        Strict.validate(pd.DataFrame({"at": stamps}), lazy=True)
