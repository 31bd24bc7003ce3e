"""Helpers shared by the normalisers: deterministic ids, credential scrubbing, unit conversion."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import numpy as np
import orjson
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


# orjson for the hot path (one call per usage event); the standard encoder for what orjson refuses
# (integers past 64 bits). Both: sorted keys, no spaces, non-JSON values as str; text in UTF-8.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text: sorted keys, compact separators, UTF-8 characters unescaped."""
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode()
    except TypeError:
        return _CANONICAL.encode(value)


SAFE_SECRET = re.compile(r"[A-Za-z0-9_\-.~+/=]+")
CREDENTIAL_KEY_TEXT = tuple(f'"{key}":' for key in sorted(CREDENTIAL_KEYS))
CREDENTIAL_PREFIXES = ("sk-ant-", "crsr_", "key_")  # every CREDENTIAL_PATTERN match starts with one


def _suspect(text: str, secrets: tuple[str, ...]) -> bool:
    """Whether ``text`` may hold what ``raw_json`` scrubs. Plain substring loops: a regular expression
    tried at every position, or a generator per test, costs more than the serialisation itself."""
    lowered = text.lower()
    for key in CREDENTIAL_KEY_TEXT:
        if key in lowered:
            return True
    for secret in secrets:
        if secret in text or not SAFE_SECRET.fullmatch(secret):
            return True
    for prefix in CREDENTIAL_PREFIXES:
        if prefix in text:
            return CREDENTIAL_PATTERN.search(text) is not None
    return False


def raw_json(value: Any, secrets: Iterable[str] = ()) -> str:
    """The value as canonical JSON text, credentials replaced by [REDACTED].

    Fast path (one per usage event, so it matters): serialise first and scrub only when the text
    shows a credential key, a secret or the credential pattern. JSON escapes none of the
    characters those are made of, so text without them comes from a value without them."""
    secret_values = tuple(filter(None, secrets))
    text = canonical_json(value)
    if _suspect(text, secret_values):
        return canonical_json(scrub(value, secret_values))
    return text


def raw_jsons(values: list, secrets: Iterable[str] = ()) -> list[str]:
    """``[raw_json(v, secrets) for v in values]``, screened for credentials once for the batch.

    The texts are joined by a newline, which JSON text never holds unescaped and which no credential
    key, secret (``SAFE_SECRET``) or ``CREDENTIAL_PATTERN`` match contains: a clean joined text means
    every text is clean. One scan of a page costs a fraction of a scan per event."""
    secret_values = tuple(filter(None, secrets))
    texts = [canonical_json(value) for value in values]
    if texts and _suspect("\n".join(texts), secret_values):
        return [canonical_json(scrub(value, secret_values)) if _suspect(text, secret_values) else text
                for value, text in zip(values, texts)]
    return texts


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


def format_days(values: pd.Series, fmt: str = "%Y-%m-%d") -> pd.Series:
    """Dates, timestamps or ISO strings as text in ``fmt`` (missing ones None). Each distinct value is
    formatted once: a frame holds hundreds of thousands of rows but only as many days as its range."""
    codes, uniques = pd.factorize(values)
    texts = pd.to_datetime(pd.Series(uniques, dtype=object)).dt.strftime(fmt).to_numpy(dtype=object)
    return pd.Series(np.append(texts, None)[codes], index=values.index, dtype=object)


def utc_midnights(days: pd.Series) -> pd.Series:
    """Dates (or ISO day strings) as UTC midnight timestamps, each distinct day converted once."""
    codes, uniques = pd.factorize(days)
    stamps = pd.to_datetime(pd.Series(uniques, dtype=object).astype(str)).dt.tz_localize("UTC")
    return pd.Series(stamps.array.take(codes, allow_fill=True), index=days.index)


def map_distinct(func: Callable[..., Any], *columns: pd.Series) -> pd.Series:
    """``func(*values)`` for every row of the aligned ``columns``, called once per distinct combination
    (facts have millions of rows but thousands of people, days and models). Object dtype."""
    index = columns[0].index
    key, size = np.zeros(len(index), dtype=np.int64), 1
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        size *= max(1, len(uniques))
        if size >= 2**62:
            raise ValueError("too many distinct combinations for map_distinct")
        key = key * len(uniques) + codes
    codes, _ = pd.factorize(key)
    first = np.unique(codes, return_index=True)[1]
    samples = [column.to_numpy(dtype=object)[first] for column in columns]
    values = np.empty(len(first), dtype=object)
    values[:] = [func(*row) for row in zip(*samples)]
    return pd.Series(values[codes], index=index, dtype=object)


def within(days: pd.Series, start: date, end: date) -> pd.Series:
    """Mask of rows whose day lies in [start, end)."""
    as_dates = pd.to_datetime(days).dt.date
    return (as_dates >= start) & (as_dates < end)


def frame(rows: list[dict], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def sorted_by(frame: pd.DataFrame, columns: list[str], day: str, key: str) -> pd.DataFrame:
    """``frame[columns]`` sorted by the ``day`` column, then by ``key`` (unique text), on a fresh index:
    one argsort of fixed-width text keys and one take, where ``sort_values`` compared Python objects
    (dates, strings) and copied the frame three times."""
    text = (format_days(frame[day]) + frame[key]).to_numpy(dtype=str)
    ordered = frame.take(np.argsort(text, kind="stable"))
    if list(ordered.columns) != list(columns):
        ordered = ordered[list(columns)]
    ordered.index = pd.RangeIndex(len(ordered))
    return ordered
