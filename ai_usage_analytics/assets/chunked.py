"""One run over a range of days, built and written chunk by chunk: memory bounded by the chunk.

Every partitioned raw and fact asset runs ``write_range``: the run's window is cut into chunks
(``day_chunks`` of the vendor's window size, so calls stay at the API minimum, or calendar
``month_chunks``, ``half_month_chunks`` or ``quarter_month_chunks`` for facts, whose month-to-date
figures take the earlier days of the month from the days carried between chunks). Each chunk is
built, validated against its pandera model and its gate checks, and appended to the warehouse's
staged window; only when every chunk passed is the window swapped in, in one transaction. A failure
in any chunk writes nothing and leaves the previously loaded days as they were. The checks are
reported once per run, combined over the chunks.

Porting an asset that ends with ``yield from validated_output(Model, frame, key, metadata)``: put
the frame's construction in ``build(start, end)`` and end with
``yield from write_range(context, warehouse, Model, day_chunks(*window(context), N), build)``.
"""

from __future__ import annotations

import ctypes
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import dagster as dg
import pandas as pd
import pandera.pandas as pa

from ai_usage_analytics.checks.schema_check import checked_frame, gate, schema_passed
from ai_usage_analytics.partitions import day_window
from ai_usage_analytics.resources.warehouse import StagedPart, Warehouse, WindowStage

Window = tuple[date, date]
Build = Callable[[date, date], pd.DataFrame | Iterator[pd.DataFrame]]  # a chunk's frame, or its parts
SUMMED_CHECK_METADATA = ("offenders", "platform_days", "billed_usd", "lines")


# Set by whoever runs ``write_range`` off the main thread (assets/raw_sources.py): once the event is
# set, the range stops before its next chunk and writes nothing. On the main thread the run's own
# interrupt does that.
STOP: ContextVar[threading.Event | None] = ContextVar("write_range_stop", default=None)


class RangeStopped(RuntimeError):
    """The run was interrupted while this range was loading; nothing of it was written."""


def window(context: dg.AssetExecutionContext) -> Window:
    """The run's half-open day window [start, end)."""
    key_range = context.partition_key_range
    return day_window(key_range.start, key_range.end)


def day_chunks(start: date, end: date, days: int) -> list[Window]:
    """[start, end) cut into consecutive windows of ``days`` days from ``start`` (the last shorter)."""
    if days < 1:
        raise ValueError("a chunk has at least one day")
    out, first = [], start
    while first < end:
        out.append((first, min(end, first + timedelta(days=days))))
        first = out[-1][1]
    return out


def month_chunks(start: date, end: date) -> list[Window]:
    """[start, end) cut at calendar month boundaries."""
    out, first = [], start
    while first < end:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((first, min(end, following)))
        first = out[-1][1]
    return out


def half_month_chunks(start: date, end: date) -> list[Window]:
    """``month_chunks`` each cut again at the 16th: what crosses into the second half (month-to-date
    spend) comes from the days carried between chunks, so half a month of rows is held at a time."""
    out = []
    for first, last in month_chunks(start, end):
        middle = first.replace(day=16)
        out += [(first, middle), (middle, last)] if first < middle < last else [(first, last)]
    return out


def quarter_month_chunks(start: date, end: date) -> list[Window]:
    """``month_chunks`` cut again at the 8th, the 16th and the 24th: about a week of rows at a time, for
    a fact whose build needs several times its rows in memory (fact_ai_costs, built by two processes
    side by side in a backfill). Every cut is within ``BASELINE_DAYS``' 28 days of its month's first, so
    the daily spend carried between chunks still holds the month so far."""
    out = []
    for first, last in month_chunks(start, end):
        cuts = [first.replace(day=day) for day in (8, 16, 24) if first < first.replace(day=day) < last]
        out += list(zip([first, *cuts], [*cuts, last]))
    return out


def combine_check_results(results: list[dg.AssetCheckResult]) -> dg.AssetCheckResult:
    """One result for a check evaluated on every chunk: passed only if every chunk passed, offender
    counts summed, the first failing chunk's details kept."""
    first = results[0]
    failed = [r for r in results if not r.passed]
    metadata = dict((failed or results)[0].metadata)
    for name in SUMMED_CHECK_METADATA:
        values = [r.metadata[name].value for r in results if name in r.metadata]
        if values:
            metadata[name] = sum(values)
    metadata["chunks"] = len(results)
    offenders = metadata.get("offenders")
    description = first.description if not failed else (
        f"{offenders.value if hasattr(offenders, 'value') else offenders} offender(s)" if offenders is not None
        else failed[0].description
    )
    return dg.AssetCheckResult(
        check_name=first.check_name, asset_key=first.asset_key, passed=not failed, severity=first.severity,
        description=description, metadata=metadata,
    )


@contextmanager
def _builder(build: Build, chunks: list[Window], prefetch: int):
    """The chunks' frames in order; with ``prefetch`` N the next N are built (in N threads) while
    this one is used."""
    if not prefetch:
        yield (build(first, last) for first, last in chunks)
        return
    pool = ThreadPoolExecutor(max_workers=prefetch, thread_name_prefix="next-chunk")

    def frames() -> Iterator[pd.DataFrame]:
        pending = deque(pool.submit(build, *chunk) for chunk in chunks[:prefetch])
        for index in range(len(chunks)):
            frame = pending.popleft().result()
            if index + prefetch < len(chunks):
                pending.append(pool.submit(build, *chunks[index + prefetch]))
            yield frame

    try:
        yield frames()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _libc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None


_MALLOC_TRIM = _libc_trim()


def return_freed_memory() -> None:
    """Hand memory freed by the last chunk back to the OS. glibc keeps freed blocks in its heaps (one
    per thread that allocated), so the process's resident memory only ever grew chunk after chunk."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _add(totals: dict, values: dict) -> None:
    for name, value in values.items():
        if isinstance(value, dict):
            _add(totals.setdefault(name, {}), value)
        else:
            totals[name] = totals.get(name, 0) + value


@dataclass
class StagedRange:
    """What ``stage_range`` staged of a window in one process, for the ``write_range`` of the whole
    window to adopt (``Tail``): the staged part, how many chunks, their check results and summed
    summaries. Pickled across processes with the check results as their fields
    (``AssetCheckResult`` itself does not survive pickling)."""

    part: StagedPart
    chunks: int
    results: list[dg.AssetCheckResult]
    totals: dict

    def __reduce__(self):
        return _staged_range, (self.part, self.chunks, [check_fields(r) for r in self.results], self.totals)


def _staged_range(part: StagedPart, chunks: int, fields: list[dict], totals: dict) -> StagedRange:
    return StagedRange(part, chunks, [dg.AssetCheckResult(**f) for f in fields], totals)


def check_fields(result: dg.AssetCheckResult) -> dict:
    """An ``AssetCheckResult`` as the keywords that rebuild it."""
    return {
        "check_name": result.check_name, "asset_key": result.asset_key, "passed": result.passed,
        "severity": result.severity, "description": result.description, "metadata": dict(result.metadata),
    }


@dataclass(frozen=True)
class Tail:
    """The end of a window, [start, end), staged elsewhere: ``adopt()`` (a generator) yields that
    part's events and returns its ``StagedRange``, or raises why there is none."""

    start: date
    end: date
    adopt: Callable[[], Generator[Any, None, StagedRange]]


def _stage_chunks(
    context, stage: WindowStage, model: type[pa.DataFrameModel], key: dg.AssetKey, chunks: list[Window], build: Build,
    checks, summarize, prefetch: int, results: dict[str, list[dg.AssetCheckResult]], totals: dict,
) -> Iterator[dg.AssetCheckResult]:
    """Build, check and append every chunk to ``stage``; check results and summaries go to
    ``results`` and ``totals``. A failed ERROR check stops here, before anything is swapped in."""
    table = key.path[-1]
    with _builder(build, chunks, prefetch) as frames:
        for (first, last), built in zip(chunks, frames):
            if checks and not isinstance(built, pd.DataFrame):
                raise TypeError("a build with checks returns one frame per chunk: the checks are per chunk")
            staged = 0
            for frame in [built] if isinstance(built, pd.DataFrame) else built:
                stop = STOP.get()
                if stop is not None and stop.is_set():
                    raise RangeStopped(f"{table}: the run was interrupted; nothing of [{stage.start}, {stage.end}) was written")
                valid = yield from checked_frame(model, frame, key)
                chunk_results = checks(valid, first, last) if checks else []
                yield from gate(key, chunk_results)
                stage.append(valid)
                for result in chunk_results:
                    results[result.check_name].append(result)
                if summarize:
                    _add(totals, summarize(valid))
                staged += len(valid)
                del frame, valid
                return_freed_memory()
            context.log.debug(f"{table}: staged [{first}, {last}) with {staged} rows")
            del built


def write_range(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    model: type[pa.DataFrameModel],
    chunks: list[Window],
    build: Build,
    checks: Callable[[pd.DataFrame, date, date], list[dg.AssetCheckResult]] | None = None,
    summarize: Callable[[pd.DataFrame], dict] | None = None,
    metadata: Callable[[dict], dict] | None = None,
    prefetch: int = 0,
    key: dg.AssetKey | None = None,
    tail: Tail | None = None,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Build, check and stage every chunk, then swap the window in and report once.

    ``build(start, end)``: the chunk's frame, or (for a chunk too large to hold at once, and only
    without ``checks``) an iterator of its frames, each checked and staged as it comes. ``checks(valid, start, end)``: check results on the
    validated chunk; a failed ERROR check stops the run before anything is written. ``summarize``:
    numbers (or dicts of numbers) per chunk, summed over the run. ``metadata(totals)``: the run's
    materialisation metadata from those totals (the totals themselves when not given).
    ``prefetch``: build the next ``prefetch`` chunks in background threads while this one is checked
    and staged (the vendor's time overlaps ours; ``prefetch`` + 1 chunks in memory at most). Only for
    builds that do not depend on earlier chunks' checks, i.e. raw fetches. ``key``: the asset written,
    for a multi-asset (the step's only asset when not given). ``tail``: the rest of the window, staged
    elsewhere (``stage_range`` in another process): called once the chunks are staged, it yields that
    part's events and returns its ``StagedRange``, which is swapped in with the chunks; the window
    then runs from the first chunk to the tail's end.
    """
    key = key or context.asset_key
    table = key.path[-1]
    column = context.assets_def.metadata_by_key[key]["partition_expr"]
    start, end = chunks[0][0], chunks[-1][1]
    if tail is not None and tail.start != end:
        raise ValueError(f"the tail [{tail.start}, {tail.end}) does not start where the chunks end ({end})")
    totals: dict = {}
    results: dict[str, list[dg.AssetCheckResult]] = defaultdict(list)
    count = len(chunks)
    with warehouse.staged_window(table, column, start, tail.end if tail else end) as stage:
        yield from _stage_chunks(context, stage, model, key, chunks, build, checks, summarize, prefetch, results, totals)
        if tail is not None:
            adopted = yield from tail.adopt()
            stage.adopt(adopted.part)
            count, end = count + adopted.chunks, tail.end
            for result in adopted.results:
                results[result.check_name].append(result)
            _add(totals, adopted.totals)
    written = {"window": f"[{start}, {end})", "days": (end - start).days, "chunks": count, "dagster/row_count": stage.rows}
    yield dg.MaterializeResult(asset_key=key, metadata=written | (metadata(totals) if metadata else totals))
    yield schema_passed(key, stage.rows)
    for name in results:
        yield combine_check_results(results[name])


def stage_range(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    model: type[pa.DataFrameModel],
    chunks: list[Window],
    build: Build,
    checks: Callable[[pd.DataFrame, date, date], list[dg.AssetCheckResult]] | None = None,
    summarize: Callable[[pd.DataFrame], dict] | None = None,
    key: dg.AssetKey | None = None,
) -> Generator[dg.AssetCheckResult, None, StagedRange]:
    """``write_range``'s chunks without the swap, for the tail of a window another process writes:
    the chunks are built, checked (a failed ERROR check fails here, staging nothing) and staged as a
    part (``Warehouse.staged_part``); returns the ``StagedRange`` that process adopts."""
    key = key or context.asset_key
    column = context.assets_def.metadata_by_key[key]["partition_expr"]
    totals: dict = {}
    results: dict[str, list[dg.AssetCheckResult]] = defaultdict(list)
    with warehouse.staged_part(key.path[-1], column, chunks[0][0], chunks[-1][1]) as stage:
        yield from _stage_chunks(context, stage, model, key, chunks, build, checks, summarize, 0, results, totals)
    return StagedRange(stage.part, len(chunks), [r for name in results for r in results[name]], totals)
