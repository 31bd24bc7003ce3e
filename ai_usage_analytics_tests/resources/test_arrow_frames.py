"""Money to Arrow: exact NUMERIC(38, 9) values whatever the column holds."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ai_usage_analytics.resources.arrow_frames import MONEY, money_array


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([Decimal("-12.34"), None, Decimal("0.000000001")], [Decimal("-12.34"), None, Decimal("1E-9")]),
        ([Decimal("1E+2"), Decimal("0E-9")], [Decimal("100"), Decimal("0")]),
        ([Decimal("99999999999999999999999999999.999999999")], [Decimal("99999999999999999999999999999.999999999")]),
        ([Decimal("1.5000000000")], [Decimal("1.5")]),  # a tenth decimal that is zero loses nothing
        ([5, np.int64(7), None], [Decimal("5"), Decimal("7"), None]),
        ([0.1, np.float64(2.5)], [Decimal("0.1"), Decimal("2.5")]),  # floats by their shortest text, not binary
        ([Decimal("1.0000000005"), Decimal("2")], [Decimal("1.000000000"), Decimal("2")]),  # rounded to the scale
        ([1e-10], [Decimal("0")]),
        ([float("nan"), pd.NA, None, Decimal("3")], [None, None, None, Decimal("3")]),
    ],
)
def test_money_array_is_exact_at_the_numeric_scale(values, expected):
    array = money_array(pd.Series(values, dtype=object))
    assert array.type == MONEY
    assert array.to_pylist() == expected  # Decimals compare by value: 1.500000000 == 1.5


def test_money_array_refuses_what_does_not_fit_numeric():
    with pytest.raises((pa.ArrowInvalid, ArithmeticError)):
        money_array([Decimal("123456789012345678901234567890.123456789")])  # 39 digits
