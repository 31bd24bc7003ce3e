"""One pandera model per warehouse table: the frame contract checked before every write."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ai_usage_analytics.transform.platforms import CATEGORIES, COST_MODELS, PLATFORM_CODES, VENDORS

UtcTimestamp = Annotated[pd.DatetimeTZDtype, "ns", "UTC"]


class DimPlatforms(pa.DataFrameModel):
    platform_sk: Series[str] = pa.Field(unique=True)
    platform_code: Series[str] = pa.Field(unique=True, isin=PLATFORM_CODES)
    platform_name: Series[str] = pa.Field(str_length={"min_value": 1})
    category: Series[str] = pa.Field(isin=CATEGORIES)
    vendor: Series[str] = pa.Field(isin=VENDORS)
    cost_model: Series[str] = pa.Field(isin=COST_MODELS)
    supports_user_attribution: Series[bool]
    supports_productivity_metrics: Series[bool]
    created_at: Series[UtcTimestamp]

    class Config:
        strict = True
        coerce = True
        ordered = True

    @pa.dataframe_check
    def surrogate_key_is_code(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["platform_sk"] == frame["platform_code"]
