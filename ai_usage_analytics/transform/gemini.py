"""Google Gemini payloads -> raw table frames.

* Reports API ``gemini_in_workspace_apps`` activities: ``feature_utilization`` events counted per
  person (``actor.email``), UTC day (of ``id.time``), ``app_name`` and ``action`` -> raw_gemini_events.
  An activity may carry several events; each counts. A parameter's value is ``value`` (or the first of
  ``multiValue``); events without ``app_name`` / ``action`` are counted under null.
* Cloud Billing export rows (``BILLING_COLUMNS``, the flattened output of
  ``sql/queries/gemini_billing_export.sql``) -> raw_gemini_costs, one row per export line. Net cost =
  ``cost`` + ``credits_amount`` (credits are negative). Request labels ``user`` and ``team`` are lifted
  into columns: Vertex labels allow only lower-case letters, digits, ``_`` and ``-``, so the ``user``
  label carries the email encoded by ``email_label`` (``jane.doe@example.com`` ->
  ``jane_doe_at_example_com``), matched back against the roster in fact_ai_costs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import pandas as pd

from ai_usage_analytics.transform.anthropic import _finish
from ai_usage_analytics.transform.common import audit_columns, parse_utc, raw_json, stable_id, within
from ai_usage_analytics.transform.gemini_export import (
    BILLING_COLUMNS,
    GEMINI_API_SERVICES,
    TEAM_LABEL,
    USER_LABEL,
    VERTEX_SERVICES,
)

def _parameter(parameters: list[dict], name: str) -> str | None:
    for parameter in parameters or []:
        if parameter.get("name") == name:
            if parameter.get("value") is not None:
                return str(parameter["value"])
            values = parameter.get("multiValue") or []
            return str(values[0]) if values else None
    return None


def normalize_gemini_activities(
    items: Iterable[dict], start: date, end: date, fetched_at: datetime, secrets: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per (UTC day, person, app, action) in [start, end) with the number of events."""
    secrets = tuple(secrets)
    audit = audit_columns(fetched_at)
    rows: dict[str, dict] = {}
    for item in items:
        ident, actor = item.get("id") or {}, item.get("actor") or {}
        moment = parse_utc(ident.get("time"))
        if moment is None:
            continue
        email = (actor.get("email") or "").strip().lower() or None
        for event in item.get("events") or []:
            if event.get("name") != "feature_utilization":
                continue
            app, action = _parameter(event.get("parameters"), "app_name"), _parameter(event.get("parameters"), "action")
            event_id = stable_id("gemini_events", moment.date(), email, app, action)
            row = rows.get(event_id)
            if row is None:
                row = rows[event_id] = {
                    "event_id": event_id, **audit, "usage_date": moment.date(), "actor_email": email,
                    "actor_profile_id": actor.get("profileId"), "customer_id": ident.get("customerId"),
                    "application_name": ident.get("applicationName"), "event_type": event.get("type"),
                    "event_name": event.get("name"), "app_name": app, "action": action, "event_count": 0,
                    "first_event_at": moment, "last_event_at": moment, "raw_response": raw_json(item, secrets),
                }
            row["event_count"] += 1
            row["first_event_at"] = min(row["first_event_at"], moment)
            if moment > row["last_event_at"]:
                row["last_event_at"], row["raw_response"] = moment, raw_json(item, secrets)
    return _finish(list(rows.values()), "raw_gemini_events", "usage_date", start, end, ["event_count"])


def gemini_billing_rows(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """The export rows of the Gemini services whose usage started in [start, end) (the query's filter)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    service, sku = frame["service_description"].fillna(""), frame["sku_description"].fillna("")
    gemini = service.isin(GEMINI_API_SERVICES) | (service.isin(VERTEX_SERVICES) & sku.str.contains("Gemini"))
    started = pd.to_datetime(frame["usage_start_time"], utc=True, format="ISO8601")
    in_window = within(started.dt.date, start, end)
    return frame[gemini & in_window].reset_index(drop=True)


def _money(value) -> Decimal | None:
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


def _labels(value) -> list[dict]:
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return []
    parsed = json.loads(value) if isinstance(value, str) else value
    return [{"key": str(label.get("key")), "value": label.get("value")} for label in parsed or []]


def normalize_billing_export(frame: pd.DataFrame, start: date, end: date, fetched_at: datetime) -> pd.DataFrame:
    """One row per Gemini export line in [start, end), amounts as exact Decimals in the line's currency."""
    audit = audit_columns(fetched_at)
    rows = []
    seen: Counter[str] = Counter()
    for record in gemini_billing_rows(frame, start, end).to_dict("records"):
        labels = _labels(record.get("labels"))
        by_key = {label["key"]: label["value"] for label in labels}
        started, ended = parse_utc(record["usage_start_time"]), parse_utc(record.get("usage_end_time"))
        cost, credits = _money(record.get("cost")) or Decimal(0), _money(record.get("credits_amount")) or Decimal(0)
        fields = [record.get(c) for c in BILLING_COLUMNS]
        base = stable_id("gemini_billing", *fields)
        seen[base] += 1  # identical export lines stay separate lines
        rows.append({
            "cost_id": stable_id(base, seen[base]),
            **audit,
            "cost_date": started.date(),
            "usage_start_time": started,
            "usage_end_time": ended,
            "billing_account_id": record.get("billing_account_id") or None,
            "service_id": record.get("service_id") or None,
            "service_description": record.get("service_description"),
            "sku_id": record.get("sku_id") or None,
            "sku_description": record.get("sku_description") or None,
            "project_id": record.get("project_id") or None,
            "project_name": record.get("project_name") or None,
            "label_user": by_key.get(USER_LABEL) or None,
            "label_team": by_key.get(TEAM_LABEL) or None,
            "labels": json.dumps(labels, sort_keys=True, separators=(",", ":")),
            "cost": cost,
            "credits_amount": credits,
            "net_cost": cost + credits,
            "currency": (record.get("currency") or "USD").strip(),
            "cost_type": record.get("cost_type") or None,
            "usage_amount": _money(record.get("usage_amount")),
            "usage_unit": record.get("usage_unit") or None,
        })
    result = _finish(rows, "raw_gemini_costs", "cost_date", start, end, ())
    result["usage_amount"] = pd.to_numeric(result["usage_amount"].map(lambda v: None if v is None else float(v)))
    return result
