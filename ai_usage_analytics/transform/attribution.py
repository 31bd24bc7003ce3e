"""Who a usage row belongs to, how sure we are, and what it was used for (DESIGN section 4).

Pure functions over pandas frames; the fact assets call them. Precedence for a row:

1. ``direct_email``    the vendor names the person: 1.0 if the email is in the HR roster, else
                       DISCOVERED_CONFIDENCE (a real person HR does not list, added to dim_users).
2. ``api_key_mapping`` an active sheet row for the key id (or, for Claude Code API actors, the key
                       name) whose validity window contains the day: the row's confidence_score.
3. ``inferred``        evidence from the vendor's key listing: the key name names exactly one roster
                       person (NAME_CONFIDENCE, NAME_AND_CREATOR_CONFIDENCE when the key's creator is
                       the same person), else the key's creator (CREATOR_CONFIDENCE; admins often
                       create keys for others, hence lower).
4. ``unattributed``    confidence 0, owned by the UNATTRIBUTED sentinel user. Never a silent guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

UNATTRIBUTED = "unattributed"
DISCOVERED_CONFIDENCE = 0.9
NAME_AND_CREATOR_CONFIDENCE = 0.8
NAME_CONFIDENCE = 0.6
CREATOR_CONFIDENCE = 0.5

PURPOSE_CATEGORY = {
    "coding": "engineering_productivity",
    "research": "knowledge_work",
    "analysis": "knowledge_work",
    "automation": "api_consumption",
}
# Key-name prefixes (before the first '-' or '_') that say what a key is for.
KEY_PREFIX_CATEGORY = {
    "engineering": "engineering_productivity",
    "eng": "engineering_productivity",
    "dev": "engineering_productivity",
    "coding": "engineering_productivity",
    "research": "knowledge_work",
    "analysis": "knowledge_work",
    "analytics": "knowledge_work",
    "automation": "api_consumption",
    "prod": "api_consumption",
    "ci": "api_consumption",
}
USER_TYPE_CATEGORY = {"engineering": "engineering_productivity", "knowledge_worker": "knowledge_work"}
ENGINEERING_DEPARTMENTS = {"engineering", "data"}
DEFAULT_CATEGORY = "api_consumption"

ATTRIBUTION_COLUMNS = ["user_email", "attribution_method", "attribution_confidence", "usage_purpose", "cost_center"]


def _tokens(name: str | None) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", name.lower()) if t] if isinstance(name, str) else []


def roster_name_index(roster: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """(first, last) name, normalised like key-name tokens -> the roster emails with that name."""
    index: dict[tuple[str, str], set[str]] = {}
    if roster.empty:
        return index
    first = roster["first_name"].fillna("").str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    last = roster["last_name"].fillna("").str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    for f, l, email in zip(first, last, roster["user_email"]):
        index.setdefault((f, l), set()).add(email)
    return index


def _named_in(key_name: str | None, names: dict[tuple[str, str], set[str]]) -> str | None:
    tokens = _tokens(key_name)
    hits = set().union(*(names.get(pair, set()) for pair in zip(tokens, tokens[1:])))
    return next(iter(hits)) if len(hits) == 1 else None


def person_named_by_key(key_name: str | None, roster: pd.DataFrame) -> str | None:
    """The one roster email whose first and last name appear next to each other in the key name."""
    return _named_in(key_name, roster_name_index(roster))


def attribute_emails(emails: pd.Series, roster_emails: Iterable[str]) -> pd.DataFrame:
    """direct_email attribution for rows whose source names the person."""
    known = set(roster_emails)
    email = emails.str.strip().str.lower()
    return pd.DataFrame(
        {
            "user_email": email,
            "attribution_method": "direct_email",
            "attribution_confidence": email.map(lambda e: 1.0 if e in known else DISCOVERED_CONFIDENCE),
            "usage_purpose": None,
            "cost_center": None,
        },
        index=emails.index,
    )


def _mapping_matches(mappings: pd.DataFrame, key_column: str, usage: pd.DataFrame, usage_key: str) -> pd.DataFrame:
    """The sheet row (if any) per usage row: same key, active, validity window contains the day."""
    candidates = mappings[mappings["is_active"] & mappings[key_column].notna()]
    left = usage[[usage_key, "usage_date"]].reset_index().rename(columns={"index": "_row"})
    joined = left.merge(candidates, left_on=usage_key, right_on=key_column, how="inner")
    day = pd.to_datetime(joined["usage_date"])
    inside = (joined["valid_from"].isna() | (pd.to_datetime(joined["valid_from"]) <= day)) & (
        joined["valid_to"].isna() | (day <= pd.to_datetime(joined["valid_to"]))
    )
    return joined[inside].drop_duplicates("_row").set_index("_row")


def attribute_api_keys(
    usage: pd.DataFrame,
    mappings: pd.DataFrame,
    api_keys: pd.DataFrame,
    anthropic_users: pd.DataFrame,
    roster: pd.DataFrame,
) -> pd.DataFrame:
    """Attribution for usage identified by an API key.

    ``usage`` has ``api_key_id`` and/or ``api_key_name`` and ``usage_date``; ``mappings`` is the
    validated api_key_mappings table; ``api_keys``/``anthropic_users`` are the vendor snapshots
    (id, name, created_by_id / user_id, email); ``roster`` has user_email, first_name, last_name.
    Returns ATTRIBUTION_COLUMNS aligned with ``usage``'s index.
    """
    usage = usage.copy()
    for column in ("api_key_id", "api_key_name"):
        values = usage[column] if column in usage else pd.Series(None, index=usage.index)
        usage[column] = values.astype(object).where(values.notna(), None)
    # Fill the key name from the vendor's key listing when only the id is known.
    names = api_keys.set_index("api_key_id")["api_key_name"] if len(api_keys) else pd.Series(dtype=object)
    unnamed = usage["api_key_name"].isna()
    usage.loc[unnamed, "api_key_name"] = usage.loc[unnamed, "api_key_id"].map(names)
    out = pd.DataFrame(index=usage.index, columns=ATTRIBUTION_COLUMNS, dtype=object)
    out["attribution_method"] = "unattributed"
    out["attribution_confidence"] = 0.0
    out["user_email"] = UNATTRIBUTED

    for key_column in ("api_key_id", "api_key_name"):
        pending = usage[out["attribution_method"] == "unattributed"]
        if pending.empty or mappings.empty:
            break
        hits = _mapping_matches(mappings, key_column, pending, key_column)
        out.loc[hits.index, "user_email"] = hits["user_email"]
        out.loc[hits.index, "attribution_method"] = "api_key_mapping"
        out.loc[hits.index, "attribution_confidence"] = hits["confidence_score"].astype(float)
        out.loc[hits.index, "usage_purpose"] = hits["usage_purpose"]
        out.loc[hits.index, "cost_center"] = hits["cost_center"]

    pending = usage[out["attribution_method"] == "unattributed"]
    if not pending.empty:
        creators = _key_creators(api_keys, anthropic_users)
        by_id = pending["api_key_id"].map(creators) if len(creators) else pd.Series(None, index=pending.index)
        name_to_creator = (
            api_keys.assign(_creator=api_keys["api_key_id"].map(creators)).dropna(subset=["api_key_name"])
            .drop_duplicates("api_key_name").set_index("api_key_name")["_creator"]
            if len(api_keys) and len(creators) else pd.Series(dtype=object)
        )
        creator = by_id.astype(object)
        creator[creator.isna()] = pending.loc[creator.isna(), "api_key_name"].map(name_to_creator)
        # Names are resolved once per distinct key, not per usage row.
        names = roster_name_index(roster)
        named_by_key = {k: _named_in(k, names) for k in pending["api_key_name"].dropna().unique()}
        rows, values = [], []
        for row, key_name, made_by in zip(pending.index, pending["api_key_name"], creator.reindex(pending.index)):
            named = named_by_key.get(key_name)
            made_by = made_by if isinstance(made_by, str) else None
            if named:
                confidence = NAME_AND_CREATOR_CONFIDENCE if made_by == named else NAME_CONFIDENCE
                rows.append(row), values.append((named, "inferred", confidence))
            elif made_by:
                rows.append(row), values.append((made_by, "inferred", CREATOR_CONFIDENCE))
        if rows:
            out.loc[rows, ["user_email", "attribution_method", "attribution_confidence"]] = pd.DataFrame(
                values, index=rows, columns=["user_email", "attribution_method", "attribution_confidence"]
            )
    out["attribution_confidence"] = out["attribution_confidence"].astype(float)
    return out


def _key_creators(api_keys: pd.DataFrame, anthropic_users: pd.DataFrame) -> pd.Series:
    """api_key_id -> email of the Console user who created it."""
    if api_keys.empty or anthropic_users.empty:
        return pd.Series(dtype=object)
    emails = anthropic_users.set_index("user_id")["email"]
    users_only = api_keys[api_keys["created_by_type"].fillna("user") == "user"]
    return users_only.set_index("api_key_id")["created_by_id"].map(emails).dropna()


def refine_platform(platform: pd.Series, mapped_platform: pd.Series) -> pd.Series:
    """A key the sheet maps to claude_code is Claude Code usage wherever it ran."""
    return platform.where(mapped_platform != "claude_code", "claude_code")


def classify_use_case(
    platform_category: str,
    usage_purpose: str | None = None,
    key_name: str | None = None,
    user_type: str | None = None,
    department: str | None = None,
) -> str:
    """Use-case category of one row: a platform built for one use case keeps it; API usage goes by
    sheet purpose > key-name convention > the person's user type / department > api_consumption."""
    if platform_category != DEFAULT_CATEGORY:
        return platform_category
    if usage_purpose in PURPOSE_CATEGORY:
        return PURPOSE_CATEGORY[usage_purpose]
    tokens = _tokens(key_name)
    if tokens and tokens[0] in KEY_PREFIX_CATEGORY:
        return KEY_PREFIX_CATEGORY[tokens[0]]
    if user_type in USER_TYPE_CATEGORY:
        return USER_TYPE_CATEGORY[user_type]
    if user_type == "hybrid" and department:
        return "engineering_productivity" if department.lower() in ENGINEERING_DEPARTMENTS else "knowledge_work"
    return DEFAULT_CATEGORY
