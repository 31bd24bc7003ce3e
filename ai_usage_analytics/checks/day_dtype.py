"""``Day``: pandera's ``Date`` column type, passed through after one C-level pass over the values'
types when the column holds only ``datetime.date`` values, as every frame our normalisers and facts
build does.

pandera's own ``Date`` coerces by turning the column into timestamps and back into dates, then checks
each value with a Python function: on a year of raw and fact rows that was about 9 s of the run. A
column with anything else (a null, a timestamp, a string) goes to pandera's own coercion and checks,
so nulls still come out as pandera makes them and failures still name each bad value.
"""

from __future__ import annotations

from datetime import date

from pandera import dtypes
from pandera.engines import pandas_engine


def _only_days(data) -> bool:
    """Every value exactly a ``date``: not a ``datetime`` (a subclass, which pandas' type inference
    counts as a date), and no null (pandera's path turns None into NaT)."""
    return getattr(data, "dtype", None) == object and len(data) > 0 and set(map(type, data.to_numpy())) == {date}


@pandas_engine.Engine.register_dtype
@dtypes.immutable(init=True)
class Day(pandas_engine.Date):
    """A calendar-day column (``datetime.date`` values)."""

    def coerce(self, data_container):
        return data_container if _only_days(data_container) else super().coerce(data_container)

    def check(self, pandera_dtype, data_container=None):
        if data_container is not None and _only_days(data_container):
            return True
        return super().check(pandera_dtype, data_container)
