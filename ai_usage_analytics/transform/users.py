"""dim_users: the HR roster, plus everyone the vendors name who is not on it, plus one sentinel.

Emails are lower-cased and de-duplicated. ``user_sk`` is a hash of the email, so it is the same in
every run and warehouse. People found only in vendor data are kept (never dropped) with department
``unknown`` and ``is_discovered`` true, so HR can be asked about them. Leavers keep their row with
``end_date`` and ``is_active`` false. ``UNATTRIBUTED`` owns usage and cost no one could be tied to.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd

from ai_usage_analytics.transform.attribution import UNATTRIBUTED

DIM_USERS_COLUMNS = [
    "user_sk", "user_email", "first_name", "last_name", "department", "job_role", "user_type", "is_active",
    "start_date", "end_date", "created_at", "updated_at", "is_discovered", "discovered_from", "first_seen_date",
]
ENGINEERING_SOURCES = {"cursor", "claude_code"}
KNOWLEDGE_SOURCES = {"claude_web", "gemini"}
UNKNOWN = "unknown"


def user_sk(email: str) -> str:
    if email == UNATTRIBUTED:
        return UNATTRIBUTED
    return "u_" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _guess_names(email: str) -> tuple[str | None, str | None]:
    local = email.split("@", 1)[0]
    parts = [p for p in local.replace("_", ".").replace("-", ".").split(".") if p]
    if len(parts) >= 2:
        return parts[0].capitalize(), parts[-1].capitalize()
    return None, None


def _user_type_from_sources(sources: set[str]) -> str | None:
    engineering, knowledge = bool(sources & ENGINEERING_SOURCES), bool(sources & KNOWLEDGE_SOURCES)
    if engineering and knowledge:
        return "hybrid"
    if engineering:
        return "engineering"
    if knowledge:
        return "knowledge_worker"
    return None


def build_dim_users(
    roster: pd.DataFrame,
    discovered: pd.DataFrame,
    as_of: date,
    now: pd.Timestamp,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``roster``: parsed users tab; ``discovered``: user_email, source, first_seen (one row per
    source); ``previous``: the current dim_users (keeps created_at stable), or None."""
    discovered = discovered.assign(user_email=discovered["user_email"].str.strip().str.lower())
    seen = discovered.groupby("user_email").agg(
        sources=("source", lambda s: set(s)), first_seen=("first_seen", "min")
    )
    rows = []
    for person in roster.to_dict("records"):
        email = person["user_email"]
        end = person["end_date"]
        rows.append(
            {
                **person,
                "is_active": bool(person["is_active"]) and (end is None or pd.isna(end) or end >= as_of),
                "is_discovered": False,
                "discovered_from": None,
                "first_seen_date": seen["first_seen"].get(email),
            }
        )
    known = set(roster["user_email"])
    for email, found in seen[~seen.index.isin(known)].iterrows():
        first, last = _guess_names(email)
        rows.append(
            {
                "user_email": email,
                "first_name": first,
                "last_name": last,
                "department": UNKNOWN,
                "job_role": UNKNOWN,
                "user_type": _user_type_from_sources(found["sources"]),
                "is_active": True,
                "start_date": found["first_seen"],
                "end_date": None,
                "is_discovered": True,
                "discovered_from": ",".join(sorted(found["sources"])),
                "first_seen_date": found["first_seen"],
            }
        )
    rows.append(
        {
            "user_email": UNATTRIBUTED, "first_name": None, "last_name": None, "department": UNATTRIBUTED,
            "job_role": None, "user_type": None, "is_active": True, "start_date": None, "end_date": None,
            "is_discovered": False, "discovered_from": None, "first_seen_date": None,
        }
    )
    users = pd.DataFrame(rows)
    users["user_sk"] = users["user_email"].map(user_sk)
    created = previous.set_index("user_email")["created_at"] if previous is not None and len(previous) else pd.Series(dtype=object)
    users["created_at"] = pd.to_datetime(users["user_email"].map(created), utc=True).fillna(now)
    users["updated_at"] = now
    return users[DIM_USERS_COLUMNS].sort_values("user_email", kind="stable").reset_index(drop=True)
