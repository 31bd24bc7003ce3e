"""Raw sources in worker processes: a backfill's pulls use every core, not one.

Normalising vendor payloads is Python holding the GIL, so the threads of ``raw_sources.side_by_side``
overlap only the waits (the vendors' responses and rate limits): a year's pull with the limits off
ran on one core while the other idled. For a window of ``PROCESS_MIN_DAYS`` or more,
``across_processes`` gives each vendor's sources to a worker process (``AI_USAGE_WORKERS`` at a
time, the largest first); a worker pulls its sources one after another, no chunk fetched ahead (the
other worker fills the waits, and both memory peaks add up). Shorter windows, the daily run among
them, stay in threads: starting a worker costs a couple of seconds of imports.

One worker per client resource, so sources sharing a client share its rate limiter, as in threads. A
worker rebuilds its client and warehouse from their field values (resources are not picklable) and
reads the settings from the environment it inherits; its loads get a ``PullContext`` with what
``write_range`` reads from the Dagster context; its log lines reach the run's log as they happen; its
events (materialisations, check results) and failures come back when its sources end. A stopped run
stops the workers' ranges before their next chunk (``chunked.STOP``), as it stops threads.

``beside`` runs loads in a worker process while the step does its own work, the same way (a
backfill's ``fact_ai_usage`` and the last months of ``fact_ai_costs`` beside the rest of
``fact_ai_costs``, ``assets/facts.py``).

Workers are started with ``spawn`` (the run holds threads and open files, which ``fork`` would copy
half-made): a script that runs a backfill must guard its entry point with
``if __name__ == "__main__":``, as for any Python multiprocessing (Dagster's CLI, ``dagster dev``,
pytest and notebooks do).
"""
from __future__ import annotations

import logging
import multiprocessing
import pickle
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import dagster as dg

from ai_usage_analytics.assets.chunked import check_fields

if TYPE_CHECKING:
    from ai_usage_analytics.assets.raw_sources import Completion, RawSource

PROCESS_MIN_DAYS = 14
_LOGGER = "ai_usage_analytics.raw_worker"


@dataclass(frozen=True)
class Portable:
    """A configured resource as its class and field values, to be rebuilt in another process."""

    kind: type
    fields: dict[str, Any]

    @classmethod
    def of(cls, resource: dg.ConfigurableResource) -> Portable:
        return cls(type(resource), {name: getattr(resource, name) for name in type(resource).model_fields})

    def build(self) -> Any:
        return self.kind(**self.fields)


@dataclass(frozen=True)
class PullContext:
    """What a raw load and ``write_range`` read from the Dagster context, for a worker process."""

    partition_key_range: dg.PartitionKeyRange
    partition_exprs: dict[str, str]  # table -> its day column
    log: logging.Logger

    @property
    def assets_def(self) -> PullContext:  # write_range reads context.assets_def.metadata_by_key
        return self

    @property
    def metadata_by_key(self) -> dict[dg.AssetKey, dict[str, str]]:
        return {dg.AssetKey(table): {"partition_expr": column} for table, column in self.partition_exprs.items()}


@dataclass(frozen=True)
class Group:
    """The sources one worker pulls: those sharing the client resource."""

    sources: tuple[RawSource, ...]
    client: Portable
    warehouse: Portable
    key_range: dg.PartitionKeyRange

    @property
    def tables(self) -> list[str]:
        return [source.table for source in self.sources]


class _Forward(logging.Handler):
    def __init__(self, queue) -> None:
        super().__init__()
        self.queue = queue

    def emit(self, record: logging.LogRecord) -> None:
        self.queue.put((record.levelno, record.getMessage()))


_WORKER: dict[str, Any] = {}  # in a worker process: the run's stop event and the forwarding logger


def _start_worker(queue, stop) -> None:
    logger = logging.getLogger(_LOGGER)
    logger.handlers[:] = [_Forward(queue)]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    _WORKER.update(stop=stop, log=logger)


def _wire(event: Any) -> tuple[str, Any]:
    """AssetCheckResult does not survive pickling (its constructor takes keywords only): sent as them."""
    if isinstance(event, dg.AssetCheckResult):
        return "check", check_fields(event)
    return "event", event


def _unwire(kind: str, value: Any) -> Any:
    return dg.AssetCheckResult(**value) if kind == "check" else value


def _portable_error(error: BaseException | None) -> BaseException | None:
    """The error itself when it survives pickling, else one with its type and message."""
    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # e.g. a constructor with other arguments than the exception's args
        return RuntimeError(f"{type(error).__name__}: {error}")


def _pull_group(group: Group) -> list[tuple[str, list[tuple[str, Any]], BaseException | None]]:
    """In the worker: the group's sources one after another, as (table, wired events, error)."""
    from ai_usage_analytics.assets.raw import FETCH_AHEAD  # raw and raw_sources import this module
    from ai_usage_analytics.assets.raw_sources import completions

    FETCH_AHEAD.set(0)
    context = PullContext(
        group.key_range, {source.table: source.day_column for source in group.sources}, worker_log()
    )
    client, warehouse = group.client.build(), group.warehouse.build()
    loads = {
        source.table: partial(source.load, context, source.key, client, warehouse) for source in group.sources
    }
    try:
        return [
            (name, [_wire(event) for event in events], _portable_error(error))
            for name, events, error in completions(loads, 1, outer_stop=_WORKER["stop"])
        ]
    finally:
        client.teardown_after_execution(dg.build_init_resource_context())  # the HTTP session's connections


def _relay(queue, log: Callable[[int, str], None]) -> None:
    while (item := queue.get()) is not None:
        log(*item)


@contextmanager
def _pool(workers: int, log: Callable[[int, str], None]) -> Iterator[ProcessPoolExecutor]:
    """Worker processes whose log lines reach ``log`` as they happen. Leaving the block stops their
    ranges before the next chunk (a no-op once they ended) and waits for them."""
    spawn = multiprocessing.get_context("spawn")  # not fork: the run holds threads and open files
    queue, stop = spawn.Queue(), spawn.Event()
    relay = threading.Thread(target=_relay, args=(queue, log), name="raw-worker-log", daemon=True)
    relay.start()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=spawn, initializer=_start_worker, initargs=(queue, stop))
    try:
        yield pool
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        queue.put(None)
        relay.join(timeout=10)


def across_processes(groups: list[Group], log: Callable[[int, str], None], workers: int) -> Iterator[Completion]:
    """Each group's sources in a worker process, ``workers`` at a time in the order given, each
    source's (table, events, error) yielded as its worker ends. A worker that dies fails its sources."""
    with _pool(min(workers, len(groups)), log) as pool:
        futures = {pool.submit(_pull_group, group): group for group in groups}
        for future in as_completed(futures):
            try:
                pulled = future.result()
            except Exception as error:  # the worker died (killed, out of memory) or could not build its client
                for table in futures[future].tables:
                    yield table, [], error
                continue
            for table, wired, error in pulled:
                yield table, [_unwire(kind, value) for kind, value in wired], error


def worker_log() -> logging.Logger:
    """In a worker process: the logger whose records reach the run's log."""
    return _WORKER["log"]


def _run_loads(loads: dict[str, Callable[[], Iterator[Any]]]) -> dict[str, tuple[list[tuple[str, Any]], BaseException | None]]:
    """In the worker: each load one after another, as its wired events and the error that ended it
    (a load that fails does not stop the next)."""
    from ai_usage_analytics.assets.raw_sources import completions  # raw_sources imports this module

    return {
        name: ([_wire(event) for event in events], _portable_error(error))
        for name, events, error in completions(loads, 1, outer_stop=_WORKER["stop"])
    }


@contextmanager
def beside(
    loads: dict[str, Callable[[], Iterator[Any]]], log: Callable[[int, str], None]
) -> Iterator[Callable[[str], tuple[list, BaseException | None]]]:
    """``loads`` (partials of module-level functions with picklable arguments) one after another in a
    worker process while the block does its own work; the block's ``result(name)`` waits for the
    worker and gives that load's (events, error). Leaving the block early (an error, an interrupted
    run) stops the loads before their next chunk and writes nothing of them."""
    with _pool(1, log) as pool:
        future = pool.submit(_run_loads, loads)

        def result(name: str) -> tuple[list, BaseException | None]:
            try:
                ended = future.result()
            except Exception as error:  # the worker died (killed, out of memory)
                return [], error
            wired, error = ended[name]
            return [_unwire(kind, value) for kind, value in wired], error

        yield result
