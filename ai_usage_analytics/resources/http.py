"""The one HTTP layer behind every vendor client.

``VendorHTTPClient`` wraps a ``requests.Session`` whose adapter retries through urllib3's ``Retry``
(exponential backoff with jitter, ``Retry-After`` honoured, POST included because the Cursor report
endpoints are read-only POSTs), adds a cap on the total time spent waiting between retries, a
client-side rate limiter, per-endpoint request counters and the vendors' pagination schemes, and turns
every failure into one exception, ``VendorAPIError``, whose text never carries credentials, headers or
response bodies.

``VendorAPIResource`` is the Dagster resource base the vendor clients share: credentials, timeouts,
retry and rate-limit settings, and a lazily built client.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import dagster as dg
import orjson
import requests
from pydantic import PrivateAttr
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import HTTPError as URLLib3Error
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

USER_AGENT = "ai-usage-analytics/0.1.0 (+https://github.com/ai-usage-analytics; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
AUTH_STATUSES = frozenset({401, 403})
EXPIRED_CURSOR_STATUS = 410
MAX_MESSAGE_CHARS = 300
RATE_WINDOW_SECONDS = 60.0

Params = Sequence[tuple[str, Any]]


class VendorAPIError(Exception):
    """A vendor API call failed. ``str()`` reads e.g. ``Cursor POST /teams/spend returned 401: Invalid API key``.

    Attributes: ``vendor``, ``endpoint`` (method + path template), ``status`` (HTTP status, or None when
    no response arrived), ``message`` (the vendor's message or our diagnosis), ``request_id`` (the
    vendor's request id when the error body carries one).
    """

    def __init__(
        self, vendor: str, endpoint: str, status: int | None, message: str, request_id: str | None = None
    ) -> None:
        self.vendor = vendor
        self.endpoint = endpoint
        self.status = status
        self.message = message
        self.request_id = request_id
        super().__init__(self._render())

    def __reduce__(self):  # pickled with its fields (a raw pull's worker process sends it back)
        return _rebuild_error, (type(self), dict(self.__dict__), self.args)

    def _render(self) -> str:
        if self.status is None:
            return f"{self.vendor} {self.endpoint} failed: {self.message}"
        return f"{self.vendor} {self.endpoint} returned {self.status}: {self.message}"


def _rebuild_error(kind: type, fields: dict, args: tuple) -> VendorAPIError:
    error = Exception.__new__(kind)
    error.args = args
    error.__dict__.update(fields)
    return error


class MissingCredentialsError(VendorAPIError):
    """The API key is empty; raised before any HTTP request. ``env_var`` names the variable to set."""

    def __init__(self, vendor: str, endpoint: str, env_var: str, description: str) -> None:
        self.env_var = env_var
        message = f"{env_var} is not set: export it ({description}) and run again; {vendor} {endpoint} needs it."
        super().__init__(vendor, endpoint, None, message)

    def _render(self) -> str:
        return self.message


_DIGITS = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 19  # -2**63 - 1 has 19 digits: shorter integers are exact in orjson, longer may be floats
_QUOTED_LONG = (b'"' + _LONG_NUMBER, b'"-' + _LONG_NUMBER)


def may_hold_long_integer(content: bytes) -> bool:
    """Whether ``content`` may hold an integer of 19 or more digits outside a string.

    Google's ids ("profileId": "1145...", "uniqueQualifier": "-8208...") are such runs inside strings:
    a run right after an opening quote is string text (a closing quote is never followed by a digit or
    a minus sign). Counted in C over the whole body; any other run (or one of 38+ digits, counted
    twice) answers yes."""
    digits = content.translate(_DIGITS)
    runs = digits.count(_LONG_NUMBER)
    return bool(runs) and runs != sum(digits.count(quoted) for quoted in _QUOTED_LONG)


def decode_json(content: bytes) -> Any:
    """The body as Python values, exactly as ``json.loads`` gives them, in about half its time.

    orjson (twice as fast on a page of usage events) turns integers past 64 bits into floats and
    refuses NaN, UTF-16 and lone surrogates, which ``json`` accepts: a body that may hold such an
    integer, or one orjson refuses, goes to ``json``. Raises ValueError on malformed JSON."""
    if may_hold_long_integer(content):
        return json.loads(content)
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


def read_body(response: requests.Response) -> bytes:
    """The whole (decoded) body of a streamed response in one read.

    ``response.content`` reads 10 KiB at a time, and after each read the thread waits for the GIL,
    up to ``sys.getswitchinterval()`` (5 ms), whenever another thread is computing: beside a busy
    thread, a read-ahead thread took 110 ms for a 700 KB page that way and 22 ms in one read."""
    return response.raw.read(decode_content=True)


def parse_error_body(content: bytes) -> tuple[str, str | None]:
    """The vendor's message (and request id) from any documented error body shape.

    Anthropic: ``{"type": "error", "error": {"type", "message"}, "request_id"}``. Cursor:
    ``{"error", "message"}``, ``{"code", "message"}`` or ``{"error"}``. Anything else is described by
    its size only, so an unexpected body can never leak into a message.
    """
    try:
        data = json.loads(content)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return (f"non-JSON body ({len(content)} bytes)" if content else "empty body"), None
    request_id = data.get("request_id") if isinstance(data.get("request_id"), str) else None
    error = data.get("error")
    if isinstance(error, dict):
        parts = [str(error[key]) for key in ("type", "message") if error.get(key)]
        return (": ".join(parts) or "error body without a message"), request_id
    for key in ("message", "error", "code"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value, request_id
    return "error body without a message", request_id


class RateLimiter:
    """At most ``per_minute`` acquisitions in any sliding 60-second window; 0 disables it. Thread-safe.

    ``clock`` and ``sleep`` are injectable so tests can check the limit without waiting.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 0:
            raise ValueError(f"requests per minute must be >= 0 (0 disables the limit), got {per_minute}")
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a free slot and take it; returns the seconds waited."""
        if not self.per_minute:
            return 0.0
        waited = 0.0
        # Waiting while holding the lock queues other threads behind the one already waiting.
        with self._lock:
            while True:
                now = self._clock()
                while self._stamps and now - self._stamps[0] >= RATE_WINDOW_SECONDS:
                    self._stamps.popleft()
                if len(self._stamps) < self.per_minute:
                    self._stamps.append(now)
                    return waited
                delay = self._stamps[0] + RATE_WINDOW_SECONDS - now
                self._sleep(delay)
                waited += delay


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Backoff follows urllib3: the first retry is immediate, then
    ``backoff_factor * 2**(n-1)`` plus up to ``backoff_jitter`` seconds, each wait (Retry-After
    included) capped at ``max_wait`` and all waits of one call together at ``max_total_wait``."""

    max_retries: int = 5
    backoff_factor: float = 1.0
    backoff_jitter: float = 1.0
    max_wait: float = 60.0
    max_total_wait: float = 300.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


class _BudgetedRetry(Retry):
    """urllib3 ``Retry`` that also caps the summed wait, sleeps through an injectable function and
    reports each retry: ``on_retry`` when a retry is decided (counting), ``before_retry`` right before
    it is sent (rate limiting)."""

    def __init__(
        self,
        *args: Any,
        max_total_wait: float = float("inf"),
        waited: float = 0.0,
        sleep_fn: Callable[[float], None] = time.sleep,
        on_retry: Callable[[], None] | None = None,
        before_retry: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_total_wait = max_total_wait
        self.waited = waited
        self.sleep_fn = sleep_fn
        self.on_retry = on_retry
        self.before_retry = before_retry
        self.planned_wait = 0.0

    def new(self, **kw: Any) -> _BudgetedRetry:
        extra = {
            "max_total_wait": self.max_total_wait,
            "waited": self.waited,
            "sleep_fn": self.sleep_fn,
            "on_retry": self.on_retry,
            "before_retry": self.before_retry,
        }
        return super().new(**{**extra, **kw})

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> _BudgetedRetry:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = retry._wait_before_next(response)
        if self.waited + wait > self.max_total_wait:
            reason = error or ResponseError(f"retry wait budget of {self.max_total_wait:g}s spent")
            raise MaxRetryError(_pool, url, reason) from reason
        retry.waited = self.waited + wait
        retry.planned_wait = wait
        if self.on_retry:
            self.on_retry()
        return retry

    def _wait_before_next(self, response: BaseHTTPResponse | None) -> float:
        if response is not None and self.respect_retry_after_header:
            try:
                retry_after = self.get_retry_after(response)
            except InvalidHeader:
                retry_after = None
            if retry_after is not None:
                return retry_after
        return self.get_backoff_time()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        if self.planned_wait > 0:
            self.sleep_fn(self.planned_wait)
        if self.before_retry:
            self.before_retry()


@dataclass
class _CallState:
    """What the retry hooks need to know about the call in progress on this thread."""

    endpoint: str = ""
    path: str = ""
    attempts: int = 0


@dataclass
class _Counters:
    attempts: Counter[str] = field(default_factory=Counter)
    successes: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, counter: Counter[str], endpoint: str) -> None:
        with self.lock:
            counter[endpoint] += 1

    def snapshot(self, counter: Counter[str]) -> dict[str, int]:
        with self.lock:
            return dict(counter)


def read_ahead(items: Iterator, depth: int = 2) -> Iterator:
    """``items`` produced by a background thread up to ``depth`` ahead of the consumer, so fetching
    the next page (the vendor's time) overlaps with processing this one (ours). Errors are raised
    in the consumer, at the point they happened; a consumer that stops early stops the producer."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put((done, None))
        except BaseException as error:  # handed to the consumer
            box.put((done, error))

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = box.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class VendorHTTPClient:
    """JSON-over-HTTPS calls to one vendor with retries, rate limits, counters and clean errors.

    ``rate_limits`` maps a path to its own requests-per-minute limit; every other path shares
    ``requests_per_minute`` (0 = unlimited). ``credential`` is only checked for presence and scrubbed
    from messages; the caller puts it into ``headers`` or ``auth``.
    """

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        credential: str,
        credential_env_var: str,
        credential_description: str,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        policy: RetryPolicy = RetryPolicy(),
        requests_per_minute: int = 0,
        rate_limits: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self._credential = credential
        self._credential_env_var = credential_env_var
        self._credential_description = credential_description
        self._timeout = (policy.connect_timeout, policy.read_timeout)
        self._default_limiter = RateLimiter(requests_per_minute, clock=clock, sleep=sleep)
        self._limiters = {
            path: RateLimiter(limit, clock=clock, sleep=sleep) for path, limit in (rate_limits or {}).items()
        }
        self._counters = _Counters()
        self._local = threading.local()
        retry = _BudgetedRetry(
            total=policy.max_retries,
            other=0,
            redirect=0,
            allowed_methods=None,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=policy.backoff_factor,
            backoff_jitter=policy.backoff_jitter,
            backoff_max=policy.max_wait,
            retry_after_max=policy.max_wait,
            respect_retry_after_header=True,
            raise_on_status=False,
            max_total_wait=policy.max_total_wait,
            sleep_fn=sleep,
            on_retry=self._on_retry,
            before_retry=self._before_retry,
        )
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})})
        self._session.auth = auth
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def rate_limiter(self, path: str) -> RateLimiter:
        """The limiter a request to ``path`` waits on."""
        return self._limiters.get(path, self._default_limiter)

    def request_counts(self) -> dict[str, int]:
        """HTTP requests actually sent, retries included, per endpoint (``"POST /teams/spend"``)."""
        return self._counters.snapshot(self._counters.attempts)

    def success_counts(self) -> dict[str, int]:
        """Calls that returned a usable 2xx JSON body, per endpoint."""
        return self._counters.snapshot(self._counters.successes)

    def close(self) -> None:
        self._session.close()

    def request(
        self, method: str, path: str, *, params: Params | None = None, json_body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send one call (retried as needed) and return its JSON object body; raises VendorAPIError."""
        endpoint = f"{method} {path}"
        if not self._credential:
            raise MissingCredentialsError(self.vendor, endpoint, self._credential_env_var, self._credential_description)
        state = _CallState(endpoint=endpoint, path=path, attempts=1)
        self._local.state = state
        self.rate_limiter(path).acquire()
        self._counters.add(self._counters.attempts, endpoint)
        try:
            # Redirects are refused: requests would forward x-api-key to another host.
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                json=json_body,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            message = f"no usable response after {state.attempts} attempt(s) ({_cause(exc)})"
            raise self._error(endpoint, None, message) from None
        finally:
            self._local.state = None
        with response:
            status = response.status_code
            try:
                content = read_body(response)
            except (requests.RequestException, URLLib3Error, OSError):
                raise self._error(endpoint, status, "the response body was cut off") from None
        if not 200 <= status < 300:
            raise self._status_error(endpoint, status, content, state.attempts)
        try:
            body = decode_json(content)
        except ValueError:
            raise self._error(endpoint, status, f"malformed JSON body ({len(content)} bytes)") from None
        if not isinstance(body, dict):
            raise self._error(endpoint, status, f"expected a JSON object, got a JSON {type(body).__name__}")
        self._counters.add(self._counters.successes, endpoint)
        return body

    def items(self, page: Mapping[str, Any], key: str, endpoint: str) -> list[dict[str, Any]]:
        """``page[key]`` checked to be a list; a missing list is a malformed response."""
        value = page.get(key)
        if not isinstance(value, list):
            raise self._error(endpoint, 200, f"the response has no '{key}' list")
        return value

    def pages_by_token(self, path: str, params: Params) -> Iterator[dict[str, Any]]:
        """Anthropic reports: GET again with ``page=<next_page>`` while ``has_more``."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.request("GET", path, params=[*params, ("page", token)] if token else list(params))
            yield page
            if not page.get("has_more"):
                return
            token = page.get("next_page")
            if not isinstance(token, str) or not token or token in seen:
                raise self._error(f"GET {path}", 200, "has_more is true but next_page is missing or repeats")
            seen.add(token)

    def pages_by_id(self, path: str, params: Params) -> Iterator[dict[str, Any]]:
        """Anthropic lists: GET again with ``after_id=<last_id>`` while ``has_more``."""
        after: str | None = None
        seen: set[str] = set()
        while True:
            page = self.request("GET", path, params=[*params, ("after_id", after)] if after else list(params))
            yield page
            if not page.get("has_more"):
                return
            after = page.get("last_id")
            if not isinstance(after, str) or not after or after in seen:
                raise self._error(f"GET {path}", 200, "has_more is true but last_id is missing or repeats")
            seen.add(after)

    def pages_by_number(
        self, path: str, body: Mapping[str, Any], page_size: int, items_key: str
    ) -> Iterator[dict[str, Any]]:
        """Cursor: POST with ``page`` = 1, 2, … and ``pageSize`` until ``pagination.hasNextPage`` is
        false (or, without it, until ``numPages``/``totalPages`` is reached)."""
        number = 1
        while True:
            page = self.request("POST", path, json_body={**body, "page": number, "pageSize": page_size})
            yield page
            if not _cursor_has_next(page, number):
                return
            if not self.items(page, items_key, f"POST {path}"):
                raise self._error(f"POST {path}", 200, f"page {number} is empty but claims a next page")
            number += 1

    def _on_retry(self) -> None:
        state: _CallState | None = getattr(self._local, "state", None)
        if state is not None:
            state.attempts += 1
            self._counters.add(self._counters.attempts, state.endpoint)

    def _before_retry(self) -> None:
        state: _CallState | None = getattr(self._local, "state", None)
        if state is not None:
            self.rate_limiter(state.path).acquire()

    def _status_error(self, endpoint: str, status: int, content: bytes, attempts: int) -> VendorAPIError:
        message, request_id = parse_error_body(content)
        if status == EXPIRED_CURSOR_STATUS:
            message += " (the page cursor expired; fetch the window again)"
        elif 300 <= status < 400:
            message = "unexpected redirect (not followed)"
        if status in AUTH_STATUSES:
            message += f"; check {self._credential_env_var}"
        if attempts > 1:
            message += f" (gave up after {attempts} attempts)"
        return self._error(endpoint, status, message, request_id)

    def _error(self, endpoint: str, status: int | None, message: str, request_id: str | None = None) -> VendorAPIError:
        return VendorAPIError(self.vendor, endpoint, status, self._scrub(message), request_id)

    def _scrub(self, message: str) -> str:
        message = " ".join(message.split())
        if self._credential:
            message = message.replace(self._credential, "[redacted]")
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        return message


def _cursor_has_next(page: Mapping[str, Any], number: int) -> bool:
    pagination = page.get("pagination")
    pagination = pagination if isinstance(pagination, dict) else {}
    if isinstance(pagination.get("hasNextPage"), bool):
        return pagination["hasNextPage"]
    total = pagination.get("numPages", pagination.get("totalPages", page.get("totalPages")))
    return isinstance(total, int) and number < total


def _cause(exc: requests.RequestException) -> str:
    """The failure's kind (e.g. ``ReadTimeoutError``) without its text, which would carry the URL."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        return type(reason.reason).__name__
    return type(exc).__name__


class VendorAPIResource(dg.ConfigurableResource):
    """Settings every vendor client shares. Pass the key as ``dagster.EnvVar(...)`` so its value never
    shows in the UI; ``api_key_env_var`` only names that variable in error messages."""

    api_key: str = ""
    api_key_env_var: str = ""
    base_url: str = ""
    timeout_seconds: float = 60.0
    connect_timeout_seconds: float = 10.0
    max_retries: int = 5
    backoff_factor: float = 1.0
    backoff_jitter_seconds: float = 1.0
    max_retry_wait_seconds: float = 60.0
    max_total_retry_wait_seconds: float = 300.0
    requests_per_minute: int = 0

    _client: VendorHTTPClient | None = PrivateAttr(default=None)

    def make_client(
        self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> VendorHTTPClient:
        """A new client with these settings (tests and benchmarks may pass a fake clock and sleep)."""
        raise NotImplementedError

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_retries=self.max_retries,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_jitter_seconds,
            max_wait=self.max_retry_wait_seconds,
            max_total_wait=self.max_total_retry_wait_seconds,
            connect_timeout=self.connect_timeout_seconds,
            read_timeout=self.timeout_seconds,
        )

    @property
    def http(self) -> VendorHTTPClient:
        """The client all calls of this resource go through, built on first use."""
        with _CLIENT_INIT_LOCK:
            if self._client is None:
                self._client = self.make_client()
            return self._client

    def request_counts(self) -> dict[str, int]:
        """HTTP requests sent so far, retries included, per endpoint (``"POST /teams/spend"``)."""
        return self.http.request_counts()

    def success_counts(self) -> dict[str, int]:
        """Successful calls so far, per endpoint."""
        return self.http.success_counts()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()


_CLIENT_INIT_LOCK = threading.Lock()
