"""The bench's vendors: one simulator process per vendor host, their requests counted together."""

from __future__ import annotations

from datetime import date

import requests

from ai_usage_analytics.bench.vendors import HOSTS, VendorSimulators, _add
from ai_usage_analytics.demo.server import DEMO_KEYS


def test_counters_of_several_simulators_add_up():
    total = {"requests": {}, "statuses": {}}
    _add(total, {"requests": {"/a": 2}, "statuses": {"/a": {"200": 2}}})
    _add(total, {"requests": {"/a": 1, "/b": 4}, "statuses": {"/a": {"429": 1}, "/b": {"200": 4}}})
    assert total == {"requests": {"/a": 3, "/b": 4}, "statuses": {"/a": {"200": 2, "429": 1}, "/b": {"200": 4}}}


def test_each_host_has_its_own_simulator_and_the_requests_are_counted_together():
    with VendorSimulators(people=20, seed=7, today=date(2026, 3, 20)) as vendors:
        assert set(vendors.urls) == set(HOSTS) and len(set(vendors.urls.values())) == 3
        assert vendors.environment() == {variable: vendors.urls[host] for host, variable in HOSTS.items()}
        cursor = requests.get(vendors.urls["cursor"] + "/teams/members", auth=(DEMO_KEYS["cursor"], ""), timeout=10)
        anthropic = requests.get(vendors.urls["anthropic"] + "/v1/organizations/users", timeout=10,
                                 headers={"x-api-key": DEMO_KEYS["anthropic_admin"], "anthropic-version": "2023-06-01"})
        assert cursor.status_code == anthropic.status_code == 200
        assert vendors.counters()["requests"] == {"/teams/members": 1, "/v1/organizations/users": 1}
        assert vendors.cpu_seconds() > 0  # each built the organisation
        vendors.reset()
        assert vendors.counters() == {"requests": {}, "statuses": {}}
        processes = list(vendors.processes.values())
    assert all(process.poll() is not None for process in processes)  # stopped on leaving the block
