"""Column types that pass a column through in one C-level pass when it already holds what the type
wants (every frame our normalisers and facts build does), and otherwise behave exactly as pandera's.

- ``Text``, pandera's ``str``: pandera maps a Python function over every value twice (coercion, then
  the type check); on a year of raw rows that was the largest part of validation.
- ``Day``, pandera's ``Date``: pandera turns every date column into timestamps and back, about 9 s of
  a year's run.
- ``UtcTime``, pandera's ``DateTime`` in UTC: pandera runs ``pd.to_datetime`` over a column that is
  already UTC timestamps, and pandas' cache heuristic there makes Python objects of its first 10,000
  values, for each timestamp column of each chunk (5 % of a raw pull's time).

A column with anything else takes pandera's own coercion and checks, so nulls come out as pandera
makes them and failures still name each bad value.
"""

from __future__ import annotations

from datetime import date, tzinfo

import pandas as pd
from pandera import dtypes
from pandera.engines import pandas_engine


class _PassThrough:
    """``coerce`` and ``check`` skip pandera's per-value work when ``ready(column)``."""

    @staticmethod
    def ready(data) -> bool:
        raise NotImplementedError

    def coerce(self, data_container):
        return data_container if self.ready(data_container) else super().coerce(data_container)

    def check(self, pandera_dtype, data_container=None):
        if data_container is not None and self.ready(data_container):
            return True
        return super().check(pandera_dtype, data_container)


@pandas_engine.Engine.register_dtype
@dtypes.immutable
class Text(_PassThrough, pandas_engine.NpString):
    """A string column (nulls as the field allows)."""

    @staticmethod
    def ready(data) -> bool:
        return getattr(data, "dtype", None) == object and pd.api.types.infer_dtype(data, skipna=True) in ("string", "empty")


@pandas_engine.Engine.register_dtype
@dtypes.immutable(init=True)
class Day(_PassThrough, pandas_engine.Date):
    """A calendar-day column (``datetime.date`` values)."""

    @staticmethod
    def ready(data) -> bool:
        """Every value exactly a ``date``: not a ``datetime`` (a subclass, which pandas' type inference
        counts as a date), and no null (pandera's path turns None into NaT)."""
        return getattr(data, "dtype", None) == object and len(data) > 0 and set(map(type, data.to_numpy())) == {date}


UTC_NANOSECONDS = pd.DatetimeTZDtype("ns", "UTC")


@pandas_engine.Engine.register_dtype
@dtypes.immutable(init=True)
class UtcTime(_PassThrough, pandas_engine.DateTime):
    """A UTC timestamp column at nanosecond precision."""

    tz: tzinfo | None = UTC_NANOSECONDS.tz

    @staticmethod
    def ready(data) -> bool:
        return getattr(data, "dtype", None) == UTC_NANOSECONDS
