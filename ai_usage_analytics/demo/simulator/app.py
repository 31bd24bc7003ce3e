"""The simulator's Flask app: ``create_app``, authentication, counters, request ids, the
transport-level faults, the vendors' error bodies and the ``/_sim`` control routes. Vendor routes
are installed from ``cursor``, ``anthropic``, ``analytics``, ``analytics_cost`` and ``google`` (see
the package docstring for the list of endpoints); a path's vendor (``_vendor``) decides its auth and
error body.

Control routes (no auth):

* ``POST /_sim/faults`` a rule or a list of rules (see ``faults.FaultRule``); ``GET /_sim/faults`` lists them.
* ``POST /_sim/reset`` clears faults and counters; ``GET /_sim/counters`` requests per path and status.
* ``GET /_sim/truth?date=YYYY-MM-DD`` ``org.truth(day)`` plus ``claude_ai`` (``analytics_cost.claude_ai_truth``); ``GET /_sim/info`` seed, size, period, ids.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import date

from flask import Flask, Response, g, request

from ai_usage_analytics.demo.org import Organisation, _base58, digest
from ai_usage_analytics.demo.simulator.analytics import _install_analytics
from ai_usage_analytics.demo.simulator.analytics_cost import _install_analytics_cost, claude_ai_truth
from ai_usage_analytics.demo.simulator.anthropic import _install_anthropic
from ai_usage_analytics.demo.simulator.common import ANALYTICS, ANTHROPIC, CURSOR, GOOGLE, ApiError, _respond
from ai_usage_analytics.demo.simulator.cursor import _install_cursor
from ai_usage_analytics.demo.simulator.faults import FAULT_KINDS, STATUS_KINDS
from ai_usage_analytics.demo.simulator.google import GEMINI_PATH_PREFIX, _install_google, google_error_body
from ai_usage_analytics.demo.simulator.state import SimulatorState

ANTHROPIC_VERSION_HEADER = "anthropic-version"

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


def _vendor(path: str) -> str | None:
    if path.startswith("/teams/"):
        return CURSOR
    if path.startswith(GEMINI_PATH_PREFIX):
        return GOOGLE
    if path.startswith("/v1/organizations/analytics/"):
        return ANALYTICS
    if path.startswith("/v1/organizations/"):
        return ANTHROPIC
    return None


def _error_response(vendor: str | None, status: int, message: str | None, request_id: str,
                    headers: dict | None = None) -> Response:
    if vendor == GOOGLE:
        body = google_error_body(status, message)
    elif vendor == CURSOR:
        body = {"error": CURSOR_PHRASES.get(status, "Error"),
                "message": message or CURSOR_MESSAGES.get(status, CURSOR_PHRASES.get(status, "Error"))}
    else:
        kind, default = ANTHROPIC_TYPES.get(status, ("api_error", "Internal server error"))
        body = {"type": "error", "error": {"type": kind, "message": message or default}, "request_id": request_id}
    return _respond(body, status, headers)



def create_app(org: Organisation, keys: dict[str, str], *, name: str = "vendor-simulator") -> Flask:
    """The simulator as a WSGI app. ``keys`` maps ``cursor``, ``anthropic_admin``, ``claude_analytics``
    and ``google_reports`` (a Bearer access token) to the one key each API accepts. The state (``SimulatorState``: faults,
    counters, org) is ``app.extensions["simulator"]``."""
    missing = [k for k in (CURSOR, ANTHROPIC, ANALYTICS, GOOGLE) if not keys.get(k)]
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
    _install_analytics_cost(app, state)
    _install_google(app, state)
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
    if vendor == GOOGLE:
        if request.headers.get("authorization", "") != f"Bearer {keys[GOOGLE]}":
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
        truth = state.org.truth(day) | {"claude_ai": claude_ai_truth(state.org, day)}
        return Response(json.dumps(truth, default=str), mimetype="application/json")

    @app.get("/_sim/info")
    def info() -> Response:
        org = state.org
        return _respond({
            "seed": org.seed, "people": org.size, "start": org.start.isoformat(), "end": org.end.isoformat(),
            "today": org.today.isoformat(), "claude_code_workspace_ids": [org.claude_code_workspace_id],
            "fault_kinds": list(FAULT_KINDS),
        })

