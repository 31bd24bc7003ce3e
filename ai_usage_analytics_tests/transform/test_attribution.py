"""The attribution precedence, confidences, platform refinement and use-case rules, table by table."""

from datetime import date

import pandas as pd
import pytest

from ai_usage_analytics.transform import attribution as A

ROSTER = pd.DataFrame(
    [
        {"user_email": "ada.lovelace@corp.com", "first_name": "Ada", "last_name": "Lovelace"},
        {"user_email": "alan.turing@corp.com", "first_name": "Alan", "last_name": "Turing"},
        {"user_email": "grace.hopper@corp.com", "first_name": "Grace", "last_name": "Hopper"},
    ]
)
MAPPINGS = pd.DataFrame(
    [
        # key_a belongs to Ada until the end of March, then to Alan.
        {"api_key_id": "key_a", "api_key_name": "shared-bot", "user_email": "ada.lovelace@corp.com", "is_active": True,
         "confidence_score": 1.0, "usage_purpose": "coding", "cost_center": "CC-ENG",
         "valid_from": None, "valid_to": date(2026, 3, 31)},
        {"api_key_id": "key_a", "api_key_name": "shared-bot", "user_email": "alan.turing@corp.com", "is_active": True,
         "confidence_score": 0.9, "usage_purpose": "research", "cost_center": "CC-RES",
         "valid_from": date(2026, 4, 1), "valid_to": None},
        # An inactive row never wins.
        {"api_key_id": "key_off", "api_key_name": None, "user_email": "grace.hopper@corp.com", "is_active": False,
         "confidence_score": 1.0, "usage_purpose": "general", "cost_center": None, "valid_from": None, "valid_to": None},
        # Claude Code API actors are mapped by key name.
        {"api_key_id": None, "api_key_name": "cc-build-agent", "user_email": "grace.hopper@corp.com", "is_active": True,
         "confidence_score": 0.75, "usage_purpose": "coding", "cost_center": "CC-ENG", "valid_from": None, "valid_to": None},
    ]
)
API_KEYS = pd.DataFrame(
    [
        {"api_key_id": "key_named", "api_key_name": "grace-hopper-laptop", "created_by_id": "user_admin", "created_by_type": "user"},
        {"api_key_id": "key_named_self", "api_key_name": "alan_turing_cli", "created_by_id": "user_alan", "created_by_type": "user"},
        {"api_key_id": "key_created", "api_key_name": "misc-tools", "created_by_id": "user_ada", "created_by_type": "user"},
        {"api_key_id": "key_svc", "api_key_name": "ci-bot", "created_by_id": "svac_1", "created_by_type": "service_account"},
        {"api_key_id": "key_off", "api_key_name": "old", "created_by_id": None, "created_by_type": None},
    ]
)
USERS = pd.DataFrame(
    [
        {"user_id": "user_admin", "email": "it.admin@corp.com"},
        {"user_id": "user_alan", "email": "alan.turing@corp.com"},
        {"user_id": "user_ada", "email": "ada.lovelace@corp.com"},
    ]
)


@pytest.mark.parametrize(
    ("key_id", "key_name", "day", "email", "method", "confidence", "purpose"),
    [
        ("key_a", None, date(2026, 3, 31), "ada.lovelace@corp.com", "api_key_mapping", 1.0, "coding"),
        ("key_a", None, date(2026, 4, 1), "alan.turing@corp.com", "api_key_mapping", 0.9, "research"),
        (None, "cc-build-agent", date(2026, 4, 1), "grace.hopper@corp.com", "api_key_mapping", 0.75, "coding"),
        ("key_named", None, date(2026, 4, 1), "grace.hopper@corp.com", "inferred", A.NAME_CONFIDENCE, None),
        ("key_named_self", None, date(2026, 4, 1), "alan.turing@corp.com", "inferred", A.NAME_AND_CREATOR_CONFIDENCE, None),
        ("key_created", None, date(2026, 4, 1), "ada.lovelace@corp.com", "inferred", A.CREATOR_CONFIDENCE, None),
        ("key_svc", None, date(2026, 4, 1), A.UNATTRIBUTED, "unattributed", 0.0, None),
        ("key_off", None, date(2026, 4, 1), A.UNATTRIBUTED, "unattributed", 0.0, None),
        ("key_unknown", None, date(2026, 4, 1), A.UNATTRIBUTED, "unattributed", 0.0, None),
        (None, None, date(2026, 4, 1), A.UNATTRIBUTED, "unattributed", 0.0, None),
    ],
)
def test_api_key_precedence(key_id, key_name, day, email, method, confidence, purpose):
    usage = pd.DataFrame([{"api_key_id": key_id, "api_key_name": key_name, "usage_date": day}], index=[7])
    (row,) = A.attribute_api_keys(usage, MAPPINGS, API_KEYS, USERS, ROSTER).to_dict("records")
    assert (row["user_email"], row["attribution_method"], row["attribution_confidence"]) == (email, method, confidence)
    assert (row["usage_purpose"] if row["usage_purpose"] == row["usage_purpose"] else None) == purpose


def test_mapping_beats_inference_and_rows_keep_their_index():
    usage = pd.DataFrame(
        [
            {"api_key_id": "key_named", "usage_date": date(2026, 4, 1)},
            {"api_key_id": "key_a", "usage_date": date(2026, 1, 1)},
        ],
        index=[10, 20],
    )
    mappings = pd.concat(
        [MAPPINGS, pd.DataFrame([{"api_key_id": "key_named", "user_email": "ada.lovelace@corp.com", "is_active": True,
                                  "confidence_score": 1.0, "valid_from": None, "valid_to": None}])],
        ignore_index=True,
    )
    out = A.attribute_api_keys(usage, mappings, API_KEYS, USERS, ROSTER)
    assert list(out.index) == [10, 20]
    assert out["user_email"].tolist() == ["ada.lovelace@corp.com", "ada.lovelace@corp.com"]
    assert out["attribution_method"].tolist() == ["api_key_mapping", "api_key_mapping"]


def test_no_mappings_or_snapshots_still_attributes_by_name_or_leaves_unattributed():
    usage = pd.DataFrame([{"api_key_id": None, "api_key_name": "ada-lovelace-laptop", "usage_date": date(2026, 4, 1)},
                          {"api_key_id": "k", "api_key_name": None, "usage_date": date(2026, 4, 1)}])
    empty = pd.DataFrame(columns=["api_key_id", "api_key_name", "created_by_id", "created_by_type"])
    out = A.attribute_api_keys(usage, MAPPINGS.iloc[0:0], empty, pd.DataFrame(columns=["user_id", "email"]), ROSTER)
    assert out["user_email"].tolist() == ["ada.lovelace@corp.com", A.UNATTRIBUTED]


@pytest.mark.parametrize(
    ("key_name", "expected"),
    [
        ("ada-lovelace-laptop", "ada.lovelace@corp.com"),
        ("claude_code_key_alan_turing_x7kq", "alan.turing@corp.com"),
        ("Grace.Hopper", "grace.hopper@corp.com"),
        ("lovelace-ada", None),  # order matters: first then last
        ("ada", None),
        ("engineering-shared", None),
        (None, None),
    ],
)
def test_person_named_by_key(key_name, expected):
    assert A.person_named_by_key(key_name, ROSTER) == expected


def test_direct_email_confidence_depends_on_the_roster():
    out = A.attribute_emails(pd.Series([" Ada.Lovelace@corp.com", "new.hire@corp.com"]), ROSTER["user_email"])
    assert out["user_email"].tolist() == ["ada.lovelace@corp.com", "new.hire@corp.com"]
    assert out["attribution_confidence"].tolist() == [1.0, A.DISCOVERED_CONFIDENCE]
    assert set(out["attribution_method"]) == {"direct_email"}


def test_refine_platform_from_mapping():
    platform = pd.Series(["claude_api", "claude_api", "claude_code"])
    mapped = pd.Series(["claude_code", None, "claude_api"])
    assert A.refine_platform(platform, mapped).tolist() == ["claude_code", "claude_api", "claude_code"]


@pytest.mark.parametrize(
    ("category", "purpose", "key_name", "user_type", "department", "expected"),
    [
        ("engineering_productivity", "research", None, None, None, "engineering_productivity"),
        ("knowledge_work", None, None, "engineering", None, "knowledge_work"),
        ("api_consumption", "coding", "research-x", "knowledge_worker", None, "engineering_productivity"),
        ("api_consumption", "analysis", None, None, None, "knowledge_work"),
        ("api_consumption", "automation", None, None, None, "api_consumption"),
        ("api_consumption", "general", "engineering-tools", None, None, "engineering_productivity"),
        ("api_consumption", None, "research-papers", "engineering", None, "knowledge_work"),
        ("api_consumption", None, "misc", "knowledge_worker", None, "knowledge_work"),
        ("api_consumption", None, None, "hybrid", "Data", "engineering_productivity"),
        ("api_consumption", None, None, "hybrid", "Marketing", "knowledge_work"),
        ("api_consumption", None, None, None, None, "api_consumption"),
    ],
)
def test_use_case_precedence(category, purpose, key_name, user_type, department, expected):
    assert A.classify_use_case(category, purpose, key_name, user_type, department) == expected
