"""dim_platforms: the catalogue's values, and the schema check that guards the write."""

import dagster as dg
import pandas as pd
import pytest

from ai_usage_analytics.assets import reference
from ai_usage_analytics.resources.io_manager import WarehouseIOManager


def materialize(warehouse, **kwargs):
    return dg.materialize(
        [reference.dim_platforms],
        resources={"io_manager": WarehouseIOManager(warehouse=warehouse)},
        **kwargs,
    )


def test_dim_platforms_lands_with_every_erd_column(warehouse):
    result = materialize(warehouse)
    assert [(e.check_name, e.passed) for e in result.get_asset_check_evaluations()] == [("schema", True)]
    table = warehouse.query("SELECT * FROM dim_platforms ORDER BY platform_code")
    assert list(table.columns) == [
        "platform_sk",
        "platform_code",
        "platform_name",
        "category",
        "vendor",
        "cost_model",
        "supports_user_attribution",
        "supports_productivity_metrics",
        "created_at",
    ]
    assert table[["platform_code", "category", "vendor"]].values.tolist() == [
        ["claude_api", "api_consumption", "Anthropic"],
        ["claude_code", "engineering_productivity", "Anthropic"],
        ["claude_web", "knowledge_work", "Anthropic"],
        ["cursor", "engineering_productivity", "Cursor"],
        ["gemini", "knowledge_work", "Google"],
    ]
    assert (table["platform_sk"] == table["platform_code"]).all()


def test_rematerialising_changes_nothing(warehouse):
    materialize(warehouse)
    first = warehouse.query("SELECT * FROM dim_platforms ORDER BY platform_code")
    materialize(warehouse)
    pd.testing.assert_frame_equal(first, warehouse.query("SELECT * FROM dim_platforms ORDER BY platform_code"))


def test_a_frame_breaking_the_contract_fails_its_check_and_is_not_written(warehouse, monkeypatch):
    materialize(warehouse)
    broken = reference.build_dim_platforms()
    broken.loc[0, "category"] = "gaming"
    monkeypatch.setattr(reference, "build_dim_platforms", lambda: broken)

    result = materialize(warehouse, raise_on_error=False)

    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.check_name == "schema"
    assert evaluation.metadata["failure_count"].value == 1
    assert "gaming" in evaluation.metadata["failure_cases"].value
    assert sorted(warehouse.query("SELECT category FROM dim_platforms")["category"]) == sorted(
        ["engineering_productivity", "engineering_productivity", "api_consumption", "knowledge_work", "knowledge_work"]
    )


@pytest.mark.parametrize("column", ["vendor", "cost_model", "platform_code"])
def test_schema_rejects_unknown_values(column):
    from pandera.errors import SchemaErrors

    from ai_usage_analytics.checks.schemas import DimPlatforms

    frame = reference.build_dim_platforms()
    frame.loc[2, column] = "other"
    with pytest.raises(SchemaErrors):
        DimPlatforms.validate(frame, lazy=True)
