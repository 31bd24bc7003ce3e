"""Seat prices per platform plan, from ``seat_prices.csv`` beside the other reference files.

Columns: platform_code, plan, seat_price_usd_month. Vendors publish no seat-price API (Cursor
Business, Claude Team/Enterprise and Gemini seats are contract prices), so finance keeps this file.
One row per platform is used for seat amortisation; several plans for one platform are refused
until plan membership per person is known.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ai_usage_analytics.transform.reference import Problem, ReferenceValidationError

COLUMNS = ("platform_code", "plan", "seat_price_usd_month")


def seat_price(path: Path, platform_code: str) -> Decimal | None:
    """The monthly seat price for ``platform_code``, or None when the file or the row is absent."""
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceValidationError("seat_prices", [Problem(None, None, None, f"missing column(s) {missing} in {path}")])
        rows = [(number, row) for number, row in enumerate(reader, start=2) if row["platform_code"].strip() == platform_code]
    if not rows:
        return None
    if len(rows) > 1:
        raise ReferenceValidationError(
            "seat_prices",
            [Problem(rows[1][0], "platform_code", platform_code, f"second plan for {platform_code} (first at row {rows[0][0]}); keep one")],
        )
    number, row = rows[0]
    try:
        price = Decimal(row["seat_price_usd_month"].strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        price = Decimal(-1)
    if price < 0:
        raise ReferenceValidationError(
            "seat_prices", [Problem(number, "seat_price_usd_month", row["seat_price_usd_month"], "must be a price >= 0")]
        )
    return price
