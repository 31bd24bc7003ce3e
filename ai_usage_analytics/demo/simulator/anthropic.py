"""Anthropic Admin API (``x-api-key`` admin key plus ``anthropic-version``):

* ``GET /v1/organizations/usage_report/messages`` (daily buckets; ``group_by[]``, filters, ``limit`` <= 31, ``page``)
* ``GET /v1/organizations/cost_report`` (daily buckets; ``group_by[]`` workspace_id/description)
* ``GET /v1/organizations/usage_report/claude_code`` (one day ``starting_at``; ``limit`` <= 1000, ``page``)
* ``GET /v1/organizations/api_keys``, ``/workspaces``, ``/users`` (``after_id``/``before_id``/``limit`` lists)
* ``GET /v1/organizations/me``
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask import Flask, Response, g, request

from ai_usage_analytics.demo.org import (
    MessagesRow,
    Organisation,
    Person,
    digest,
    midnight,
    page_token,
    read_page_token,
    stable_uuid,
)
from ai_usage_analytics.demo.simulator.common import (
    ApiError,
    _cents_text,
    _int_param,
    _iso_day,
    _member_name,
    _respond,
    _rfc3339,
    _stamp,
)
from ai_usage_analytics.demo.simulator.paging import _check_cursor_not_expired, _empty_days, _page_items
from ai_usage_analytics.demo.simulator.state import SimulatorState

MESSAGES_DIMENSIONS = ("api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo",
                       "account_id", "service_account_id")
COST_DIMENSIONS = ("workspace_id", "description")
DAILY_BUCKET_LIMITS = (7, 31)  # default, max buckets per page for bucket_width=1d
LIST_LIMITS = (20, 1000)
CLAUDE_CODE_LIMITS = (20, 1000)


def _report_window(args, org: Organisation, dimensions: Sequence[str]) -> tuple[list[date], list[str], int]:
    """(the new bucket days of this page, group_by, days left from this page's first bucket).

    Buckets are UTC days: the first is the day of ``starting_at``; a bucket is served when it ends
    by ``ending_at`` (default: the end of ``org.today``)."""
    width = args.get("bucket_width", "1d")
    if width != "1d":
        raise ApiError(400, f"bucket_width: the simulator serves daily buckets only (1d), got {width!r}")
    group_by = args.getlist("group_by[]") + args.getlist("group_by")
    unknown = [d for d in group_by if d not in dimensions]
    if unknown:
        raise ApiError(400, f"group_by: unsupported value(s) {unknown}; allowed: {list(dimensions)}")
    first = _rfc3339(args.get("starting_at"), "starting_at").date()
    stop = _rfc3339(args["ending_at"], "ending_at").date() if args.get("ending_at") else org.today + timedelta(days=1)
    limit = _int_param(args.get("limit"), "limit", DAILY_BUCKET_LIMITS[0], 1, DAILY_BUCKET_LIMITS[1])
    if stop <= first:
        raise ApiError(400, "ending_at must be at least one bucket after starting_at")
    if args.get("page"):
        parts = read_page_token(args["page"])
        try:
            resume = datetime.fromisoformat(parts[0]).date() if parts and len(parts) == 1 else None
        except ValueError:
            resume = None
        if resume is None or not first < resume < stop:
            raise ApiError(400, "page: invalid page token for this query")
        first = resume
    remaining = (stop - first).days
    return [first + timedelta(days=i) for i in range(min(limit, remaining))], group_by, remaining


def _report_page(path: str, state: SimulatorState, build: Callable[[date, set[date]], list[dict]]) -> Response:
    """One page of daily buckets (empty days included), ``has_more`` and a ``next_page`` token."""
    args = request.args
    dimensions = MESSAGES_DIMENSIONS if path.endswith("/messages") else COST_DIMENSIONS
    new_days, g.group_by, remaining = _report_window(args, state.org, dimensions)
    _check_cursor_not_expired(path, state, bool(args.get("page")))
    empty = _empty_days(path, state, new_days)
    bucket_days = list(new_days)
    if args.get("page") and state.faults.take(path, ("duplicate",)):
        bucket_days.insert(0, new_days[0] - timedelta(days=1))
    data = [{"starting_at": midnight(d), "ending_at": midnight(d + timedelta(days=1)), "results": build(d, empty)}
            for d in bucket_days]
    has_more = remaining > len(new_days)
    next_page = page_token(midnight(new_days[-1] + timedelta(days=1))) if has_more else None
    return _respond({"data": data, "has_more": has_more, "next_page": next_page})


def _messages_item(row_key: tuple, group_by: Sequence[str], totals: Counter) -> dict:
    values = dict(zip(group_by, row_key))
    return {
        "uncached_input_tokens": totals["uncached"],
        "cache_creation": {"ephemeral_1h_input_tokens": totals["c1h"], "ephemeral_5m_input_tokens": totals["c5m"]},
        "cache_read_input_tokens": totals["read"],
        "output_tokens": totals["output"],
        "server_tool_use": {"web_search_requests": totals["search"]},
        **{d: values.get(d) for d in MESSAGES_DIMENSIONS},
    }


def _row_dimension(row: MessagesRow, dimension: str) -> str | None:
    return {"api_key_id": row.api_key_id, "workspace_id": row.workspace_id, "model": row.model,
            "service_tier": "standard", "context_window": "0-200k", "inference_geo": "not_available",
            "account_id": None, "service_account_id": None}[dimension]


def _install_anthropic(app: Flask, state: SimulatorState) -> None:
    org = state.org

    @app.get("/v1/organizations/usage_report/messages")
    def messages_usage() -> Response:
        args = request.args
        filters = {
            "api_key_id": set(args.getlist("api_key_ids[]")), "workspace_id": set(args.getlist("workspace_ids[]")),
            "model": set(args.getlist("models[]")), "service_tier": set(args.getlist("service_tiers[]")),
            "context_window": set(args.getlist("context_window[]")),
        }

        def build(day: date, empty: set[date]) -> list[dict]:
            if day in empty:
                return []
            groups: dict[tuple, Counter] = defaultdict(Counter)
            for row in org.anthropic_day(day).messages:
                if any(values and _row_dimension(row, d) not in values for d, values in filters.items()):
                    continue
                key = tuple(_row_dimension(row, d) for d in g.group_by)
                groups[key].update({"uncached": row.uncached_input_tokens, "c5m": row.cache_creation_5m,
                                    "c1h": row.cache_creation_1h, "read": row.cache_read_input_tokens,
                                    "output": row.output_tokens, "search": row.web_search_requests})
            ordered = sorted(groups.items(), key=lambda i: tuple(v or "" for v in i[0]))
            return [_messages_item(k, g.group_by, t) for k, t in ordered]

        return _report_page(request.path, state, build)

    @app.get("/v1/organizations/cost_report")
    def cost_report() -> Response:
        def build(day: date, empty: set[date]) -> list[dict]:
            if day in empty:
                return []
            by_workspace, by_description = "workspace_id" in g.group_by, "description" in g.group_by
            groups: dict[tuple, Decimal] = defaultdict(Decimal)
            for line in org.anthropic_day(day).cost_lines:
                key = (line.workspace_id if by_workspace else None, line if by_description else None)
                groups[key] += line.amount_cents
            items = []
            for (workspace, line), amount in sorted(groups.items(), key=lambda i: (i[0][0] or "", i[0][1].description if i[0][1] else "")):
                tokens = line is not None and line.cost_type == "tokens"
                items.append({
                    "amount": _cents_text(amount),
                    "currency": "USD",
                    "workspace_id": workspace,
                    "description": line.description if line else None,
                    "cost_type": line.cost_type if line else None,
                    "model": line.model if line else None,
                    "service_tier": "standard" if tokens else None,
                    "context_window": "0-200k" if tokens else None,
                    "token_type": line.token_type if line else None,
                    "inference_geo": "not_available" if tokens else None,
                })
            return items

        return _report_page(request.path, state, build)

    @app.get("/v1/organizations/usage_report/claude_code")
    def claude_code() -> Response:
        path = request.path
        day = _iso_day(request.args.get("starting_at"), "starting_at")
        limit = _int_param(request.args.get("limit"), "limit", CLAUDE_CODE_LIMITS[0], 1, CLAUDE_CODE_LIMITS[1])
        offset = 0
        if request.args.get("page"):
            parts = read_page_token(request.args["page"])
            if not parts or len(parts) != 2 or parts[0] != day.isoformat() or not parts[1].isdigit():
                raise ApiError(400, "page: invalid page token for this query")
            offset = int(parts[1])
            _check_cursor_not_expired(path, state, True)
        empty = _empty_days(path, state, [day])
        records = [] if day in empty else sorted(org.anthropic_day(day).claude_code, key=_record_order)
        chosen = _page_items(path, state, lambda o, c: records[o:o + c], offset, limit)
        has_more = offset + limit < len(records)
        return _respond({"data": chosen, "has_more": has_more,
                         "next_page": page_token(day.isoformat(), offset + limit) if has_more else None})

    @app.get("/v1/organizations/api_keys")
    def api_keys() -> Response:
        args = request.args
        status, workspace, creator = args.get("status"), args.get("workspace_id"), args.get("created_by_user_id")
        if status is not None and status not in ("active", "inactive", "archived", "expired"):
            raise ApiError(400, "status: must be one of active, inactive, archived, expired")
        keys = [k for k in sorted(org.api_keys, key=lambda k: (k.created_at, k.id)) if k.created_at.date() <= org.today]
        items = [_key_json(org, k) for k in keys]
        items = [i for i in items if (status is None or i["status"] == status)
                 and (workspace is None or i["workspace_id"] == workspace)
                 and (creator is None or (i["created_by"] or {}).get("id") == creator)]
        return _id_page(request.path, state, items)

    @app.get("/v1/organizations/workspaces")
    def workspaces() -> Response:
        archived = request.args.get("include_archived", "false").lower() == "true"
        items = [_workspace_json(org, w) for w in org.workspaces if w.created_at.date() <= org.today
                 and (archived or w.archived_at is None or w.archived_at.date() > org.today)]
        return _id_page(request.path, state, items)

    @app.get("/v1/organizations/users")
    def users() -> Response:
        email = request.args.get("email")
        roles = set(request.args.getlist("roles[]"))
        items = [{"id": p.anthropic_user_id, "added_at": _stamp(_added_at(org, p)), "email": p.email,
                  "name": _member_name(p), "role": p.console_role, "type": "user"}
                 for p in org.console_members() if _added_at(org, p).date() <= org.today]
        items = [i for i in items if (email is None or i["email"] == email.lower()) and (not roles or i["role"] in roles)]
        return _id_page(request.path, state, items)

    @app.get("/v1/organizations/me")
    def me() -> Response:
        return _respond({"id": org.organization_id, "name": "SynthCorp", "type": "organization"})


def _record_order(record: dict) -> tuple:
    actor = record["actor"]
    return actor["type"] != "user_actor", actor.get("email_address") or actor.get("api_key_name"), record["is_remote"]


def _added_at(org: Organisation, person: Person) -> datetime:
    first = max(person.start_date, org.start - timedelta(days=90))
    if person.claude_code_since and person.console_role == "claude_code_user":
        first = person.claude_code_since
    return datetime(first.year, first.month, first.day, 9, tzinfo=timezone.utc) + timedelta(seconds=person.index % 3600)


def _key_json(org: Organisation, key) -> dict:
    workspace = next((w for w in org.workspaces if w.id == key.workspace_id), None)
    if workspace and workspace.archived_at and workspace.archived_at.date() <= org.today:
        status = "archived"
    elif key.revoked_on and key.revoked_on <= org.today:
        status = "inactive"
    else:
        status = "active"
    creator = {"id": key.created_by, "type": "user"} if key.created_by else None
    return {"id": key.id, "created_at": _stamp(key.created_at), "created_by": creator, "expires_at": None,
            "name": key.name, "partial_key_hint": key.partial_hint, "principal": creator, "status": status,
            "type": "api_key", "workspace_id": key.workspace_id}


def _workspace_json(org: Organisation, workspace) -> dict:
    return {
        "id": workspace.id,
        "archived_at": _stamp(workspace.archived_at) if workspace.archived_at and workspace.archived_at.date() <= org.today else None,
        "compartment_id": stable_uuid(org.seed, "compartment", workspace.id),
        "created_at": _stamp(workspace.created_at),
        "data_residency": {"allowed_inference_geos": "unrestricted", "default_inference_geo": "global",
                           "workspace_geo": "us"},
        "display_color": "#" + digest(workspace.id).hex()[:6].upper(),
        "external_key_id": None,
        "name": workspace.name,
        "tags": {"env": "prod", "team": workspace.name.lower().replace(" ", "-")},
        "type": "workspace",
    }


def _id_page(path: str, state: SimulatorState, items: list[dict]) -> Response:
    """Anthropic list pagination: ``after_id`` / ``before_id`` cursors, ``first_id``/``last_id``/``has_more``."""
    args = request.args
    limit = _int_param(args.get("limit"), "limit", LIST_LIMITS[0], 1, LIST_LIMITS[1])
    after, before = args.get("after_id"), args.get("before_id")
    if after and before:
        raise ApiError(400, "after_id and before_id cannot be combined")
    ids = [i["id"] for i in items]
    for cursor in (after, before):
        if cursor and cursor not in ids:
            raise ApiError(400, f"{'after_id' if cursor == after else 'before_id'}: unknown id {cursor!r}")
    _check_cursor_not_expired(path, state, bool(after or before))
    if before:
        end = ids.index(before)
        chosen, has_more = items[max(0, end - limit):end], end - limit > 0
    else:
        offset = ids.index(after) + 1 if after else 0
        chosen = _page_items(path, state, lambda o, c: items[o:o + c], offset, limit)
        has_more = offset + limit < len(items)
    return _respond({"data": chosen, "first_id": chosen[0]["id"] if chosen else None,
                     "has_more": has_more, "last_id": chosen[-1]["id"] if chosen else None})
