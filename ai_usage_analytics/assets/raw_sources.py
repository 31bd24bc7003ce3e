"""Vendor pulls side by side: every partitioned raw table of a run loaded in one step, a thread per source.

Each raw table is a ``RawSource``: its table, day column, client resource and ``load`` (the range-aware
``write_range`` over the run's window). ``raw_pull(*sources)`` makes them one multi-asset: each table
stays its own asset (lineage, partitions, schema check, materialisations in the UI), and a run that
selects several loads them ``SOURCES_SIDE_BY_SIDE`` at a time.

Why threads in one step: on DuckDB a run executes its steps one after another in one process
(``AI_USAGE_EXECUTOR``), so the vendors' waits (rate limits, response times) added up source after
source. Side by side they overlap, and one source's normalising fills another's wait (waiting releases
the GIL), as the seed's "parallel fetch" asks, without a process per step: 30 days under the vendors'
rate limits took 259 s against 337 s. Writes stay serialised by the warehouse's lock.

A source that fails does not stop the others: their tables are written and reported, then the step
fails with that source's error (or, when several failed, one error naming each).
"""

import contextvars
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import dagster as dg

from ai_usage_analytics.assets.chunked import STOP
from ai_usage_analytics.checks.schema_check import schema_check_spec
from ai_usage_analytics.partitions import daily_partitions
from ai_usage_analytics.resources.warehouse import Warehouse

OWNERS = ["team:analytics-engineering"]
# Two at a time: a third shortened a 30-day raw stage by a tenth but added its chunks to the peak
# memory, which a year's run (1.9 GiB of its 2) cannot spare.
SOURCES_SIDE_BY_SIDE = 2

Load = Callable[[dg.AssetExecutionContext, dg.AssetKey, Any, Warehouse], Iterator[Any]]


@dataclass(frozen=True)
class RawSource:
    """One partitioned raw table and how to load a window of it.

    ``load(context, key, client, warehouse)`` yields the asset's events (its check results and its
    ``MaterializeResult``, keyed by ``key``); ``client`` is the resource named ``resource``."""

    table: str
    day_column: str
    vendor: str
    resource: str
    description: str
    load: Load

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey(self.table)

    def spec(self) -> dg.AssetSpec:
        return dg.AssetSpec(
            key=self.key,
            description=self.description,
            group_name="raw",
            owners=OWNERS,
            kinds={"python", self.vendor, "table"},
            metadata={"partition_expr": self.day_column},
            skippable=True,
        )


class RawSourcesFailed(RuntimeError):
    """More than one source of a run failed; each is named with its own message."""


def _drain(load: Callable[[], Iterator[Any]], stop: threading.Event) -> tuple[list, Exception | None]:
    """Every event ``load`` yields, and the exception that ended it (None when it finished). Its
    ranges stop before their next chunk once ``stop`` is set."""
    STOP.set(stop)
    events: list = []
    try:
        for event in load():
            events.append(event)
    except Exception as error:  # reported by side_by_side once every source has ended
        return events, error
    return events, None


def side_by_side(loads: dict[str, Callable[[], Iterator[Any]]], workers: int) -> Iterator[Any]:
    """The events of every load, ``workers`` loads at a time in threads (in the order given, so the
    longest should come first), each load's events yielded here as soon as it ends. Raises after all
    ended: the one failure itself, or ``RawSourcesFailed`` naming each. Interrupted (the run is
    terminated, or the consumer stops), the loads still running stop before their next chunk, write
    nothing, and are waited for; loads not started are not started."""
    if len(loads) <= 1 or workers <= 1:
        for load in loads.values():
            yield from load()
        return
    failures: list[tuple[str, Exception]] = []
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="raw-source")
    try:
        futures = {
            pool.submit(contextvars.copy_context().run, _drain, load, stop): name for name, load in loads.items()
        }
        for future in as_completed(futures):
            events, error = future.result()
            yield from events
            if error is not None:
                failures.append((futures[future], error))
    finally:
        stop.set()  # a no-op once every load has ended
        pool.shutdown(wait=True, cancel_futures=True)
    if len(failures) == 1:
        raise failures[0][1]
    if failures:
        detail = "; ".join(f"{name}: {error}" for name, error in failures)
        raise RawSourcesFailed(
            f"{len(failures)} of {len(loads)} raw sources failed (the others were written): {detail}"
        ) from failures[0][1]


def raw_pull(*sources: RawSource, name: str | None = None) -> dg.AssetsDefinition:
    """The sources as one multi-asset (named after the table when there is one source): a run loads
    the selected tables side by side over its partition range, in a single run for a backfill."""
    if not sources:
        raise ValueError("raw_pull needs at least one source")

    tables = ", ".join(source.table for source in sources)
    description = sources[0].description if len(sources) == 1 else (
        f"Vendor pulls, {SOURCES_SIDE_BY_SIDE} at a time in threads, each selected table over the run's days: {tables}."
    )

    @dg.multi_asset(
        name=name or sources[0].table,
        description=description,
        specs=[source.spec() for source in sources],
        check_specs=[schema_check_spec(source.table) for source in sources],
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
        required_resource_keys={"warehouse", *(source.resource for source in sources)},
    )
    def _pull(context: dg.AssetExecutionContext):
        warehouse = context.resources.warehouse
        loads = {
            source.table: _bound(source, context, getattr(context.resources, source.resource), warehouse)
            for source in sources
            if source.key in context.selected_asset_keys
        }
        yield from side_by_side(loads, SOURCES_SIDE_BY_SIDE)

    return _pull


def _bound(source: RawSource, context: dg.AssetExecutionContext, client: Any, warehouse: Warehouse):
    return lambda: source.load(context, source.key, client, warehouse)
