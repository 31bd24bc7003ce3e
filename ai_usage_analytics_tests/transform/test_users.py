"""dim_users: roster + discovered people + sentinel, deterministic keys, leavers kept."""

from datetime import date

import pandas as pd

from ai_usage_analytics.checks.schemas import DimUsers
from ai_usage_analytics.transform.users import build_dim_users, user_sk

NOW = pd.Timestamp("2026-06-01T06:00:00Z")
ROSTER = pd.DataFrame(
    [
        {"user_email": "ada@corp.com", "first_name": "Ada", "last_name": "Lovelace", "department": "Engineering",
         "job_role": "Engineer", "user_type": "engineering", "is_active": True, "start_date": date(2025, 1, 6), "end_date": None},
        {"user_email": "bob@corp.com", "first_name": "Bob", "last_name": "Leaver", "department": "Sales",
         "job_role": "AE", "user_type": "knowledge_worker", "is_active": True, "start_date": date(2025, 1, 6),
         "end_date": date(2026, 3, 31)},
    ]
)
DISCOVERED = pd.DataFrame(
    [
        {"user_email": "ADA@corp.com", "source": "cursor", "first_seen": date(2025, 2, 1)},
        {"user_email": "carol.contractor@corp.com", "source": "cursor", "first_seen": date(2026, 5, 2)},
        {"user_email": "carol.contractor@corp.com", "source": "claude_web", "first_seen": date(2026, 4, 2)},
        {"user_email": "dan@corp.com", "source": "claude_code", "first_seen": date(2026, 5, 20)},
    ]
)


def build(previous=None) -> pd.DataFrame:
    return DimUsers.validate(build_dim_users(ROSTER, DISCOVERED, as_of=NOW.date(), now=NOW, previous=previous))


def test_roster_discovered_and_sentinel():
    users = build().set_index("user_email")
    assert list(users.index) == ["ada@corp.com", "bob@corp.com", "carol.contractor@corp.com", "dan@corp.com", "unattributed"]
    carol = users.loc["carol.contractor@corp.com"]
    assert (carol["department"], carol["is_discovered"], carol["user_type"]) == ("unknown", True, "hybrid")
    assert (carol["first_name"], carol["last_name"]) == ("Carol", "Contractor")
    assert carol["discovered_from"] == "claude_web,cursor" and carol["first_seen_date"] == date(2026, 4, 2)
    assert users.loc["dan@corp.com", "user_type"] == "engineering"
    assert users.loc["ada@corp.com", "first_seen_date"] == date(2025, 2, 1)
    assert not users.loc["ada@corp.com", "is_discovered"]
    assert users.loc["unattributed", "user_sk"] == "unattributed"


def test_leavers_keep_their_row_and_are_inactive():
    bob = build().set_index("user_email").loc["bob@corp.com"]
    assert bob["end_date"] == date(2026, 3, 31) and not bob["is_active"]


def test_keys_are_deterministic_and_created_at_survives_rebuilds():
    first = build()
    assert first.loc[0, "user_sk"] == user_sk("ada@corp.com") == user_sk(" ADA@corp.com ")
    earlier = first.assign(created_at=pd.Timestamp("2025-01-01T00:00:00Z"))
    second = build(previous=earlier.iloc[:2])
    assert second.loc[0, "created_at"] == pd.Timestamp("2025-01-01T00:00:00Z")
    assert second.loc[2, "created_at"] == NOW  # carol was not there before
    assert second["user_sk"].tolist() == first["user_sk"].tolist()
