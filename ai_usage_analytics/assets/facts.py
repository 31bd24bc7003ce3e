"""Fact assets: unified usage and allocated cost per person, platform and UTC day.

Both are range-aware (one run can rebuild many days) and work through the range a part of a
calendar month at a time (``assets/chunked.py``; usage by halves, cost, whose build needs more
memory per row, by quarters): each chunk reads only its rows of the raw tables, and the
run writes nothing of a fact if any of its chunks fails a check: the contract, unique keys, keys that
resolve to the dimensions and, for cost, reconciliation to the vendors' bills to the cent and 100 %
allocation of every line. Anomaly checks (spend spikes, collapsing volumes) only warn. What crosses a
chunk boundary (the 28-day baselines of the anomaly checks, the month's spend so far for budgets) is
carried from chunk to chunk as small daily aggregates.

Both are one step (``facts``), so that a backfill builds them side by side: for a window of
``PROCESS_MIN_DAYS`` or more, a worker process (``raw_workers.beside``) builds usage and then the
last months of cost (about ``COST_TAIL_SHARE`` of the days, from a month's first day) while this
process builds the months of cost before them; cost then adopts the worker's staged months into its
own swap (``chunked.Tail``), so the window is still written whole or not at all, and checks their
spend spikes against the days before them, which only this process has. On a two-core machine a
year's usage (42 s) no longer waits for cost (81 s), and neither core idles for the second half of
cost. Shorter windows, the daily run among them, build one after the other here. Either way a fact
that fails does not stop the other: it is written and reported, then the step fails with the error.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import dagster as dg
import pandas as pd

from ai_usage_analytics.assets.chunked import (
    StagedRange, Tail, half_month_chunks, quarter_month_chunks, stage_range, window, write_range,
)
from ai_usage_analytics.assets.raw_sources import LoadsFailed, completions, reported
from ai_usage_analytics.assets.raw_workers import PROCESS_MIN_DAYS, PullContext, Portable, beside, worker_log
from ai_usage_analytics.checks import fact_checks, schemas
from ai_usage_analytics.checks.schema_check import schema_check_spec
from ai_usage_analytics.partitions import daily_partitions
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.settings import SETTINGS
from ai_usage_analytics.transform.cost_facts import CostInputs, build_fact_ai_costs, daily_seat_price
from ai_usage_analytics.transform.reference import ReferenceValidationError
from ai_usage_analytics.transform.seat_prices import seat_price
from ai_usage_analytics.transform.usage_facts import AttributionInputs, build_fact_ai_usage

OWNERS = ["team:analytics-engineering"]
REFERENCE = ["api_key_mappings", "dim_users", "dim_platforms", "raw_anthropic_api_keys", "raw_anthropic_users"]
USAGE_SOURCES = [
    "raw_cursor_events", "raw_cursor_usage_events", "raw_claude_events", "raw_claude_code_events", "raw_claude_web_events",
    "raw_gemini_events",
]
COST_SOURCES = [
    "raw_claude_costs", "raw_claude_events", "raw_cursor_usage_events", "raw_cursor_events", "raw_claude_web_costs",
    "raw_claude_web_events", "raw_gemini_costs", "raw_gemini_events", "budgets",
]
SEAT_PLATFORMS = {"cursor": "Cursor", "claude_web": "Claude.ai", "gemini": "Gemini"}
BASELINE_DAYS = 28
COST_TAIL_SHARE = 0.25  # of a backfill's days: fact_ai_costs' last months, built by the worker after fact_ai_usage


def _check_specs(asset: str, names: list[tuple[str, str, bool]]) -> list[dg.AssetCheckSpec]:
    return [schema_check_spec(asset)] + [
        dg.AssetCheckSpec(name, asset=asset, description=text, blocking=blocking) for name, text, blocking in names
    ]


def _spec(key: dg.AssetKey, day_column: str, deps: list[str], description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=key,
        description=description,
        group_name="core",
        owners=OWNERS,
        kinds={"python", "table"},
        metadata={"partition_expr": day_column},
        deps=sorted(set(deps + REFERENCE)),
        skippable=True,
    )


COMMON_CHECKS = [
    ("unique_natural_key", "No two rows share the natural key.", True),
    ("keys_exist_in_dimensions", "Every user_sk and platform_sk exists in dim_users / dim_platforms.", True),
]


def _read(warehouse: Warehouse, table: str) -> pd.DataFrame:
    warehouse.ensure_table(table)
    return warehouse.read_table(table)


def _raw(warehouse: Warehouse, table: str, start: date, end: date) -> pd.DataFrame:
    """A raw table's rows of one chunk, without the raw payload (facts never read it; it is most of the
    bytes). The table exists: ``_ensure_all`` ran at the start of the run."""
    return warehouse.query_file(f"queries/fact_input_{table}.sql", {"since": start, "until": end})


def _ensure_all(warehouse: Warehouse, tables: list[str]) -> None:
    """Create missing source tables once per run, not once per chunk (each is a connection)."""
    with warehouse.session():
        for table in tables:
            warehouse.ensure_table(table)


def _attribution_inputs(warehouse: Warehouse) -> AttributionInputs:
    with warehouse.session():
        return AttributionInputs(
            mappings=_read(warehouse, "api_key_mappings"),
            api_keys=_read(warehouse, "raw_anthropic_api_keys"),
            anthropic_users=_read(warehouse, "raw_anthropic_users"),
            users=_read(warehouse, "dim_users"),
        )


def _dimension_keys(warehouse: Warehouse, attribution: AttributionInputs) -> tuple[set[str], set[str]]:
    """The user and platform keys a fact row may reference (the users already read for attribution)."""
    return set(attribution.users["user_sk"]), set(_read(warehouse, "dim_platforms")["platform_sk"])


def _summary(frame: pd.DataFrame) -> dict:
    return {"rows_by_attribution": frame["attribution_method"].value_counts().to_dict() if len(frame) else {}}


def _trailing(history: pd.DataFrame, column: str, added: pd.DataFrame, until: date) -> pd.DataFrame:
    """``history`` plus the chunk's daily aggregates, keeping the BASELINE_DAYS days before ``until``."""
    both = pd.concat([history, added], ignore_index=True) if len(history) and len(added) else history if len(history) else added
    return both[pd.to_datetime(both[column]).dt.date >= until - timedelta(days=BASELINE_DAYS)].reset_index(drop=True)


USAGE = dg.AssetKey("fact_ai_usage")
COSTS = dg.AssetKey("fact_ai_costs")
USAGE_CHECKS = COMMON_CHECKS + [
    ("volume_drop", "A source's daily rows fell below half their median on the same weekday of the 4 weeks before.", False),
]
COST_CHECKS = COMMON_CHECKS + [
    ("reconciles_to_vendor_bill", "Allocated dollars per platform and day equal the vendor's billed dollars.", True),
    ("allocation_sums_to_100_percent", "The rows of every billed line add up to 100 %.", True),
    ("spend_spike", "A person's or department's daily spend above 3x its trailing 28-day average.", False),
]
USAGE_DESCRIPTION = (
    "Unified AI usage: one row per person x platform x UTC day x model (x API key) with sessions, "
    "requests, interactions, tokens (input incl. cache, output, cache reads/writes), lines suggested "
    "and accepted, suggestions, acceptance and suggestion rates (null when nothing was shown), commits "
    "and PRs by Claude Code, how the row was attributed and with what confidence, and its use case."
)
COST_DESCRIPTION = (
    "Every billed dollar, allocated to a person or to 'unattributed': Anthropic cost lines split by "
    "token share within workspace, model and token type (equal split or unattributed when no usage "
    "matches), Cursor on-demand charges per person, Claude.ai per-user cost (user_cost_report), Gemini "
    "API / Vertex AI billing-export lines by request label or project, and Cursor, Claude.ai and "
    "Gemini seats amortised per seat and day. With the person's department as budget category, that "
    "month's budget and whether month-to-date spend is over it."
)


class FactsFailed(LoadsFailed):
    """Both facts of a run failed; each is named with its own message."""

    WHAT = "facts"


@dg.multi_asset(
    name="facts",
    specs=[
        _spec(USAGE, "usage_date", USAGE_SOURCES, USAGE_DESCRIPTION),
        _spec(COSTS, "cost_date", COST_SOURCES, COST_DESCRIPTION),
    ],
    check_specs=_check_specs("fact_ai_usage", USAGE_CHECKS) + _check_specs("fact_ai_costs", COST_CHECKS),
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
)
def facts(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """fact_ai_usage and fact_ai_costs over the run's days: for a backfill of both, usage and then the
    last months of cost in a worker process beside the rest of cost; otherwise one after the other."""
    start, end = window(context)
    run_id = context.run.run_id
    selected = [key for key in (USAGE, COSTS) if key in context.selected_asset_keys]
    if selected == [USAGE, COSTS] and SETTINGS.workers > 1 and (end - start).days >= PROCESS_MIN_DAYS:
        yield from _side_by_side(context, warehouse, run_id, cost_tail_start(start, end))
        return
    build = {USAGE: _usage, COSTS: _costs}
    loads = {key.path[-1]: partial(build[key], context, warehouse, run_id) for key in selected}
    yield from reported(completions(loads, 1), len(loads), FactsFailed)


def cost_tail_start(start: date, end: date) -> date | None:
    """Where the worker's part of fact_ai_costs begins: the first of the month nearest to
    ``COST_TAIL_SHARE`` of [start, end) before its end, or None when no month begins inside it. A
    month's first day, because what a chunk carries from the one before (month-to-date spend for
    budgets) starts again there."""
    target = end - timedelta(days=round((end - start).days * COST_TAIL_SHARE))
    firsts, day = [], (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    while day < end:
        firsts.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return min(firsts, key=lambda first: abs((first - target).days)) if firsts else None


def _side_by_side(context: dg.AssetExecutionContext, warehouse: Warehouse, run_id: str, tail_start: date | None):
    """The backfill's facts on both cores: the worker builds usage and then cost from ``tail_start``
    (staged, not swapped in), this process the cost before it and then adopts the worker's days."""
    portable = Portable.of(warehouse)
    loads = {"fact_ai_usage": partial(_usage_in_worker, context.partition_key_range, run_id, portable)}
    if tail_start is not None:
        loads["fact_ai_costs"] = partial(
            _cost_tail_in_worker, context.partition_key_range, run_id, portable, tail_start, _seat_prices_file()
        )
    with beside(loads, log=context.log.log) as worker:
        tail = None if tail_start is None else partial(_tail_from_worker, worker)
        [(_, cost_events, cost_error)] = completions(
            {"fact_ai_costs": partial(_costs, context, warehouse, run_id, tail_start, tail)}, 1
        )
        usage_events, usage_error = worker("fact_ai_usage")
        if tail_start is not None and cost_error is not None:
            # the worker's days may never have reached the swap: drop them (a no-op if they did)
            for event in worker("fact_ai_costs")[0]:
                if isinstance(event, CostTail):
                    warehouse.discard(event.staged.part)
    ended = [("fact_ai_usage", usage_events, usage_error), ("fact_ai_costs", cost_events, cost_error)]
    yield from reported(iter(ended), 2, FactsFailed)


def _usage_in_worker(key_range: dg.PartitionKeyRange, run_id: str, warehouse: Portable):
    """In a worker process: ``_usage`` with what it reads from the Dagster context."""
    context = PullContext(key_range, {"fact_ai_usage": "usage_date"}, worker_log())
    return _usage(context, warehouse.build(), run_id)


def _usage(context: dg.AssetExecutionContext | PullContext, warehouse: Warehouse, run_id: str):
    start, end = window(context)
    _ensure_all(warehouse, USAGE_SOURCES)
    attribution = _attribution_inputs(warehouse)
    users, platforms = _dimension_keys(warehouse, attribution)
    now = pd.Timestamp.now(tz="UTC")
    warehouse.ensure_table("fact_ai_usage")
    history = warehouse.query_file(
        "queries/fact_usage_daily_counts.sql", {"since": start - timedelta(days=BASELINE_DAYS), "until": start}
    )

    def build(first: date, last: date) -> pd.DataFrame:
        with warehouse.session():
            raw = {table: _raw(warehouse, table, first, last) for table in USAGE_SOURCES}
        return build_fact_ai_usage(
            raw["raw_cursor_events"], raw["raw_cursor_usage_events"], raw["raw_claude_events"],
            raw["raw_claude_code_events"], attribution, run_id, now,
            claude_web=raw["raw_claude_web_events"], gemini=raw["raw_gemini_events"],
        )

    def checks(valid: pd.DataFrame, first: date, last: date) -> list[dg.AssetCheckResult]:
        nonlocal history
        days = [first + timedelta(days=i) for i in range((last - first).days)]
        results = [
            fact_checks.unique_keys("fact_ai_usage", valid, "event_id"),
            fact_checks.referential_integrity("fact_ai_usage", valid, users, platforms),
            fact_checks.volume_drops(valid, history, days),
        ]
        counts = valid.groupby(["metric_source", "usage_date"]).size().rename("rows").reset_index()
        history = _trailing(history, "usage_date", counts, last)
        return results

    yield from write_range(
        context, warehouse, schemas.FactAiUsage, half_month_chunks(start, end), build, checks, summarize=_summary,
        key=USAGE,
    )


@dataclass
class CostTail:
    """The worker's months of fact_ai_costs: staged, checked (all but the spend spikes, which need
    the months before) and their daily spend per chunk, for the run's process to check and adopt."""

    staged: StagedRange
    spend: list[tuple[date, date, pd.DataFrame]]


class _CostChunks:
    """fact_ai_costs chunk after chunk from ``start``: what every chunk reads (prices, budgets,
    attribution, dimension keys) read once, then ``build`` and ``checks`` per chunk. The daily spend
    per person and department is carried from chunk to chunk (``history``): the month-to-date spend
    for budgets and the spend-spike baselines. With ``spikes`` off (the worker's months, whose
    baseline is in the run's process), each chunk's daily spend is kept in ``spend`` instead."""

    def __init__(self, warehouse: Warehouse, run_id: str, start: date, seat_prices: Path, spikes: bool = True) -> None:
        _ensure_all(warehouse, [*COST_SOURCES, "fact_ai_costs"])
        self.warehouse, self.run_id, self.spikes, self.seat_prices = warehouse, run_id, spikes, seat_prices
        since = min(start.replace(day=1), start - timedelta(days=BASELINE_DAYS)) if spikes else start
        self.history = warehouse.query_file("queries/fact_cost_history.sql", {"since": since, "until": start})
        self.spend: list[tuple[date, date, pd.DataFrame]] = []
        self.prices = {platform: _seat_price(seat_prices, platform) for platform in SEAT_PLATFORMS}
        self.budgets = _read(warehouse, "budgets")
        self.attribution = _attribution_inputs(warehouse)
        self.users, self.platforms = _dimension_keys(warehouse, self.attribution)
        self.now = pd.Timestamp.now(tz="UTC")
        self.billed: dict[date, pd.DataFrame] = {}

    def build(self, first: date, last: date) -> pd.DataFrame:
        warehouse, history = self.warehouse, self.history
        with warehouse.session():
            inputs = CostInputs(
                claude_costs=_raw(warehouse, "raw_claude_costs", first, last),
                claude_events=_raw(warehouse, "raw_claude_events", first, last),
                cursor_events=_raw(warehouse, "raw_cursor_usage_events", first, last),
                cursor_members=_raw(warehouse, "raw_cursor_events", first, last),
                cursor_seat_price_usd=self.prices["cursor"],
                budgets=self.budgets,
                prior_spend=history[pd.to_datetime(history["cost_date"]).dt.date >= first.replace(day=1)],
                claude_web_costs=_raw(warehouse, "raw_claude_web_costs", first, last),
                claude_web_events=_raw(warehouse, "raw_claude_web_events", first, last),
                claude_web_seat_price_usd=self.prices["claude_web"],
                gemini_costs=_raw(warehouse, "raw_gemini_costs", first, last),
                gemini_events=_raw(warehouse, "raw_gemini_events", first, last),
                gemini_seat_price_usd=self.prices["gemini"],
            )
        for platform, (members, price, name) in inputs.seat_holders().items():
            if price is None and len(members):
                raise dg.Failure(
                    description=f"{name} seats need a price: add a '{platform}' row to "
                    f"{self.seat_prices} (columns platform_code, plan, seat_price_usd_month)."
                )
        self.billed[first] = billed_totals(inputs)
        return build_fact_ai_costs(inputs, self.attribution, self.run_id, self.now)

    def checks(self, valid: pd.DataFrame, first: date, last: date) -> list[dg.AssetCheckResult]:
        results = [
            fact_checks.unique_keys("fact_ai_costs", valid, "cost_id"),
            fact_checks.referential_integrity("fact_ai_costs", valid, self.users, self.platforms),
            fact_checks.reconciliation(valid, self.billed.pop(first)),
            fact_checks.allocation_percentages(valid),
        ]
        spend = (  # three columns, not a copy of the chunk
            valid["allocated_cost_usd"].astype(float)
            .groupby([valid["user_sk"], valid["budget_category"], valid["cost_date"]], dropna=False).sum().reset_index()
        )
        if self.spikes:
            results.append(self.spend_spike(spend, first))
        else:
            self.spend.append((first, last, spend))
        self.carry(spend, last)
        return results

    def spend_spike(self, spend: pd.DataFrame, first: date) -> dg.AssetCheckResult:
        """The spike check of a chunk's daily spend against the ``BASELINE_DAYS`` carried before it."""
        history = self.history
        return fact_checks.spend_spikes(
            spend, history[pd.to_datetime(history["cost_date"]).dt.date >= first - timedelta(days=BASELINE_DAYS)]
        )

    def carry(self, spend: pd.DataFrame, last: date) -> None:
        """A chunk's daily spend joins the days carried to the next chunk."""
        self.history = _trailing(self.history, "cost_date", spend, last)


def _costs(
    context: dg.AssetExecutionContext, warehouse: Warehouse, run_id: str, tail_start: date | None = None,
    tail: Callable[[], Iterator] | None = None,
):
    """fact_ai_costs over the run's window; with a ``tail``, this process builds the days before
    ``tail_start`` and adopts the rest, staged by the worker, once its own are staged."""
    start, end = window(context)
    costs = _CostChunks(warehouse, run_id, start, _seat_prices_file())

    def adopt():
        worker = yield from tail()
        spikes = []
        for first, last, spend in worker.spend:  # in order: each chunk's baseline holds the one before
            spikes.append(costs.spend_spike(spend, first))
            costs.carry(spend, last)
        staged = worker.staged
        return StagedRange(staged.part, staged.chunks, staged.results + spikes, staged.totals)

    yield from write_range(
        context, warehouse, schemas.FactAiCosts, quarter_month_chunks(start, tail_start or end), costs.build,
        costs.checks, summarize=_cost_and_attribution, metadata=_cost_metadata, key=COSTS,
        tail=Tail(tail_start, end, adopt) if tail is not None else None,
    )


def _cost_tail_in_worker(
    key_range: dg.PartitionKeyRange, run_id: str, warehouse: Portable, tail_start: date, seat_prices: Path
):
    """In the worker process, after fact_ai_usage: fact_ai_costs from ``tail_start`` to the window's end,
    staged for the run's process to adopt; the last event is the ``CostTail``. The seat prices come from
    the file the run's process reads (its settings, which may not be the environment's)."""
    context = PullContext(key_range, {"fact_ai_costs": "cost_date"}, worker_log())
    store = warehouse.build()
    costs = _CostChunks(store, run_id, tail_start, seat_prices, spikes=False)
    staged = yield from stage_range(
        context, store, schemas.FactAiCosts, quarter_month_chunks(tail_start, window(context)[1]), costs.build,
        costs.checks, summarize=_cost_and_attribution, key=COSTS,
    )
    yield CostTail(staged, costs.spend)


def _tail_from_worker(worker: Callable[[str], tuple[list, BaseException | None]]):
    """In the run's process: the worker's cost events passed on, its error raised, its ``CostTail``
    returned."""
    events, error = worker("fact_ai_costs")
    yield from (event for event in events if not isinstance(event, CostTail))
    if error is not None:
        raise error
    tails = [event for event in events if isinstance(event, CostTail)]
    if not tails:
        raise RuntimeError("the worker ended without staging its days of fact_ai_costs")
    return tails[-1]


def _seat_prices_file() -> Path:
    return SETTINGS.reference_dir / "seat_prices.csv"


def _seat_price(path: Path, platform: str) -> Decimal | None:
    try:
        return seat_price(path, platform)
    except ReferenceValidationError as error:
        raise dg.Failure(description=str(error)) from None


def billed_totals(inputs: CostInputs) -> pd.DataFrame:
    """What the vendors billed per platform and day, straight from the raw tables."""
    frames = []
    costs = inputs.claude_costs
    if len(costs):
        frames.append(pd.DataFrame({"platform_sk": costs["platform"], "cost_date": costs["cost_date"], "billed_usd": costs["amount_usd"]}))
    events = inputs.cursor_events
    if len(events):
        billed = events[(events["is_chargeable"] != False) & events["charged_usd"].notna()]  # noqa: E712
        frames.append(pd.DataFrame({"platform_sk": "cursor", "cost_date": billed["usage_date"], "billed_usd": billed["charged_usd"]}))
    for platform, (members, price, _) in inputs.seat_holders().items():
        if len(members) and price is not None:
            seats = members[["usage_date", "email"]].drop_duplicates()
            frames.append(pd.DataFrame({
                "platform_sk": platform, "cost_date": seats["usage_date"],
                "billed_usd": seats["usage_date"].map(lambda d, p=price: daily_seat_price(p, d)),
            }))
    web = inputs.claude_web_costs
    if len(web):
        frames.append(pd.DataFrame({"platform_sk": web["platform"], "cost_date": web["cost_date"], "billed_usd": web["amount_usd"]}))
    billing = inputs.gemini_costs
    if len(billing):
        frames.append(pd.DataFrame({"platform_sk": "gemini", "cost_date": billing["cost_date"], "billed_usd": billing["net_cost"]}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["platform_sk", "cost_date", "billed_usd"])


def _cost_and_attribution(frame: pd.DataFrame) -> dict:
    unattributed = frame["user_sk"] == "unattributed"
    return _summary(frame) | {
        "allocated_usd": sum(frame["allocated_cost_usd"], Decimal(0)),
        "unattributed_usd": sum(frame.loc[unattributed, "allocated_cost_usd"], Decimal(0)),
    }


def _cost_metadata(totals: dict) -> dict:
    total, unattributed = totals.get("allocated_usd", Decimal(0)), totals.get("unattributed_usd", Decimal(0))
    return {
        "rows_by_attribution": totals.get("rows_by_attribution", {}),
        "allocated_usd": float(total),
        "unattributed_usd": float(unattributed),
        "unattributed_share": float(unattributed / total) if total else 0.0,
    }


FACT_ASSETS = [facts]
