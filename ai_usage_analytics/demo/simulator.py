"""The vendor API simulator: a Flask app answering the documented Cursor Admin, Anthropic Admin and
Claude Enterprise Analytics endpoints from a synthetic ``Organisation``.

Methods, paths, parameters, authentication, pagination, limits and error bodies follow
shared/vendor-apis/README.md and its fixtures. Every row is generated from the organisation; nothing
is canned. Control endpoints under ``/_sim`` (no auth) inject faults, reset, report counters and
serve the ground truth:

* ``POST /_sim/faults`` a rule or a list of rules, e.g. ``{"endpoint": "/v1/organizations/cost_report",
  "kind": "429", "times": 2, "retry_after": 0}``; ``GET /_sim/faults`` lists them.
* ``POST /_sim/reset`` clears faults and counters; ``GET /_sim/counters`` requests per path and status.
* ``GET /_sim/truth?date=YYYY-MM-DD`` ``org.truth(day)``; ``GET /_sim/info`` seed, size, period, ids.

Fault kinds (``FAULT_KINDS``): HTTP statuses 429 (with Retry-After), 500, 502, 503, 504, 529 in the
vendor's error body; ``drop`` closes the connection without a response; ``slow`` sleeps ``delay``
seconds first; ``truncated`` cuts the JSON body in half; ``non_json`` answers an HTML page;
``expired_cursor`` answers 410 on page 2 and later; ``empty`` serves no activity (for ``date`` or
every day); ``duplicate`` repeats the previous page's last item at the top of page 2 and later.
A rule fires for ``times`` matching requests (null = every one) after skipping ``after`` of them,
each with ``probability`` drawn from a generator seeded by (seed, endpoint, kind, request number).
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from flask import Flask, Response, g, request

from ai_usage_analytics.demo.org import (
    MS_PER_DAY,
    CursorEvent,
    MessagesRow,
    Organisation,
    Person,
    anthropic_id,
    day_start_ms,
    days,
    digest,
    midnight,
    page_token,
    read_page_token,
    rng_for,
    stable_uuid,
    _base58,
)

CURSOR = "cursor"
ANTHROPIC = "anthropic_admin"
ANALYTICS = "claude_analytics"
ANTHROPIC_VERSION_HEADER = "anthropic-version"

STATUS_KINDS = {"429": 429, "500": 500, "502": 502, "503": 503, "504": 504, "529": 529}
FAULT_KINDS = (*STATUS_KINDS, "drop", "slow", "truncated", "non_json", "expired_cursor", "empty", "duplicate")

CURSOR_PHRASES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
                  429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                  503: "Service Unavailable", 504: "Gateway Timeout", 529: "Overloaded"}
CURSOR_MESSAGES = {401: "Invalid API key", 404: "Resource not found", 429: "Rate limit exceeded. Please try again later.",
                   500: "An unexpected error occurred"}
ANTHROPIC_TYPES = {400: ("invalid_request_error", "Invalid request"), 401: ("authentication_error", "Authentication error"),
                   403: ("permission_error", "Permission denied"), 404: ("not_found_error", "Not found"),
                   410: ("invalid_request_error", "The page cursor has expired; restart pagination without page."),
                   429: ("rate_limit_error", "Rate limited"), 500: ("api_error", "Internal server error"),
                   502: ("api_error", "Internal server error"), 503: ("api_error", "Internal server error"),
                   504: ("timeout_error", "Request timeout"), 529: ("overloaded_error", "Overloaded")}

MESSAGES_DIMENSIONS = ("api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo",
                       "account_id", "service_account_id")
COST_DIMENSIONS = ("workspace_id", "description")
DAILY_BUCKET_LIMITS = (7, 31)  # default, max buckets per page for bucket_width=1d
LIST_LIMITS = (20, 1000)
CLAUDE_CODE_LIMITS = (20, 1000)
ANALYTICS_USERS_LIMITS = (100, 1000)
CURSOR_EVENTS_PAGE = (100, 1000)
CURSOR_MAX_PAGE_SIZE = 1000  # daily-usage-data and spend publish no maximum; the events one is used
CURSOR_MAX_RANGE_MS = 30 * MS_PER_DAY
ANALYTICS_FIRST_DAY = date(2026, 1, 1)
HOSTING_TYPES = ("CLOUD", "SELF_HOSTED", "SELF_HOSTED_POOL", "SELF_HOSTED_MACHINE")


class ApiError(Exception):
    """An error answered in the calling vendor's documented body shape."""

    def __init__(self, status: int, message: str | None = None, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# ---------------------------------------------------------------------------------------------------
# Faults and counters


@dataclass
class FaultRule:
    endpoint: str  # a request path, or "*" for every vendor endpoint
    kind: str
    times: int | None = 1
    after: int = 0
    probability: float = 1.0
    retry_after: float = 1
    delay: float = 2.0
    date: str | None = None  # "empty": the day to empty (None = every day)
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {list(FAULT_KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1, or null for every request")
        if self.date is not None:
            date.fromisoformat(self.date)

    def public(self) -> dict:
        return asdict(self)


class Faults:
    """Thread-safe fault rules; ``take`` decides (deterministically) whether one fires now."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, endpoint: str, kind: str, **options: Any) -> FaultRule:
        rule = FaultRule(endpoint=endpoint, kind=str(kind), **options)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict]:
        with self._lock:
            return [r.public() for r in self._rules]

    def take(self, path: str, kinds: Sequence[str]) -> FaultRule | None:
        """The first rule of one of ``kinds`` for ``path`` that fires on this request, if any."""
        with self._lock:
            for rule in self._rules:
                if rule.kind not in kinds or rule.endpoint not in (path, "*"):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.probability < 1 and rng_for(self.seed, rule.endpoint, rule.kind, rule.seen).random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None


class Counters:
    def __init__(self) -> None:
        self._requests: Counter[str] = Counter()
        self._statuses: dict[str, Counter[str]] = defaultdict(Counter)
        self._lock = threading.Lock()

    def add(self, path: str, status: str) -> int:
        with self._lock:
            self._requests[path] += 1
            self._statuses[path][status] += 1
            return self._requests[path]

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._statuses.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {"requests": dict(self._requests), "statuses": {p: dict(c) for p, c in self._statuses.items()}}


class SimulatorState:
    """What the app serves from: the organisation, accepted keys, faults, counters, caches."""

    def __init__(self, org: Organisation, keys: dict[str, str]) -> None:
        self.org, self.keys = org, keys
        self.faults = Faults(org.seed)
        self.counters = Counters()
        self._spend: dict[int, dict[str, Decimal | int]] | None = None
        self._spend_lock = threading.Lock()

    def cycle_spend(self) -> dict[int, dict[str, Decimal | int]]:
        """Per Cursor member (person index): on-demand and overall cents and included requests over
        the current billing cycle, summed from the same events filtered-usage-events serves."""
        with self._spend_lock:
            if self._spend is None:
                first, last = self.org.billing_cycle()
                spend: dict[int, dict] = {}
                for person in self.org.cursor_members():
                    totals = {"spend": Decimal(0), "overall": Decimal(0), "fast": 0}
                    for day in days(first, last):
                        for event in self.org.cursor_person_day(person, day)[1]:
                            totals["overall"] += event.charged_cents
                            if event.included:
                                totals["fast"] += 1
                            else:
                                totals["spend"] += event.charged_cents
                    spend[person.index] = totals
                self._spend = spend
            return self._spend


# ---------------------------------------------------------------------------------------------------
# Small helpers


def _json_bytes(body: Any) -> bytes:
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


def _vendor(path: str) -> str | None:
    if path.startswith("/teams/"):
        return CURSOR
    if path.startswith("/v1/organizations/analytics/"):
        return ANALYTICS
    if path.startswith("/v1/organizations/"):
        return ANTHROPIC
    return None


def _error_response(vendor: str | None, status: int, message: str | None, request_id: str,
                    headers: dict | None = None) -> Response:
    if vendor == CURSOR:
        body = {"error": CURSOR_PHRASES.get(status, "Error"),
                "message": message or CURSOR_MESSAGES.get(status, CURSOR_PHRASES.get(status, "Error"))}
    else:
        kind, default = ANTHROPIC_TYPES.get(status, ("api_error", "Internal server error"))
        body = {"type": "error", "error": {"type": kind, "message": message or default}, "request_id": request_id}
    return _respond(body, status, headers)


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


# ---------------------------------------------------------------------------------------------------
# The app


def create_app(org: Organisation, keys: dict[str, str], *, name: str = "vendor-simulator") -> Flask:
    """The simulator as a WSGI app. ``keys`` maps ``cursor``, ``anthropic_admin`` and
    ``claude_analytics`` to the one key each API accepts. The state (``SimulatorState``: faults,
    counters, org) is ``app.extensions["simulator"]``."""
    missing = [k for k in (CURSOR, ANTHROPIC, ANALYTICS) if not keys.get(k)]
    if missing:
        raise ValueError(f"keys needs a value for {missing}")
    app = Flask(name)
    state = SimulatorState(org, dict(keys))
    app.extensions["simulator"] = state
    _install_transport(app, state)
    _install_control(app, state)
    _install_cursor(app, state)
    _install_anthropic(app, state)
    _install_analytics(app, state)
    return app


def _install_transport(app: Flask, state: SimulatorState) -> None:
    """Auth, counters, request ids and the transport-level faults, around every vendor route."""

    @app.before_request
    def before() -> Response | None:
        path = request.path
        vendor = _vendor(path)
        g.vendor = vendor
        if vendor is None:
            return None
        g.request_id = "req_01" + _base58(digest(state.org.seed, request.method, request.full_path,
                                                 state.counters.snapshot()["requests"].get(path, 0)), 22)
        if state.faults.take(path, ("drop",)):
            state.counters.add(path, "dropped")
            g.counted = True
            return Response(_dropped(request.environ.get("werkzeug.socket")), direct_passthrough=True)
        rule = state.faults.take(path, ("slow",))
        if rule:
            time.sleep(rule.delay)
        rule = state.faults.take(path, tuple(STATUS_KINDS))
        if rule:
            status = STATUS_KINDS[rule.kind]
            headers = {"Retry-After": f"{rule.retry_after:g}"} if status in (429, 503, 529) else None
            return _error_response(vendor, status, None, g.request_id, headers)
        _authenticate(vendor, state.keys)
        return None

    @app.after_request
    def after(response: Response) -> Response:
        path = request.path
        if g.get("vendor") is None or g.get("counted"):
            return response
        response.headers["request-id"] = g.request_id
        if 200 <= response.status_code < 300:
            if state.faults.take(path, ("truncated",)):
                data = response.get_data()
                response.set_data(data[: len(data) // 2])
            elif state.faults.take(path, ("non_json",)):
                response.set_data(b"<html><body><h1>502 Bad Gateway</h1></body></html>")
                response.mimetype = "text/html"
        state.counters.add(path, str(response.status_code))
        return response

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return _error_response(g.get("vendor"), error.status, error.message, g.get("request_id", ""), error.headers)

    @app.errorhandler(404)
    def not_found(_: Exception) -> Response:
        return _error_response(g.get("vendor"), 404, None, g.get("request_id", ""))

    @app.errorhandler(405)
    def wrong_method(_: Exception) -> Response:
        return _error_response(g.get("vendor"), 404, None, g.get("request_id", ""))


def _dropped(connection: socket.socket | None):
    """A response body that aborts before the first byte: the socket is shut down unanswered (the
    development server would otherwise keep the HTTP/1.1 connection open for another request)."""
    if connection is not None:
        connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("simulated dropped connection")
    yield b""  # pragma: no cover - makes this a generator


def _authenticate(vendor: str, keys: dict[str, str]) -> None:
    if vendor == CURSOR:
        auth = request.authorization
        if not (auth and auth.type == "basic" and auth.username == keys[CURSOR] and not auth.password):
            raise ApiError(401)
        return
    expected = keys[vendor]
    given = request.headers.get("x-api-key")
    bearer = request.headers.get("authorization", "")
    if given != expected and bearer != f"Bearer {expected}":
        raise ApiError(401)
    if not request.headers.get(ANTHROPIC_VERSION_HEADER):
        raise ApiError(400, "anthropic-version: header is required")


def _install_control(app: Flask, state: SimulatorState) -> None:
    @app.post("/_sim/faults")
    def add_faults() -> Response:
        body = request.get_json(silent=True)
        rules = body if isinstance(body, list) else [body]
        try:
            for rule in rules:
                if not isinstance(rule, dict) or "endpoint" not in rule or "kind" not in rule:
                    raise ValueError("each rule needs endpoint and kind")
                state.faults.add(**rule)
        except (TypeError, ValueError) as exc:
            return _respond({"error": str(exc)}, 400)
        return _respond({"faults": state.faults.rules()})

    @app.get("/_sim/faults")
    def list_faults() -> Response:
        return _respond({"faults": state.faults.rules()})

    @app.post("/_sim/reset")
    def reset() -> Response:
        state.faults.clear()
        state.counters.reset()
        return _respond({"faults": [], "counters": state.counters.snapshot()})

    @app.get("/_sim/counters")
    def counters() -> Response:
        return _respond(state.counters.snapshot())

    @app.get("/_sim/truth")
    def truth() -> Response:
        try:
            day = date.fromisoformat(request.args.get("date", ""))
        except ValueError:
            return _respond({"error": "date: use YYYY-MM-DD"}, 400)
        return Response(json.dumps(state.org.truth(day), default=str), mimetype="application/json")

    @app.get("/_sim/info")
    def info() -> Response:
        org = state.org
        return _respond({
            "seed": org.seed, "people": org.size, "start": org.start.isoformat(), "end": org.end.isoformat(),
            "today": org.today.isoformat(), "claude_code_workspace_ids": [org.claude_code_workspace_id],
            "fault_kinds": list(FAULT_KINDS),
        })


# ---------------------------------------------------------------------------------------------------
# Paging helpers shared by the vendors


def _page_items(path: str, state: SimulatorState, fetch: Callable[[int, int], list], offset: int, count: int) -> list:
    """Items [offset, offset + count) of a virtual list; with a ``duplicate`` fault on a later page,
    the previous page's last item comes first again."""
    if offset > 0 and state.faults.take(path, ("duplicate",)):
        return fetch(offset - 1, count + 1)
    return fetch(offset, count)


def _check_cursor_not_expired(path: str, state: SimulatorState, later_page: bool) -> None:
    if later_page and state.faults.take(path, ("expired_cursor",)):
        raise ApiError(410, "The pagination cursor has expired; restart from the first page."
                       if g.vendor == CURSOR else None)


def _empty_days(path: str, state: SimulatorState, wanted: Sequence[date]) -> set[date]:
    """Days this request serves without activity (``empty`` faults)."""
    rule = state.faults.take(path, ("empty",))
    if rule is None:
        return set()
    return set(wanted) if rule.date is None else {date.fromisoformat(rule.date)}


# ---------------------------------------------------------------------------------------------------
# Cursor Admin API


def _cursor_body() -> dict:
    body = request.get_json(silent=True) if request.data else {}
    if body is None or not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def _cursor_range(body: dict, *, required: bool, default_days: int, org: Organisation) -> tuple[int, int]:
    start, end = body.get("startDate"), body.get("endDate")
    if start is None or end is None:
        if required:
            raise ApiError(400, "startDate and endDate are required (epoch milliseconds)")
        end = day_start_ms(org.today) + MS_PER_DAY - 1 if end is None else end
        start = end - default_days * MS_PER_DAY + 1 if start is None else start
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise ApiError(400, "startDate and endDate must be epoch milliseconds") from None
    if end < start:
        raise ApiError(400, "endDate must not be before startDate")
    return start, end


def _cursor_paging(body: dict, default_size: int, max_size: int) -> tuple[int, int]:
    page = _int_param(body.get("page"), "page", 1, 1, None)
    size = _int_param(body.get("pageSize"), "pageSize", default_size, 1, max_size)
    return page, size


def _member_name(person: Person) -> str:
    return f"{person.first_name} {person.last_name}"


def _member_role(person: Person) -> str:
    return "owner" if person.console_role == "admin" else "member"


def _event_json(org: Organisation, event: CursorEvent) -> dict:
    item: dict[str, Any] = {
        "timestamp": str(event.timestamp_ms),
        "userEmail": org.people[event.person].email,
        "conversationId": event.conversation_id,
        "model": event.model,
        "kind": "Included in Business" if event.included else "Usage-based",
        "maxMode": event.max_mode,
        "requestsCosts": float(event.requests_costs),
        "isTokenBasedCall": event.tokens is not None,
        "isChargeable": not event.included,
        "isHeadless": event.feature == "agentRequests" and event.timestamp_ms % 17 == 0,
    }
    if event.tokens is not None:
        usage = {"inputTokens": event.tokens[0], "outputTokens": event.tokens[1], "cacheWriteTokens": event.tokens[2],
                 "cacheReadTokens": event.tokens[3], "totalCents": _money(event.total_cents)}
        if event.discount:
            usage["discountPercentOff"] = event.discount
        item["tokenUsage"] = usage
    item["chargedCents"] = _money(event.charged_cents)
    if event.fee_cents is not None:
        item["cursorTokenFee"] = _money(event.fee_cents)
    return item


def _install_cursor(app: Flask, state: SimulatorState) -> None:
    org = state.org

    @app.get("/teams/members")
    def members() -> Response:
        return _respond({"teamMembers": [
            {"id": p.cursor_member_id, "name": _member_name(p), "email": p.email, "role": _member_role(p),
             "isRemoved": p.end_date is not None and p.end_date < org.today}
            for p in org.cursor_members()
        ]})

    @app.post("/teams/daily-usage-data")
    def daily_usage() -> Response:
        path = request.path
        body = _cursor_body()
        start, end = _cursor_range(body, required=True, default_days=30, org=org)
        if end - start >= CURSOR_MAX_RANGE_MS:
            raise ApiError(400, "Date range cannot exceed 30 days")
        wanted = [d for d in days(_ms_day(start), _ms_day(end)) if org.in_period(d)]
        empty = _empty_days(path, state, wanted)
        live = [d for d in wanted if d not in empty]
        period = {"startDate": start, "endDate": end}
        paging = body.get("page") is not None and body.get("pageSize") is not None
        if not paging:
            rows = [row for d in live for p in org.people
                    if (row := org.cursor_person_day(p, d)[0]) is not None and row["isActive"]]
            return _respond({"data": rows, "period": period})
        page, size = _cursor_paging(body, CURSOR_MAX_PAGE_SIZE, CURSOR_MAX_PAGE_SIZE)
        _check_cursor_not_expired(path, state, page > 1)
        seated = sorted((p for p in org.people if any(p.has_cursor_seat(d) and p.employed(d) for d in wanted)),
                        key=lambda p: p.cursor_user_id)

        def fetch(offset: int, count: int) -> list[dict]:
            return [row for p in seated[offset:offset + count] for d in wanted
                    if (row := _member_row(org, p, d, d in empty)) is not None]

        rows = _page_items(path, state, fetch, (page - 1) * size, size)
        pages = math.ceil(len(seated) / size)
        return _respond({"data": rows, "period": period, "pagination": {
            "page": page, "pageSize": size, "totalUsers": len(seated), "totalPages": pages,
            "hasNextPage": page < pages, "hasPreviousPage": page > 1}})

    @app.post("/teams/filtered-usage-events")
    def usage_events() -> Response:
        path = request.path
        body = _cursor_body()
        start, end = _cursor_range(body, required=False, default_days=30, org=org)
        page, size = _cursor_paging(body, *CURSOR_EVENTS_PAGE)
        hosting = body.get("hostingType")
        if hosting is not None and hosting not in HOSTING_TYPES:
            raise ApiError(400, f"hostingType must be one of {', '.join(HOSTING_TYPES)}")
        _check_cursor_not_expired(path, state, page > 1)
        email = body.get("email")
        user_id = body.get("userId")
        person = None
        if email is not None or user_id is not None:
            person = next((p for p in org.people if (email is None or p.email == str(email).lower())
                           and (user_id is None or str(p.cursor_user_id) == str(user_id))), None)
        wanted = [d for d in reversed(days(_ms_day(start), _ms_day(end))) if org.in_period(d)]
        empty = _empty_days(path, state, wanted)
        selected = _EventSelection(org, [d for d in wanted if d not in empty], start, end, person,
                                   filtered=email is not None or user_id is not None)
        total = selected.count()
        events = _page_items(path, state, selected.slice, (page - 1) * size, size)
        pages = math.ceil(total / size)
        return _respond({
            "totalUsageEventsCount": total,
            "pagination": {"numPages": pages, "currentPage": page, "pageSize": size,
                           "hasNextPage": page < pages, "hasPreviousPage": page > 1},
            "usageEvents": [_event_json(org, e) for e in events],
            "period": {"startDate": start, "endDate": end},
        })

    @app.post("/teams/spend")
    def spend() -> Response:
        path = request.path
        body = _cursor_body()
        page, size = _cursor_paging(body, 100, CURSOR_MAX_PAGE_SIZE)
        sort_by = body.get("sortBy", "date")
        direction = body.get("sortDirection", "desc")
        if sort_by not in ("amount", "date", "user") or direction not in ("asc", "desc"):
            raise ApiError(400, "sortBy must be amount, date or user; sortDirection asc or desc")
        _check_cursor_not_expired(path, state, page > 1)
        first, last = org.billing_cycle()
        totals = state.cycle_spend()
        term = str(body.get("searchTerm") or "").lower()
        members = [p for p in org.cursor_members()
                   if p.cursor_seat[0] <= last and (p.cursor_seat[1] is None or p.cursor_seat[1] >= first)]
        members = [p for p in members if term in p.email or term in _member_name(p).lower()]
        key = {"amount": lambda p: (totals[p.index]["spend"], p.cursor_user_id),
               "date": lambda p: (p.cursor_seat[0], p.cursor_user_id),
               "user": lambda p: (_member_name(p).lower(), p.cursor_user_id)}[sort_by]
        members.sort(key=key, reverse=direction == "desc")
        chosen = _page_items(path, state, lambda o, c: members[o:o + c], (page - 1) * size, size)
        return _respond({
            "teamMemberSpend": [_spend_json(p, totals[p.index]) for p in chosen],
            "subscriptionCycleStart": day_start_ms(first),
            "totalMembers": len(members),
            "totalPages": math.ceil(len(members) / size),
        })


def _member_row(org: Organisation, person: Person, day: date, empty: bool) -> dict | None:
    row = org.cursor_person_day(person, day)[0]
    if row is None or not empty:
        return row
    idle = {k: (0 if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in row.items()}
    idle.update(userId=row["userId"], date=row["date"], isActive=False, mostUsedModel=None,
                applyMostUsedExtension=None, tabMostUsedExtension=None, clientVersion=None)
    return idle


def _spend_json(person: Person, totals: dict) -> dict:
    limited = person.cursor_level == "heavy"
    return {
        "userId": person.cursor_member_id,
        "spendCents": _money(totals["spend"]),
        "overallSpendCents": _money(totals["overall"]),
        "fastPremiumRequests": totals["fast"],
        "name": _member_name(person),
        "email": person.email,
        "role": _member_role(person),
        "hardLimitOverrideDollars": 100 if limited else 0,
        "monthlyLimitDollars": 200 if limited else None,
        "effectivePerUserLimitDollars": 100 if limited else 50,
    }


class _EventSelection:
    """Usage events of some days (newest first), optionally of one person, inside [start, end] ms."""

    def __init__(self, org: Organisation, wanted: list[date], start: int, end: int, person: Person | None,
                 filtered: bool) -> None:
        self.org, self.wanted, self.start, self.end = org, wanted, start, end
        self.person, self.filtered = person, filtered

    def _whole(self, day: date) -> bool:
        return self.start <= day_start_ms(day) and day_start_ms(day) + MS_PER_DAY - 1 <= self.end

    def _events(self, day: date) -> list[CursorEvent]:
        if self.filtered:
            if self.person is None:
                return []
            events = self.org.cursor_person_day(self.person, day)[1]
            events = sorted(events, key=lambda e: -e.timestamp_ms)
        else:
            events = self.org.day(day).cursor_events
        if self._whole(day):
            return events
        return [e for e in events if self.start <= e.timestamp_ms <= self.end]

    def _size(self, day: date) -> int:
        if not self.filtered and self._whole(day):
            return self.org.cursor_event_count(day)
        return len(self._events(day))

    def count(self) -> int:
        return sum(self._size(d) for d in self.wanted)

    def slice(self, offset: int, count: int) -> list[CursorEvent]:
        out: list[CursorEvent] = []
        for day in self.wanted:
            size = self._size(day)
            if offset >= size:
                offset -= size
                continue
            out.extend(self._events(day)[offset:offset + count - len(out)])
            offset = 0
            if len(out) >= count:
                break
        return out


# ---------------------------------------------------------------------------------------------------
# Anthropic Admin API


def _report_window(args, org: Organisation, dimensions: Sequence[str]) -> tuple[list[date], list[str], int]:
    """(the new bucket days of this page, group_by, days left from this page's first bucket).

    Buckets are UTC days: the first is the day of ``starting_at``; a bucket is served when it ends
    by ``ending_at`` (default: the end of ``org.today``)."""
    width = args.get("bucket_width", "1d")
    if width != "1d":
        raise ApiError(400, f"bucket_width: the simulator serves daily buckets only (1d), got {width!r}")
    group_by = args.getlist("group_by[]") + args.getlist("group_by")
    unknown = [d for d in group_by if d not in dimensions]
    if unknown:
        raise ApiError(400, f"group_by: unsupported value(s) {unknown}; allowed: {list(dimensions)}")
    first = _rfc3339(args.get("starting_at"), "starting_at").date()
    stop = _rfc3339(args["ending_at"], "ending_at").date() if args.get("ending_at") else org.today + timedelta(days=1)
    limit = _int_param(args.get("limit"), "limit", DAILY_BUCKET_LIMITS[0], 1, DAILY_BUCKET_LIMITS[1])
    if stop <= first:
        raise ApiError(400, "ending_at must be at least one bucket after starting_at")
    if args.get("page"):
        parts = read_page_token(args["page"])
        try:
            resume = datetime.fromisoformat(parts[0]).date() if parts and len(parts) == 1 else None
        except ValueError:
            resume = None
        if resume is None or not first < resume < stop:
            raise ApiError(400, "page: invalid page token for this query")
        first = resume
    remaining = (stop - first).days
    return [first + timedelta(days=i) for i in range(min(limit, remaining))], group_by, remaining


def _report_page(path: str, state: SimulatorState, build: Callable[[date, set[date]], list[dict]]) -> Response:
    """One page of daily buckets (empty days included), ``has_more`` and a ``next_page`` token."""
    args = request.args
    dimensions = MESSAGES_DIMENSIONS if path.endswith("/messages") else COST_DIMENSIONS
    new_days, g.group_by, remaining = _report_window(args, state.org, dimensions)
    _check_cursor_not_expired(path, state, bool(args.get("page")))
    empty = _empty_days(path, state, new_days)
    bucket_days = list(new_days)
    if args.get("page") and state.faults.take(path, ("duplicate",)):
        bucket_days.insert(0, new_days[0] - timedelta(days=1))
    data = [{"starting_at": midnight(d), "ending_at": midnight(d + timedelta(days=1)), "results": build(d, empty)}
            for d in bucket_days]
    has_more = remaining > len(new_days)
    next_page = page_token(midnight(new_days[-1] + timedelta(days=1))) if has_more else None
    return _respond({"data": data, "has_more": has_more, "next_page": next_page})


def _messages_item(row_key: tuple, group_by: Sequence[str], totals: Counter) -> dict:
    values = dict(zip(group_by, row_key))
    return {
        "uncached_input_tokens": totals["uncached"],
        "cache_creation": {"ephemeral_1h_input_tokens": totals["c1h"], "ephemeral_5m_input_tokens": totals["c5m"]},
        "cache_read_input_tokens": totals["read"],
        "output_tokens": totals["output"],
        "server_tool_use": {"web_search_requests": totals["search"]},
        **{d: values.get(d) for d in MESSAGES_DIMENSIONS},
    }


def _row_dimension(row: MessagesRow, dimension: str) -> str | None:
    return {"api_key_id": row.api_key_id, "workspace_id": row.workspace_id, "model": row.model,
            "service_tier": "standard", "context_window": "0-200k", "inference_geo": "not_available",
            "account_id": None, "service_account_id": None}[dimension]


def _install_anthropic(app: Flask, state: SimulatorState) -> None:
    org = state.org

    @app.get("/v1/organizations/usage_report/messages")
    def messages_usage() -> Response:
        args = request.args
        filters = {
            "api_key_id": set(args.getlist("api_key_ids[]")), "workspace_id": set(args.getlist("workspace_ids[]")),
            "model": set(args.getlist("models[]")), "service_tier": set(args.getlist("service_tiers[]")),
            "context_window": set(args.getlist("context_window[]")),
        }

        def build(day: date, empty: set[date]) -> list[dict]:
            if day in empty:
                return []
            groups: dict[tuple, Counter] = defaultdict(Counter)
            for row in org.day(day).messages:
                if any(values and _row_dimension(row, d) not in values for d, values in filters.items()):
                    continue
                key = tuple(_row_dimension(row, d) for d in g.group_by)
                groups[key].update({"uncached": row.uncached_input_tokens, "c5m": row.cache_creation_5m,
                                    "c1h": row.cache_creation_1h, "read": row.cache_read_input_tokens,
                                    "output": row.output_tokens, "search": row.web_search_requests})
            ordered = sorted(groups.items(), key=lambda i: tuple(v or "" for v in i[0]))
            return [_messages_item(k, g.group_by, t) for k, t in ordered]

        return _report_page(request.path, state, build)

    @app.get("/v1/organizations/cost_report")
    def cost_report() -> Response:
        def build(day: date, empty: set[date]) -> list[dict]:
            if day in empty:
                return []
            by_workspace, by_description = "workspace_id" in g.group_by, "description" in g.group_by
            groups: dict[tuple, Decimal] = defaultdict(Decimal)
            for line in org.day(day).cost_lines:
                key = (line.workspace_id if by_workspace else None, line if by_description else None)
                groups[key] += line.amount_cents
            items = []
            for (workspace, line), amount in sorted(groups.items(), key=lambda i: (i[0][0] or "", i[0][1].description if i[0][1] else "")):
                tokens = line is not None and line.cost_type == "tokens"
                items.append({
                    "amount": _cents_text(amount),
                    "currency": "USD",
                    "workspace_id": workspace,
                    "description": line.description if line else None,
                    "cost_type": line.cost_type if line else None,
                    "model": line.model if line else None,
                    "service_tier": "standard" if tokens else None,
                    "context_window": "0-200k" if tokens else None,
                    "token_type": line.token_type if line else None,
                    "inference_geo": "not_available" if tokens else None,
                })
            return items

        return _report_page(request.path, state, build)

    @app.get("/v1/organizations/usage_report/claude_code")
    def claude_code() -> Response:
        path = request.path
        day = _iso_day(request.args.get("starting_at"), "starting_at")
        limit = _int_param(request.args.get("limit"), "limit", CLAUDE_CODE_LIMITS[0], 1, CLAUDE_CODE_LIMITS[1])
        offset = 0
        if request.args.get("page"):
            parts = read_page_token(request.args["page"])
            if not parts or len(parts) != 2 or parts[0] != day.isoformat() or not parts[1].isdigit():
                raise ApiError(400, "page: invalid page token for this query")
            offset = int(parts[1])
            _check_cursor_not_expired(path, state, True)
        empty = _empty_days(path, state, [day])
        records = [] if day in empty else sorted(org.day(day).claude_code, key=_record_order)
        chosen = _page_items(path, state, lambda o, c: records[o:o + c], offset, limit)
        has_more = offset + limit < len(records)
        return _respond({"data": chosen, "has_more": has_more,
                         "next_page": page_token(day.isoformat(), offset + limit) if has_more else None})

    @app.get("/v1/organizations/api_keys")
    def api_keys() -> Response:
        args = request.args
        status, workspace, creator = args.get("status"), args.get("workspace_id"), args.get("created_by_user_id")
        if status is not None and status not in ("active", "inactive", "archived", "expired"):
            raise ApiError(400, "status: must be one of active, inactive, archived, expired")
        keys = [k for k in sorted(org.api_keys, key=lambda k: (k.created_at, k.id)) if k.created_at.date() <= org.today]
        items = [_key_json(org, k) for k in keys]
        items = [i for i in items if (status is None or i["status"] == status)
                 and (workspace is None or i["workspace_id"] == workspace)
                 and (creator is None or (i["created_by"] or {}).get("id") == creator)]
        return _id_page(request.path, state, items)

    @app.get("/v1/organizations/workspaces")
    def workspaces() -> Response:
        archived = request.args.get("include_archived", "false").lower() == "true"
        items = [_workspace_json(org, w) for w in org.workspaces if w.created_at.date() <= org.today
                 and (archived or w.archived_at is None or w.archived_at.date() > org.today)]
        return _id_page(request.path, state, items)

    @app.get("/v1/organizations/users")
    def users() -> Response:
        email = request.args.get("email")
        roles = set(request.args.getlist("roles[]"))
        items = [{"id": p.anthropic_user_id, "added_at": _stamp(_added_at(org, p)), "email": p.email,
                  "name": _member_name(p), "role": p.console_role, "type": "user"}
                 for p in org.console_members() if _added_at(org, p).date() <= org.today]
        items = [i for i in items if (email is None or i["email"] == email.lower()) and (not roles or i["role"] in roles)]
        return _id_page(request.path, state, items)

    @app.get("/v1/organizations/me")
    def me() -> Response:
        return _respond({"id": org.organization_id, "name": "SynthCorp", "type": "organization"})


def _record_order(record: dict) -> tuple:
    actor = record["actor"]
    return actor["type"] != "user_actor", actor.get("email_address") or actor.get("api_key_name"), record["is_remote"]


def _added_at(org: Organisation, person: Person) -> datetime:
    first = max(person.start_date, org.start - timedelta(days=90))
    if person.claude_code_since and person.console_role == "claude_code_user":
        first = person.claude_code_since
    return datetime(first.year, first.month, first.day, 9, tzinfo=timezone.utc) + timedelta(seconds=person.index % 3600)


def _key_json(org: Organisation, key) -> dict:
    workspace = next((w for w in org.workspaces if w.id == key.workspace_id), None)
    if workspace and workspace.archived_at and workspace.archived_at.date() <= org.today:
        status = "archived"
    elif key.revoked_on and key.revoked_on <= org.today:
        status = "inactive"
    else:
        status = "active"
    creator = {"id": key.created_by, "type": "user"} if key.created_by else None
    return {"id": key.id, "created_at": _stamp(key.created_at), "created_by": creator, "expires_at": None,
            "name": key.name, "partial_key_hint": key.partial_hint, "principal": creator, "status": status,
            "type": "api_key", "workspace_id": key.workspace_id}


def _workspace_json(org: Organisation, workspace) -> dict:
    return {
        "id": workspace.id,
        "archived_at": _stamp(workspace.archived_at) if workspace.archived_at and workspace.archived_at.date() <= org.today else None,
        "compartment_id": stable_uuid(org.seed, "compartment", workspace.id),
        "created_at": _stamp(workspace.created_at),
        "data_residency": {"allowed_inference_geos": "unrestricted", "default_inference_geo": "global",
                           "workspace_geo": "us"},
        "display_color": "#" + digest(workspace.id).hex()[:6].upper(),
        "external_key_id": None,
        "name": workspace.name,
        "tags": {"env": "prod", "team": workspace.name.lower().replace(" ", "-")},
        "type": "workspace",
    }


def _id_page(path: str, state: SimulatorState, items: list[dict]) -> Response:
    """Anthropic list pagination: ``after_id`` / ``before_id`` cursors, ``first_id``/``last_id``/``has_more``."""
    args = request.args
    limit = _int_param(args.get("limit"), "limit", LIST_LIMITS[0], 1, LIST_LIMITS[1])
    after, before = args.get("after_id"), args.get("before_id")
    if after and before:
        raise ApiError(400, "after_id and before_id cannot be combined")
    ids = [i["id"] for i in items]
    for cursor in (after, before):
        if cursor and cursor not in ids:
            raise ApiError(400, f"{'after_id' if cursor == after else 'before_id'}: unknown id {cursor!r}")
    _check_cursor_not_expired(path, state, bool(after or before))
    if before:
        end = ids.index(before)
        chosen, has_more = items[max(0, end - limit):end], end - limit > 0
    else:
        offset = ids.index(after) + 1 if after else 0
        chosen = _page_items(path, state, lambda o, c: items[o:o + c], offset, limit)
        has_more = offset + limit < len(items)
    return _respond({"data": chosen, "first_id": chosen[0]["id"] if chosen else None,
                     "has_more": has_more, "last_id": chosen[-1]["id"] if chosen else None})


# ---------------------------------------------------------------------------------------------------
# Claude Enterprise Analytics API


def _analytics_day(org: Organisation, person: Person, day: date) -> dict:
    """One Claude Enterprise user's engagement on ``day`` in the analytics/users record shape."""
    rng = rng_for(org.seed, "claude_ai", day, person.index)
    weekend = day.weekday() >= 5
    active = person.employed(day) and rng.random() < (0.15 if weekend else 0.7) * min(1.0, org.growth(day))
    messages = int(rng.gammavariate(2, 6 * person.activity)) + 1 if active else 0
    conversations = min(messages, 1 + messages // 5) if messages else 0
    chat = {
        "connectors_used_count": rng.randrange(0, 3) if messages else 0,
        "distinct_artifacts_created_count": rng.randrange(0, 2) if messages else 0,
        "distinct_connectors_used_count": rng.randrange(0, 2) if messages else 0,
        "distinct_conversation_count": conversations,
        "distinct_files_uploaded_count": rng.randrange(0, 3) if messages else 0,
        "distinct_projects_created_count": 1 if messages and rng.random() < 0.05 else 0,
        "distinct_projects_used_count": rng.randrange(0, 2) if messages else 0,
        "distinct_shared_artifacts_viewed_count": 0,
        "distinct_skills_used_count": 0,
        "message_count": messages,
        "shared_conversations_viewed_count": rng.randrange(0, 2) if messages else 0,
        "thinking_message_count": messages // 4,
    }
    code = Counter()
    tools = {t: Counter() for t in ("edit_tool", "multi_edit_tool", "notebook_edit_tool", "write_tool")}
    for record in org.claude_code_records(person.index, day, user=True):
        metrics = record["core_metrics"]
        code.update(commit_count=metrics["commits_by_claude_code"], distinct_session_count=metrics["num_sessions"],
                    added_count=metrics["lines_of_code"]["added"], removed_count=metrics["lines_of_code"]["removed"],
                    pull_request_count=metrics["pull_requests_by_claude_code"])
        for tool, counts in record["tool_actions"].items():
            tools[tool].update(accepted_count=counts["accepted"], rejected_count=counts["rejected"])
    office_app = {"connectors_used_count": 0, "distinct_connectors_used_count": 0, "distinct_session_count": 0,
                  "distinct_skills_used_count": 0, "message_count": 0, "skills_used_count": 0}
    return {
        "chat_metrics": chat,
        "claude_code_metrics": {
            "core_metrics": {"commit_count": code["commit_count"], "distinct_session_count": code["distinct_session_count"],
                             "lines_of_code": {"added_count": code["added_count"], "removed_count": code["removed_count"]},
                             "pull_request_count": code["pull_request_count"]},
            "tool_actions": {t: {"accepted_count": c["accepted_count"], "rejected_count": c["rejected_count"]}
                             for t, c in tools.items()},
        },
        "cowork_metrics": {k: 0 for k in (
            "action_count", "connectors_used_count", "dispatch_turn_count", "distinct_connectors_used_count",
            "distinct_session_count", "distinct_skills_used_count", "message_count", "skills_used_count",
            "distinct_plugins_used_count", "edit_tool_count", "file_edit_count", "multi_edit_tool_count",
            "notebook_edit_tool_count", "plugins_used_count", "sessions_with_file_edits_count", "write_tool_count")},
        "design_metrics": {"distinct_projects_created_count": 0, "distinct_projects_used_count": 0,
                           "distinct_session_count": 0, "message_count": 0},
        "office_metrics": {app: dict(office_app) for app in ("excel", "outlook", "powerpoint", "word")},
        "science_metrics": {"delegation_count": 0, "distinct_session_count": 0, "message_count": 0,
                            "remote_compute_job_count": 0, "skills_used_count": 0},
        "web_search_count": messages // 6,
        "distinct_user_count": 1,
        "last_activity_date": day.isoformat() if messages or code["distinct_session_count"] else None,
        "rbac_group_id": anthropic_id("rbac_group", org.seed, person.department),
        "rbac_group_name": person.department,
        "user": {"id": person.anthropic_user_id, "email_address": person.email, "type": "user"},
    }


def _add_metrics(total: dict, part: dict) -> dict:
    """Numeric leaves summed; the latest non-null ``last_activity_date``; other values kept."""
    for key, value in part.items():
        if isinstance(value, dict):
            _add_metrics(total[key], value)
        elif key == "last_activity_date":
            total[key] = max(filter(None, (total[key], value)), default=None)
        elif isinstance(value, int) and key != "distinct_user_count":
            total[key] += value
    return total


def _install_analytics(app: Flask, state: SimulatorState) -> None:
    org = state.org

    @app.get("/v1/organizations/analytics/users")
    def analytics_users() -> Response:
        path, args = request.path, request.args
        latest = org.today - timedelta(days=1)
        if args.get("date"):
            first = last = _iso_day(args["date"], "date")
        else:
            first = _iso_day(args.get("starting_date"), "starting_date")
            last = _iso_day(args["ending_date"], "ending_date") if args.get("ending_date") else first
        if last < first or (last - first).days > 30:
            raise ApiError(400, "ending_date must be on or after starting_date and at most 31 days later")
        if first < ANALYTICS_FIRST_DAY:
            raise ApiError(400, f"data is available from {ANALYTICS_FIRST_DAY.isoformat()}")
        if last > latest:
            raise ApiError(400, f"the latest day with data is {latest.isoformat()}")
        limit = _int_param(args.get("limit"), "limit", ANALYTICS_USERS_LIMITS[0], 1, ANALYTICS_USERS_LIMITS[1])
        query = f"{first}|{last}"
        offset = 0
        if args.get("page"):
            parts = read_page_token(args["page"])
            if not parts or len(parts) != 3 or "|".join(parts[:2]) != query or not parts[2].isdigit():
                raise ApiError(400, "page: the cursor does not belong to this query")
            offset = int(parts[2])
            _check_cursor_not_expired(path, state, True)
        span = days(first, last)
        empty = _empty_days(path, state, span)
        seats = [p for p in org.people if p.claude_ai and p.in_roster and any(p.employed(d) for d in span)]

        def fetch(start: int, count: int) -> list[dict]:
            out = []
            for person in seats[start:start + count]:
                records = [_analytics_day(org, person, d) for d in span if person.employed(d) and d not in empty]
                if not records:
                    records = [_analytics_day(org, person, first)]
                total = records[0]
                for record in records[1:]:
                    _add_metrics(total, record)
                out.append(total)
            return out

        chosen = _page_items(path, state, fetch, offset, limit)
        more = offset + limit < len(seats)
        return _respond({"data": chosen, "next_page": page_token(first, last, offset + limit) if more else None})
