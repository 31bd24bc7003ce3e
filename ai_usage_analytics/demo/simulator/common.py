"""What every vendor module shares: the vendor names, ``ApiError`` (answered in the calling vendor's
error body), JSON responses, parameter parsing and value formatting."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
import json
from typing import Any

import orjson
from flask import Response

from ai_usage_analytics.demo.org import MS_PER_DAY, Person

CURSOR = "cursor"
ANTHROPIC = "anthropic_admin"
ANALYTICS = "claude_analytics"
GOOGLE = "google_reports"


class ApiError(Exception):
    """An error answered in the calling vendor's documented body shape."""

    def __init__(self, status: int, message: str | None = None, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}



def _json_bytes(body: Any) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:  # past orjson's 64-bit integers
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _respond(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(_json_bytes(body), status=status, headers=headers, mimetype="application/json")


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _money(value: Decimal) -> float:
    """A cents amount as the JSON number Cursor sends (exact to the 5 decimals we generate)."""
    return float(value)


def _cents_text(value: Decimal) -> str:
    """Anthropic's decimal-string cents, e.g. ``"123.78912"``."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text



def _int_param(raw: Any, name: str, default: int, low: int, high: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
        if isinstance(raw, float) and raw != value:
            raise ValueError
    except (TypeError, ValueError):
        raise ApiError(400, f"{name}: must be an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ApiError(400, f"{name}: must be {bound}, got {value}")
    return value


def _rfc3339(raw: str | None, name: str) -> datetime:
    if not raw:
        raise ApiError(400, f"{name}: field required")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"{name}: invalid RFC 3339 datetime {raw!r}") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _iso_day(raw: str | None, name: str) -> date:
    if not raw:
        raise ApiError(400, f"{name}: field required")
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"{name}: expected a date as YYYY-MM-DD, got {raw!r}") from None


def _ms_day(ms: int) -> date:
    return date(1970, 1, 1) + timedelta(days=ms // MS_PER_DAY)


def _member_name(person: Person) -> str:
    return f"{person.first_name} {person.last_name}"

