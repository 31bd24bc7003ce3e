"""The shared HTTP layer: retries, wait caps, rate limits, counters, pagination and error messages.

Most tests mock at the HTTP level with ``responses`` (which replays urllib3's ``Retry`` decisions but
never sleeps); the ones about sleeping, dropped connections and timeouts use a real local server.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers
from responses.registries import OrderedRegistry

from ai_usage_analytics.resources.http import (
    MissingCredentialsError,
    RateLimiter,
    RetryPolicy,
    VendorAPIError,
    VendorHTTPClient,
    decode_json,
    may_hold_long_integer,
    parse_error_body,
    read_ahead,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "vendor"
BASE = "https://vendor.test"
SECRET = "crsr_secret_value_123"
FAST = RetryPolicy(max_retries=3, backoff_factor=0.001, backoff_jitter=0.0, max_wait=0.01, max_total_wait=1.0)


class FakeClock:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def make_client(base_url: str = BASE, *, credential: str = SECRET, **kwargs) -> VendorHTTPClient:
    kwargs.setdefault("policy", FAST)
    return VendorHTTPClient(
        "Cursor",
        base_url,
        credential=credential,
        credential_env_var="CURSOR_API_KEY",
        credential_description="a Cursor admin API key",
        auth=(credential, ""),
        **kwargs,
    )


def fixture_bytes(vendor: str, name: str) -> bytes:
    return (FIXTURES / vendor / name).read_bytes()


# --- error messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.json")), ids=lambda p: p.name)
def test_decode_json_gives_what_the_standard_parser_gives_for_every_documented_body(path):
    content = path.read_bytes()
    assert decode_json(content) == json.loads(content)


@pytest.mark.parametrize(
    "content",
    [
        b'{"id": 123456789012345678901234567890, "n": 18446744073709551616}',  # past 64 bits
        b'{"n": -9223372036854775809}',  # one below the smallest 64-bit integer
        b'{"x": NaN, "y": Infinity}',  # not JSON, but the standard parser takes it
        '{"name": "Ada"}'.encode("utf-16"),
        b'{"s": "\\ud800"}',  # a lone surrogate
        b'{"a": 1, "a": 2, "f": 0.1, "e": 1e400, "t": "caf\xc3\xa9"}',
    ],
)
def test_decode_json_keeps_the_standard_parsers_values_where_orjson_differs(content):
    decoded, expected = decode_json(content), json.loads(content)
    assert repr(decoded) == repr(expected)  # repr: NaN != NaN, and int vs float must differ
    assert all(type(decoded[k]) is type(expected[k]) for k in expected)


@pytest.mark.parametrize(
    ("content", "long"),
    [
        (b'{"profileId": "114511147312345678901", "uniqueQualifier": "-8208046475227335453"}', False),
        (b'{"n": 922337203685477580}', False),  # 18 digits: exact in orjson
        (b'{"n": 1234567890123456789}', True),
        (b'[-1234567890123456789]', True),
        (b'{"a": [1,\n 12345678901234567890]}', True),
        (b'12345678901234567890', True),
        (b'{"s": "1234567890123456789012345678901234567890"}', True),  # 38+ digits: counted twice, so kept safe
        (b'{"s": "id-1234567890123456789"}', True),  # not right after the quote: kept safe
    ],
)
def test_may_hold_long_integer_tells_numbers_from_digits_in_strings(content, long):
    assert may_hold_long_integer(content) is long
    assert decode_json(content) == json.loads(content)


@pytest.mark.parametrize("content", [b"", b"{", b'{"a": }', b"\xff\xfe{"])
def test_decode_json_raises_value_error_on_malformed_bodies(content):
    with pytest.raises(ValueError):
        decode_json(content)


def test_error_text_names_vendor_endpoint_status_and_message():
    error = VendorAPIError("Cursor", "POST /teams/daily-usage-data", 401, "Invalid API key")
    assert str(error) == "Cursor POST /teams/daily-usage-data returned 401: Invalid API key"
    assert (error.vendor, error.endpoint, error.status, error.message) == (
        "Cursor",
        "POST /teams/daily-usage-data",
        401,
        "Invalid API key",
    )


@pytest.mark.parametrize(
    ("vendor", "name", "message", "request_id"),
    [
        ("cursor", "error_400.json", "Some users are not in the team", None),
        ("cursor", "error_401.json", "Invalid API key", None),
        ("cursor", "error_403.json", "Enterprise access required", None),
        ("cursor", "error_404.json", "Resource not found", None),
        ("cursor", "error_429.json", "Rate limit exceeded. Please try again later.", None),
        ("cursor", "error_500.json", "An unexpected error occurred", None),
        ("cursor", "teams_remove_member.error.json", "User is not a member of this team", None),
        (
            "anthropic",
            "error_not_found.json",
            "not_found_error: The requested resource could not be found.",
            "req_011CSHoEeqs5C35K2UUqR7Fy",
        ),
        ("anthropic", "error_invalid_request.2025.json", "invalid_request_error: Invalid request", None),
        ("anthropic", "error_invalid_request.claude_code.2025.json", "invalid_request_error: Invalid request", "<string>"),
        (
            "anthropic",
            "error_authentication.INFERRED.json",
            "authentication_error: Authentication error",
            "req_011CSHoEeqs5C35K2UUqR7Fy",
        ),
        (
            "anthropic",
            "error_rate_limit.INFERRED.json",
            "rate_limit_error: Rate limited",
            "req_011CSHoEeqs5C35K2UUqR7Fy",
        ),
    ],
)
def test_every_documented_error_body_is_parsed(vendor, name, message, request_id):
    assert parse_error_body(fixture_bytes(vendor, name)) == (message, request_id)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"code": "error", "message": "Model not allowed for this team"}', "Model not allowed for this team"),
        (b'{"error": "Organization not found"}', "Organization not found"),
        (b"<html><body>Bad gateway</body></html>", "non-JSON body (37 bytes)"),
        (b"", "empty body"),
        (b"{}", "error body without a message"),
        (b'["not", "an", "object"]', "non-JSON body (23 bytes)"),
    ],
)
def test_undocumented_error_bodies_are_described_without_their_content(body, message):
    assert parse_error_body(body) == (message, None)


# --- retries ----------------------------------------------------------------------------------------


@responses.activate(registry=OrderedRegistry)
def test_429_with_retry_after_is_retried_then_succeeds():
    responses.post(
        f"{BASE}/teams/daily-usage-data",
        status=429,
        headers={"Retry-After": "0"},
        body=fixture_bytes("cursor", "error_429.json"),
    )
    responses.post(f"{BASE}/teams/daily-usage-data", json={"data": [{"email": "a@x.com"}]})
    client = make_client()

    body = client.request("POST", "/teams/daily-usage-data", json_body={"startDate": 0, "endDate": 1})

    assert body == {"data": [{"email": "a@x.com"}]}
    assert client.request_counts() == {"POST /teams/daily-usage-data": 2}
    assert client.success_counts() == {"POST /teams/daily-usage-data": 1}
    assert [json.loads(call.request.body) for call in responses.calls] == [{"startDate": 0, "endDate": 1}] * 2


@pytest.mark.parametrize("status", [500, 502, 503, 504, 529])
@responses.activate(registry=OrderedRegistry)
def test_transient_server_errors_are_retried(status):
    responses.get(f"{BASE}/teams/members", status=status, body=b"upstream hiccup")
    responses.get(f"{BASE}/teams/members", status=status, json={"error": "x", "message": "busy"})
    responses.get(f"{BASE}/teams/members", json={"teamMembers": []})
    client = make_client()

    assert client.request("GET", "/teams/members") == {"teamMembers": []}
    assert client.request_counts() == {"GET /teams/members": 3}
    assert client.success_counts() == {"GET /teams/members": 1}


@responses.activate
def test_exhausted_retries_raise_with_vendor_endpoint_and_status():
    responses.post(f"{BASE}/teams/spend", status=529, body=fixture_bytes("cursor", "error_500.json"))
    client = make_client()

    with pytest.raises(VendorAPIError) as raised:
        client.request("POST", "/teams/spend", json_body={"page": 1})

    error = raised.value
    assert (error.vendor, error.endpoint, error.status) == ("Cursor", "POST /teams/spend", 529)
    assert str(error) == (
        "Cursor POST /teams/spend returned 529: An unexpected error occurred (gave up after 4 attempts)"
    )
    assert len(responses.calls) == 4
    assert client.request_counts() == {"POST /teams/spend": 4}
    assert client.success_counts() == {}


@pytest.mark.parametrize(
    ("status", "name", "message"),
    [(401, "error_401.json", "Invalid API key"), (403, "error_403.json", "Enterprise access required")],
)
@responses.activate
def test_auth_failures_are_not_retried_and_name_the_variable(status, name, message):
    responses.get(f"{BASE}/teams/members", status=status, body=fixture_bytes("cursor", name))
    client = make_client()

    with pytest.raises(VendorAPIError) as raised:
        client.request("GET", "/teams/members")

    assert str(raised.value) == f"Cursor GET /teams/members returned {status}: {message}; check CURSOR_API_KEY"
    assert len(responses.calls) == 1


@responses.activate
def test_expired_page_cursor_is_not_retried():
    expired = {"type": "error", "error": {"type": "invalid_request_error", "message": "page expired"}}
    responses.get(f"{BASE}/v1/report", status=410, json=expired)
    client = make_client()

    with pytest.raises(VendorAPIError) as raised:
        client.request("GET", "/v1/report", params=[("page", "tok")])

    assert raised.value.status == 410
    assert "page expired" in raised.value.message
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"data": [{"email": "a@x.co', "malformed JSON body (27 bytes)"),
        (b"<html>maintenance</html>", "malformed JSON body (24 bytes)"),
        (b"[]", "expected a JSON object, got a JSON list"),
    ],
)
@responses.activate
def test_malformed_success_bodies_raise(body, message):
    responses.post(f"{BASE}/teams/daily-usage-data", body=body)
    client = make_client()

    with pytest.raises(VendorAPIError) as raised:
        client.request("POST", "/teams/daily-usage-data", json_body={})

    assert str(raised.value) == f"Cursor POST /teams/daily-usage-data returned 200: {message}"
    assert client.success_counts() == {}


@responses.activate
def test_retry_after_beyond_the_wait_budget_gives_up_at_once():
    responses.get(
        f"{BASE}/teams/members", status=429, headers={"Retry-After": "30"}, body=fixture_bytes("cursor", "error_429.json")
    )
    client = make_client(policy=RetryPolicy(max_retries=5, max_wait=60, max_total_wait=10))

    with pytest.raises(VendorAPIError) as raised:
        client.request("GET", "/teams/members")

    assert raised.value.status == 429
    assert len(responses.calls) == 1


@responses.activate
def test_connection_failures_raise_without_urls_or_secrets():
    responses.get(f"{BASE}/teams/members", body=requests.ConnectionError("boom"))
    client = make_client()

    with pytest.raises(VendorAPIError) as raised:
        client.request("GET", "/teams/members")

    assert str(raised.value) == "Cursor GET /teams/members failed: no usable response after 1 attempt(s) (ConnectionError)"
    assert raised.value.status is None


@responses.activate
def test_missing_credential_fails_before_any_request():
    client = make_client(credential="")

    with pytest.raises(MissingCredentialsError) as raised:
        client.request("GET", "/teams/members")

    assert raised.value.env_var == "CURSOR_API_KEY"
    assert str(raised.value).startswith("CURSOR_API_KEY is not set: export it (a Cursor admin API key)")
    assert isinstance(raised.value, VendorAPIError)
    assert len(responses.calls) == 0
    assert client.request_counts() == {}


@responses.activate
def test_credentials_echoed_by_the_vendor_are_redacted_and_long_messages_cut():
    responses.get(f"{BASE}/teams/members", status=401, json={"message": f"key {SECRET} is revoked " + "x" * 500})
    client = make_client()

    with pytest.raises(VendorAPIError) as raised:
        client.request("GET", "/teams/members")

    text = str(raised.value) + repr(raised.value) + raised.value.message
    assert SECRET not in text
    assert "key [redacted] is revoked" in text
    assert len(raised.value.message) <= 300


@responses.activate
def test_redirects_are_not_followed():
    responses.get(f"{BASE}/teams/members", status=302, headers={"Location": "https://elsewhere.test/steal"})
    client = make_client()

    with pytest.raises(VendorAPIError) as raised:
        client.request("GET", "/teams/members")

    assert raised.value.status == 302
    assert [call.request.url for call in responses.calls] == [f"{BASE}/teams/members"]


# --- rate limiting ----------------------------------------------------------------------------------


def _assert_window(stamps: list[float], per_minute: int) -> None:
    for index in range(per_minute, len(stamps)):
        assert stamps[index] - stamps[index - per_minute] >= 60.0


def test_rate_limiter_keeps_to_n_per_minute():
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock.time, sleep=clock.sleep)
    stamps = []
    for _ in range(45):
        limiter.acquire()
        stamps.append(clock.time())

    _assert_window(stamps, 20)
    assert stamps[19] == 1000.0 and stamps[20] == 1060.0 and stamps[40] == 1120.0
    assert clock.now == 1120.0


def test_rate_limiter_is_thread_safe():
    clock = FakeClock()
    limiter = RateLimiter(7, clock=clock.time, sleep=clock.sleep)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                stamps.append(clock.time())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(stamps) == 30
    _assert_window(sorted(stamps), 7)


def test_rate_limit_zero_disables_it():
    clock = FakeClock()
    limiter = RateLimiter(0, clock=clock.time, sleep=clock.sleep)
    for _ in range(1000):
        limiter.acquire()
    assert clock.sleeps == []


def test_negative_rate_limit_is_rejected():
    with pytest.raises(ValueError, match="0 disables"):
        RateLimiter(-1)


@responses.activate
def test_each_path_waits_on_its_own_limiter():
    responses.get(f"{BASE}/slow", json={})
    responses.get(f"{BASE}/fast", json={})
    clock = FakeClock()
    client = make_client(requests_per_minute=2, rate_limits={"/fast": 5}, clock=clock.time, sleep=clock.sleep)

    for _ in range(5):
        client.request("GET", "/fast")
    assert clock.sleeps == []
    for _ in range(3):
        client.request("GET", "/slow")
    assert clock.sleeps == [60.0]
    assert client.request_counts() == {"GET /fast": 5, "GET /slow": 3}


# --- pagination -------------------------------------------------------------------------------------


@responses.activate
def test_pages_by_token_follows_next_page_with_the_same_params():
    first = json.loads(fixture_bytes("anthropic", "usage_report_messages.json"))
    token = first["next_page"]
    responses.get(
        f"{BASE}/v1/report",
        match=[matchers.query_param_matcher({"starting_at": "2025-08-01T00:00:00Z", "limit": "31"})],
        json=first,
    )
    responses.get(
        f"{BASE}/v1/report",
        match=[matchers.query_param_matcher({"starting_at": "2025-08-01T00:00:00Z", "limit": "31", "page": token})],
        json={"data": [{"starting_at": "x", "results": []}], "has_more": False, "next_page": None},
    )
    client = make_client()

    pages = list(client.pages_by_token("/v1/report", [("starting_at", "2025-08-01T00:00:00Z"), ("limit", 31)]))

    assert [len(page["data"]) for page in pages] == [1, 1]
    assert client.request_counts() == {"GET /v1/report": 2}


@responses.activate
def test_pages_by_token_refuses_a_repeating_token():
    responses.get(f"{BASE}/v1/report", json={"data": [], "has_more": True, "next_page": "same"})
    client = make_client()

    with pytest.raises(VendorAPIError, match="next_page is missing or repeats"):
        list(client.pages_by_token("/v1/report", []))
    assert len(responses.calls) == 2


@responses.activate
def test_pages_by_id_follows_last_id():
    first = json.loads(fixture_bytes("anthropic", "users_list.json"))
    responses.get(f"{BASE}/v1/users", match=[matchers.query_param_matcher({"limit": "1000"})], json=first)
    responses.get(
        f"{BASE}/v1/users",
        match=[matchers.query_param_matcher({"limit": "1000", "after_id": "last_id"})],
        json={"data": [{"id": "user_2"}], "first_id": "user_2", "last_id": "user_2", "has_more": False},
    )
    client = make_client()

    pages = list(client.pages_by_id("/v1/users", [("limit", 1000)]))

    assert [page["data"][0]["id"] for page in pages] == ["user_01WCz1FkmYMm4gnmykNKUu3Q", "user_2"]


@responses.activate
def test_pages_by_id_refuses_has_more_without_last_id():
    responses.get(f"{BASE}/v1/users", json={"data": [], "has_more": True, "last_id": None})
    with pytest.raises(VendorAPIError, match="last_id is missing"):
        list(make_client().pages_by_id("/v1/users", []))


@pytest.mark.parametrize(
    "pagination_of",
    [
        lambda page, last: {"pagination": {"currentPage": page, "hasNextPage": page < last}},
        lambda page, last: {"pagination": {"currentPage": page, "numPages": last}},
        lambda page, last: {"pagination": {"page": page, "totalPages": last}},
        lambda page, last: {"totalPages": last},
    ],
    ids=["hasNextPage", "numPages", "pagination.totalPages", "totalPages"],
)
@responses.activate
def test_pages_by_number_reads_every_pagination_shape(pagination_of):
    for number in (1, 2, 3):
        responses.post(
            f"{BASE}/teams/filtered-usage-events",
            match=[matchers.json_params_matcher({"startDate": 1, "endDate": 2, "page": number, "pageSize": 2})],
            json={"usageEvents": [{"n": number}], **pagination_of(number, 3)},
        )
    client = make_client()

    pages = list(client.pages_by_number("/teams/filtered-usage-events", {"startDate": 1, "endDate": 2}, 2, "usageEvents"))

    assert [page["usageEvents"][0]["n"] for page in pages] == [1, 2, 3]
    assert client.request_counts() == {"POST /teams/filtered-usage-events": 3}


@responses.activate
def test_pages_by_number_stops_on_an_empty_page_claiming_more():
    responses.post(f"{BASE}/teams/spend", json={"teamMemberSpend": [], "pagination": {"hasNextPage": True}})
    with pytest.raises(VendorAPIError, match="page 1 is empty but claims a next page"):
        list(make_client().pages_by_number("/teams/spend", {}, 10, "teamMemberSpend"))


def test_items_requires_the_list():
    client = make_client()
    assert client.items({"data": [{"a": 1}]}, "data", "GET /x") == [{"a": 1}]
    with pytest.raises(VendorAPIError, match="returned 200: the response has no 'data' list"):
        client.items({"data": None}, "data", "GET /x")


# --- against a real socket: sleeping, dropped connections, timeouts ---------------------------------


class ScriptedServer:
    """A local HTTP server answering each request with the next scripted action."""

    def __init__(self, actions: list[tuple]) -> None:
        self.actions = list(actions)
        self.requests: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append((self.command, self.path, self.rfile.read(length)))
                kind, *rest = outer.actions.pop(0)
                if kind == "drop":
                    self.close_connection = True
                    return
                if kind == "stall":
                    time.sleep(rest[0])
                    self.close_connection = True
                    return
                status, headers, body = rest
                self.send_response(status)
                # One connection per request, so a cut-off body really ends at the socket's close.
                for name, value in {"Content-Length": str(len(body)), "Connection": "close", **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            do_GET = _handle
            do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


OK = ("respond", 200, {"Content-Type": "application/json"}, b'{"ok": true}')


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    yield FakeClock()


def test_dropped_connection_on_post_is_retried(clock):
    with ScriptedServer([("drop",), OK]) as server:
        client = make_client(server.url, clock=clock.time, sleep=clock.sleep)
        assert client.request("POST", "/teams/spend", json_body={"page": 1}) == {"ok": True}

    assert [(method, path) for method, path, _ in server.requests] == [("POST", "/teams/spend")] * 2
    assert client.request_counts() == {"POST /teams/spend": 2}


def test_retry_after_is_slept_and_retries_pass_the_rate_limiter(clock):
    too_many = ("respond", 429, {"Retry-After": "7"}, fixture_bytes("cursor", "error_429.json"))
    policy = RetryPolicy(max_retries=3, backoff_factor=0.5, backoff_jitter=0.0, max_wait=60, max_total_wait=100)
    with ScriptedServer([too_many, ("respond", 503, {}, b""), ("respond", 503, {}, b""), OK]) as server:
        client = make_client(server.url, policy=policy, requests_per_minute=3, clock=clock.time, sleep=clock.sleep)
        assert client.request("GET", "/teams/members") == {"ok": True}

    # Retry-After 7 s, then urllib3's backoff 0.5 * 2 = 1 s and 0.5 * 4 = 2 s; by then three requests
    # went out within 10 s, so the fourth waits 50 s for the 3-per-minute limiter.
    assert clock.sleeps == [7.0, 1.0, 2.0, 50.0]
    assert client.request_counts() == {"GET /teams/members": 4}


def test_wait_cap_applies_to_real_sleeps(clock):
    too_many = ("respond", 429, {"Retry-After": "3600"}, b"{}")
    policy = RetryPolicy(max_retries=2, max_wait=5, max_total_wait=100)
    with ScriptedServer([too_many, too_many, too_many]) as server:
        client = make_client(server.url, policy=policy, clock=clock.time, sleep=clock.sleep)
        with pytest.raises(VendorAPIError) as raised:
            client.request("GET", "/teams/members")

    assert clock.sleeps == [5.0, 5.0]
    assert raised.value.status == 429
    assert raised.value.message == "error body without a message (gave up after 3 attempts)"


def test_read_timeouts_are_retried_then_reported(clock):
    policy = RetryPolicy(max_retries=1, backoff_jitter=0.0, read_timeout=0.05)
    with ScriptedServer([("stall", 0.3), ("stall", 0.3)]) as server:
        client = make_client(server.url, policy=policy, clock=clock.time, sleep=clock.sleep)
        with pytest.raises(VendorAPIError) as raised:
            client.request("POST", "/teams/daily-usage-data", json_body={})

    assert str(raised.value) == (
        "Cursor POST /teams/daily-usage-data failed: no usable response after 2 attempt(s) (ReadTimeoutError)"
    )
    assert client.request_counts() == {"POST /teams/daily-usage-data": 2}


def test_truncated_success_body_raises_with_status(clock):
    cut = ("respond", 200, {"Content-Type": "application/json", "Content-Length": "500"}, b'{"data": [')
    with ScriptedServer([cut]) as server:
        client = make_client(server.url, clock=clock.time, sleep=clock.sleep)
        with pytest.raises(VendorAPIError) as raised:
            client.request("GET", "/teams/members")

    assert str(raised.value) == "Cursor GET /teams/members returned 200: the response body was cut off"


def test_gzip_encoded_body_is_decoded():
    body = gzip.compress(b'{"teamMembers": [{"email": "ada@example.com"}]}')
    encoded = ("respond", 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, body)
    with ScriptedServer([encoded]) as server:
        client = make_client(server.url)
        assert client.request("GET", "/teams/members") == {"teamMembers": [{"email": "ada@example.com"}]}


# --- read-ahead -------------------------------------------------------------------------------------


def test_read_ahead_keeps_order_and_raises_where_the_producer_failed():
    def pages():
        yield from range(5)
        raise VendorAPIError("Cursor", "POST /teams/filtered-usage-events", 500, "Internal error")

    seen = []
    with pytest.raises(VendorAPIError, match="500"):
        for item in read_ahead(pages(), depth=2):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]
    assert list(read_ahead(iter(range(100)), depth=3)) == list(range(100))
    assert list(read_ahead(iter([]))) == []


def test_read_ahead_stops_the_producer_when_the_consumer_stops():
    produced = []

    def pages():
        for n in range(1000):
            produced.append(n)
            yield n

    stream = read_ahead(pages(), depth=1)
    assert next(stream) == 0
    stream.close()
    time.sleep(0.3)
    assert len(produced) <= 4


def test_a_vendor_error_survives_pickling_with_its_fields():
    import pickle

    from ai_usage_analytics.resources.http import MissingCredentialsError, VendorAPIError

    error = pickle.loads(pickle.dumps(VendorAPIError("Cursor", "POST /teams/spend", 401, "Invalid API key", "req-1")))
    assert type(error) is VendorAPIError and str(error) == "Cursor POST /teams/spend returned 401: Invalid API key"
    assert (error.vendor, error.status, error.request_id) == ("Cursor", 401, "req-1")
    missing = pickle.loads(pickle.dumps(MissingCredentialsError("Cursor", "POST /teams/spend", "CURSOR_API_KEY", "a key")))
    assert type(missing) is MissingCredentialsError and missing.env_var == "CURSOR_API_KEY"
    assert str(missing).startswith("CURSOR_API_KEY is not set")
