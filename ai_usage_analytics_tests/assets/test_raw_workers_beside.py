"""``raw_workers.beside``: one load in a worker process while the caller does its own work (a backfill's
fact_ai_usage beside fact_ai_costs). Its events and its error come back; a worker that dies is an error."""

from __future__ import annotations

import os
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
    with beside(two_checks, "schema", "volume_drop", log=lambda level, message: None) as result:
        mine = os.getpid()  # the caller goes on meanwhile
        events, error = result()
    assert error is None
    assert [e.check_name for e in events] == ["schema", "volume_drop"]
    assert {e.metadata["pid"].value for e in events} != {mine}


def test_an_error_comes_back_after_the_events_before_it():
    with beside(a_check_then_a_failure, 401, log=lambda level, message: None) as result:
        events, error = result()
    assert [e.check_name for e in events] == ["before"]
    assert isinstance(error, ValueError) and str(error) == "the vendor answered 401"


def test_a_worker_that_dies_is_an_error_not_a_hang():
    with beside(dies, log=lambda level, message: None) as result:
        events, error = result()
    assert events == [] and isinstance(error, BrokenProcessPool)
