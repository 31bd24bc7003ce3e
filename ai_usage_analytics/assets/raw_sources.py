"""Vendor pulls side by side: every partitioned raw table of a run loaded in one step.

Each raw table is a ``RawSource``: its table, day column, client resource and ``load`` (the range-aware
``write_range`` over the run's window). ``raw_pull(*sources)`` makes them one multi-asset: each table
stays its own asset (lineage, partitions, schema check, materialisations in the UI), and a run that
selects several loads them side by side:

- in threads, ``SOURCES_SIDE_BY_SIDE`` at a time, for a window shorter than ``PROCESS_MIN_DAYS`` (the
  daily run) or with ``AI_USAGE_WORKERS=1``;
- otherwise in ``AI_USAGE_WORKERS`` worker processes, one vendor's sources per worker
  (``assets/raw_workers.py``), so that a backfill's normalising uses every core.

Why side by side in one step: on DuckDB a run executes its steps one after another in one process
(``AI_USAGE_EXECUTOR``), so the vendors' waits (rate limits, response times) added up source after
source. Side by side they overlap, as the seed's "parallel fetch" asks, without a process per step:
30 days under the vendors' rate limits took 259 s against 337 s. Writes stay serialised by the
warehouse's lock.

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

from ai_usage_analytics.assets.chunked import STOP, window
from ai_usage_analytics.assets.raw_workers import PROCESS_MIN_DAYS, Group, Portable, across_processes
from ai_usage_analytics.checks.schema_check import schema_check_spec
from ai_usage_analytics.partitions import daily_partitions
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.settings import SETTINGS

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


class LoadsFailed(RuntimeError):
    """More than one load of a step failed; each is named with its own message."""

    WHAT = "loads"


class RawSourcesFailed(LoadsFailed):
    """More than one source of a run failed; each is named with its own message."""

    WHAT = "raw sources"


Completion = tuple[str, list, Exception | None]  # a load's name, every event it yielded, the error that ended it


def _drain(load: Callable[[], Iterator[Any]], stop) -> tuple[list, Exception | None]:
    """Every event ``load`` yields, and the exception that ended it (None when it finished). Its
    ranges stop before their next chunk once ``stop`` is set."""
    STOP.set(stop)
    events: list = []
    try:
        for event in load():
            events.append(event)
    except Exception as error:  # reported once every source has ended
        return events, error
    return events, None


class _AnyOf:
    """Set as soon as one of the events is: this pull's own stop, or the run's (in a worker process)."""

    def __init__(self, *events) -> None:
        self.events = [event for event in events if event is not None]

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


def completions(loads: dict[str, Callable[[], Iterator[Any]]], workers: int, outer_stop=None) -> Iterator[Completion]:
    """Each load's (name, events, error), ``workers`` loads at a time in threads (in the order given,
    so the longest should come first), yielded as each ends. Interrupted (the run is terminated, or
    the consumer stops), or once ``outer_stop`` is set, the loads still running stop before their next
    chunk, write nothing, and are waited for; loads not started are not started."""
    stop = threading.Event()
    either = _AnyOf(stop, outer_stop)
    if len(loads) <= 1 or workers <= 1:
        for name, load in loads.items():
            yield name, *_drain(load, either)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="raw-source")
    try:
        futures = {
            pool.submit(contextvars.copy_context().run, _drain, load, either): name for name, load in loads.items()
        }
        for future in as_completed(futures):
            yield futures[future], *future.result()
    finally:
        stop.set()  # a no-op once every load has ended
        pool.shutdown(wait=True, cancel_futures=True)


def reported(
    ended: Iterator[Completion], total: int, failed: type[LoadsFailed] = RawSourcesFailed
) -> Iterator[Any]:
    """The events of every completion; then, once all ended, the one failure itself, or ``failed``
    naming each."""
    failures: list[tuple[str, Exception]] = []
    for name, events, error in ended:
        yield from events
        if error is not None:
            failures.append((name, error))
    if len(failures) == 1:
        raise failures[0][1]
    if failures:
        detail = "; ".join(f"{name}: {error}" for name, error in failures)
        raise failed(
            f"{len(failures)} of {total} {failed.WHAT} failed (the others were written): {detail}"
        ) from failures[0][1]


def side_by_side(loads: dict[str, Callable[[], Iterator[Any]]], workers: int) -> Iterator[Any]:
    """The events of every load, ``workers`` loads at a time in threads, each load's events yielded
    as soon as it ends; raises after all ended (see ``completions`` and ``reported``)."""
    if len(loads) <= 1 or workers <= 1:  # in order, each load's events as they come
        for load in loads.values():
            yield from load()
        return
    yield from reported(completions(loads, workers), len(loads))


def raw_pull(*sources: RawSource, name: str | None = None) -> dg.AssetsDefinition:
    """The sources as one multi-asset (named after the table when there is one source): a run loads
    the selected tables side by side over its partition range, in a single run for a backfill."""
    if not sources:
        raise ValueError("raw_pull needs at least one source")

    tables = ", ".join(source.table for source in sources)
    description = sources[0].description if len(sources) == 1 else (
        f"Vendor pulls side by side (a worker process per vendor for a backfill, threads for a day), each "
        f"selected table over the run's days: {tables}."
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
        selected = [source for source in sources if source.key in context.selected_asset_keys]
        start, end = window(context)
        by_client: dict[str, list[RawSource]] = {}
        for source in selected:  # in the order given: the group of the largest source first
            by_client.setdefault(source.resource, []).append(source)
        if SETTINGS.workers > 1 and (end - start).days >= PROCESS_MIN_DAYS and len(by_client) > 1:
            groups = [
                Group(tuple(group), Portable.of(getattr(context.resources, resource)), Portable.of(warehouse),
                      context.partition_key_range)
                for resource, group in by_client.items()
            ]
            yield from reported(across_processes(groups, context.log.log, SETTINGS.workers), len(selected))
            return
        loads = {
            source.table: _bound(source, context, getattr(context.resources, source.resource), warehouse)
            for source in selected
        }
        yield from side_by_side(loads, SOURCES_SIDE_BY_SIDE)

    return _pull


def _bound(source: RawSource, context: dg.AssetExecutionContext, client: Any, warehouse: Warehouse):
    return lambda: source.load(context, source.key, client, warehouse)
