from datetime import date
from decimal import Decimal

import pandas as pd

from ai_usage_analytics.dashboards.page import records


def test_records_turn_every_missing_value_into_null_and_money_into_numbers():
    frame = pd.DataFrame({
        "day": [date(2026, 11, 30), None],
        "people": pd.array([3, pd.NA], dtype="Int64"),  # nullable integers from the warehouse
        "spend": [Decimal("1.25"), None],
        "rate": [0.5, float("nan")],
    })
    assert records(frame) == [
        {"day": "2026-11-30", "people": 3, "spend": 1.25, "rate": 0.5},
        {"day": None, "people": None, "spend": None, "rate": None},
    ]
