"""fact_ai_costs: every billed dollar allocated to a person, with budgets.

Anthropic: the cost report has no key or person dimension, so each day's line (workspace x model x
token type) is split among API keys in proportion to their tokens of that type in that workspace
and model (web-search lines by web-search requests); a line no usage matches is split equally
among the keys that used that workspace that day, else goes to the unattributed sentinel. Keys are
then attributed to people exactly like usage. Cursor: on-demand charges per person from the usage
events (the vendor names the person), and the seat price amortised per member per day. Claude.ai
and Gemini: see transform.knowledge_facts.
Every line's rows add up to the line exactly (see transform.allocation).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from ai_usage_analytics.resources.ddl import load_ddl
from ai_usage_analytics.settings import SQL_DIR
from ai_usage_analytics.transform.allocation import METHOD_CONFIDENCE, NANO, allocate
from ai_usage_analytics.transform.attribution import UNATTRIBUTED, attribute_api_keys, attribute_emails, classify_use_case
from ai_usage_analytics.transform.common import format_days, map_distinct, sorted_by, stable_id, utc_midnights
from ai_usage_analytics.transform.knowledge_facts import (
    claude_web_cost_lines,
    gemini_cost_lines,
    seat_line_ids,
    seat_members,
)
from ai_usage_analytics.transform.usage_facts import PLATFORM_CATEGORY, AttributionInputs
from ai_usage_analytics.transform.users import user_sk

TOKEN_TYPE_COLUMN = {
    "uncached_input_tokens": "uncached_input_tokens",
    "output_tokens": "output_tokens",
    "cache_read_input_tokens": "cache_read_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens": "cache_creation_5m_tokens",
    "cache_creation.ephemeral_1h_input_tokens": "cache_creation_1h_tokens",
}
WEB_SEARCH = "web_search_requests"
DIRECT = "direct"
COST_TYPE_PART = {"subscription": "base_cost_usd", "usage": "usage_cost_usd", "overage": "overage_cost_usd"}


@dataclass(frozen=True)
class CostInputs:
    claude_costs: pd.DataFrame  # raw_claude_costs for the window
    claude_events: pd.DataFrame  # raw_claude_events for the window
    cursor_events: pd.DataFrame  # raw_cursor_usage_events for the window
    cursor_members: pd.DataFrame  # raw_cursor_events for the window (one row per member and day)
    cursor_seat_price_usd: Decimal | None  # monthly seat price, from seat_prices.csv
    budgets: pd.DataFrame  # budget_category, month, budget_usd
    prior_spend: pd.DataFrame  # budget_category, cost_date, allocated_cost_usd: earlier days of the window's months
    claude_web_costs: pd.DataFrame = field(default_factory=pd.DataFrame)  # raw_claude_web_costs for the window
    claude_web_events: pd.DataFrame = field(default_factory=pd.DataFrame)  # raw_claude_web_events for the window
    claude_web_seat_price_usd: Decimal | None = None
    gemini_costs: pd.DataFrame = field(default_factory=pd.DataFrame)  # raw_gemini_costs for the window
    gemini_events: pd.DataFrame = field(default_factory=pd.DataFrame)  # raw_gemini_events for the window
    gemini_seat_price_usd: Decimal | None = None

    def seat_holders(self) -> dict[str, tuple[pd.DataFrame, Decimal | None, str]]:
        """Per seat platform: (usage_date, email) seat-days, the monthly price, the display name."""
        return {
            "cursor": (self.cursor_members, self.cursor_seat_price_usd, "Cursor"),
            "claude_web": (seat_members(self.claude_web_events, "usage_date", "user_email"),
                           self.claude_web_seat_price_usd, "Claude.ai"),
            "gemini": (seat_members(self.gemini_events, "usage_date", "actor_email"), self.gemini_seat_price_usd, "Gemini"),
        }


def fact_cost_columns() -> tuple[str, ...]:
    return load_ddl(str(SQL_DIR / "ddl"), "fact_ai_costs").column_names


def anthropic_weights(events: pd.DataFrame) -> pd.DataFrame:
    """Long form: cost_date, workspace_id, model, weight_type, api_key_id, weight — per model, and
    summed over models (model null) for lines the report gives without a model."""
    value_columns = [*TOKEN_TYPE_COLUMN.values(), WEB_SEARCH]
    long = events.melt(
        id_vars=["usage_date", "workspace_id", "model", "api_key_id"], value_vars=value_columns,
        var_name="usage_column", value_name="weight",
    )
    long["weight_type"] = long["usage_column"].map({v: k for k, v in TOKEN_TYPE_COLUMN.items()} | {WEB_SEARCH: WEB_SEARCH})
    long = long.rename(columns={"usage_date": "cost_date"}).drop(columns="usage_column")
    long["weight"] = long["weight"].astype(float)
    all_models = long.assign(model=None)
    return pd.concat([long, all_models], ignore_index=True)


def anthropic_lines(costs: pd.DataFrame) -> pd.DataFrame:
    # The cost report has no key dimension; the (null) api_key_id column would shadow the recipients'.
    lines = costs.rename(columns={"cost_id": "line_id"}).drop(columns=["api_key_id"], errors="ignore")
    lines["weight_type"] = lines["token_type"].where(lines["cost_type"] != "web_search", WEB_SEARCH)
    return lines


def allocate_anthropic(costs: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    if costs.empty:
        return pd.DataFrame()
    lines = anthropic_lines(costs)
    weights = anthropic_weights(events) if len(events) else pd.DataFrame(
        columns=["cost_date", "workspace_id", "model", "weight_type", "api_key_id", "weight"]
    )
    users_of_workspace = weights[weights["weight"] > 0][["cost_date", "workspace_id", "api_key_id"]]
    shares = allocate(
        lines, weights, ["cost_date", "workspace_id", "model", "weight_type"], ["api_key_id"],
        fallback=users_of_workspace, fallback_on=["cost_date", "workspace_id"],
    )
    merged = shares.merge(lines, on="line_id", how="left")
    unit_type = merged["weight_type"].map(lambda t: "web_search_requests" if t == WEB_SEARCH else ("tokens" if t else None))
    return pd.DataFrame(
        {
            "cost_source": "anthropic_cost_report",
            "source_line_id": merged["line_id"],
            "cost_date": merged["cost_date"],
            "platform_code": merged["platform"],
            "api_key_id": merged["api_key_id"],
            "email": None,
            "line_total_usd": merged["amount_usd"],
            "allocated_cost_usd": merged["allocated_usd"],
            "allocation_share": merged["allocation_share"],
            "allocation_method": merged["allocation_method"],
            "cost_type": "usage",
            "billable_units": merged["units"],
            "line_units": merged["line_units"],
            "unit_type": unit_type,
            "workspace_id": merged["workspace_id"],
            "model_name": merged["model"],
            "token_type": merged["token_type"],
            "description": merged["description"],
        }
    )


def cursor_charges(events: pd.DataFrame) -> pd.DataFrame:
    """On-demand charges per person, day and model; the vendor names the person (or no one)."""
    billed = events[(events["is_chargeable"] != False) & events["charged_usd"].notna()]  # noqa: E712 (nullable)
    if billed.empty:
        return pd.DataFrame()
    keyed = billed.assign(_email=billed["user_email"].fillna(""), _model=billed["model"].fillna(""))
    grouped = keyed.groupby(["usage_date", "_email", "_model"], sort=True).agg(
        amount=("charged_usd", "sum"), units=("requests_costs", "sum")  # Decimals added exactly, in row order
    ).reset_index()
    grouped = grouped[grouped["amount"] != 0]
    email = grouped["_email"].replace("", None)
    return pd.DataFrame(
        {
            "cost_source": "cursor_usage_events",
            "source_line_id": [stable_id("cursor_charges", d, e, m) for d, e, m in zip(grouped["usage_date"], grouped["_email"], grouped["_model"])],
            "cost_date": grouped["usage_date"],
            "platform_code": "cursor",
            "api_key_id": None,
            "email": email,
            "line_total_usd": grouped["amount"],
            "allocated_cost_usd": grouped["amount"],
            "allocation_share": 1.0,
            "allocation_method": email.map(lambda e: DIRECT if e else "unattributed"),
            "cost_type": "overage",
            "billable_units": grouped["units"].astype(float),
            "line_units": grouped["units"].astype(float),
            "unit_type": "requests",
            "workspace_id": None,
            "model_name": grouped["_model"].replace("", None),
            "token_type": None,
            "description": "Cursor on-demand usage",
        }
    )


def daily_seat_price(monthly: Decimal, day) -> Decimal:
    return (monthly / calendar.monthrange(day.year, day.month)[1]).quantize(NANO)


def seat_lines(members: pd.DataFrame, monthly_price: Decimal | None, platform: str = "cursor",
               name: str = "Cursor") -> pd.DataFrame:
    """The monthly seat price spread evenly over the days of the month, per member (usage_date, email) and day."""
    if members.empty or monthly_price is None:
        return pd.DataFrame()
    seats = members[["usage_date", "email"]].drop_duplicates().sort_values(["usage_date", "email"])
    amount = seats["usage_date"].map(lambda d: daily_seat_price(monthly_price, d))
    return pd.DataFrame(
        {
            "cost_source": f"{platform}_seats",
            "source_line_id": seat_line_ids(platform, seats),
            "cost_date": seats["usage_date"],
            "platform_code": platform,
            "api_key_id": None,
            "email": seats["email"],
            "line_total_usd": amount,
            "allocated_cost_usd": amount,
            "allocation_share": 1.0,
            "allocation_method": DIRECT,
            "cost_type": "subscription",
            "billable_units": 1.0,
            "line_units": 1.0,
            "unit_type": "seat_days",
            "workspace_id": None,
            "model_name": None,
            "token_type": None,
            "description": f"{name} seat (monthly price / days in month)",
        }
    ).reset_index(drop=True)


def _attribute(rows: pd.DataFrame, attribution: AttributionInputs) -> pd.DataFrame:
    people = attribution.users
    roster = people[~people["is_discovered"] & (people["user_sk"] != UNATTRIBUTED)]
    has_email = rows["email"].notna()
    keyed = rows.loc[~has_email, ["api_key_id", "cost_date"]].rename(columns={"cost_date": "usage_date"})
    parts = [
        attribute_emails(rows.loc[has_email, "email"], roster["user_email"]) if has_email.any() else None,
        attribute_api_keys(keyed, attribution.mappings, attribution.api_keys, attribution.anthropic_users, roster)
        if len(keyed) else None,
    ]
    return pd.concat([p for p in parts if p is not None]).reindex(rows.index)


def build_fact_ai_costs(inputs: CostInputs, attribution: AttributionInputs, run_id: str, now: pd.Timestamp) -> pd.DataFrame:
    parts = [
        allocate_anthropic(inputs.claude_costs, inputs.claude_events),
        cursor_charges(inputs.cursor_events),
        claude_web_cost_lines(inputs.claude_web_costs, inputs.claude_web_events),
        gemini_cost_lines(inputs.gemini_costs, attribution.users["user_email"]),
        *(seat_lines(members, price, platform, name) for platform, (members, price, name) in inputs.seat_holders().items()),
    ]
    parts = [p for p in parts if len(p)]
    columns = list(fact_cost_columns())
    if not parts:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(parts, ignore_index=True)
    who = _attribute(rows, attribution)
    people = attribution.users.set_index("user_email")
    email = who["user_email"]
    department_of, type_of = people["department"].to_dict(), people["user_type"].to_dict()
    department = map_distinct(lambda e: _text_or(department_of.get(e), UNATTRIBUTED), email)
    user_type = map_distinct(lambda e: _text_or(type_of.get(e), None), email)
    use_case = map_distinct(
        lambda p, purpose, kind, dept: classify_use_case(PLATFORM_CATEGORY[p], purpose, None, kind, dept),
        rows["platform_code"], who["usage_purpose"], user_type, department,
    )
    allocated = rows["allocated_cost_usd"]
    fact = pd.DataFrame(
        {
            "cost_id": [stable_id(line, key, mail) for line, key, mail in zip(rows["source_line_id"], rows["api_key_id"], rows["email"])],
            "user_sk": map_distinct(user_sk, email),
            "platform_sk": rows["platform_code"],
            "cost_date": rows["cost_date"],
            "cost_timestamp": utc_midnights(rows["cost_date"]),
            "api_key_id": rows["api_key_id"],
            "billing_account_id": rows["billing_account_id"] if "billing_account_id" in rows else None,
            **{part: allocated.where(rows["cost_type"] == kind, Decimal(0)) for kind, part in COST_TYPE_PART.items()},
            "total_cost_usd": rows["line_total_usd"],
            "cost_type": rows["cost_type"],
            "currency_code": "USD",
            "billable_units": rows["billable_units"],
            "unit_type": rows["unit_type"],
            "rate_per_unit": [float(t) / u if u and u > 0 else None for t, u in zip(rows["line_total_usd"], rows["line_units"])],
            "allocated_cost_usd": allocated,
            "allocation_percentage": rows["allocation_share"].astype(float) * 100,
            "allocation_method": rows["allocation_method"],
            "allocation_confidence": rows["allocation_method"].map(lambda m: METHOD_CONFIDENCE.get(m, 1.0)),
            "budget_category": department,
            "budget_allocated_usd": None,  # add_budgets; here so that the columns are in table order
            "is_over_budget": None,
            "ingest_timestamp": now,
            "pipeline_run_id": run_id,
            "cost_source": rows["cost_source"],
            "source_line_id": rows["source_line_id"],
            "attribution_method": who["attribution_method"],
            "attribution_confidence": who["attribution_confidence"].astype(float),
            "workspace_id": rows["workspace_id"],
            "model_name": rows["model_name"],
            "token_type": rows["token_type"],
            "description": rows["description"],
            "cost_center": who["cost_center"],
            "use_case": use_case,
        }
    )
    fact = add_budgets(fact, inputs.budgets, inputs.prior_spend)
    return sorted_by(fact, columns, "cost_date", "cost_id")


def _text_or(value, default):
    return value if isinstance(value, str) else default


def add_budgets(fact: pd.DataFrame, budgets: pd.DataFrame, prior_spend: pd.DataFrame) -> pd.DataFrame:
    """budget_allocated_usd: the category's budget for the month; is_over_budget: month-to-date
    spend of the category through that day (earlier days of the month included) above it."""
    month = format_days(fact["cost_date"], "%Y-%m")
    budget = budgets.assign(key=budgets["budget_category"] + "|" + budgets["month"]).set_index("key")["budget_usd"]
    fact["budget_allocated_usd"] = (fact["budget_category"] + "|" + month).map(budget)

    daily = pd.concat(
        [
            prior_spend[["budget_category", "cost_date", "allocated_cost_usd"]],
            fact[["budget_category", "cost_date", "allocated_cost_usd"]],
        ],
        ignore_index=True,
    )
    daily["month"] = format_days(daily["cost_date"], "%Y-%m")
    daily["amount"] = daily["allocated_cost_usd"].astype(float).fillna(0.0)
    per_day = daily.groupby(["budget_category", "month", "cost_date"])["amount"].sum().reset_index()
    per_day = per_day.sort_values("cost_date")
    per_day["month_to_date"] = per_day.groupby(["budget_category", "month"])["amount"].cumsum()
    spent = fact[["budget_category", "cost_date"]].merge(
        per_day[["budget_category", "cost_date", "month_to_date"]], on=["budget_category", "cost_date"], how="left"
    )["month_to_date"].to_numpy()
    limit = fact["budget_allocated_usd"].astype(float).to_numpy()
    over = np.empty(len(fact), dtype=object)
    over[:] = spent > limit
    over[np.isnan(limit)] = None
    fact["is_over_budget"] = over
    return fact
