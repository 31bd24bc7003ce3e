"""Google Workspace Admin SDK Reports API, Gemini in Workspace apps (``Authorization: Bearer <token>``):

* ``GET /admin/reports/v1/activity/users/{userKey}/applications/gemini_in_workspace_apps`` — ``userKey``
  ``all`` or a user's email. Params: ``startTime`` / ``endTime`` (RFC 3339; the simulator serves
  ``startTime <= time < endTime``; default the last 180 days up to now; data from 2025-06-20, 180-day
  retention), ``maxResults`` 1..1000 (default 1000), ``pageToken`` (bound to the query), ``eventName``
  (only ``feature_utilization`` exists). Other documented filters (``filters``, ``customerId``,
  ``actorIpAddress``, ``orgUnitID``, ``groupIdFilter``) are not simulated and are ignored.

Body: ``{kind: "admin#reports#activities", etag, items: [{kind: "admin#reports#activity", id: {time,
uniqueQualifier, applicationName, customerId}, etag, actor: {email, profileId, callerType}, events:
[{type: "ai_usage_event", name: "feature_utilization", parameters: [{name: "action", value},
{name: "app_name", value}]}]}], nextPageToken}``, activities newest first, one event per activity;
``items`` and ``nextPageToken`` are left out when empty / on the last page (as Google does). Errors
use Google's body ``{"error": {"code", "message", "status"}}`` (the documented Sheets error shape).
Every activity comes from ``Organisation.gemini_person_day``; ``org.truth(day)["gemini"]`` has the
day's totals.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta, timezone

from flask import Flask, Response, request

from ai_usage_analytics.demo.org import (
    GEMINI_FIRST_DAY,
    MS_PER_DAY,
    Organisation,
    Person,
    day_start_ms,
    digest,
    page_token,
    read_page_token,
)
from ai_usage_analytics.demo.simulator.common import ApiError, _int_param, _respond
from ai_usage_analytics.demo.simulator.paging import _check_cursor_not_expired, _empty_days, _page_items
from ai_usage_analytics.demo.simulator.state import SimulatorState

GEMINI_APPLICATION = "gemini_in_workspace_apps"
GEMINI_PATH_PREFIX = "/admin/reports/v1/"
GOOGLE_MAX_RESULTS = (1000, 1000)  # default, maximum
GOOGLE_RETENTION_DAYS = 180
GOOGLE_STATUSES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                   410: "FAILED_PRECONDITION", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE",
                   503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED", 529: "UNAVAILABLE"}
GOOGLE_MESSAGES = {400: "Bad Request", 401: "Request had invalid authentication credentials. Expected OAuth 2 access "
                   "token, login cookie or other valid authentication credential.", 404: "Requested entity was not found.",
                   410: "The page token has expired; restart from the first page.", 429: "Quota exceeded.",
                   500: "Internal error encountered.", 503: "The service is currently unavailable."}
DAY_CACHE = 4


def google_error_body(status: int, message: str | None) -> dict:
    return {"error": {"code": status, "message": message or GOOGLE_MESSAGES.get(status, "Backend Error"),
                      "status": GOOGLE_STATUSES.get(status, "UNKNOWN")}}


def _time(ms: int) -> str:
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _google_time(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}: {raw!r} is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise ApiError(400, f"Invalid value for {name}: {raw!r} has no time zone offset")
    return moment.astimezone(timezone.utc)


def _ms(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds() * 1000)


class GeminiDays:
    """Each day's activities (newest first) for everyone, with counts remembered and a few days kept."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.customer_id = "C0" + digest(org.seed, "google-customer").hex()[:7]
        self._items: OrderedDict[date, list[dict]] = OrderedDict()
        self._counts: dict[date, int] = {}
        self._lock = threading.Lock()
        self._profile_ids: dict[int, str] = {}

    def _profile_id(self, person: Person) -> str:
        known = self._profile_ids.get(person.index)
        if known is None:
            known = self._profile_ids[person.index] = str(int.from_bytes(digest(self.org.seed, "profile", person.index)[:9], "big"))[:21]
        return known

    def activity(self, person: Person, stamp: int, action: str, app: str) -> dict:
        qualifier = int.from_bytes(digest(self.org.seed, "gemini-activity", person.index, stamp, action, app)[:8], "big",
                                   signed=True)
        return {
            "kind": "admin#reports#activity",
            "id": {"time": _time(stamp), "uniqueQualifier": str(qualifier),
                   "applicationName": GEMINI_APPLICATION, "customerId": self.customer_id},
            "etag": f'"{digest("etag", qualifier).hex()[:27]}"',
            "actor": {"email": person.email, "profileId": self._profile_id(person),
                      "callerType": "USER"},
            "events": [{"type": "ai_usage_event", "name": "feature_utilization",
                        "parameters": [{"name": "action", "value": action}, {"name": "app_name", "value": app}]}],
        }

    def items(self, day: date) -> list[dict]:
        with self._lock:
            if day in self._items:
                self._items.move_to_end(day)
                return self._items[day]
        events = [(stamp, person.index, action, app) for person in self.org.people
                  for stamp, action, app in self.org.gemini_person_day(person, day)]
        events.sort(key=lambda e: (-e[0], e[1], e[2], e[3]))
        items = [self.activity(self.org.people[index], stamp, action, app) for stamp, index, action, app in events]
        with self._lock:
            self._items[day] = items
            self._counts[day] = len(items)
            while len(self._items) > DAY_CACHE:
                self._items.popitem(last=False)
        return items

    def count(self, day: date) -> int:
        with self._lock:
            if day in self._counts:
                return self._counts[day]
        return len(self.items(day))


class _Selection:
    """The activities of [start_ms, end_ms) over ``wanted`` days (newest first), optionally of one user."""

    def __init__(self, gemini: GeminiDays, wanted: list[date], start_ms: int, end_ms: int, email: str | None) -> None:
        self.gemini, self.wanted, self.start, self.end, self.email = gemini, wanted, start_ms, end_ms, email

    def _whole(self, day: date) -> bool:
        return self.start <= day_start_ms(day) and day_start_ms(day) + MS_PER_DAY <= self.end

    def _day_items(self, day: date) -> list[dict]:
        items = self.gemini.items(day)
        if self.email is not None:
            items = [i for i in items if i["actor"]["email"] == self.email]
        if self._whole(day):
            return items
        return [i for i in items if self.start <= _ms(_google_time(i["id"]["time"], "time")) < self.end]

    def _size(self, day: date) -> int:
        if self.email is None and self._whole(day):
            return self.gemini.count(day)
        return len(self._day_items(day))

    def slice(self, offset: int, count: int) -> list[dict]:
        out: list[dict] = []
        for day in self.wanted:
            size = self._size(day)
            if offset >= size:
                offset -= size
                continue
            out.extend(self._day_items(day)[offset:offset + count - len(out)])
            offset = 0
            if len(out) >= count:
                break
        return out

    def count(self) -> int:
        return sum(self._size(d) for d in self.wanted)


def _install_google(app: Flask, state: SimulatorState) -> None:
    org = state.org
    gemini = GeminiDays(org)

    @app.get(f"{GEMINI_PATH_PREFIX}activity/users/<user_key>/applications/{GEMINI_APPLICATION}")
    def gemini_activities(user_key: str) -> Response:
        path, args = request.path, request.args
        email = None
        if user_key != "all":
            email = user_key.lower()
            if email not in org.by_email:
                raise ApiError(404, f"User {user_key} not found")
        now = datetime.combine(org.today + timedelta(days=1), datetime.min.time(), timezone.utc)
        start = _google_time(args.get("startTime"), "startTime")
        end = _google_time(args.get("endTime"), "endTime") or now
        oldest = max(datetime.combine(GEMINI_FIRST_DAY, datetime.min.time(), timezone.utc),
                     now - timedelta(days=GOOGLE_RETENTION_DAYS + 1))
        start = start or oldest
        if end > now:
            raise ApiError(400, "End time cannot be in the future")
        if start >= end:
            raise ApiError(400, "Start time must be before end time")
        if start < now - timedelta(days=GOOGLE_RETENTION_DAYS + 1):
            raise ApiError(400, f"Start time must be within the last {GOOGLE_RETENTION_DAYS} days")
        size = _int_param(args.get("maxResults"), "maxResults", GOOGLE_MAX_RESULTS[0], 1, GOOGLE_MAX_RESULTS[1])
        event_name = args.get("eventName")
        query = digest(GEMINI_APPLICATION, user_key, _ms(start), _ms(end), event_name, size).hex()[:16]
        offset = 0
        if args.get("pageToken"):
            parts = read_page_token(args["pageToken"])
            if not parts or len(parts) != 2 or parts[0] != query or not parts[1].isdigit():
                raise ApiError(400, "Invalid value for pageToken: it does not belong to this query")
            offset = int(parts[1])
            _check_cursor_not_expired(path, state, True)
        first, last = start.date(), (end - timedelta(milliseconds=1)).date()
        wanted = [last - timedelta(days=i) for i in range((last - first).days + 1)]
        wanted = [d for d in wanted if org.in_period(d)]
        empty = _empty_days(path, state, wanted)
        live = [] if event_name not in (None, "feature_utilization") else [d for d in wanted if d not in empty]
        selection = _Selection(gemini, live, _ms(start), _ms(end), email)
        items = _page_items(path, state, selection.slice, offset, size)
        body: dict = {"kind": "admin#reports#activities",
                      "etag": f'"{digest("activities", query, offset).hex()[:27]}"'}
        if items:
            body["items"] = items
        if len(selection.slice(offset + size, 1)) == 1:
            body["nextPageToken"] = page_token(query, offset + size)
        return _respond(body)
