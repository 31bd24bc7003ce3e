"""fact_ai_usage: every raw usage source in one shape, attributed to a person.

Tokens are counted once. API-billed Claude usage (Claude API and API-customer Claude Code) comes
from the messages usage report, per key and model; the Claude Code report contributes the
productivity metrics (sessions, lines, tool accepts, commits, PRs) and the vendor's estimated cost,
and tokens only for subscription customers, whose usage never reaches the messages report.
Cursor daily usage gives productivity totals per person and day (no model split, model_name null);
Cursor usage events give tokens per person, day and model. Claude.ai and Gemini: see
transform.knowledge_facts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ai_usage_analytics.resources.ddl import load_ddl
from ai_usage_analytics.settings import SQL_DIR
from ai_usage_analytics.transform.attribution import (
    UNATTRIBUTED,
    attribute_api_keys,
    attribute_emails,
    classify_use_case,
    refine_platform,
)
from ai_usage_analytics.transform.common import map_distinct, sorted_by, stable_id, utc_midnights
from ai_usage_analytics.transform.knowledge_facts import claude_web_usage, gemini_usage
from ai_usage_analytics.transform.platforms import PLATFORMS
from ai_usage_analytics.transform.users import user_sk

PLATFORM_CATEGORY = {p["platform_code"]: p["category"] for p in PLATFORMS}
METRICS = [
    "session_count", "request_count", "interaction_count", "input_tokens", "output_tokens", "cached_input_tokens",
    "cache_read_tokens", "cache_creation_tokens", "lines_added", "lines_accepted", "lines_removed",
    "suggestions_shown", "suggestions_accepted", "web_search_requests", "commits", "pull_requests",
]
KEYS = ["metric_source", "usage_date", "platform_code", "model_name", "workspace_id", "email", "api_key_id", "api_key_name"]


@dataclass(frozen=True)
class AttributionInputs:
    """Current-state tables attribution reads: the mapping, vendor key listing, Console users, people."""

    mappings: pd.DataFrame
    api_keys: pd.DataFrame
    anthropic_users: pd.DataFrame
    users: pd.DataFrame  # dim_users


def fact_usage_columns() -> tuple[str, ...]:
    return load_ddl(str(SQL_DIR / "ddl"), "fact_ai_usage").column_names


def _empty_keys(frame: pd.DataFrame) -> pd.DataFrame:
    for column in KEYS:
        if column not in frame:
            frame[column] = None
    for column in METRICS:
        frame[column] = frame[column].astype(float) if column in frame else np.nan
    for column in KEYS:
        frame[column] = frame[column].astype(object)
    if "estimated_cost_usd" not in frame:
        frame["estimated_cost_usd"] = None
    frame["estimated_cost_usd"] = frame["estimated_cost_usd"].astype(object)
    return frame


def _sum(frame: pd.DataFrame) -> pd.DataFrame:
    """Aggregate to the fact grain; a metric stays null only where every contributing row is null."""
    if frame.empty:
        return frame
    keyed = frame[KEYS].astype(object).where(frame[KEYS].notna(), "\x00")
    grouped = pd.concat([keyed, frame[METRICS].astype(float)], axis=1).groupby(KEYS, sort=False)
    totals = grouped[METRICS].sum(min_count=1).reset_index()
    # Exact Decimal sums only over the rows that carry a cost (most sources carry none).
    cost = [None] * len(totals)
    present = frame["estimated_cost_usd"].notna().to_numpy()
    if present.any():
        with_cost = pd.concat([keyed[present], frame.loc[present, "estimated_cost_usd"]], axis=1)
        sums = with_cost.groupby(KEYS, sort=False)["estimated_cost_usd"].agg(_decimal_sum)
        found = sums.reindex(pd.MultiIndex.from_frame(totals[KEYS]))
        cost = [v if isinstance(v, Decimal) else None for v in found]
    totals[KEYS] = totals[KEYS].replace("\x00", None)
    totals["estimated_cost_usd"] = pd.Series(cost, index=totals.index, dtype=object)
    return totals


def _decimal_sum(values: pd.Series) -> Decimal | None:
    present = [v for v in values if v is not None and v == v]
    return sum(present, Decimal(0)) if present else None


def cursor_daily_metrics(raw: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "metric_source": "cursor_daily_usage",
            "usage_date": raw["usage_date"],
            "platform_code": "cursor",
            "email": raw["email"],
            "request_count": raw[["subscription_included_reqs", "usage_based_reqs", "api_key_reqs"]].sum(axis=1, min_count=1),
            "interaction_count": raw[["chat_requests", "composer_requests", "agent_requests", "cmdk_usages"]].sum(
                axis=1, min_count=1
            ),
            "lines_added": raw["total_lines_added"],
            "lines_accepted": raw["accepted_lines_added"],
            "lines_removed": raw["total_lines_deleted"],
            "suggestions_shown": raw[["total_tabs_shown", "total_accepts", "total_rejects"]].sum(axis=1, min_count=1),
            "suggestions_accepted": raw[["total_tabs_accepted", "total_accepts"]].sum(axis=1, min_count=1),
        }
    )
    return _sum(_empty_keys(out))


def cursor_event_metrics(raw: pd.DataFrame) -> pd.DataFrame:
    reads = raw["cache_read_tokens"].astype(float)
    writes = raw["cache_write_tokens"].astype(float)
    out = pd.DataFrame(
        {
            "metric_source": "cursor_usage_events",
            "usage_date": raw["usage_date"],
            "platform_code": "cursor",
            "model_name": raw["model"],
            "email": raw["user_email"],
            "input_tokens": raw[["input_tokens", "cache_read_tokens", "cache_write_tokens"]].astype(float).sum(axis=1, min_count=1),
            "output_tokens": raw["output_tokens"],
            "cached_input_tokens": pd.concat([reads, writes], axis=1).sum(axis=1, min_count=1),
            "cache_read_tokens": reads,
            "cache_creation_tokens": writes,
        }
    )
    return _sum(_empty_keys(out))


def claude_messages_metrics(raw: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "metric_source": "claude_messages_usage",
            "usage_date": raw["usage_date"],
            "platform_code": raw["platform"],
            "model_name": raw["model"],
            "workspace_id": raw["workspace_id"],
            "api_key_id": raw["api_key_id"],
            "input_tokens": raw["uncached_input_tokens"].astype(float) + raw["cached_input_tokens"].astype(float),
            "output_tokens": raw["output_tokens"],
            "cached_input_tokens": raw["cached_input_tokens"],
            "cache_read_tokens": raw["cache_read_input_tokens"],
            "cache_creation_tokens": raw["cache_creation_tokens"],
            "web_search_requests": raw["web_search_requests"],
        }
    )
    return _sum(_empty_keys(out))


def claude_code_metrics(raw: pd.DataFrame) -> pd.DataFrame:
    """Productivity per actor and day (model_name null), plus per-model tokens for subscription customers."""
    productivity = pd.DataFrame(
        {
            "metric_source": "claude_code_report",
            "usage_date": raw["usage_date"],
            "platform_code": "claude_code",
            "email": raw["actor_email"],
            "api_key_name": raw["api_key_name"],
            "session_count": raw["num_sessions"],
            "lines_added": raw["lines_added"],
            "lines_accepted": raw["lines_added"],
            "lines_removed": raw["lines_removed"],
            "suggestions_shown": raw["tool_accepted"].astype(float) + raw["tool_rejected"].astype(float),
            "suggestions_accepted": raw["tool_accepted"],
            "commits": raw["commits_by_claude_code"],
            "pull_requests": raw["pull_requests_by_claude_code"],
            "estimated_cost_usd": raw["estimated_cost_usd"],
        }
    )
    token_rows = []
    for record in raw[raw["customer_type"] == "subscription"].to_dict("records"):
        for model in json.loads(record["model_breakdown"] or "[]"):
            tokens = model.get("tokens") or {}
            reads, writes = int(tokens.get("cache_read") or 0), int(tokens.get("cache_creation") or 0)
            token_rows.append(
                {
                    "metric_source": "claude_code_report",
                    "usage_date": record["usage_date"],
                    "platform_code": "claude_code",
                    "model_name": model.get("model"),
                    "email": record["actor_email"],
                    "api_key_name": record["api_key_name"],
                    "input_tokens": int(tokens.get("input") or 0) + reads + writes,
                    "output_tokens": int(tokens.get("output") or 0),
                    "cached_input_tokens": reads + writes,
                    "cache_read_tokens": reads,
                    "cache_creation_tokens": writes,
                }
            )
    frames = [_empty_keys(productivity)]
    if token_rows:
        frames.append(_empty_keys(pd.DataFrame(token_rows)))
    return _sum(pd.concat(frames, ignore_index=True))


def _attribute(metrics: pd.DataFrame, inputs: AttributionInputs) -> pd.DataFrame:
    roster = inputs.users[~inputs.users["is_discovered"] & (inputs.users["user_sk"] != UNATTRIBUTED)]
    by_email = metrics["email"].notna()
    keyed = metrics.loc[~by_email, ["api_key_id", "api_key_name", "usage_date"]]
    parts = [
        attribute_emails(metrics.loc[by_email, "email"], roster["user_email"]) if by_email.any() else None,
        attribute_api_keys(keyed, inputs.mappings, inputs.api_keys, inputs.anthropic_users, roster) if len(keyed) else None,
    ]
    attributed = pd.concat([p for p in parts if p is not None]).reindex(metrics.index)
    mapped_platform = _mapped_platform(metrics, inputs.mappings)
    return metrics.assign(
        **{column: attributed[column] for column in attributed.columns},
        platform_code=refine_platform(metrics["platform_code"], mapped_platform),
    )


def _mapped_platform(metrics: pd.DataFrame, mappings: pd.DataFrame) -> pd.Series:
    if mappings.empty:
        return pd.Series(None, index=metrics.index, dtype=object)
    active = mappings[mappings["is_active"]]
    by_id = active.dropna(subset=["api_key_id"]).drop_duplicates("api_key_id").set_index("api_key_id")["platform_code"]
    return metrics["api_key_id"].map(by_id)


def build_fact_ai_usage(
    cursor_daily: pd.DataFrame,
    cursor_events: pd.DataFrame,
    claude_events: pd.DataFrame,
    claude_code: pd.DataFrame,
    inputs: AttributionInputs,
    run_id: str,
    now: pd.Timestamp,
    claude_web: pd.DataFrame | None = None,
    gemini: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``claude_web`` / ``gemini``: raw_claude_web_events / raw_gemini_events of the window (see
    transform.knowledge_facts)."""
    parts = [
        cursor_daily_metrics(cursor_daily) if len(cursor_daily) else None,
        cursor_event_metrics(cursor_events) if len(cursor_events) else None,
        claude_messages_metrics(claude_events) if len(claude_events) else None,
        claude_code_metrics(claude_code) if len(claude_code) else None,
        *(_sum(_empty_keys(metrics(raw))) for metrics, raw in ((claude_web_usage, claude_web), (gemini_usage, gemini))
          if raw is not None and len(raw)),
    ]
    parts = [p for p in parts if p is not None and len(p)]
    columns = fact_usage_columns()
    if not parts:
        return pd.DataFrame(columns=columns)
    metrics = _attribute(pd.concat(parts, ignore_index=True), inputs)

    people = inputs.users.set_index("user_email")
    user_type = metrics["user_email"].map(people["user_type"])
    department = metrics["user_email"].map(people["department"])
    key_label = metrics["api_key_id"].fillna(metrics["api_key_name"])
    use_case = [
        classify_use_case(PLATFORM_CATEGORY[p], purpose, name, kind, dept)
        for p, purpose, name, kind, dept in zip(
            metrics["platform_code"], metrics["usage_purpose"], metrics["api_key_name"], user_type, department
        )
    ]
    fact = pd.DataFrame(
        {
            "event_id": [
                stable_id(src, day, model, key if key is not None else email)
                for src, day, model, key, email in zip(
                    metrics["metric_source"], metrics["usage_date"], metrics["model_name"], key_label, metrics["email"]
                )
            ],
            "user_sk": map_distinct(user_sk, metrics["user_email"]),
            "platform_sk": metrics["platform_code"],
            "usage_date": metrics["usage_date"],
            "event_timestamp": utc_midnights(metrics["usage_date"]),
            "session_id": None,
            "api_key_id": key_label,
            "model_name": metrics["model_name"],
            "total_tokens": metrics["input_tokens"] + metrics["output_tokens"],
            "acceptance_rate": _rate(metrics["lines_accepted"], metrics["lines_added"]),
            "suggestion_rate": _rate(metrics["suggestions_accepted"], metrics["suggestions_shown"]),
            "session_duration_seconds": None,
            "active_time_seconds": None,
            "idle_time_seconds": None,
            "attribution_confidence": metrics["attribution_confidence"].astype(float),
            "attribution_method": metrics["attribution_method"],
            "ingest_timestamp": now,
            "pipeline_run_id": run_id,
            "metric_source": metrics["metric_source"],
            "use_case": use_case,
            "usage_purpose": metrics["usage_purpose"],
            "cost_center": metrics["cost_center"],
            "workspace_id": metrics["workspace_id"],
            "estimated_cost_usd": metrics["estimated_cost_usd"],
            **{m: metrics[m] for m in METRICS if m not in ("commits", "pull_requests")},
            "commits": metrics["commits"],
            "pull_requests": metrics["pull_requests"],
        }
    )
    for column in METRICS + ["total_tokens", "session_duration_seconds", "active_time_seconds", "idle_time_seconds"]:
        fact[column] = pd.to_numeric(fact[column]).round().astype("Int64")
    return sorted_by(fact, columns, "usage_date", "event_id")


def _rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, null (never 0 or inf) when the denominator is 0 or missing."""
    numerator, denominator = numerator.astype(float), denominator.astype(float)
    return (numerator / denominator).where(denominator > 0)
