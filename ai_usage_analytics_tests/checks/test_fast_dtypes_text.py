"""Text behaves as pandera's str: same coercion, same failures; only faster on all-string columns."""

import pandas as pd
import pandera.errors
import pytest

from ai_usage_analytics.checks.fast_dtypes import Text
from ai_usage_analytics_tests.checks.one_column_schemas import one_column


Coerced, Strict, Pandera = one_column("name", Text, str, strict_nullable=True)


def test_an_all_string_column_passes_unchanged():
    frame = pd.DataFrame({"name": ["ada", None, "kim"]})
    out = Coerced.validate(frame)
    assert out["name"].tolist() == ["ada", None, "kim"]


@pytest.mark.parametrize("values", [["a", 1, None], [1.5, 2.0, None], [None, None, None]])
def test_other_values_are_coerced_as_pandera_coerces_str(values):
    frame = pd.DataFrame({"name": values})
    assert Coerced.validate(frame.copy())["name"].equals(Pandera.validate(frame.copy())["name"])


def test_without_coercion_a_number_is_a_failure_case():
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        Strict.validate(pd.DataFrame({"name": ["a", 7]}), lazy=True)
    assert "7" in caught.value.failure_cases["failure_case"].astype(str).tolist()
