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


# --- Sheet-fed assets: a bad tab is reported row by row and the previous version stays. ---

MAPPING_HEADER = (
    "api_key_id,api_key_name,user_email,platform_code,usage_purpose,cost_center,is_active,confidence_score,"
    "created_at,last_verified,valid_from,valid_to"
)
GOOD_MAPPING = "apikey_01,alice-dev,Alice@Corp.com,claude_api,coding,CC-1,true,0.9,2025-01-02,2025-02-01,,"
USERS = (
    "user_email,first_name,last_name,department,job_role,user_type,is_active,start_date,end_date\n"
    "alice@corp.com,Alice,Smith,Engineering,SWE,engineering,true,2024-01-01,\n"
    "leo@corp.com,Leo,Left,Sales,AE,knowledge_worker,false,2023-01-01,2025-03-31\n"
)


@pytest.fixture
def sheet_dir(tmp_path):
    directory = tmp_path / "reference"
    directory.mkdir()
    (directory / "api_key_mappings.csv").write_text(f"{MAPPING_HEADER}\n{GOOD_MAPPING}\n")
    (directory / "users.csv").write_text(USERS)
    (directory / "budgets.csv").write_text("budget_category,month,budget_usd\nEngineering,2025-08,1500.50\n")
    return directory


def materialize_sheet_assets(warehouse, directory, assets, **kwargs):
    from ai_usage_analytics.resources.google_sheets import LocalCsvReference

    return dg.materialize(
        assets,
        resources={
            "io_manager": WarehouseIOManager(warehouse=warehouse),
            "warehouse": warehouse,
            "reference_sheets": LocalCsvReference(directory=str(directory)),
        },
        **kwargs,
    )


def test_mapping_budgets_and_users_load_from_the_reference_files(warehouse, sheet_dir):
    (sheet_dir / "api_key_mappings.csv").write_text(
        f"{MAPPING_HEADER}\n{GOOD_MAPPING}\napikey_02,bob-key,bob@corp.com,claude_api,research,CC-2,true,,,,,\n"
    )
    result = materialize_sheet_assets(
        warehouse, sheet_dir, [reference.api_key_mappings, reference.budgets, reference.dim_users]
    )
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    mappings = warehouse.query("SELECT api_key_id, user_email, confidence_score FROM api_key_mappings ORDER BY 1")
    assert mappings.values.tolist() == [["apikey_01", "alice@corp.com", 0.9], ["apikey_02", "bob@corp.com", 1.0]]
    budgets = warehouse.query("SELECT budget_category, month, CAST(budget_usd AS VARCHAR) AS usd FROM budgets")
    assert budgets.values.tolist() == [["Engineering", "2025-08", "1500.500000000"]]
    users = warehouse.query(
        "SELECT user_email, department, is_active, is_discovered, discovered_from FROM dim_users ORDER BY 1"
    )
    assert users.values.tolist() == [
        ["alice@corp.com", "Engineering", True, False, None],
        # named by the mapping but not on the roster: discovered, so the fact's user_sk exists
        ["bob@corp.com", "unknown", True, True, "api_key_mapping"],
        ["leo@corp.com", "Sales", False, False, None],
        ["unattributed", "unattributed", True, False, None],
    ]


@pytest.mark.parametrize(
    "bad_row, reason",
    [
        ("apikey_01,dup,carol@corp.com,claude_api,coding,CC-1,true,1,,,,", "apikey_01"),
        ("apikey_03,x,not-an-email,claude_api,coding,CC-1,true,1,,,,", "email"),
        ("apikey_03,x,carol@corp.com,claude_api,coding,CC-1,true,1.5,,,,", "0 and 1"),
        ("apikey_03,x,carol@corp.com,copilot,coding,CC-1,true,1,,,,", "platform_code"),
        ("apikey_03,x,carol@corp.com,claude_api,gaming,CC-1,true,1,,,,", "usage_purpose"),
    ],
)
def test_a_bad_mapping_row_fails_with_a_report_and_the_old_mapping_stays(warehouse, sheet_dir, bad_row, reason):
    assert materialize_sheet_assets(warehouse, sheet_dir, [reference.api_key_mappings]).success
    (sheet_dir / "api_key_mappings.csv").write_text(f"{MAPPING_HEADER}\n{GOOD_MAPPING}\n{bad_row}\n")

    result = materialize_sheet_assets(warehouse, sheet_dir, [reference.api_key_mappings], raise_on_error=False)

    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.metadata["problem_count"].value == 1
    report = evaluation.metadata["problems"].value
    assert "3" in report and reason in report  # sheet row 3: the header is row 1
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "nothing was loaded" in failure.description and "row 3" in failure.description
    assert warehouse.query("SELECT api_key_id FROM api_key_mappings")["api_key_id"].tolist() == ["apikey_01"]


@pytest.mark.parametrize(
    "content, reason",
    [
        ("api_key_id,user_email\napikey_01,alice@corp.com\n", "missing column(s)"),
        (f"{MAPPING_HEADER}\n", "no rows"),
        (MAPPING_HEADER.replace("user_email", "email") + f"\n{GOOD_MAPPING}\n", "renamed or deleted"),
    ],
)
def test_a_broken_tab_fails_with_the_reason_and_the_old_mapping_stays(warehouse, sheet_dir, content, reason):
    assert materialize_sheet_assets(warehouse, sheet_dir, [reference.api_key_mappings]).success
    (sheet_dir / "api_key_mappings.csv").write_text(content)

    result = materialize_sheet_assets(warehouse, sheet_dir, [reference.api_key_mappings], raise_on_error=False)

    assert not result.success
    assert reason in result.get_asset_check_evaluations()[0].metadata["problems"].value
    assert warehouse.query("SELECT COUNT(*) AS n FROM api_key_mappings")["n"][0] == 1


def test_an_unreachable_sheet_fails_the_step_with_what_to_fix(warehouse, sheet_dir):
    (sheet_dir / "budgets.csv").unlink()
    result = materialize_sheet_assets(warehouse, sheet_dir, [reference.budgets], raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "budgets.csv does not exist" in failure.description
