"""Timing and memory readers of a scenario process (and of the simulators beside it)."""

from __future__ import annotations

import os
import resource
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


def descendants(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """Every process started below ``pid`` and still running (the raw pull's workers), recursively."""
    found, todo = [], [pid]
    while todo:
        for task in (proc / str(todo.pop()) / "task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except (OSError, ValueError):  # ended meanwhile
                continue
            found += children
            todo += children
    return found


def tree_rss_mb(pid: int | None = None, proc: Path = Path("/proc"), below_only: bool = False) -> float | None:
    """Resident memory now (VmRSS) of ``pid`` (this process) and every process below it, MiB; with
    ``below_only``, of the processes below it alone."""
    pid = os.getpid() if pid is None else pid
    total, seen = 0, False
    for member in (*([] if below_only else [pid]), *descendants(pid, proc)):
        try:
            kib = status_kib((proc / str(member) / "status").read_text(), "VmRSS")
        except OSError:
            continue
        if kib is not None:
            total, seen = total + kib, True
    return round(total / 1024, 1) if seen else None


class RssSampler:
    """Resident memory of the processes below this one (the launched run and its workers; with
    ``below_only`` off, this one too) sampled every ``interval`` seconds in a daemon thread, as (wall
    clock, MiB): with the steps' start and end times it tells which step holds the peak, and it sees
    the raw pull's worker processes, which a process's own peak does not."""

    def __init__(self, interval: float = 1.0, below_only: bool = True) -> None:
        self.interval, self.below_only = interval, below_only
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            value = tree_rss_mb(below_only=self.below_only)
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


def process_cpu_seconds(pid: int, proc: Path = Path("/proc")) -> float:
    """User plus system CPU seconds of another process (a simulator), 0 once it is gone. In clock
    ticks (usually 10 ms)."""
    try:
        fields = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14, 15 of stat


def cpu_time() -> float:
    """CPU seconds of this process (every thread's: DuckDB's, the HTTP read-ahead's) and of its
    child processes that have ended (the raw pull's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.seconds`` (monotonic clock) and
    ``watch.cpu_seconds`` (``cpu_time`` meanwhile)."""

    def __init__(self) -> None:
        self.started = self.cpu_started = 0.0
        self.seconds = self.cpu_seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self.started, self.cpu_started = time.perf_counter(), cpu_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        self.cpu_seconds = cpu_time() - self.cpu_started


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
