"""The vendors of a scenario: one simulator process per vendor host, as the real APIs are separate
services that answer side by side.

Cursor (``api.cursor.com``), Anthropic (``api.anthropic.com``: the Admin and the Enterprise Analytics
APIs) and Google (the Reports API) each get their own ``python -m ai_usage_analytics.demo.server`` for
the same organisation (seed, size, today), so the pipeline's worker processes are not served one
request at a time by a single Python process playing every vendor: with one, 120 days of raw pulls
took 82.5–89.4 s, with one per host 71.3–72.0 s. Requests are counted by each process
(``/_sim/counters``) and added up; the simulators' CPU seconds are read from ``/proc``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import date

from ai_usage_analytics.bench.measure import process_cpu_seconds
from ai_usage_analytics.demo.server import DEMO_KEYS, KEY_VARIABLES
from ai_usage_analytics.settings import REPO_ROOT

# vendor host -> the settings' base-URL variable of the clients that call it
HOSTS = {"cursor": "CURSOR_API_BASE_URL", "anthropic": "ANTHROPIC_API_BASE_URL", "google": "GOOGLE_REPORTS_API_BASE_URL"}


def _add(total: dict, part: dict) -> dict:
    for key, value in part.items():
        total[key] = _add(total.get(key, {}), value) if isinstance(value, dict) else total.get(key, 0) + value
    return total


class VendorSimulators:
    """``with VendorSimulators(people, seed, today) as vendors:`` one simulator process per host,
    ``vendors.environment()`` the base URLs, ``reset()``, ``counters()`` and ``cpu_seconds()``."""

    def __init__(self, people: int, seed: int, today: date) -> None:
        self.args = ["--people", str(people), "--seed", str(seed), "--today", today.isoformat()]
        self.processes: dict[str, subprocess.Popen] = {}
        self.urls: dict[str, str] = {}

    def __enter__(self) -> VendorSimulators:
        env = {**os.environ, **{variable: DEMO_KEYS[name] for name, variable in KEY_VARIABLES.items()}}
        try:
            for host in HOSTS:  # all started before any is waited for: each builds the organisation
                self.processes[host] = subprocess.Popen(
                    [sys.executable, "-m", "ai_usage_analytics.demo.server", "--port", "0", *self.args],
                    env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                )
            for host, process in self.processes.items():
                url = process.stdout.readline().strip()
                if not url.startswith("http://"):
                    raise RuntimeError(f"the {host} simulator did not start (exit code {process.poll()})")
                self.urls[host] = url
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def environment(self) -> dict[str, str]:
        """Each client's base URL: its vendor's simulator."""
        return {variable: self.urls[host] for host, variable in HOSTS.items()}

    def _call(self, host: str, path: str, method: str = "GET") -> dict:
        request = urllib.request.Request(self.urls[host] + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        for host in self.urls:
            self._call(host, "/_sim/reset", "POST")

    def counters(self) -> dict:
        """Requests per path and statuses per path, over every simulator."""
        total: dict = {"requests": {}, "statuses": {}}
        for host in self.urls:
            _add(total, self._call(host, "/_sim/counters"))
        return total

    def cpu_seconds(self) -> float:
        return sum(process_cpu_seconds(process.pid) for process in self.processes.values())
