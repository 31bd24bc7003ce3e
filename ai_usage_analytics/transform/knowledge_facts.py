"""The knowledge-work sources in the fact shapes: Claude.ai (Enterprise Analytics) and Google Gemini.

Usage (fact_ai_usage, platform claude_web / gemini, attribution ``direct_email``):

* Claude.ai: per person and day, interactions = messages in chat, Cowork, Claude Design, the Office
  add-ins and science; sessions = chat conversations plus those products' sessions; web searches.
  The /users endpoint gives no tokens (null). Its Claude Code totals are not counted again: they are
  the Claude Code report's rows (platform claude_code). Seat users with no activity that day give no row.
* Gemini in Workspace: per person and day, interactions = feature_utilization events (the app /
  action split stays in raw_gemini_events); no sessions or tokens.

Cost (fact_ai_costs):

* Claude.ai user_cost_report lines, per person (the actor's email, or for a deleted user the email
  the /users endpoint gave that user id in the window), ``direct``; product claude_code lines are
  platform claude_code.
* Gemini API / Vertex AI billing export lines at net cost: the ``user`` request label (an encoded
  email, matched against dim_users) names the person; otherwise the project id is looked up as an
  ``api_key_id`` in api_key_mappings (platform gemini); otherwise unattributed.
* Seats: the monthly price from seat_prices.csv spread over the days of the month, per Claude.ai
  seat user listed that day, and per Gemini user active that day (the Reports API lists no licences).
"""

from __future__ import annotations

import pandas as pd

from ai_usage_analytics.transform.common import stable_id
from ai_usage_analytics.transform.gemini_export import email_label

CLAUDE_WEB_MESSAGES = ["chat_message_count", "cowork_message_count", "design_message_count", "office_message_count",
                       "science_message_count"]
CLAUDE_WEB_SESSIONS = ["chat_conversation_count", "cowork_session_count", "design_session_count", "office_session_count",
                       "science_session_count"]


def _email_or_none(values: pd.Series) -> pd.Series:
    """Emails as given; placeholders without an '@' (the documented example values) are no email."""
    return values.where(values.fillna("").str.contains("@"), None).astype(object)


def claude_web_usage(raw: pd.DataFrame) -> pd.DataFrame:
    interactions = raw[CLAUDE_WEB_MESSAGES].astype(float).sum(axis=1)
    sessions = raw[CLAUDE_WEB_SESSIONS].astype(float).sum(axis=1)
    searches = raw["web_search_count"].astype(float)
    active = (interactions > 0) | (sessions > 0) | (searches > 0)
    return pd.DataFrame({
        "metric_source": "claude_analytics_users",
        "usage_date": raw["usage_date"],
        "platform_code": "claude_web",
        "email": _email_or_none(raw["user_email"]),
        "interaction_count": interactions,
        "session_count": sessions,
        "web_search_requests": searches,
    })[active]


def gemini_usage(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "metric_source": "gemini_reports",
        "usage_date": raw["usage_date"],
        "platform_code": "gemini",
        "email": raw["actor_email"].astype(object),
        "interaction_count": raw["event_count"].astype(float),
        "request_count": raw["event_count"].astype(float),
    })


def _line(source: str, line_ids, days, platform, key, email, amount, cost_type: str, units, unit_type, model, token,
          description, billing_account=None) -> pd.DataFrame:
    return pd.DataFrame({
        "cost_source": source,
        "source_line_id": line_ids,
        "cost_date": days,
        "platform_code": platform,
        "api_key_id": key,
        "email": email,
        "line_total_usd": amount,
        "allocated_cost_usd": amount,
        "allocation_share": 1.0,
        "allocation_method": [("direct" if (isinstance(e, str) or isinstance(k, str)) else "unattributed")
                              for e, k in zip(email, key)],
        "cost_type": cost_type,
        "billable_units": units,
        "line_units": units,
        "unit_type": unit_type,
        "workspace_id": None,
        "model_name": model,
        "token_type": token,
        "description": description,
        "billing_account_id": billing_account,
    })


def claude_web_cost_lines(costs: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    if costs.empty:
        return pd.DataFrame()
    known = events.dropna(subset=["user_id", "user_email"]).drop_duplicates("user_id").set_index("user_id")["user_email"]
    email = costs["actor_email"].astype(object).where(costs["actor_email"].notna(), costs["actor_user_id"].map(known))
    email = _email_or_none(email)
    description = [f"Claude.ai {p or 'other'} {c or 'usage'}" for p, c in zip(costs["product"], costs["cost_type"])]
    requests = pd.to_numeric(costs["requests"]).astype(float)
    return _line("claude_user_cost_report", costs["cost_id"].to_numpy(), costs["cost_date"].to_numpy(),
                 costs["platform"].to_numpy(), [None] * len(costs), email.to_numpy(), costs["amount_usd"].to_numpy(),
                 "usage", requests.to_numpy(), "requests", costs["model"].to_numpy(), costs["token_type"].to_numpy(),
                 description)


def gemini_cost_lines(costs: pd.DataFrame, people_emails: pd.Series) -> pd.DataFrame:
    if costs.empty:
        return pd.DataFrame()
    by_label = {email_label(e): e for e in people_emails.dropna() if "@" in e}
    email = costs["label_user"].map(lambda v: by_label.get(v) if isinstance(v, str) else None)
    key = costs["project_id"].where(email.isna(), None).astype(object)
    key = key.where(key.notna(), None)
    return _line("gemini_billing_export", costs["cost_id"].to_numpy(), costs["cost_date"].to_numpy(), "gemini",
                 key.to_numpy(), email.astype(object).to_numpy(), costs["net_cost"].to_numpy(), "usage",
                 pd.to_numeric(costs["usage_amount"]).astype(float).to_numpy(), costs["usage_unit"].to_numpy(),
                 None, None, costs["sku_description"].to_numpy(), costs["billing_account_id"].to_numpy())


def seat_members(frame: pd.DataFrame, day_column: str, email_column: str) -> pd.DataFrame:
    """Distinct (usage_date, email) seat-days of a usage table (rows without an email are no seat)."""
    if frame.empty:
        return pd.DataFrame(columns=["usage_date", "email"])
    members = pd.DataFrame({"usage_date": frame[day_column], "email": _email_or_none(frame[email_column])})
    return members.dropna(subset=["email"]).drop_duplicates()


def seat_line_ids(platform: str, members: pd.DataFrame) -> list[str]:
    return [stable_id(f"{platform}_seat", d, e) for d, e in zip(members["usage_date"], members["email"])]
