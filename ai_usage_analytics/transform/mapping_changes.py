"""What a change to the mapping sheet affects: the keys whose rows changed, and the days to redo."""

from __future__ import annotations

from datetime import date

import pandas as pd

# Columns that change who or what a key's usage is attributed to.
ATTRIBUTING_COLUMNS = [
    "api_key_id", "api_key_name", "user_email", "platform_code", "usage_purpose", "cost_center",
    "is_active", "confidence_score", "valid_from", "valid_to",
]


def _rows(mappings: pd.DataFrame) -> set[tuple]:
    if mappings is None or mappings.empty:
        return set()
    frame = mappings.reindex(columns=ATTRIBUTING_COLUMNS).astype(object)
    frame = frame.where(frame.notna(), None)
    for column in ("valid_from", "valid_to"):
        frame[column] = frame[column].map(lambda v: None if v is None else pd.Timestamp(v).date().isoformat())
    frame["confidence_score"] = frame["confidence_score"].map(lambda v: None if v is None else round(float(v), 6))
    frame["is_active"] = frame["is_active"].map(lambda v: None if v is None else bool(v))
    return set(frame.itertuples(index=False, name=None))


def changed_keys(before: pd.DataFrame | None, after: pd.DataFrame | None) -> set[str]:
    """Key ids and names of every mapping row added, removed or edited."""
    diff = _rows(before) ^ _rows(after)
    return {key for row in diff for key in row[:2] if key}


def affected_days(usage_days: pd.DataFrame, keys: set[str]) -> list[date]:
    """Sorted distinct days on which any of ``keys`` had usage (``usage_days``: api_key, usage_date)."""
    if usage_days.empty or not keys:
        return []
    hits = usage_days[usage_days["api_key"].isin(keys)]
    return sorted({pd.Timestamp(d).date() for d in hits["usage_date"]})
