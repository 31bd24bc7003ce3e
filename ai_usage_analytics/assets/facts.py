"""Fact assets: unified usage and allocated cost per person, platform and UTC day.

Both are range-aware (one run can rebuild many days), read only the window's rows of the raw
tables, and refuse to write a frame whose checks fail: the contract, unique keys, keys that resolve
to the dimensions and, for cost, reconciliation to the vendors' bills to the cent and 100 %
allocation of every line. Anomaly checks (spend spikes, collapsing volumes) only warn.
"""

from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import pandas as pd

from ai_usage_analytics.checks import fact_checks, schemas
from ai_usage_analytics.checks.schema_check import checked_frame, gate, schema_check_spec, schema_passed
from ai_usage_analytics.partitions import daily_partitions, day_window
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


def _check_specs(asset: str, names: list[tuple[str, str, bool]]) -> list[dg.AssetCheckSpec]:
    return [schema_check_spec(asset)] + [
        dg.AssetCheckSpec(name, asset=asset, description=text, blocking=blocking) for name, text, blocking in names
    ]


def _fact(name: str, day_column: str, deps: list[str], checks: list[tuple[str, str, bool]]) -> dict:
    return dict(
        name=name,
        group_name="core",
        owners=OWNERS,
        kinds={"python", "table"},
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        metadata={"partition_expr": day_column},
        deps=sorted(set(deps + REFERENCE)),
        check_specs=_check_specs(name, checks),
    )


COMMON_CHECKS = [
    ("unique_natural_key", "No two rows share the natural key.", True),
    ("keys_exist_in_dimensions", "Every user_sk and platform_sk exists in dim_users / dim_platforms.", True),
]


def _window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    key_range = context.partition_key_range
    return day_window(key_range.start, key_range.end)


def _read(warehouse: Warehouse, table: str, column: str | None = None, start=None, end=None) -> pd.DataFrame:
    warehouse.ensure_table(table)
    return warehouse.read_table(table, column, start, end)


def _attribution_inputs(warehouse: Warehouse) -> AttributionInputs:
    return AttributionInputs(
        mappings=_read(warehouse, "api_key_mappings"),
        api_keys=_read(warehouse, "raw_anthropic_api_keys"),
        anthropic_users=_read(warehouse, "raw_anthropic_users"),
        users=_read(warehouse, "dim_users"),
    )


def _dimension_keys(warehouse: Warehouse) -> tuple[set[str], set[str]]:
    return set(_read(warehouse, "dim_users")["user_sk"]), set(_read(warehouse, "dim_platforms")["platform_sk"])


def _summary(frame: pd.DataFrame, start: date, end: date) -> dict:
    by_method = frame["attribution_method"].value_counts().to_dict() if len(frame) else {}
    return {"window": f"[{start}, {end})", "dagster/row_count": len(frame), "rows_by_attribution": dg.MetadataValue.json(by_method)}


@dg.asset(
    **_fact(
        "fact_ai_usage", "usage_date", USAGE_SOURCES,
        COMMON_CHECKS + [("volume_drop", "A source's daily rows fell below half its trailing 28-day median.", False)],
    )
)
def fact_ai_usage(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Unified AI usage: one row per person x platform x UTC day x model (x API key) with sessions,
    requests, interactions, tokens (input incl. cache, output, cache reads/writes), lines suggested
    and accepted, suggestions, acceptance and suggestion rates (null when nothing was shown), commits
    and PRs by Claude Code, how the row was attributed and with what confidence, and its use case."""
    start, end = _window(context)
    raw = {table: _read(warehouse, table, "usage_date", start, end) for table in USAGE_SOURCES}
    frame = build_fact_ai_usage(
        raw["raw_cursor_events"], raw["raw_cursor_usage_events"], raw["raw_claude_events"], raw["raw_claude_code_events"],
        _attribution_inputs(warehouse), context.run.run_id, pd.Timestamp.now(tz="UTC"),
        claude_web=raw["raw_claude_web_events"], gemini=raw["raw_gemini_events"],
    )
    valid = yield from checked_frame(schemas.FactAiUsage, frame, "fact_ai_usage")
    users, platforms = _dimension_keys(warehouse)
    gates = [
        fact_checks.unique_keys("fact_ai_usage", valid, "event_id"),
        fact_checks.referential_integrity("fact_ai_usage", valid, users, platforms),
    ]
    yield from gate("fact_ai_usage", gates)
    warehouse.ensure_table("fact_ai_usage")
    history = warehouse.query_file(
        "queries/fact_usage_daily_counts.sql", {"since": start - timedelta(days=BASELINE_DAYS), "until": start}
    )
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    yield dg.Output(valid, metadata=_summary(valid, start, end))
    yield schema_passed("fact_ai_usage", len(valid))
    yield from gates
    yield fact_checks.volume_drops(valid, history, days)


@dg.asset(
    **_fact(
        "fact_ai_costs", "cost_date", COST_SOURCES,
        COMMON_CHECKS
        + [
            ("reconciles_to_vendor_bill", "Allocated dollars per platform and day equal the vendor's billed dollars.", True),
            ("allocation_sums_to_100_percent", "The rows of every billed line add up to 100 %.", True),
            ("spend_spike", "A person's or department's daily spend above 3x its trailing 28-day average.", False),
        ],
    )
)
def fact_ai_costs(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Every billed dollar, allocated to a person or to 'unattributed': Anthropic cost lines split by
    token share within workspace, model and token type (equal split or unattributed when no usage
    matches), Cursor on-demand charges per person, Claude.ai per-user cost (user_cost_report), Gemini
    API / Vertex AI billing-export lines by request label or project, and Cursor, Claude.ai and
    Gemini seats amortised per seat and day. With the
    person's department as budget category, that month's budget and whether month-to-date spend is over it."""
    start, end = _window(context)
    month_start = start.replace(day=1)
    warehouse.ensure_table("fact_ai_costs")
    history = warehouse.query_file(
        "queries/fact_cost_history.sql", {"since": min(month_start, start - timedelta(days=BASELINE_DAYS)), "until": start}
    )
    prices = {platform: _seat_price(platform) for platform in SEAT_PLATFORMS}
    inputs = CostInputs(
        claude_costs=_read(warehouse, "raw_claude_costs", "cost_date", start, end),
        claude_events=_read(warehouse, "raw_claude_events", "usage_date", start, end),
        cursor_events=_read(warehouse, "raw_cursor_usage_events", "usage_date", start, end),
        cursor_members=_read(warehouse, "raw_cursor_events", "usage_date", start, end),
        cursor_seat_price_usd=prices["cursor"],
        budgets=_read(warehouse, "budgets"),
        prior_spend=history[pd.to_datetime(history["cost_date"]).dt.date >= month_start],
        claude_web_costs=_read(warehouse, "raw_claude_web_costs", "cost_date", start, end),
        claude_web_events=_read(warehouse, "raw_claude_web_events", "usage_date", start, end),
        claude_web_seat_price_usd=prices["claude_web"],
        gemini_costs=_read(warehouse, "raw_gemini_costs", "cost_date", start, end),
        gemini_events=_read(warehouse, "raw_gemini_events", "usage_date", start, end),
        gemini_seat_price_usd=prices["gemini"],
    )
    for platform, (members, price, name) in inputs.seat_holders().items():
        if price is None and len(members):
            raise dg.Failure(
                description=f"{name} seats need a price: add a '{platform}' row to "
                f"{SETTINGS.reference_dir / 'seat_prices.csv'} (columns platform_code, plan, seat_price_usd_month)."
            )
    frame = build_fact_ai_costs(inputs, _attribution_inputs(warehouse), context.run.run_id, pd.Timestamp.now(tz="UTC"))
    valid = yield from checked_frame(schemas.FactAiCosts, frame, "fact_ai_costs")
    users, platforms = _dimension_keys(warehouse)
    gates = [
        fact_checks.unique_keys("fact_ai_costs", valid, "cost_id"),
        fact_checks.referential_integrity("fact_ai_costs", valid, users, platforms),
        fact_checks.reconciliation(valid, billed_totals(inputs)),
        fact_checks.allocation_percentages(valid),
    ]
    yield from gate("fact_ai_costs", gates)
    yield dg.Output(valid, metadata=_summary(valid, start, end) | _cost_summary(valid))
    yield schema_passed("fact_ai_costs", len(valid))
    yield from gates
    baseline = history[pd.to_datetime(history["cost_date"]).dt.date >= start - timedelta(days=BASELINE_DAYS)]
    yield fact_checks.spend_spikes(valid, baseline)


def _seat_price(platform: str) -> Decimal | None:
    try:
        return seat_price(SETTINGS.reference_dir / "seat_prices.csv", platform)
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


def _cost_summary(frame: pd.DataFrame) -> dict:
    total = sum((v for v in frame["allocated_cost_usd"]), Decimal(0)) if len(frame) else Decimal(0)
    unattributed = sum((v for v, u in zip(frame["allocated_cost_usd"], frame["user_sk"]) if u == "unattributed"), Decimal(0))
    return {
        "allocated_usd": float(total),
        "unattributed_usd": float(unattributed),
        "unattributed_share": float(unattributed / total) if total else 0.0,
    }


FACT_ASSETS = [fact_ai_usage, fact_ai_costs]
