"""A simulator on a free port for the whole test session, with faults and counters reset per test."""

from __future__ import annotations

from datetime import date

import pytest

from ai_usage_analytics.demo.server import DEMO_KEYS, SimulatorHandle, start_simulator

SEED = 7
PEOPLE = 150
TODAY = date(2026, 3, 20)  # fixed "now" so that every run serves the same bytes
DAY = date(2026, 3, 18)  # a Wednesday with activity on every vendor
ANTHROPIC_HEADERS = {"x-api-key": DEMO_KEYS["anthropic_admin"], "anthropic-version": "2023-06-01"}
ANALYTICS_HEADERS = {"x-api-key": DEMO_KEYS["claude_analytics"], "anthropic-version": "2023-06-01"}
CURSOR_AUTH = (DEMO_KEYS["cursor"], "")


@pytest.fixture(scope="session")
def simulator() -> SimulatorHandle:
    with start_simulator(people=PEOPLE, seed=SEED, keys=DEMO_KEYS, today=TODAY) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _clean_simulator(request):
    """Tests that use the simulator start without faults and with zero counters."""
    if "simulator" in request.fixturenames:
        request.getfixturevalue("simulator").reset()
    yield
