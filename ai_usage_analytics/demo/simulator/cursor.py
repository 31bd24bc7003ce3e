"""Cursor Admin API (``api.cursor.com``; HTTP Basic auth, the key as user name):

* ``GET /teams/members``
* ``POST /teams/daily-usage-data`` (``startDate``/``endDate`` epoch ms, at most 30 days; optional ``page``/``pageSize``)
* ``POST /teams/filtered-usage-events`` (range, ``email``/``userId``, ``hostingType``, ``page``/``pageSize`` <= 1000)
* ``POST /teams/spend`` (current billing cycle; ``searchTerm``, ``sortBy``, ``sortDirection``, ``page``/``pageSize``)
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import Flask, Response, request

from ai_usage_analytics.demo.org import MS_PER_DAY, CursorEvent, Organisation, Person, day_start_ms, days
from ai_usage_analytics.demo.simulator.common import ApiError, _int_param, _member_name, _money, _ms_day, _respond
from ai_usage_analytics.demo.simulator.paging import _check_cursor_not_expired, _empty_days, _page_items
from ai_usage_analytics.demo.simulator.state import SimulatorState

CURSOR_EVENTS_PAGE = (100, 1000)
CURSOR_MAX_PAGE_SIZE = 1000  # daily-usage-data and spend publish no maximum; the events one is used
CURSOR_MAX_RANGE_MS = 30 * MS_PER_DAY
HOSTING_TYPES = ("CLOUD", "SELF_HOSTED", "SELF_HOSTED_POOL", "SELF_HOSTED_MACHINE")


def _cursor_body() -> dict:
    body = request.get_json(silent=True) if request.data else {}
    if body is None or not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def _cursor_range(body: dict, *, required: bool, default_days: int, org: Organisation) -> tuple[int, int]:
    start, end = body.get("startDate"), body.get("endDate")
    if start is None or end is None:
        if required:
            raise ApiError(400, "startDate and endDate are required (epoch milliseconds)")
        end = day_start_ms(org.today) + MS_PER_DAY - 1 if end is None else end
        start = end - default_days * MS_PER_DAY + 1 if start is None else start
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise ApiError(400, "startDate and endDate must be epoch milliseconds") from None
    if end < start:
        raise ApiError(400, "endDate must not be before startDate")
    return start, end


def _cursor_paging(body: dict, default_size: int, max_size: int) -> tuple[int, int]:
    page = _int_param(body.get("page"), "page", 1, 1, None)
    size = _int_param(body.get("pageSize"), "pageSize", default_size, 1, max_size)
    return page, size


def _member_role(person: Person) -> str:
    return "owner" if person.console_role == "admin" else "member"


def _event_json(org: Organisation, event: CursorEvent) -> dict:
    item: dict[str, Any] = {
        "timestamp": str(event.timestamp_ms),
        "userEmail": org.people[event.person].email,
        "conversationId": event.conversation_id,
        "model": event.model,
        "kind": "Included in Business" if event.included else "Usage-based",
        "maxMode": event.max_mode,
        "requestsCosts": float(event.requests_costs),
        "isTokenBasedCall": event.tokens is not None,
        "isChargeable": not event.included,
        "isHeadless": event.feature == "agentRequests" and event.timestamp_ms % 17 == 0,
    }
    if event.tokens is not None:
        usage = {"inputTokens": event.tokens[0], "outputTokens": event.tokens[1], "cacheWriteTokens": event.tokens[2],
                 "cacheReadTokens": event.tokens[3], "totalCents": _money(event.total_cents)}
        if event.discount:
            usage["discountPercentOff"] = event.discount
        item["tokenUsage"] = usage
    item["chargedCents"] = _money(event.charged_cents)
    if event.fee_cents is not None:
        item["cursorTokenFee"] = _money(event.fee_cents)
    return item


def _install_cursor(app: Flask, state: SimulatorState) -> None:
    org = state.org

    @app.get("/teams/members")
    def members() -> Response:
        return _respond({"teamMembers": [
            {"id": p.cursor_member_id, "name": _member_name(p), "email": p.email, "role": _member_role(p),
             "isRemoved": p.end_date is not None and p.end_date < org.today}
            for p in org.cursor_members()
        ]})

    @app.post("/teams/daily-usage-data")
    def daily_usage() -> Response:
        path = request.path
        body = _cursor_body()
        start, end = _cursor_range(body, required=True, default_days=30, org=org)
        if end - start >= CURSOR_MAX_RANGE_MS:
            raise ApiError(400, "Date range cannot exceed 30 days")
        wanted = [d for d in days(_ms_day(start), _ms_day(end)) if org.in_period(d)]
        empty = _empty_days(path, state, wanted)
        live = [d for d in wanted if d not in empty]
        period = {"startDate": start, "endDate": end}
        paging = body.get("page") is not None and body.get("pageSize") is not None
        if not paging:
            rows = [row for d in live for row in org.cursor_rows(d) if row is not None and row["isActive"]]
            return _respond({"data": rows, "period": period})
        page, size = _cursor_paging(body, CURSOR_MAX_PAGE_SIZE, CURSOR_MAX_PAGE_SIZE)
        _check_cursor_not_expired(path, state, page > 1)
        seated = sorted((p for p in org.people if any(p.has_cursor_seat(d) and p.employed(d) for d in wanted)),
                        key=lambda p: p.cursor_user_id)

        def fetch(offset: int, count: int) -> list[dict]:  # the page's members only: a page draws its own rows
            return [row for p in seated[offset:offset + count] for d in wanted
                    if (row := _member_row(org.cursor_person_row(p, d), d in empty)) is not None]

        rows = _page_items(path, state, fetch, (page - 1) * size, size)
        pages = math.ceil(len(seated) / size)
        return _respond({"data": rows, "period": period, "pagination": {
            "page": page, "pageSize": size, "totalUsers": len(seated), "totalPages": pages,
            "hasNextPage": page < pages, "hasPreviousPage": page > 1}})

    @app.post("/teams/filtered-usage-events")
    def usage_events() -> Response:
        path = request.path
        body = _cursor_body()
        start, end = _cursor_range(body, required=False, default_days=30, org=org)
        page, size = _cursor_paging(body, *CURSOR_EVENTS_PAGE)
        hosting = body.get("hostingType")
        if hosting is not None and hosting not in HOSTING_TYPES:
            raise ApiError(400, f"hostingType must be one of {', '.join(HOSTING_TYPES)}")
        _check_cursor_not_expired(path, state, page > 1)
        email = body.get("email")
        user_id = body.get("userId")
        person = None
        if email is not None or user_id is not None:
            person = next((p for p in org.people if (email is None or p.email == str(email).lower())
                           and (user_id is None or str(p.cursor_user_id) == str(user_id))), None)
        wanted = [d for d in reversed(days(_ms_day(start), _ms_day(end))) if org.in_period(d)]
        empty = _empty_days(path, state, wanted)
        selected = _EventSelection(org, [d for d in wanted if d not in empty], start, end, person,
                                   filtered=email is not None or user_id is not None)
        total = selected.count()
        events = _page_items(path, state, selected.slice, (page - 1) * size, size)
        pages = math.ceil(total / size)
        return _respond({
            "totalUsageEventsCount": total,
            "pagination": {"numPages": pages, "currentPage": page, "pageSize": size,
                           "hasNextPage": page < pages, "hasPreviousPage": page > 1},
            "usageEvents": [_event_json(org, e) for e in events],
            "period": {"startDate": start, "endDate": end},
        })

    @app.post("/teams/spend")
    def spend() -> Response:
        path = request.path
        body = _cursor_body()
        page, size = _cursor_paging(body, 100, CURSOR_MAX_PAGE_SIZE)
        sort_by = body.get("sortBy", "date")
        direction = body.get("sortDirection", "desc")
        if sort_by not in ("amount", "date", "user") or direction not in ("asc", "desc"):
            raise ApiError(400, "sortBy must be amount, date or user; sortDirection asc or desc")
        _check_cursor_not_expired(path, state, page > 1)
        first, last = org.billing_cycle()
        totals = state.cycle_spend()
        term = str(body.get("searchTerm") or "").lower()
        members = [p for p in org.cursor_members()
                   if p.cursor_seat[0] <= last and (p.cursor_seat[1] is None or p.cursor_seat[1] >= first)]
        members = [p for p in members if term in p.email or term in _member_name(p).lower()]
        key = {"amount": lambda p: (totals[p.index]["spend"], p.cursor_user_id),
               "date": lambda p: (p.cursor_seat[0], p.cursor_user_id),
               "user": lambda p: (_member_name(p).lower(), p.cursor_user_id)}[sort_by]
        members.sort(key=key, reverse=direction == "desc")
        chosen = _page_items(path, state, lambda o, c: members[o:o + c], (page - 1) * size, size)
        return _respond({
            "teamMemberSpend": [_spend_json(p, totals[p.index]) for p in chosen],
            "subscriptionCycleStart": day_start_ms(first),
            "totalMembers": len(members),
            "totalPages": math.ceil(len(members) / size),
        })


def _member_row(row: dict | None, empty: bool) -> dict | None:
    if row is None or not empty:
        return row
    idle = {k: (0 if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in row.items()}
    idle.update(userId=row["userId"], date=row["date"], isActive=False, mostUsedModel=None,
                applyMostUsedExtension=None, tabMostUsedExtension=None, clientVersion=None)
    return idle


def _spend_json(person: Person, totals: dict) -> dict:
    limited = person.cursor_level == "heavy"
    return {
        "userId": person.cursor_member_id,
        "spendCents": _money(totals["spend"]),
        "overallSpendCents": _money(totals["overall"]),
        "fastPremiumRequests": totals["fast"],
        "name": _member_name(person),
        "email": person.email,
        "role": _member_role(person),
        "hardLimitOverrideDollars": 100 if limited else 0,
        "monthlyLimitDollars": 200 if limited else None,
        "effectivePerUserLimitDollars": 100 if limited else 50,
    }


class _EventSelection:
    """Usage events of some days (newest first), optionally of one person, inside [start, end] ms."""

    def __init__(self, org: Organisation, wanted: list[date], start: int, end: int, person: Person | None,
                 filtered: bool) -> None:
        self.org, self.wanted, self.start, self.end = org, wanted, start, end
        self.person, self.filtered = person, filtered

    def _whole(self, day: date) -> bool:
        return self.start <= day_start_ms(day) and day_start_ms(day) + MS_PER_DAY - 1 <= self.end

    def _events(self, day: date) -> list[CursorEvent]:
        if self.filtered:
            if self.person is None:
                return []
            events = self.org.cursor_day(day).by_person.get(self.person.index, [])
            events = sorted(events, key=lambda e: -e.timestamp_ms)
        else:
            events = self.org.cursor_day(day).events
        if self._whole(day):
            return events
        return [e for e in events if self.start <= e.timestamp_ms <= self.end]

    def _size(self, day: date) -> int:
        if not self.filtered and self._whole(day):
            return self.org.cursor_event_count(day)
        return len(self._events(day))

    def count(self) -> int:
        return sum(self._size(d) for d in self.wanted)

    def slice(self, offset: int, count: int) -> list[CursorEvent]:
        out: list[CursorEvent] = []
        for day in self.wanted:
            size = self._size(day)
            if offset >= size:
                offset -= size
                continue
            out.extend(self._events(day)[offset:offset + count - len(out)])
            offset = 0
            if len(out) >= count:
                break
        return out
