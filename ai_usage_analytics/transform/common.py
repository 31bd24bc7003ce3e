"""Helpers shared by the normalisers: deterministic ids, credential scrubbing, unit conversion."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pandas as pd

REDACTED = "[REDACTED]"
# Full vendor credentials (partial hints such as "sk-ant-api03-R2D...igAA" are not matched).
CREDENTIAL_PATTERN = re.compile(r"(sk-ant-[a-z]+\d*-[A-Za-z0-9_\-]{16,}|crsr_[A-Za-z0-9]{16,}|key_[a-f0-9]{32,})")
CREDENTIAL_KEYS = {"api_key", "apikey", "secret", "password", "authorization", "x-api-key", "access_token"}


def stable_id(*parts: Any) -> str:
    """A short deterministic id: the same inputs give the same id in every run and warehouse."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def scrub(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of a decoded JSON value with credentials replaced by [REDACTED]."""
    secret_values = [s for s in secrets if s]

    def clean(item: Any, key: str | None = None) -> Any:
        if key is not None and key.lower() in CREDENTIAL_KEYS:
            return REDACTED
        if isinstance(item, dict):
            return {k: clean(v, k) for k, v in item.items()}
        if isinstance(item, list):
            return [clean(v) for v in item]
        if isinstance(item, str):
            for secret in secret_values:
                item = item.replace(secret, REDACTED)
            return CREDENTIAL_PATTERN.sub(REDACTED, item)
        return item

    return clean(value)


# One encoder for every call: json.dumps builds a new one per call when given options.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
SAFE_SECRET = re.compile(r"[A-Za-z0-9_\-.~+/=]+")
CREDENTIAL_KEY_TEXT = tuple(f'"{key}":' for key in CREDENTIAL_KEYS)


def raw_json(value: Any, secrets: Iterable[str] = ()) -> str:
    """The value as canonical JSON text, credentials replaced by [REDACTED].

    Fast path (one per usage event, so it matters): serialise first and scrub only when the text
    shows a credential key, a secret or the credential pattern. JSON escapes none of the
    characters those are made of, so text without them comes from a value without them."""
    secret_values = [s for s in secrets if s]
    text = _CANONICAL.encode(value)
    lowered = text.lower()
    if (
        any(key in lowered for key in CREDENTIAL_KEY_TEXT)
        or any(secret in text or not SAFE_SECRET.fullmatch(secret) for secret in secret_values)
        or CREDENTIAL_PATTERN.search(text)
    ):
        return _CANONICAL.encode(scrub(value, secret_values))
    return text


def cents_to_usd(value: Any) -> Decimal | None:
    """Vendor cents (a decimal string or a JSON number) as exact US dollars."""
    if value is None or value == "":
        return None
    return Decimal(str(value)) / 100


def epoch_ms_to_utc(value: Any) -> pd.Timestamp | None:
    """Epoch milliseconds (number or numeric string) as a UTC timestamp."""
    if value is None or value == "":
        return None
    return pd.Timestamp(int(float(value)), unit="ms", tz="UTC")


def parse_utc(value: Any) -> pd.Timestamp | None:
    """An RFC 3339 timestamp or YYYY-MM-DD day as a UTC timestamp."""
    if value is None or value == "":
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def as_text(value: Any) -> str | None:
    """Ids arrive as numbers (older docs) or strings (newer docs); store them as text."""
    if value is None or value == "":
        return None
    return str(value)


def audit_columns(fetched_at: datetime) -> dict[str, Any]:
    stamp = pd.Timestamp(fetched_at).tz_convert("UTC") if fetched_at.tzinfo else pd.Timestamp(fetched_at, tz="UTC")
    return {"ingest_date": stamp.date(), "fetched_at": stamp}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def within(days: pd.Series, start: date, end: date) -> pd.Series:
    """Mask of rows whose day lies in [start, end)."""
    as_dates = pd.to_datetime(days).dt.date
    return (as_dates >= start) & (as_dates < end)


def frame(rows: list[dict], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))
