"""The peak-memory reader and the step timings."""

from __future__ import annotations

import os

from ai_usage_analytics.bench.measure import (
    median,
    peak_rss_mb,
    process_cpu_seconds,
    stage_seconds,
    step_durations,
    vm_hwm_kib,
)

STATUS = """Name:\tpython
VmPeak:\t 2048000 kB
VmHWM:\t  524288 kB
VmRSS:\t  400000 kB
"""


def test_vm_hwm_is_read_from_the_status_text():
    assert vm_hwm_kib(STATUS) == 524288
    assert vm_hwm_kib("Name:\tpython\nVmRSS:\t 1 kB\n") is None


def test_peak_rss_mb_reads_a_status_file(tmp_path):
    status = tmp_path / "status"
    status.write_text(STATUS)
    assert peak_rss_mb(status) == 512.0
    assert peak_rss_mb(tmp_path / "missing") is None


def test_peak_rss_mb_of_this_process_is_its_own_high_water_mark():
    peak = peak_rss_mb()
    assert peak is not None and peak > 10


def test_step_durations_and_stages():
    entries = [
        ("raw_a", "STEP_START", 10.0), ("raw_a", "STEP_SUCCESS", 12.5),
        ("fact_x", "STEP_START", 13.0), ("fact_x", "STEP_FAILURE", 14.0),
        ("vw_y", "STEP_START", 15.0),  # never finished
        ("check", "STEP_START", 16.0), ("check", "STEP_SUCCESS", 16.25),
    ]
    durations = step_durations(entries)
    assert durations == {"raw_a": 2.5, "fact_x": 1.0, "check": 0.25}
    assert stage_seconds(durations, {"raw_a": "raw", "fact_x": "facts"}) == {"raw": 2.5, "facts": 1.0, "other": 0.25}


def test_median():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5


def test_peak_rss_by_step_takes_the_highest_sample_inside_each_step():
    from ai_usage_analytics.bench.measure import peak_rss_by_step

    entries = [("a", "STEP_START", 10.0), ("a", "STEP_SUCCESS", 20.0), ("b", "STEP_START", 20.5),
               ("b", "STEP_FAILURE", 30.0), ("c", "STEP_START", 31.0)]
    samples = [(9.0, 999.0), (12.0, 300.0), (19.0, 450.0), (25.0, 800.0), (33.0, 120.0)]
    assert peak_rss_by_step(entries, samples) == {"a": 450.0, "b": 800.0, "c": 120.0}


def test_the_sampler_records_this_process_while_it_runs():
    import time

    from ai_usage_analytics.bench.measure import RssSampler

    with RssSampler(interval=0.01, below_only=False) as sampler:
        time.sleep(0.1)
    assert len(sampler.samples) >= 2 and all(mb > 10 for _, mb in sampler.samples)


def test_the_stopwatch_counts_cpu_time_apart_from_waiting():
    import time

    from ai_usage_analytics.bench.measure import Stopwatch

    with Stopwatch() as waiting:
        time.sleep(0.3)
    with Stopwatch() as computing:
        deadline = time.perf_counter() + 0.3
        while time.perf_counter() < deadline:
            pass
    assert waiting.seconds >= 0.3 and waiting.cpu_seconds < 0.1
    assert computing.cpu_seconds > 0.2


def test_the_tree_memory_adds_every_process_below_this_one(tmp_path):
    from ai_usage_analytics.bench.measure import descendants, tree_rss_mb

    tree = {100: [200, 300], 200: [], 300: [400], 400: []}
    for pid, children in tree.items():
        task = tmp_path / str(pid) / "task" / str(pid)
        task.mkdir(parents=True)
        (task / "children").write_text(" ".join(map(str, children)) + (" " if children else ""))
        (tmp_path / str(pid) / "status").write_text(f"Name:\tpython\nVmRSS:\t {pid * 10} kB\n")
    assert sorted(descendants(100, tmp_path)) == [200, 300, 400]
    assert tree_rss_mb(100, tmp_path) == round((1000 + 2000 + 3000 + 4000) / 1024, 1)
    assert tree_rss_mb(999, tmp_path) is None  # no such process
    assert tree_rss_mb(100, tmp_path, below_only=True) == round((2000 + 3000 + 4000) / 1024, 1)  # a launcher's runs
    assert tree_rss_mb(200, tmp_path, below_only=True) is None  # nothing below it


def test_another_process_cpu_is_its_user_and_system_ticks(tmp_path):
    # /proc/<pid>/stat: the name in parentheses may hold spaces and ")"; utime and stime are fields 14 and 15
    ticks = os.sysconf("SC_CLK_TCK")
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "stat").write_text(
        f"42 (sim ) x) S 1 42 42 0 -1 4194560 100 0 0 0 {3 * ticks} {ticks} 0 0 20 0 1 0 100 0 0\n")
    assert process_cpu_seconds(42, tmp_path) == 4.0
    assert process_cpu_seconds(43, tmp_path) == 0.0  # gone
    assert process_cpu_seconds(os.getpid()) > 0
