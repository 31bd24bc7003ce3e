"""``Text``: pandera's ``str`` column type, checked and coerced in one C-level pass when the column
already holds only strings (and nulls), which is every frame our normalisers build.

pandera's own ``str`` maps a Python function over every value twice (coercion, then the type
check): on a year of raw rows that was the largest part of validation. When anything else is in the
column, both fall back to pandera's own behaviour and its per-value failure cases.
"""

from __future__ import annotations

import pandas as pd
from pandera import dtypes
from pandera.engines import pandas_engine

_TEXT_KINDS = ("string", "empty")


def _only_text(data) -> bool:
    return getattr(data, "dtype", None) == object and pd.api.types.infer_dtype(data, skipna=True) in _TEXT_KINDS


@pandas_engine.Engine.register_dtype
@dtypes.immutable
class Text(pandas_engine.NpString):
    """A string column (nulls as the field allows)."""

    def coerce(self, data_container):
        return data_container if _only_text(data_container) else super().coerce(data_container)

    def check(self, pandera_dtype, data_container=None):
        if data_container is not None and _only_text(data_container):
            return True
        return super().check(pandera_dtype, data_container)
