"""Frames to and from Arrow the same way for every warehouse engine.

Both engines exchange data with pandas through Arrow, so one set of rules gives both the same
values: money is exact (NUMERIC(38, 9) as ``Decimal``, never float), DATE comes back as
``datetime.date``, TIMESTAMP as UTC, and integer/boolean columns keep their nulls.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pyarrow as pa

NANO = Decimal("1e-9")
MONEY = pa.decimal128(38, 9)
READ_TYPES = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def exact(value) -> Decimal | None:
    """A money value at NUMERIC(38, 9) scale; floats go through their shortest repr, not binary."""
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return None
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(NANO)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper=READ_TYPES.get)


def money_array(values) -> pa.Array:
    """NUMERIC(38, 9) values. Decimals and ints that fit the scale go through their text, which Arrow
    casts exactly (a third of the time of Arrow taking the Decimal objects); anything else (NaN,
    more than 9 decimals, more than 38 digits) goes through ``exact``."""
    values = list(values)
    try:
        return pa.array([value if value is None else str(value) for value in values], type=pa.string()).cast(MONEY)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.array([exact(v) for v in values], type=MONEY)


def _text(value):
    if value is None or (not isinstance(value, (str, dict, list)) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def typed_array(values: pd.Series, bigquery_type: str) -> pa.Array:
    """``values`` as the Arrow type of a BigQuery column type (JSON travels as text)."""
    kind = bigquery_type.split("(")[0].strip().upper()
    if kind in ("NUMERIC", "BIGNUMERIC", "DECIMAL"):
        return money_array(values)
    if kind == "DATE":
        days = pd.to_datetime(values, errors="raise").dt.date
        return pa.array([None if pd.isna(d) else d for d in days], type=pa.date32())
    if kind == "TIMESTAMP":
        return pa.array(pd.to_datetime(values, utc=True, errors="raise"), type=pa.timestamp("us", tz="UTC"))
    if kind == "INT64":
        return pa.array(values.astype("Int64"), type=pa.int64())
    if kind == "FLOAT64":
        return pa.array(values.astype("float64"), type=pa.float64(), from_pandas=True)
    if kind == "BOOL":
        return pa.array(values.astype("boolean"), type=pa.bool_())
    return pa.array([_text(v) for v in values], type=pa.string())


def typed_table(frame: pd.DataFrame, column_types: dict[str, str]) -> pa.Table:
    """The frame as Arrow with every column typed from the DDL's BigQuery types."""
    return pa.Table.from_arrays(
        [typed_array(frame[c].reset_index(drop=True), column_types[c]) for c in frame.columns], names=list(frame.columns)
    )
