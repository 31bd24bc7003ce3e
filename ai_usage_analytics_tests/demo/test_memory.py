"""Serving one day of every endpoint stays small: activity is generated per day, never for the period.

The 20,000-person measurement takes about a minute, so it runs only with AI_USAGE_MEMORY_TEST=1;
the default run measures a 1,000-person organisation the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MEASURE = r"""
import base64, json, sys, time
from datetime import date
from ai_usage_analytics.demo.org import Organisation
from ai_usage_analytics.demo.server import DEMO_KEYS
from ai_usage_analytics.demo.simulator import create_app
from ai_usage_analytics.resources.cursor import day_end_ms, day_start_ms

people, day, today = int(sys.argv[1]), date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
started = time.monotonic()
client = create_app(Organisation(seed=7, people=people, today=today), DEMO_KEYS).test_client()
cursor = {"Authorization": "Basic " + base64.b64encode(f"{DEMO_KEYS['cursor']}:".encode()).decode()}
admin = {"x-api-key": DEMO_KEYS["anthropic_admin"], "anthropic-version": "2023-06-01"}
analytics = {"x-api-key": DEMO_KEYS["claude_analytics"], "anthropic-version": "2023-06-01"}
window = {"startDate": day_start_ms(day), "endDate": day_end_ms(day)}
items = {}

def cursor_pages(path, key, body):
    page = 1
    while True:
        data = client.post(path, json={**body, "page": page, "pageSize": 1000}, headers=cursor).get_json()
        items[path] = items.get(path, 0) + len(data[key])
        more = data["pagination"]["hasNextPage"] if "pagination" in data else page < data["totalPages"]
        if not more:
            return
        page += 1

def token_pages(path, headers, key="data"):
    url = path
    while True:
        data = client.get(url, headers=headers).get_json()
        items[path] = items.get(path, 0) + len(data[key])
        if not data.get("next_page"):
            return
        url = f"{path}&page={data['next_page']}"

client.get("/teams/members", headers=cursor)
cursor_pages("/teams/daily-usage-data", "data", window)
cursor_pages("/teams/filtered-usage-events", "usageEvents", window)
cursor_pages("/teams/spend", "teamMemberSpend", {})
end = f"{day.isoformat()}T00:00:00Z"
token_pages(f"/v1/organizations/usage_report/messages?starting_at={end}&limit=1&group_by[]=api_key_id&group_by[]=model", admin)
token_pages(f"/v1/organizations/cost_report?starting_at={end}&limit=1&group_by[]=workspace_id&group_by[]=description", admin)
token_pages(f"/v1/organizations/usage_report/claude_code?starting_at={day}&limit=1000", admin)
client.get("/v1/organizations/api_keys?limit=1000", headers=admin)
client.get("/v1/organizations/users?limit=1000", headers=admin)
token_pages(f"/v1/organizations/analytics/users?date={day}&limit=1000", analytics)
# VmHWM is this process image's own peak; ru_maxrss would carry over the (large) pytest parent's peak
# across fork and exec.
hwm_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"maxrss_mib": hwm_kib / 1024,
                  "seconds": round(time.monotonic() - started, 1), "items": items}))
"""


def measure(people: int) -> dict:
    result = subprocess.run([sys.executable, "-c", MEASURE, str(people), "2026-03-18", "2026-03-20"],
                            capture_output=True, text=True, check=True, timeout=900)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_one_day_of_every_endpoint_for_1000_people_is_small():
    figures = measure(1000)
    assert figures["items"]["/teams/filtered-usage-events"] > 1000  # more than one page
    assert figures["maxrss_mib"] < 400


@pytest.mark.skipif(os.environ.get("AI_USAGE_MEMORY_TEST") != "1", reason="slow; set AI_USAGE_MEMORY_TEST=1")
def test_one_day_of_every_endpoint_for_20000_people_stays_under_1_gib():
    figures = measure(20_000)
    print(figures)
    assert figures["maxrss_mib"] < 1024
