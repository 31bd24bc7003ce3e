"""``raw_workers.beside``: loads in a worker process, one after another, while the caller does its own work
(a backfill's fact_ai_usage and the last months of fact_ai_costs beside the rest of fact_ai_costs). Each
load's events and error come back; a load that fails does not stop the next; a worker that dies is an
error."""

from __future__ import annotations

import os
from functools import partial
from concurrent.futures.process import BrokenProcessPool

import dagster as dg

from ai_usage_analytics.assets.raw_workers import beside


def check(name: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(check_name=name, asset_key=dg.AssetKey("t"), passed=True, metadata={"pid": os.getpid()})


# The loads are module-level functions: the worker process imports them by name.
def two_checks(first: str, second: str):
    yield check(first)
    yield check(second)


def a_check_then_a_failure(status: int):
    yield check("before")
    raise ValueError(f"the vendor answered {status}")


def dies():
    os._exit(3)
    yield  # a generator, as loads are


def test_the_events_come_back_from_another_process():
    with beside({"load": partial(two_checks, "schema", "volume_drop")}, log=lambda level, message: None) as result:
        mine = os.getpid()  # the caller goes on meanwhile
        events, error = result("load")
    assert error is None
    assert [e.check_name for e in events] == ["schema", "volume_drop"]
    assert {e.metadata["pid"].value for e in events} != {mine}


def test_an_error_comes_back_after_the_events_before_it():
    with beside({"load": partial(a_check_then_a_failure, 401)}, log=lambda level, message: None) as result:
        events, error = result("load")
    assert [e.check_name for e in events] == ["before"]
    assert isinstance(error, ValueError) and str(error) == "the vendor answered 401"


def test_a_load_that_fails_does_not_stop_the_next():
    loads = {"first": partial(a_check_then_a_failure, 429), "second": partial(two_checks, "a", "b")}
    with beside(loads, log=lambda level, message: None) as result:
        first, second = result("first"), result("second")
    assert [e.check_name for e in first[0]] == ["before"] and str(first[1]) == "the vendor answered 429"
    assert [e.check_name for e in second[0]] == ["a", "b"] and second[1] is None


def test_a_worker_that_dies_is_an_error_not_a_hang():
    with beside({"load": dies}, log=lambda level, message: None) as result:
        events, error = result("load")
    assert events == [] and isinstance(error, BrokenProcessPool)
