"""Shared transform helpers."""

from datetime import date

import pandas as pd

from ai_usage_analytics.transform.common import (
    REDACTED,
    format_days,
    map_distinct,
    raw_json,
    raw_jsons,
    sorted_by,
    utc_midnights,
)


def test_format_days_formats_each_kind_of_day_column_and_keeps_missing_ones_missing():
    dates = pd.Series([date(2026, 3, 1), None, date(2026, 3, 1), date(2026, 2, 28)], index=[5, 6, 7, 8])
    assert format_days(dates).tolist() == ["2026-03-01", None, "2026-03-01", "2026-02-28"]
    assert format_days(dates, "%Y-%m").tolist() == ["2026-03", None, "2026-03", "2026-02"]
    assert list(format_days(dates).index) == [5, 6, 7, 8]
    stamps = pd.Series(pd.to_datetime(["2026-02-28T23:00:00Z", None], utc=True))
    assert format_days(stamps).tolist() == ["2026-02-28", None]
    assert format_days(pd.Series(["2026-03-01", "2026-03-01"])).tolist() == ["2026-03-01"] * 2
    assert format_days(pd.Series([], dtype=object)).tolist() == []


def test_map_distinct_calls_once_per_combination_and_keeps_the_rows_order_and_index():
    calls = []

    def label(person, day):
        calls.append((person, day))
        return f"{person}@{day}"

    people = pd.Series(["ann", "bob", "ann", None, "ann"], index=[10, 11, 12, 13, 14])
    days = pd.Series([1, 1, 1, 2, 2], index=people.index)
    labelled = map_distinct(label, people, days)
    assert labelled.tolist() == ["ann@1", "bob@1", "ann@1", "None@2", "ann@2"]
    assert list(labelled.index) == [10, 11, 12, 13, 14]
    assert sorted(calls, key=str) == sorted([("ann", 1), ("bob", 1), (None, 2), ("ann", 2)], key=str)
    assert map_distinct(label, pd.Series([], dtype=object)).tolist() == []


def test_utc_midnights_from_dates_and_iso_days():
    stamps = utc_midnights(pd.Series([date(2026, 3, 1), "2026-02-28", date(2026, 3, 1)], index=[3, 4, 5]))
    assert stamps.tolist() == [pd.Timestamp("2026-03-01", tz="UTC"), pd.Timestamp("2026-02-28", tz="UTC"),
                               pd.Timestamp("2026-03-01", tz="UTC")]
    assert list(stamps.index) == [3, 4, 5] and str(stamps.dtype) == "datetime64[ns, UTC]"


def test_sorted_by_orders_by_day_then_key_keeps_the_asked_columns_and_renumbers():
    frame = pd.DataFrame(
        {"extra": [1, 2, 3, 4], "id": ["b", "a", "c", "a"], "day": [date(2026, 3, 2), date(2026, 3, 2), date(2026, 2, 28), date(2026, 3, 10)]},
        index=[7, 8, 9, 10],
    )
    out = sorted_by(frame, ["id", "day"], "day", "id")
    assert list(out.columns) == ["id", "day"]
    assert out.index.tolist() == [0, 1, 2, 3]
    assert list(zip(out["day"], out["id"])) == [
        (date(2026, 2, 28), "c"), (date(2026, 3, 2), "a"), (date(2026, 3, 2), "b"), (date(2026, 3, 10), "a")
    ]
    assert out.equals(frame[["id", "day"]].sort_values(["day", "id"]).reset_index(drop=True))


def test_raw_json_is_canonical_utf8_and_takes_integers_past_64_bits():
    assert raw_json({"b": 1, "a": "café", "n": 2**70}) == '{"a":"café","b":1,"n":1180591620717411303424}'


def test_raw_json_scrubs_a_secret_with_characters_json_escapes():
    assert "s3\"cret" not in raw_json({"note": 'key s3"cret here'}, ['s3"cret'])
    assert "[REDACTED]" in raw_json({"note": 'key s3"cret here'}, ['s3"cret'])


def test_raw_jsons_scrubs_only_the_items_that_hold_a_credential():
    secret = "s3cr3t-value-xyz"
    batch = [
        {"model": "gpt-5", "note": "line one\nline two"},
        {"comment": f"called with {secret}"},
        {"nested": [{"Authorization": "Basic abc"}]},
        {"hint": "sk-ant-api03-R2D...igAA"},  # a partial hint is kept
        {"text": "crsr_0123456789abcdef0123 leaked"},
        {"n": 2**70},
    ]
    out = raw_jsons(batch, [secret])
    assert out == [raw_json(item, [secret]) for item in batch]
    assert [REDACTED in text for text in out] == [False, True, True, False, True, False]
    assert secret not in "".join(out)


def test_raw_jsons_of_a_clean_batch_is_each_canonical_text():
    batch = [{"b": 1, "a": "café"}, {"x": None}]
    assert raw_jsons(batch, ["s3cr3t-value-xyz"]) == ['{"a":"café","b":1}', '{"x":null}']
    assert raw_jsons([], ["s3cr3t-value-xyz"]) == []
