"""Claude Enterprise Analytics API, per-user cost (``x-api-key`` analytics key plus ``anthropic-version``):

* ``GET /v1/organizations/analytics/user_cost_report`` — one row per Claude.ai seat user with cost in
  ``[starting_at, ending_at)``, ranked by ``order_by`` (``amount`` | ``list_amount``, ``order`` desc | asc).
  Params: ``starting_at`` (RFC 3339, required, >= 2026-01-01, <= 365 days back), ``ending_at`` (exclusive,
  default the earlier of the end of today and ``starting_at`` + 31 days; span <= 31 days), ``bucket_width``
  (omitted = one row per actor for the range with null ``starting_at``/``ending_at``; ``1d`` = a row per
  day with usage; ``1h``/``1m`` are refused by the simulator), ``group_by[]`` (``context_window``,
  ``cost_type``, ``inference_geo``, ``model``, ``product``, ``rbac_group_id``, ``speed``, ``token_type``),
  ``limit`` 1..1000 (default 20; counts actor x bucket x product/model/... rows, not the ``cost_type`` /
  ``token_type`` fan-out), ``page`` (a cursor bound to the query: other params -> 400), filters
  ``user_ids[]``, ``products[]``, ``models[]``, ``rbac_group_ids[]``, ``context_windows[]``,
  ``inference_geos[]``, ``speeds[]``, and ``exclude_deleted_users``.

Generated from the organisation (simulator assumptions, documented here):

* Who: the people with a Claude.ai seat (``Person.claude_ai``, on the roster), exactly those the
  ``/analytics/users`` endpoint lists; users with no cost in the range have no row. A person who left
  before ``today`` is a deleted account: ``deleted: true``, ``email: null``, ``name: "Deleted User"``.
* ``chat``: the ``message_count`` the users endpoint reports for that person and day (``requests`` =
  messages), split between Sonnet (~80 %) and Opus, with per-message token counts drawn from
  ``rng_for(seed, "claude_ai_cost", day, person)``; plus ``web_search_count`` searches at the web-search
  price (``cost_type: web_search``, model null).
* ``claude_code``: the person's Claude Code subscription records (the same ones behind the users
  endpoint's ``claude_code_metrics`` and the Admin Claude Code report), their ``model_breakdown`` tokens
  priced per token type (cache creation as 5-minute writes); ``requests`` = one per 2,000 output tokens
  (rounded up) per model.
* ``list_amount`` = tokens x the list price in ``demo.prices``; ``amount`` = 80 % of it (an Enterprise
  discount, the ratio of the documented example 41280/51600). Both are cents strings with 6 decimals.
* ``context_window`` "0-200k", ``inference_geo`` "global", ``speed`` "standard", ``slack_channel_id``
  null; ``rbac_group_id`` the person's department group as in ``/analytics/users``. A dimension is null
  unless it is in ``group_by[]``; ``requests`` is null when ``cost_type`` or ``token_type`` is.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Flask, Response, request

from ai_usage_analytics.demo import prices
from ai_usage_analytics.demo.org import (
    Organisation,
    Person,
    anthropic_id,
    digest,
    midnight,
    page_token,
    read_page_token,
    rng_for,
)
from ai_usage_analytics.demo.prices import anthropic_model
from ai_usage_analytics.demo.simulator.analytics import (
    ANALYTICS_FIRST_DAY, _analytics_day, chat_messages, rbac_group_id, web_searches,
)
from ai_usage_analytics.demo.simulator.common import ApiError, _int_param, _respond, _rfc3339
from ai_usage_analytics.demo.simulator.paging import _check_cursor_not_expired, _empty_days, _page_items
from ai_usage_analytics.demo.simulator.state import SimulatorState

USER_COST_LIMITS = (20, 1000)
REPORT_CACHE_WINDOWS = 4
USER_COST_MAX_DAYS = 31
USER_COST_LOOKBACK_DAYS = 365
ENTERPRISE_DISCOUNT = Decimal("0.8")
CLAUDE_CODE_OUTPUT_TOKENS_PER_REQUEST = 2000
CHAT_OPUS_SHARE = 0.2
# (dimension, group_by value, filter parameter)
ROW_DIMENSIONS = ("product", "model", "context_window", "inference_geo", "rbac_group_id", "speed")
FANOUT_DIMENSIONS = ("cost_type", "token_type")
GROUP_BY_VALUES = tuple(sorted(ROW_DIMENSIONS + FANOUT_DIMENSIONS))
FILTERS = {"user_ids": "user_id", "products": "product", "models": "model", "rbac_group_ids": "rbac_group_id",
           "context_windows": "context_window", "inference_geos": "inference_geo", "speeds": "speed"}
CODE_TOKEN_TYPES = {"input": "uncached_input_tokens", "output": "output_tokens",
                    "cache_read": "cache_read_input_tokens", "cache_creation": "cache_creation.ephemeral_5m_input_tokens"}
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class CostPart:
    """One priced component of one seat user's usage on one day. ``requests`` is carried by one part
    per (product, model) so that summing parts gives the row's request count."""

    day: date
    product: str
    model: str | None
    cost_type: str
    token_type: str | None
    list_cents: Decimal
    requests: int

    def dimensions(self, person: Person, org: Organisation) -> dict[str, str | None]:
        return {"product": self.product, "model": self.model, "context_window": "0-200k", "inference_geo": "global",
                "speed": "standard", "rbac_group_id": rbac_group_id(org, person), "user_id": person.anthropic_user_id,
                "cost_type": self.cost_type, "token_type": self.token_type}


def _token_parts(day: date, product: str, model_id: str, tokens: dict[str, int], requests: int) -> list[CostPart]:
    model = prices.ANTHROPIC_BY_ID[model_id]
    parts = []
    for token_type in prices.TOKEN_TYPES:
        count = tokens.get(token_type, 0)
        if count:
            parts.append(CostPart(day, product, model_id, "tokens", token_type, model.cents(token_type, count),
                                  0 if parts else requests))
    return parts


def user_cost_parts(org: Organisation, person: Person, day: date) -> list[CostPart]:
    """What ``person`` cost on ``day``: chat from the users endpoint's message and web-search counts,
    Claude Code from their subscription records."""
    if not (person.claude_ai and person.in_roster and person.employed(day) and org.in_period(day)):
        return []
    _, messages = chat_messages(org, person, day)
    parts: list[CostPart] = []
    if messages:
        rng = rng_for(org.seed, "claude_ai_cost", day, person.index)
        opus = sum(rng.random() < CHAT_OPUS_SHARE for _ in range(messages))
        for family, count in (("sonnet", messages - opus), ("opus", opus)):
            if not count:
                continue
            tokens = {
                "uncached_input_tokens": int(count * rng.uniform(800, 3000)),
                "cache_creation.ephemeral_5m_input_tokens": int(count * rng.uniform(0, 1500)),
                "cache_read_input_tokens": int(count * rng.uniform(0, 6000)),
                "output_tokens": int(count * rng.uniform(300, 1200)),
            }
            parts += _token_parts(day, "chat", anthropic_model(family, day).model, tokens, count)
        searches = web_searches(messages)
        if searches:
            parts.append(CostPart(day, "chat", None, "web_search", None,
                                  searches * prices.WEB_SEARCH_CENTS_PER_REQUEST, 0))
    code: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code_record in org.claude_code_records(person.index, day, user=True):
        for item in code_record["model_breakdown"]:
            for name, count in item["tokens"].items():
                code[item["model"]][CODE_TOKEN_TYPES[name]] += count
    for model_id, tokens in sorted(code.items()):
        requests = math.ceil(tokens["output_tokens"] / CLAUDE_CODE_OUTPUT_TOKENS_PER_REQUEST)
        parts += _token_parts(day, "claude_code", model_id, tokens, requests)
    return parts


def _cents(value: Decimal) -> str:
    return format(value.quantize(SIX_PLACES), "f")


def _stamp_day(day: date) -> str:
    return midnight(day)


def _listed(args, name: str) -> list[str]:
    return args.getlist(f"{name}[]") + args.getlist(name)


def _query_window(args, org: Organisation) -> tuple[date, date, str | None]:
    """(first day, stop day exclusive, bucket_width); the simulator works in whole UTC days."""
    start = _rfc3339(args.get("starting_at"), "starting_at")
    first = start.date()
    now_stop = org.today + timedelta(days=1)
    if first < ANALYTICS_FIRST_DAY:
        raise ApiError(400, f"starting_at: data is available from {ANALYTICS_FIRST_DAY.isoformat()}T00:00:00Z")
    if first < org.today - timedelta(days=USER_COST_LOOKBACK_DAYS):
        raise ApiError(400, f"starting_at: must be within the last {USER_COST_LOOKBACK_DAYS} days")
    if first >= now_stop:
        raise ApiError(400, "starting_at: must not be in the future")
    width = args.get("bucket_width") or None
    if width is not None and width not in ("1d", "1h", "1m"):
        raise ApiError(400, f"bucket_width: must be one of 1d, 1h, 1m, got {width!r}")
    if width in ("1h", "1m"):
        raise ApiError(400, f"bucket_width: the simulator serves daily buckets only (1d), got {width!r}")
    if args.get("ending_at"):
        end = _rfc3339(args["ending_at"], "ending_at")
        stop = end.date() if end.time() == datetime.min.time() else end.date() + timedelta(days=1)
    elif width is not None:
        raise ApiError(400, "ending_at: required when bucket_width is set")
    else:
        stop = min(now_stop, first + timedelta(days=USER_COST_MAX_DAYS))
    if stop <= first:
        raise ApiError(400, "ending_at: must be after starting_at")
    if (stop - first).days > USER_COST_MAX_DAYS:
        raise ApiError(400, f"ending_at: the range may span at most {USER_COST_MAX_DAYS} days")
    return first, stop, width


def _query_key(args) -> str:
    """What a cursor is bound to: every parameter except ``page``."""
    items = sorted((k, v) for k, values in args.lists() if k != "page" for v in values)
    return digest("user_cost_report", items).hex()[:16]


def _build_rows(org: Organisation, people: Sequence[Person], span: Sequence[date], group_by: set[str],
                filters: dict[str, set[str]], daily: bool, order_by: str, descending: bool) -> list[list[dict]]:
    """Per actor (ranked), the actor's rows; each row is a list of its fan-out items."""
    fanout_token = "token_type" in group_by
    fanout_cost = fanout_token or "cost_type" in group_by
    ranked = []
    for person in people:
        rows: dict[tuple, dict[tuple, list[CostPart]]] = defaultdict(lambda: defaultdict(list))
        for day in span:
            for part in user_cost_parts(org, person, day):
                dimensions = part.dimensions(person, org)
                if any(values and dimensions[FILTERS[name]] not in values for name, values in filters.items()):
                    continue
                row_key = (day if daily else None,) + tuple(
                    dimensions[d] if d in group_by else None for d in ROW_DIMENSIONS)
                item_key = (part.cost_type if fanout_cost else None,
                            part.token_type if fanout_token else None)
                rows[row_key][item_key].append(part)
        if not rows:
            continue
        total = sum((p.list_cents for items in rows.values() for parts in items.values() for p in parts), Decimal(0))
        rank = total * ENTERPRISE_DISCOUNT if order_by == "amount" else total
        actor = _actor(org, person)
        out = []
        for row_key in sorted(rows, key=lambda k: tuple("" if v is None else str(v) for v in k)):
            items = rows[row_key]
            out.append([_row_json(actor, row_key, item_key, items[item_key], fanout_cost)
                        for item_key in sorted(items, key=lambda k: tuple(v or "" for v in k))])
        ranked.append((rank, person.anthropic_user_id, out))
    ranked.sort(key=lambda r: (-r[0] if descending else r[0], r[1]))
    return [row for _, _, rows in ranked for row in rows]


def _actor(org: Organisation, person: Person) -> dict:
    deleted = person.end_date is not None and person.end_date < org.today
    return {"deleted": deleted, "email": None if deleted else person.email,
            "name": "Deleted User" if deleted else f"{person.first_name} {person.last_name}",
            "type": "user_actor", "user_id": person.anthropic_user_id}


def _row_json(actor: dict, row_key: tuple, item_key: tuple, parts: list[CostPart], fanout: bool) -> dict:
    day, values = row_key[0], dict(zip(ROW_DIMENSIONS, row_key[1:]))
    listed = sum((p.list_cents for p in parts), Decimal(0))
    return {
        "actor": actor,
        "amount": _cents(listed * ENTERPRISE_DISCOUNT),
        "context_window": values["context_window"],
        "cost_type": item_key[0],
        "currency": "USD",
        "ending_at": _stamp_day(day + timedelta(days=1)) if day else None,
        "inference_geo": values["inference_geo"],
        "list_amount": _cents(listed),
        "model": values["model"],
        "product": values["product"],
        "rbac_group_id": values["rbac_group_id"],
        "requests": None if fanout else sum(p.requests for p in parts),
        "slack_channel_id": None,
        "speed": values["speed"],
        "starting_at": _stamp_day(day) if day else None,
        "token_type": item_key[1],
    }


def _install_analytics_cost(app: Flask, state: SimulatorState) -> None:
    org = state.org
    # The rows of the last few queries, so that paging through a window builds it once instead of once
    # a page (a 31-day window for 2,000 seats is hundreds of pages). A few entries: a client may page
    # through the next windows while it still reads this one; memory stays a few windows.
    last_rows: OrderedDict[tuple, list[list[dict]]] = OrderedDict()
    lock = threading.Lock()

    @app.get("/v1/organizations/analytics/user_cost_report")
    def user_cost_report() -> Response:
        path, args = request.path, request.args
        first, stop, width = _query_window(args, org)
        group_by = set(_listed(args, "group_by"))
        unknown = sorted(group_by - set(GROUP_BY_VALUES))
        if unknown:
            raise ApiError(400, f"group_by: unsupported value(s) {unknown}; allowed: {list(GROUP_BY_VALUES)}")
        limit = _int_param(args.get("limit"), "limit", USER_COST_LIMITS[0], 1, USER_COST_LIMITS[1])
        order_by, order = args.get("order_by", "amount"), args.get("order", "desc")
        if order_by not in ("amount", "list_amount") or order not in ("asc", "desc"):
            raise ApiError(400, "order_by must be amount or list_amount; order asc or desc")
        exclude_deleted = args.get("exclude_deleted_users", "false").lower()
        if exclude_deleted not in ("true", "false"):
            raise ApiError(400, "exclude_deleted_users: must be true or false")
        query = _query_key(args)
        offset = 0
        if args.get("page"):
            parts = read_page_token(args["page"])
            if not parts or len(parts) != 3 or parts[:2] != ["user_cost", query] or not parts[2].isdigit():
                raise ApiError(400, "page: the cursor does not belong to this query")
            offset = int(parts[2])
            _check_cursor_not_expired(path, state, True)
        span = [d for d in (first + timedelta(days=i) for i in range((stop - first).days)) if d <= org.today]
        empty = _empty_days(path, state, span)
        live = [d for d in span if d not in empty]
        people = [p for p in org.people if p.claude_ai and p.in_roster and any(p.employed(d) for d in live)]
        if exclude_deleted == "true":
            people = [p for p in people if not _actor(org, p)["deleted"]]
        filters = {name: set(_listed(args, name)) for name in FILTERS}
        key = (query, tuple(live), tuple(p.index for p in people))
        with lock:
            rows = last_rows.get(key)
        if rows is None:
            rows = _build_rows(org, people, live, group_by, filters, width is not None, order_by, order == "desc")
            with lock:
                last_rows[key] = rows
                while len(last_rows) > REPORT_CACHE_WINDOWS:
                    last_rows.popitem(last=False)
        chosen = _page_items(path, state, lambda o, c: rows[o:o + c], offset, limit)
        more = offset + limit < len(rows)
        return _respond({
            "data": [item for row in chosen for item in row],
            "data_refreshed_at": _stamp_day(org.today + timedelta(days=1)),
            "has_more": more,
            "next_page": page_token("user_cost", query, offset + limit) if more else None,
            "organization_id": anthropic_id("org", org.seed),
        })


def claude_ai_truth(org: Organisation, day: date) -> dict:
    """Claude.ai totals of ``day`` that a client paging through ``/analytics/users?date=`` and a daily
    ``user_cost_report`` must add up to: seat users listed, their chat messages and web searches, and
    cost (``amount``, cents, per product) of the seat users."""
    seats = [p for p in org.people if p.claude_ai and p.in_roster and p.employed(day)] if org.in_period(day) else []
    records = [_analytics_day(org, p, day) for p in seats]
    cents: dict[str, Decimal] = defaultdict(Decimal)
    for person in seats:
        for part in user_cost_parts(org, person, day):
            cents[part.product] += part.list_cents * ENTERPRISE_DISCOUNT
    return {
        "seats": len(seats),
        "messages": sum(r["chat_metrics"]["message_count"] for r in records),
        "web_searches": sum(r["web_search_count"] for r in records),
        "amount_cents": dict(cents),
        "amount_usd": sum(cents.values(), Decimal(0)) / 100,
    }
