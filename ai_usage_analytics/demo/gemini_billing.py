"""The synthetic organisation's Cloud Billing export rows for Gemini, as the local CSV.

Who: people the organisation lets call Gemini on Vertex AI from their team's project
(``gemini_api_user``: a fifth of engineering, data and hybrid people), on working days mostly.
Each active person-day is two hourly export lines (input and output tokens, SKUs "Gemini 2.5 Pro
Input/Output Text Tokens") in project ``gemini-<department>`` with request labels ``user``
(``transform.gemini.email_label``) and ``team``; a free-tier credit takes 10 % off a line now and
then. The shared sandbox project ``gemini-sandbox`` calls the Gemini API without labels (it belongs
to no one: unattributed). Lines the pipeline must ignore: a Compute Engine line and a non-Gemini
Vertex AI SKU per day. ``gemini_cost_usd(org, day)`` is the net Gemini cost of the day (the truth).
"""

from __future__ import annotations

import csv
import functools
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from ai_usage_analytics.demo.org import Organisation, Person, rng_for
from ai_usage_analytics.demo.prices import GEMINI_USD_PER_MILLION, MILLION
from ai_usage_analytics.transform.gemini_export import BILLING_COLUMNS, email_label

BILLING_ACCOUNT = "01A2B3-C4D5E6-F7A8B9"
SIX = Decimal("0.000001")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def gemini_api_user(org: Organisation, person: Person) -> bool:
    return person.user_type in ("engineering", "hybrid") and _gemini_api_draw(org.seed, person.index) < 0.2


@functools.lru_cache(maxsize=65_536)
def _gemini_api_draw(seed: int, index: int) -> float:
    # Asked for every person on every day of an export; a generator costs microseconds to seed.
    return rng_for(seed, "gemini-api-user", index).random()


def _line(day: date, hour: int, service: tuple[str, str], sku: tuple[str, str], project: str, labels: list,
          cost: Decimal, credits: Decimal, amount: int, unit: str) -> dict:
    start = f"{day.isoformat()}T{hour:02d}:00:00Z"
    end = f"{day.isoformat()}T{hour:02d}:59:59Z"
    return {"billing_account_id": BILLING_ACCOUNT, "service_id": service[0], "service_description": service[1],
            "sku_id": sku[0], "sku_description": sku[1], "usage_start_time": start, "usage_end_time": end,
            "project_id": project, "project_name": project.replace("-", " ").title(),
            "labels": json.dumps(labels), "cost": f"{cost.quantize(SIX)}", "currency": "USD",
            "credits_amount": f"{credits.quantize(SIX)}", "cost_type": "regular", "usage_amount": str(amount),
            "usage_unit": unit}


VERTEX = ("C7E2-9256-1C43", "Vertex AI")
GEMINI_API = ("AEFD-7695-64FA", "Gemini API")
SKUS = {"input": ("9D2C-31E0-A1B1", "Gemini 2.5 Pro Input Text Tokens"),
        "output": ("9D2C-31E0-A1B2", "Gemini 2.5 Pro Output Text Tokens")}


def day_lines(org: Organisation, day: date) -> list[tuple[dict, bool]]:
    """(export line, whether it is a Gemini line the pipeline must count) for ``day``."""
    if not org.in_period(day):
        return []
    lines: list[tuple[dict, bool]] = []
    weekend = day.weekday() >= 5
    for person in org.people:
        if not (person.employed(day) and gemini_api_user(org, person)):
            continue
        rng = rng_for(org.seed, "gemini-api", day, person.index)
        if rng.random() > (0.1 if weekend else 0.5):
            continue
        team = _slug(person.department)
        labels = [{"key": "team", "value": team}, {"key": "user", "value": email_label(person.email)}]
        hour = rng.randrange(8, 19)
        for kind in ("input", "output"):
            tokens = int(rng.gammavariate(2, 40_000 if kind == "input" else 8_000)) + 1
            cost = (GEMINI_USD_PER_MILLION[kind] * tokens / MILLION).quantize(SIX)
            credits = -(cost / 10).quantize(SIX) if rng.random() < 0.2 else Decimal(0)
            lines.append((_line(day, hour, VERTEX, SKUS[kind], f"gemini-{team}", labels, cost, credits, tokens,
                                "count"), True))
    rng = rng_for(org.seed, "gemini-sandbox", day)
    tokens = int(rng.gammavariate(2, 100_000)) + 1
    cost = (GEMINI_USD_PER_MILLION["input"] * tokens / MILLION).quantize(SIX)
    lines.append((_line(day, 12, GEMINI_API, SKUS["input"], "gemini-sandbox", [], cost, Decimal(0), tokens, "count"), True))
    lines.append((_line(day, 3, ("6F81-5844-456A", "Compute Engine"), ("CP-E2", "E2 Instance Core running in Americas"),
                        "gemini-sandbox", [], Decimal("1.234567"), Decimal(0), 3600, "seconds"), False))
    lines.append((_line(day, 4, VERTEX, ("V-PRED", "Vertex AI Online Prediction Node"), "gemini-sandbox", [],
                        Decimal("0.5"), Decimal(0), 3600, "seconds"), False))
    return lines


def gemini_cost_usd(org: Organisation, day: date) -> Decimal:
    """The day's net Gemini cost (cost + credits over the Gemini lines)."""
    return sum((Decimal(line["cost"]) + Decimal(line["credits_amount"]) for line, counts in day_lines(org, day) if counts),
               Decimal(0))


def write_billing_export(org: Organisation, path: Path, start: date, end: date) -> Path:
    """The export lines of ``[start, end]`` as a CSV of ``BILLING_COLUMNS``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(BILLING_COLUMNS))
        writer.writeheader()
        day = max(start, org.start)
        while day <= min(end, org.today):
            writer.writerows(line for line, _ in day_lines(org, day))
            day += timedelta(days=1)
    return path
