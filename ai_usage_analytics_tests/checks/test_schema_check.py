"""validate_frame: the frame coerced in place, and let go as soon as the caller drops it."""

import gc
import weakref

import pandas as pd
import pandera.errors
import pandera.pandas as pa
import pytest
from pandera.typing import Series

from ai_usage_analytics.checks.schema_check import validate_frame


class Model(pa.DataFrameModel):
    n: Series[int] = pa.Field(ge=0)
    name: Series[str]

    class Config:
        coerce = True
        strict = True


def test_a_valid_frame_is_coerced_in_place():
    frame = pd.DataFrame({"n": ["1", "2"], "name": ["a", "b"]})
    valid = validate_frame(Model, frame)
    assert valid is frame and valid["n"].tolist() == [1, 2] and str(valid["n"].dtype) == "int64"


def test_a_validated_frame_is_freed_when_dropped_without_waiting_for_the_cyclic_collector():
    gc.collect()
    gc.disable()  # what a chunk's frame would wait for between two of Python's full collections
    try:
        valid = validate_frame(Model, pd.DataFrame({"n": range(1000), "name": ["x"] * 1000}))
        gone = weakref.ref(valid)
        del valid
        assert gone() is None
    finally:
        gc.enable()


def test_an_invalid_frame_raises_every_failure():
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        validate_frame(Model, pd.DataFrame({"n": [-1, 2], "name": ["a", None]}))
    assert len(caught.value.failure_cases) == 2
