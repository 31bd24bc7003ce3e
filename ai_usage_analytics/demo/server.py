"""Run the vendor API simulator: in a background thread (``start_simulator``) or from the command line.

``python -m ai_usage_analytics.demo.server --host 127.0.0.1 --port 0 --people 500 --seed 7`` prints
the URL it bound to (e.g. ``http://127.0.0.1:43121``) and serves until killed. The accepted keys
come from CURSOR_API_KEY, ANTHROPIC_ADMIN_API_KEY, CLAUDE_ANALYTICS_API_KEY and GOOGLE_REPORTS_ACCESS_TOKEN
(a Bearer token) when set, else from ``DEMO_KEYS`` (fake values that only this simulator accepts). Keys are never printed.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ai_usage_analytics.demo.org import DEFAULT_START, Organisation
from ai_usage_analytics.demo.simulator import SimulatorState, create_app

DEMO_KEYS = {
    "cursor": "crsr_demo0000000000000000000000000000000000000000",
    "anthropic_admin": "sk-ant-admin01-demo-not-a-real-key-0000000000000000",
    "claude_analytics": "sk-ant-api01-demo-not-a-real-key-0000000000000000",
    "google_reports": "ya29.demo-not-a-real-token-000000",
}
KEY_VARIABLES = {"cursor": "CURSOR_API_KEY", "anthropic_admin": "ANTHROPIC_ADMIN_API_KEY",
                 "claude_analytics": "CLAUDE_ANALYTICS_API_KEY", "google_reports": "GOOGLE_REPORTS_ACCESS_TOKEN"}


def keys_from_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The keys the simulator accepts: each vendor's variable when set, else its DEMO_KEYS value."""
    env = os.environ if env is None else env
    return {name: env.get(variable, "").strip() or DEMO_KEYS[name] for name, variable in KEY_VARIABLES.items()}


class QuietRequestHandler(WSGIRequestHandler):
    """No access log lines (tests and the demo would drown in them)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class SimulatorHandle:
    """A simulator serving on ``url`` from a background thread; ``stop()`` (or leaving the ``with``
    block) shuts it down. ``state`` gives the Python fault/counter API (``state.faults.add(...)``)."""

    url: str
    org: Organisation
    state: SimulatorState
    keys: dict[str, str] = field(repr=False)
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def add_fault(self, endpoint: str, kind: str, **options: Any) -> None:
        self.state.faults.add(endpoint, kind, **options)

    def reset(self) -> None:
        self.state.faults.clear()
        self.state.counters.reset()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(people: int = 200, seed: int = 7, keys: dict[str, str] | None = None, *,
                    host: str = "127.0.0.1", port: int = 0, start: date = DEFAULT_START, end: date | None = None,
                    today: date | None = None, org: Organisation | None = None) -> SimulatorHandle:
    """Build the organisation (unless given) and serve it on ``host``:``port`` (0 = a free port)
    from a daemon thread, one thread per request."""
    org = org or Organisation(seed=seed, people=people, start=start, end=end, today=today)
    keys = dict(keys or DEMO_KEYS)
    app = create_app(org, keys)
    server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="vendor-simulator", daemon=True)
    thread.start()
    return SimulatorHandle(f"http://{host}:{server.server_port}", org, app.extensions["simulator"], keys, server, thread)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the synthetic vendor APIs (Cursor, Anthropic, Claude analytics, Google Reports).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first day with data")
    parser.add_argument("--end", type=date.fromisoformat, default=None, help="last day with data (default today + 30)")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="the simulated 'now' (default: UTC date)")
    args = parser.parse_args(argv)
    org = Organisation(seed=args.seed, people=args.people, start=args.start, end=args.end, today=args.today)
    server = make_server(args.host, args.port, create_app(org, keys_from_environment()), threaded=True)
    # Stop on SIGTERM whatever was inherited: a process started by a Dagster run (or by anything
    # started with SIGINT ignored) inherits SIGTERM ignored, as Dagster gives SIGTERM SIGINT's handler.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(f"http://{args.host}:{server.server_port}", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
