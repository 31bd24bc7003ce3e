"""Run bqemulator (from its own virtual environment, ``.bqemulator/``) for the tests and the demo.

``start_emulator`` launches ``emulator_launcher.py`` with the emulator's interpreter on a free port
of 127.0.0.1, waits until the REST API answers and stops the process afterwards.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ai_usage_analytics.settings import REPO_ROOT

EMULATOR_PYTHON = REPO_ROOT / ".bqemulator" / "bin" / "python"
LAUNCHER = Path(__file__).with_name("emulator_launcher.py")
PROJECT = "ai-usage-emulator"
START_TIMEOUT_SECONDS = 60.0


def unavailable_reason() -> str | None:
    """Why the emulator cannot run here, or None when it can."""
    if not EMULATOR_PYTHON.exists():
        return f"{EMULATOR_PYTHON} is missing: `make test` installs bqemulator there (it could not, or was not run)"
    probe = subprocess.run([str(EMULATOR_PYTHON), "-c", "import bqemulator, numpy"], capture_output=True, text=True)
    if probe.returncode:
        return f"bqemulator does not import in {EMULATOR_PYTHON.parent.parent}: {probe.stderr.strip()[-300:]}"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/bigquery/v2/projects/{PROJECT}/datasets", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def start_emulator(log_path: Path) -> Iterator[str]:
    """The emulator's REST endpoint (http://127.0.0.1:PORT) while it runs."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(EMULATOR_PYTHON), str(LAUNCHER), "--port", str(port), "--project", PROJECT],
            stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bqemulator did not start on {url}; its output is in {log_path}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
