"""The printed report: one line per scenario, then the targets (target / measured / met?)."""

from __future__ import annotations

GIB_MB = 1024.0


def _ratio(a, b) -> float | None:
    return None if a is None or not b else a / b


def _get(results: dict, name: str, field: str):
    entry = results.get(name) or {}
    return entry.get(field) if entry.get("status") == "ok" else None


def cpu_bound_s(entry: dict) -> float | None:
    """The wall time the scenario's CPU work alone needs on this machine: the pipeline's and the
    simulator's CPU seconds spread perfectly over every core. No schedule of that work runs faster."""
    cpu, simulator, cores = entry.get("cpu_s"), entry.get("simulator_cpu_s"), entry.get("cores")
    return None if cpu is None or simulator is None or not cores else (cpu + simulator) / cores


def cpu_line(name: str, entry: dict) -> str | None:
    bound = cpu_bound_s(entry)
    if bound is None or not entry.get("wall_s"):
        return None
    busy = (entry["cpu_s"] + entry["simulator_cpu_s"]) / entry["wall_s"]
    return (f"  {name} CPU: pipeline {entry['cpu_s']:,.1f} s, simulator {entry['simulator_cpu_s']:,.1f} s; "
            f"{busy:.2f} of {entry['cores']} cores busy on average; that work needs at least {bound:,.0f} s here")


def rate_limit_line(name: str, entry: dict) -> str | None:
    seconds = entry.get("rate_limited_at_least_s")
    if not seconds or not entry.get("wall_s"):
        return None
    least = entry.get("rate_limited_minimum_at_least_s")
    limits = "on for this run" if entry.get("rate_limits") else "off for this run"
    return (f"  {name} under the vendors' documented rate limits ({limits}): at least {seconds:,.0f} s, "
            f"{seconds / entry['wall_s']:.2f}x this run ({entry['rate_limited_by']}"
            f"{'' if least is None else f'; at the API minimum of requests {least:,.0f} s'})")


def in_process_ratio(results: dict) -> float | None:
    """One run per partition against the single run, both without their runs' process start and code
    loading (``execute_wall_s``)."""
    return _ratio(_get(results, "backfill_per_partition", "execute_wall_s"),
                  _get(results, "backfill_single_run", "execute_wall_s"))


def targets(results: dict) -> list[dict]:
    """Each target: what, target, measured (text), met (True / False / None when not measured)."""
    single = "backfill_single_run"
    wall = _get(results, single, "wall_s")
    floor_ratio = _ratio(wall, _get(results, "floor", "wall_s"))
    per_partition_ratio = _ratio(_get(results, "backfill_per_partition", "wall_s"), wall)
    request_ratio = _ratio(_get(results, single, "requests"), _get(results, single, "requests_minimum"))
    peak = _get(results, single, "peak_rss_mb")

    def row(what: str, target: str, value: float | None, fmt: str, ok) -> dict:
        measured = "not measured" if value is None else fmt.format(value)
        verdict = None if value is None else ok(value)  # ok() may answer None: cannot tell
        return {"what": what, "target": target, "measured": measured, "value": value,
                "met": None if verdict is None else bool(verdict)}

    stopped = (results.get(single) or {}).get("status") == "timeout"
    if stopped:  # not finished: the wall time is at least the timeout, the peak at least what was seen
        wall_floor = (results[single].get("timeout_s") or 0)
        seen_peak = results[single].get("peak_rss_mb_observed")
        return [
            row("backfill single run vs floor", "<= 3x floor", _ratio(wall_floor, _get(results, "floor", "wall_s")),
                "> {:.1f}x (not finished)", lambda v: False if v > 3 else None),
            row("backfill single run wall time", "< 300 s", wall_floor, "> {:.0f} s (not finished)", lambda v: False if v >= 300 else None),
            row("per-partition / single run", ">= 10x",
                _ratio(_get(results, "backfill_per_partition", "wall_s"), wall_floor),
                "< {:.1f}x (not finished)", lambda v: False if v < 10 else None),
            row("backfill requests vs minimum", "<= 1.1x", None, "{}", lambda v: v),
            row("backfill peak memory", "< 2048 MiB", seen_peak, ">= {:.0f} MiB (not finished)",
                lambda v: False if v >= GIB_MB * 2 else None),
            *_common(results, row),
        ]
    return [
        row("backfill single run vs floor", "<= 3x floor", floor_ratio, "{:.1f}x", lambda v: v <= 3),
        row("backfill single run wall time", "< 300 s", wall, "{:.1f} s", lambda v: v < 300),
        row("per-partition / single run", ">= 10x", per_partition_ratio, "{:.1f}x", lambda v: v >= 10),
        row("backfill requests vs minimum", "<= 1.1x", request_ratio, "{:.2f}x", lambda v: v <= 1.1),
        row("backfill peak memory", "< 2048 MiB", peak, "{:.0f} MiB", lambda v: v < GIB_MB * 2),
        *_common(results, row),
    ]


def _common(results: dict, row) -> list[dict]:
    def scaling(small: str, big: str) -> float | None:
        small_entry, big_entry = results.get(small) or {}, results.get(big) or {}
        time_ratio = _ratio(_get(results, big, "wall_s"), _get(results, small, "wall_s"))
        people_ratio = _ratio(big_entry.get("people"), small_entry.get("people"))
        return None if time_ratio is None or people_ratio is None else time_ratio / (people_ratio / 10)

    return [
        row("daily run wall time", "< 30 s", _get(results, "daily", "wall_s"), "{:.1f} s", lambda v: v < 30),
        row("scaling 200 -> 2000 people (time ratio per 10x)", "<= 10x",
            scaling("scaling_200", "scaling_2000"), "{:.1f}x", lambda v: v <= 10),
        row("scaling 2000 -> 20000 people (time ratio per 10x)", "<= 10x",
            scaling("scaling_2000", "scaling_20000"), "{:.1f}x", lambda v: v <= 10),
    ]


def _num(value, fmt: str = "{:,.1f}") -> str:
    return "-" if value is None else fmt.format(value)


def render(results: dict, quick: bool) -> str:
    lines = []
    header = (f"{'scenario':<24}{'status':<9}{'people':>7}{'days':>6}{'wall s':>10}{'raw':>9}{'ref':>7}"
              f"{'facts':>8}{'views':>7}{'ovh':>7}{'requests':>10}{'minimum':>9}{'peak MiB':>10}{'rows':>12}")
    lines += [header, "-" * len(header)]
    for name, r in results.items():
        stages = r.get("stages_s") or {}
        raw = stages.get("raw", stages.get("fetch"))
        facts = stages.get("facts", stages.get("load"))
        lines.append(
            f"{name:<24}{r.get('status', '?'):<9}{r.get('people', 0):>7,}{r.get('days', 0):>6}"
            f"{_num(r.get('wall_s')):>10}{_num(raw):>9}{_num(stages.get('reference')):>7}{_num(facts):>8}"
            f"{_num(stages.get('views')):>7}{_num(stages.get('overhead')):>7}"
            f"{_num(r.get('requests'), '{:,.0f}'):>10}{_num(r.get('requests_minimum'), '{:,.0f}'):>9}"
            f"{_num(r.get('peak_rss_mb') or r.get('peak_rss_mb_observed'), '{:,.0f}'):>10}{_num(sum((r.get('rows') or {}).values()), '{:,}'):>12}"
        )
    lines.append("Stages are the summed step times (STEP_START..STEP_SUCCESS) of each asset group's steps; ovh = "
                 "wall - steps (run start-up, IO, events). floor: raw = fetch, facts = load. "
                 "backfill_per_partition: extrapolated from a sample of days (see the JSON).")
    for name, r in results.items():
        volume = r.get("source_counts") or {}
        if "cursor_events_per_active_member_day" in volume:
            days = max(1, r.get("days") or 1)
            lines.append(
                f"  {name} volume: {r.get('people', 0):,} people, {r.get('days')} day(s), {volume['cursor_events']:,} Cursor "
                f"usage events ({volume['cursor_events_per_active_member_day']} per active member-day, heavy users "
                f"{volume['cursor_events_per_active_heavy_member_day']}, at most {volume['cursor_events_max_member_day']}), "
                f"{volume['claude_code_records'] / days:,.0f} Claude Code records a day")
        lines += [line for line in (cpu_line(name, r), rate_limit_line(name, r)) if line]
        if r.get("extrapolated"):
            s = r.get("sample") or {}
            runs = r.get("run_wall_s") or []
            spread = f" (one run {min(runs):.1f}-{max(runs):.1f} s)" if runs else ""
            lines.append(f"  {name}: EXTRAPOLATED from {r.get('sample_days')} day(s) x {r['days']}/"
                         f"{r.get('sample_days')}: measured {s.get('wall_s')} s{spread} and {s.get('requests')} requests")
        if r.get("execute_wall_s") is not None and r.get("wall_s"):
            lines.append(f"  {name}: runs launched {r['wall_s']:,.1f} s, of which executing the runs "
                         f"{r['execute_wall_s']:,.1f} s (the rest: starting each run's process and loading the code)")
        if r.get("status") == "timeout":
            lines.append(f"  {name}: NOT FINISHED ({r.get('error')}); peak so far {r.get('peak_rss_mb_observed')} MiB, "
                         f"{r.get('requests_before_stop')} vendor requests sent before the stop")
        elif r.get("status") != "ok" and r.get("error"):
            lines.append(f"  {name}: {r['error'].strip().splitlines()[-1][:300]}")
        elif r.get("status") != "ok":
            why = r.get("step_failures") or [f"failed check {c}" for c in r.get("failed_checks") or []]
            lines.append(f"  {name}: FAILED run: {'; '.join(why)[:400] or 'see the JSON'}")
    lines.append("")
    title = "Targets" + (" (BENCH_QUICK=1: a tenth of the size; the targets are for the full size, indicative only)"
                         if quick else "")
    lines.append(title)
    lines.append(f"{'target':<52}{'goal':<14}{'measured':<28}met?")
    for t in targets(results):
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "NO")
        lines.append(f"{t['what']:<52}{t['target']:<14}{t['measured']:<28}{met}")
    alone = in_process_ratio(results)
    if alone is not None:
        lines.append(f"  per-partition / single run counting the runs' execution only, as if no run paid for its "
                     f"process and code loading (a lower bound no deployment reaches): {alone:.1f}x")
    return "\n".join(lines)
