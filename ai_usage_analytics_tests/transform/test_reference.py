"""Sheet tabs parse into typed frames; every class of bad row is reported clearly, all at once."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from ai_usage_analytics.transform.reference import (
    MAPPING_COLUMNS,
    MAPPING_OPTIONAL,
    ReferenceValidationError,
    parse_api_key_mappings,
    parse_budgets,
    parse_users,
)

HEADER = list(MAPPING_COLUMNS + MAPPING_OPTIONAL)


def mapping(**overrides) -> dict[str, str]:
    row = {
        "api_key_id": "apikey_01",
        "api_key_name": "engineering-tools",
        "user_email": "Ada.Lovelace@corp.com",
        "platform_code": "claude_api",
        "usage_purpose": "coding",
        "cost_center": "CC-100",
        "is_active": "TRUE",
        "confidence_score": "0.95",
        "created_at": "2026-01-05",
        "last_verified": "2026-06-01T10:00:00Z",
        "valid_from": "",
        "valid_to": "",
    }
    return {**row, **overrides}


def problems(excinfo) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


def test_good_mappings_are_typed():
    frame = parse_api_key_mappings(HEADER, [mapping(), mapping(api_key_id="", api_key_name="cc-agent", is_active="",
                                                               confidence_score="", valid_from="2026-02-01")])
    first, second = frame.to_dict("records")
    assert first["user_email"] == "ada.lovelace@corp.com"
    assert first["confidence_score"] == 0.95 and first["is_active"] is True
    assert first["created_at"] == pd.Timestamp("2026-01-05T00:00:00Z")
    assert first["valid_from"] is None and first["valid_to"] is None
    assert second["api_key_id"] is None and second["api_key_name"] == "cc-agent"
    assert second["confidence_score"] == 1.0 and second["valid_from"] == date(2026, 2, 1)
    assert frame["mapping_id"].is_unique
    assert list(frame.columns)[:3] == ["mapping_id", "api_key_id", "api_key_name"]


def test_mapping_ids_are_deterministic():
    assert parse_api_key_mappings(HEADER, [mapping()])["mapping_id"].tolist() == parse_api_key_mappings(
        HEADER, [mapping(user_email="x@corp.com")]
    )["mapping_id"].tolist()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([mapping(user_email="ada@")], "row 2, column user_email ('ada@'): not an email address"),
        ([mapping(confidence_score="1.5")], "row 2, column confidence_score ('1.5'): must be between 0 and 1"),
        ([mapping(confidence_score="high")], "row 2, column confidence_score ('high'): not a number"),
        ([mapping(platform_code="copilot")], "row 2, column platform_code ('copilot'): must be one of"),
        ([mapping(usage_purpose="fun")], "row 2, column usage_purpose ('fun'): must be one of"),
        ([mapping(is_active="maybe")], "row 2, column is_active ('maybe'): must be TRUE or FALSE"),
        ([mapping(valid_from="2026-05-01", valid_to="2026-04-01")], "row 2, column valid_to ('2026-04-01'): is before valid_from"),
        ([mapping(api_key_id="", api_key_name="")], "row 2, column api_key_id: give the API key id"),
        ([mapping(), mapping(user_email="b@corp.com")], "row 3, column api_key_id ('apikey_01'): active for the same key as row 2"),
        (
            [mapping(valid_to="2026-03-31"), mapping(valid_from="2026-03-31")],
            "row 3, column api_key_id ('apikey_01'): active for the same key as row 2 in overlapping validity dates",
        ),
    ],
)
def test_each_bad_row_class_is_reported(rows, expected):
    with pytest.raises(ReferenceValidationError) as excinfo:
        parse_api_key_mappings(HEADER, rows)
    assert any(p.startswith(expected) for p in problems(excinfo)), problems(excinfo)
    assert "nothing was loaded and the previous version stays in the warehouse" in str(excinfo.value)


def test_non_overlapping_or_inactive_duplicates_are_fine():
    frame = parse_api_key_mappings(
        HEADER,
        [
            mapping(valid_to="2026-03-31"),
            mapping(valid_from="2026-04-01", user_email="b@corp.com"),
            mapping(is_active="FALSE", user_email="c@corp.com"),
        ],
    )
    assert len(frame) == 3


def test_renamed_header_and_empty_tab():
    renamed = [c if c != "user_email" else "email" for c in HEADER]
    with pytest.raises(ReferenceValidationError, match=r"header: missing column\(s\) \['user_email'\]"):
        parse_api_key_mappings(renamed, [mapping()])
    with pytest.raises(ReferenceValidationError, match="header: the tab has a header but no rows"):
        parse_api_key_mappings(HEADER, [])
    with pytest.raises(ReferenceValidationError, match="missing column"):
        parse_api_key_mappings([], [])


def test_every_problem_is_reported_at_once():
    with pytest.raises(ReferenceValidationError) as excinfo:
        parse_api_key_mappings(HEADER, [mapping(user_email="bad"), mapping(api_key_id="k2", platform_code="x")])
    assert len(excinfo.value.problems) == 2
    assert "has 2 problem(s)" in str(excinfo.value)


USERS_HEADER = ["user_email", "first_name", "last_name", "department", "job_role", "user_type", "is_active",
                "start_date", "end_date"]


def user(**overrides):
    row = {"user_email": "ada@corp.com", "first_name": "Ada", "last_name": "Lovelace", "department": "Engineering",
           "job_role": "Engineer", "user_type": "engineering", "is_active": "TRUE", "start_date": "2025-01-06",
           "end_date": ""}
    return {**row, **overrides}


def test_users_parse_and_report():
    frame = parse_users(USERS_HEADER, [user(), user(user_email="Bob@Corp.com", end_date="2026-02-01", is_active="FALSE")])
    assert frame["user_email"].tolist() == ["ada@corp.com", "bob@corp.com"]
    assert frame["end_date"].tolist()[1] == date(2026, 2, 1) and frame["is_active"].tolist() == [True, False]
    with pytest.raises(ReferenceValidationError) as excinfo:
        parse_users(USERS_HEADER, [user(), user(user_type="robot"), user(user_email="x@corp.com", department="")])
    found = problems(excinfo)
    assert any("row 3, column user_email ('ada@corp.com'): appears again (first at row 2)" in p for p in found)
    assert any(p.startswith("row 3, column user_type ('robot')") for p in found)
    assert any(p.startswith("row 4, column department: required") for p in found)


def test_budgets_parse_and_report():
    frame = parse_budgets(["budget_category", "month", "budget_usd"], [
        {"budget_category": "Engineering", "month": "2026-01", "budget_usd": "$12,500.50"},
    ])
    assert frame["budget_usd"].tolist() == [Decimal("12500.50")]
    with pytest.raises(ReferenceValidationError) as excinfo:
        parse_budgets(["budget_category", "month", "budget_usd"], [
            {"budget_category": "Engineering", "month": "2026-1", "budget_usd": "10"},
            {"budget_category": "Sales", "month": "2026-01", "budget_usd": "-5"},
            {"budget_category": "Sales", "month": "2026-01", "budget_usd": "5"},
        ])
    found = problems(excinfo)
    assert any(p.startswith("row 2, column month ('2026-1'): must look like 2026-01") for p in found)
    assert any(p.startswith("row 3, column budget_usd ('-5'): must be >= 0") for p in found)
    assert any("second budget for Sales in 2026-01 (first at row 3)" in p for p in found)
