"""Same seed and size give byte-identical responses; the command line serves on the port it prints."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from datetime import date

import requests

from ai_usage_analytics.demo.org import Organisation
from ai_usage_analytics.demo.server import DEMO_KEYS, KEY_VARIABLES, keys_from_environment
from ai_usage_analytics.demo.simulator import create_app
from ai_usage_analytics.resources.cursor import day_end_ms, day_start_ms
from ai_usage_analytics_tests.demo.conftest import ANALYTICS_HEADERS, ANTHROPIC_HEADERS, CURSOR_AUTH, DAY, TODAY

BASIC = {"Authorization": "Basic " + base64.b64encode(f"{CURSOR_AUTH[0]}:".encode()).decode()}
WINDOW = {"startDate": day_start_ms(DAY), "endDate": day_end_ms(DAY)}
CALLS = [
    ("GET", "/teams/members", None, BASIC),
    ("POST", "/teams/daily-usage-data", {**WINDOW, "page": 1, "pageSize": 100}, BASIC),
    ("POST", "/teams/filtered-usage-events", {**WINDOW, "page": 2, "pageSize": 50}, BASIC),
    ("POST", "/teams/spend", {}, BASIC),
    ("GET", f"/v1/organizations/usage_report/messages?starting_at={DAY}T00:00:00Z&group_by[]=api_key_id&group_by[]=model", None, ANTHROPIC_HEADERS),
    ("GET", f"/v1/organizations/cost_report?starting_at={DAY}T00:00:00Z&group_by[]=description", None, ANTHROPIC_HEADERS),
    ("GET", f"/v1/organizations/usage_report/claude_code?starting_at={DAY}", None, ANTHROPIC_HEADERS),
    ("GET", "/v1/organizations/api_keys?limit=1000", None, ANTHROPIC_HEADERS),
    ("GET", "/v1/organizations/users?limit=1000", None, ANTHROPIC_HEADERS),
    ("GET", f"/v1/organizations/analytics/users?date={DAY}", None, ANALYTICS_HEADERS),
]


def responses_of(seed: int, people: int = 80) -> list[bytes]:
    client = create_app(Organisation(seed=seed, people=people, today=TODAY), DEMO_KEYS).test_client()
    out = []
    for method, path, body, headers in CALLS:
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == 200, (path, response.data[:200])
        out.append(response.data)
    return out


def test_same_seed_and_size_give_byte_identical_responses():
    assert responses_of(7) == responses_of(7)


def test_different_seeds_or_sizes_differ():
    first, other_seed, other_size = responses_of(7), responses_of(8), responses_of(7, people=90)
    assert all(a != b for a, b in zip(first, other_seed))
    assert first != other_size


def test_keys_come_from_the_environment_or_the_demo_defaults():
    assert keys_from_environment({}) == DEMO_KEYS
    assert keys_from_environment({"CURSOR_API_KEY": "crsr_mine"})["cursor"] == "crsr_mine"


def test_command_line_prints_its_url_and_serves_until_killed():
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES.values()}
    process = subprocess.Popen(
        [sys.executable, "-m", "ai_usage_analytics.demo.server", "--host", "127.0.0.1", "--port", "0",
         "--people", "30", "--seed", "3", "--today", date(2026, 3, 20).isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        members = requests.get(f"{url}/teams/members", auth=CURSOR_AUTH, timeout=10)
        assert members.status_code == 200 and members.json()["teamMembers"]
        info = requests.get(f"{url}/_sim/info", timeout=10).json()
        assert info["seed"] == 3 and info["people"] == 30 and info["claude_code_workspace_ids"]
        assert CURSOR_AUTH[0] not in members.text + str(info)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_command_line_stops_on_sigterm_even_when_started_with_it_ignored():
    # A process started by a Dagster run whose SIGINT is ignored inherits SIGTERM ignored too.
    ignoring = ("import runpy, signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); sys.argv[0] = 'server'; "
                "runpy.run_module('ai_usage_analytics.demo.server', run_name='__main__')")
    process = subprocess.Popen(
        [sys.executable, "-c", ignoring, "--host", "127.0.0.1", "--port", "0", "--people", "30", "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert process.stdout.readline().startswith("http://127.0.0.1:")
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
