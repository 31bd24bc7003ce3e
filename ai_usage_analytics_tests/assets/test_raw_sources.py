"""Raw sources side by side: concurrency, one source's failure, subsets, the combined pull end to end."""

import json
import threading
import time
from decimal import Decimal

import dagster as dg
import pytest
import responses

from ai_usage_analytics.assets import raw
from ai_usage_analytics.assets.raw_sources import RawSourcesFailed, raw_pull, side_by_side
from ai_usage_analytics_tests.assets.test_raw_assets import ANTHROPIC, CURSOR, CURSOR_KEY, body, last_page, resources

DAY = "2025-08-01"


def loads_meeting_at(barrier: threading.Barrier, names: list[str], fail: set[str] = frozenset()):
    def load(name):
        yield f"{name}: started"
        barrier.wait()  # times out (BrokenBarrierError) unless every load runs at the same time
        if name in fail:
            raise ValueError(f"{name} broke")
        yield f"{name}: done"

    return {name: (lambda name=name: load(name)) for name in names}


def test_loads_run_at_the_same_time_and_every_event_is_yielded():
    events = list(side_by_side(loads_meeting_at(threading.Barrier(2, timeout=10), ["a", "b"]), workers=2))
    assert sorted(events) == ["a: done", "a: started", "b: done", "b: started"]
    assert events.index("a: started") < events.index("a: done") and events.index("b: started") < events.index("b: done")


def test_one_failed_load_is_raised_as_it_is_after_the_others_events():
    seen = []
    with pytest.raises(ValueError, match="^b broke$"):
        for event in side_by_side(loads_meeting_at(threading.Barrier(2, timeout=10), ["a", "b"], fail={"b"}), workers=2):
            seen.append(event)
    assert sorted(seen) == ["a: done", "a: started", "b: started"]


def test_several_failed_loads_are_named_in_one_error():
    with pytest.raises(RawSourcesFailed) as raised:
        list(side_by_side(loads_meeting_at(threading.Barrier(2, timeout=10), ["a", "b"], fail={"a", "b"}), workers=2))
    message = str(raised.value)
    assert message.startswith("2 of 2 raw sources failed (the others were written): ")
    assert "a: a broke" in message and "b: b broke" in message
    assert isinstance(raised.value.__cause__, ValueError)


def test_one_worker_runs_the_loads_in_order():
    order = []

    def load(name):
        order.append(name)
        yield name

    assert list(side_by_side({n: (lambda n=n: load(n)) for n in "abc"}, workers=1)) == ["a", "b", "c"]
    assert order == ["a", "b", "c"]


def cursor_and_anthropic_pull():
    return raw_pull(raw.CURSOR_EVENTS, raw.CLAUDE_COSTS, name="pull_under_test")


def materialize(assets, warehouse, selection=None):
    tags = {"dagster/asset_partition_range_start": DAY, "dagster/asset_partition_range_end": DAY}
    return dg.materialize(assets, tags=tags, resources=resources(warehouse), selection=selection, raise_on_error=False)


def serve_cursor_day(status: int = 200):
    page = body("cursor/teams_daily_usage_data.json")
    page["data"][0].update(day=DAY, date=1754006400000)
    responses.post(f"{CURSOR}/teams/daily-usage-data", json=page if status == 200 else body("cursor/error_401.json"),
                   status=status)


@responses.activate
def test_the_pull_writes_and_reports_every_selected_table(warehouse):
    serve_cursor_day()
    responses.get(f"{ANTHROPIC}/v1/organizations/cost_report", json=last_page("anthropic/cost_report.json"))
    result = materialize([cursor_and_anthropic_pull()], warehouse)
    assert result.success
    materialized = {m.asset_key.path[-1]: m for m in result.get_asset_materialization_events()}
    assert set(materialized) == {"raw_cursor_events", "raw_claude_costs"}
    checks = {(e.asset_key.path[-1], e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {("raw_cursor_events", "schema"): True, ("raw_claude_costs", "schema"): True}
    assert warehouse.query("SELECT COUNT(*) AS n FROM raw_cursor_events")["n"][0] == 1
    cost = warehouse.query("SELECT CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM raw_claude_costs")["usd"][0]
    assert Decimal(cost) == Decimal("1.2378912")


@responses.activate
def test_a_vendor_401_fails_the_step_but_the_other_source_is_written(warehouse):
    serve_cursor_day(status=401)
    responses.get(f"{ANTHROPIC}/v1/organizations/cost_report", json=last_page("anthropic/cost_report.json"))
    result = materialize([cursor_and_anthropic_pull()], warehouse)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.to_string()
    assert "401" in message and "CURSOR_API_KEY" in message and CURSOR_KEY not in message
    assert [m.asset_key.path[-1] for m in result.get_asset_materialization_events()] == ["raw_claude_costs"]
    assert warehouse.query("SELECT COUNT(*) AS n FROM raw_claude_costs")["n"][0] > 0
    assert warehouse.query("SELECT COUNT(*) AS n FROM raw_cursor_events")["n"][0] == 0


@responses.activate
def test_a_selected_subset_calls_only_its_vendor(warehouse):
    responses.get(f"{ANTHROPIC}/v1/organizations/cost_report", json=last_page("anthropic/cost_report.json"))
    result = materialize([cursor_and_anthropic_pull()], warehouse, selection=["raw_claude_costs"])
    assert result.success
    assert [m.asset_key.path[-1] for m in result.get_asset_materialization_events()] == ["raw_claude_costs"]
    assert [call.request.url.split("?")[0] for call in responses.calls] == [f"{ANTHROPIC}/v1/organizations/cost_report"]


@responses.activate
def test_each_table_reports_only_its_own_requests_when_two_share_a_client(warehouse):
    both_in_flight = threading.Barrier(2, timeout=10)  # each source's request waits until the other's is sent

    def serve(page):
        def callback(_request):
            both_in_flight.wait()
            return 200, {"Content-Type": "application/json"}, json.dumps(page)
        return callback

    day = "2025-06-26"  # the documented usage events' day
    daily = body("cursor/teams_daily_usage_data.json")
    daily["data"][0].update(day=day, date=1750896000000)
    events = body("cursor/teams_filtered_usage_events.json")
    events["pagination"]["hasNextPage"], events["pagination"]["numPages"] = False, 1
    responses.add_callback(responses.POST, f"{CURSOR}/teams/daily-usage-data", callback=serve(daily))
    responses.add_callback(responses.POST, f"{CURSOR}/teams/filtered-usage-events", callback=serve(events))
    tags = {"dagster/asset_partition_range_start": day, "dagster/asset_partition_range_end": day}
    result = dg.materialize([raw_pull(raw.CURSOR_EVENTS, raw.CURSOR_USAGE_EVENTS, name="cursor_pulls")], tags=tags,
                            resources=resources(warehouse))
    calls = {m.asset_key.path[-1]: m.materialization.metadata["http_requests_by_endpoint"].value
             for m in result.get_asset_materialization_events()}
    assert calls == {"raw_cursor_events": {"POST /teams/daily-usage-data": 1},
                     "raw_cursor_usage_events": {"POST /teams/filtered-usage-events": 1}}


def test_an_interrupted_pull_stops_the_running_loads_before_their_next_chunk():
    from ai_usage_analytics.assets.chunked import STOP, RangeStopped

    chunks_loaded, ended = [], []

    def endless():  # a long range: a chunk every 10 ms until told to stop, as write_range does
        try:
            while len(chunks_loaded) < 1000:  # 10 s at most, so a broken stop fails instead of hanging
                if STOP.get().is_set():
                    raise RangeStopped("stopped")
                chunks_loaded.append(1)
                time.sleep(0.01)
                yield from ()
        finally:
            ended.append("endless")

    def quick():
        yield "quick: done"

    pull = side_by_side({"endless": endless, "quick": quick}, workers=2)
    assert next(pull) == "quick: done"
    started = time.perf_counter()
    pull.close()  # what the run's interrupt does to the step's generator
    assert time.perf_counter() - started < 5
    assert ended == ["endless"] and chunks_loaded
