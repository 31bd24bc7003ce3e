"""Timing and memory readers used inside a scenario process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

PROC_STATUS = Path("/proc/self/status")


def status_kib(status_text: str, field: str) -> int | None:
    """A ``kB`` field (``VmHWM``, ``VmRSS``, ...) of the text of ``/proc/<pid>/status``, or None."""
    for line in status_text.splitlines():
        if line.startswith(f"{field}:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1])
    return None


def vm_hwm_kib(status_text: str) -> int | None:
    """``VmHWM`` (peak resident set size, KiB) from the text of ``/proc/<pid>/status``, or None."""
    return status_kib(status_text, "VmHWM")


def peak_rss_mb(status_path: Path = PROC_STATUS) -> float | None:
    """This process's own peak resident memory in MiB (VmHWM). Not ``ru_maxrss``: that one carries a
    parent's peak across fork and exec, so a child started from a big process would report the parent's."""
    try:
        kib = vm_hwm_kib(status_path.read_text())
    except OSError:
        return None
    return None if kib is None else round(kib / 1024, 1)


def rss_mb(status_path: Path = PROC_STATUS) -> float | None:
    """This process's resident memory now (VmRSS), MiB."""
    try:
        kib = status_kib(status_path.read_text(), "VmRSS")
    except OSError:
        return None
    return None if kib is None else round(kib / 1024, 1)


class RssSampler:
    """Resident memory sampled every ``interval`` seconds in a daemon thread, as (wall clock, MiB):
    with the steps' start and end times it tells which step holds the peak."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            value = rss_mb()
            if value is not None:
                self.samples.append((time.time(), value))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def step_spans(entries: Iterable[tuple[str, str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """(first STEP_START, last STEP_SUCCESS / STEP_FAILURE) time per step from (step key, event type,
    timestamp) triples; a step that never finished has no end."""
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    for step, kind, stamp in entries:
        if kind == "STEP_START":
            starts.setdefault(step, stamp)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            ends[step] = max(ends.get(step, stamp), stamp)
    return starts, ends


def peak_rss_by_step(entries: Iterable[tuple[str, str, float]], samples: list[tuple[float, float]]) -> dict[str, float]:
    """The highest sampled resident memory (MiB) while each step ran, from STEP_START to its end."""
    starts, ends = step_spans(entries)
    peaks = {}
    for step, started in starts.items():
        inside = [mb for stamp, mb in samples if started <= stamp <= ends.get(step, float("inf"))]
        if inside:
            peaks[step] = max(inside)
    return peaks


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.seconds`` (monotonic clock) and
    ``watch.cpu_seconds``: the CPU time this process spent meanwhile, every thread's (DuckDB's and
    the HTTP read-ahead's included)."""

    def __init__(self) -> None:
        self.started = self.cpu_started = 0.0
        self.seconds = self.cpu_seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        self.cpu_seconds = time.process_time() - self.cpu_started


def step_durations(entries: Iterable[tuple[str, str, float]]) -> dict[str, float]:
    """Seconds per step: first STEP_START to the step's last STEP_SUCCESS / STEP_FAILURE. Steps that
    never finished are left out."""
    starts, ends = step_spans(entries)
    return {step: ends[step] - starts[step] for step in starts if step in ends}


def stage_seconds(durations: dict[str, float], stage_of_step: dict[str, str]) -> dict[str, float]:
    """Step durations summed per stage (``other`` for steps of no known stage)."""
    totals: dict[str, float] = {}
    for step, seconds in durations.items():
        stage = stage_of_step.get(step, "other")
        totals[stage] = totals.get(stage, 0.0) + seconds
    return totals


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
