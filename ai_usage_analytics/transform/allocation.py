"""Split billed cost lines among recipients, exactly.

A line is split in proportion to its recipients' weights (``usage_based``); a line whose group has
no weight is split equally among a fallback set (``equal_split``); a line with neither goes whole
to the unattributed sentinel. Amounts are exact: each line is divided in nano-dollars with the
largest-remainder method, so the parts always add up to the line, to the nano-dollar.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

NANO = Decimal("0.000000001")
USAGE_BASED, EQUAL_SPLIT, UNALLOCATED = "usage_based", "equal_split", "unattributed"
METHOD_CONFIDENCE = {USAGE_BASED: 1.0, EQUAL_SPLIT: 0.5, UNALLOCATED: 0.0}


def to_nano(amount) -> int:
    return int((Decimal(str(amount)) / NANO).to_integral_value())


def split_exact(total_nano: int, weights: np.ndarray) -> np.ndarray:
    """Integer parts of ``total_nano`` proportional to ``weights`` that sum exactly to it."""
    weights = np.asarray(weights, dtype=float)
    if len(weights) == 1:
        return np.array([total_nano], dtype=object)
    ideal = [Decimal(total_nano) * Decimal(w) / Decimal(weights.sum()) for w in weights.tolist()]
    floors = [int(x.to_integral_value(rounding="ROUND_FLOOR")) for x in ideal]
    remainder = total_nano - sum(floors)
    order = sorted(range(len(ideal)), key=lambda i: (-(ideal[i] - floors[i]), i))
    for i in order[:remainder]:
        floors[i] += 1
    return np.array(floors, dtype=object)


def allocate(
    lines: pd.DataFrame,
    weights: pd.DataFrame,
    match_on: list[str],
    recipient: list[str],
    fallback: pd.DataFrame | None = None,
    fallback_on: list[str] | None = None,
) -> pd.DataFrame:
    """Allocate every line to recipients.

    ``lines``: line_id, amount_usd (Decimal) and the ``match_on`` columns.
    ``weights``: ``match_on`` + ``recipient`` columns + ``weight`` (> 0 rows only matter).
    ``fallback``: ``fallback_on`` + ``recipient`` columns: who shares a line without weights.
    Returns line_id, recipient columns, allocated_usd (Decimal), allocation_share (0..1), allocation_method,
    units (the recipient's weight for usage-based shares, else null) and line_units (the line's total weight).
    """
    out = []
    weights = weights[weights["weight"] > 0]
    keyed = _with_null_keys(weights, match_on)
    # Each group's recipients (sorted) with their summed weights: computed once, as plain tuples and
    # an array per group (a DataFrame per group and line cost more than the split itself).
    by_group: dict[tuple, tuple[list[tuple], np.ndarray]] = {}
    if len(keyed):
        summed = keyed.groupby(match_on + recipient, dropna=False, sort=True)["weight"].sum().reset_index()
        by_group = _groups(summed.itertuples(index=False, name=None), len(match_on), weighted=True)
    fallback_groups: dict[tuple, tuple[list[tuple], np.ndarray]] = {}
    if fallback is not None and len(fallback):
        fb = _with_null_keys(fallback.drop_duplicates(), fallback_on)
        fb = fb[fallback_on + recipient].drop_duplicates().sort_values(fallback_on + recipient, kind="stable")
        fallback_groups = _groups(fb.itertuples(index=False, name=None), len(fallback_on), weighted=False)
    nobody = ([tuple(None for _ in recipient)], np.array([1.0]))
    for line in _with_null_keys(lines, match_on + (fallback_on or [])).to_dict("records"):
        total = to_nano(line["amount_usd"])
        group = by_group.get(tuple(line[c] for c in match_on))
        method = USAGE_BASED
        if group is None:
            group = fallback_groups.get(tuple(line[c] for c in fallback_on)) if fallback_on else None
            method = EQUAL_SPLIT
        if group is None:
            group, method = nobody, UNALLOCATED
        names, weight = group
        parts = split_exact(total, weight)
        line_units = float(weight.sum()) if method == USAGE_BASED else None
        share = weight / weight.sum()
        for values, nano, fraction, units in zip(names, parts, share, weight):
            out.append(
                {
                    "line_id": line["line_id"],
                    **{c: _restore(v) for c, v in zip(recipient, values)},
                    "allocated_usd": Decimal(int(nano)) * NANO,
                    "allocation_share": float(fraction),
                    "allocation_method": method,
                    "units": float(units) if method == USAGE_BASED else None,
                    "line_units": line_units,
                }
            )
    columns = ["line_id", *recipient, "allocated_usd", "allocation_share", "allocation_method", "units", "line_units"]
    return pd.DataFrame(out, columns=columns)


_NULL = "\x00null"


def _groups(rows, key_length: int, weighted: bool) -> dict[tuple, tuple[list[tuple], np.ndarray]]:
    """Rows (key columns, recipient columns[, weight]) in order, as key -> (recipients, weights)."""
    grouped: dict[tuple, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[:key_length], []).append(row[key_length:])
    if weighted:
        return {k: ([r[:-1] for r in v], np.array([r[-1] for r in v], dtype=float)) for k, v in grouped.items()}
    return {k: (v, np.ones(len(v))) for k, v in grouped.items()}


def _with_null_keys(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Nulls are a real group here (the default Anthropic workspace is workspace_id null)."""
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), _NULL)
    return frame


def _restore(value):
    return None if value == _NULL or (isinstance(value, float) and np.isnan(value)) else value
