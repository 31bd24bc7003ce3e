"""Paging helpers shared by the vendors: page slices (with the ``duplicate`` fault), expired
cursors (``expired_cursor``) and emptied days (``empty``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from flask import g

from ai_usage_analytics.demo.simulator.common import CURSOR, ApiError
from ai_usage_analytics.demo.simulator.state import SimulatorState

def _page_items(path: str, state: SimulatorState, fetch: Callable[[int, int], list], offset: int, count: int) -> list:
    """Items [offset, offset + count) of a virtual list; with a ``duplicate`` fault on a later page,
    the previous page's last item comes first again."""
    if offset > 0 and state.faults.take(path, ("duplicate",)):
        return fetch(offset - 1, count + 1)
    return fetch(offset, count)


def _check_cursor_not_expired(path: str, state: SimulatorState, later_page: bool) -> None:
    if later_page and state.faults.take(path, ("expired_cursor",)):
        raise ApiError(410, "The pagination cursor has expired; restart from the first page."
                       if g.vendor == CURSOR else None)


def _empty_days(path: str, state: SimulatorState, wanted: Sequence[date]) -> set[date]:
    """Days this request serves without activity (``empty`` faults)."""
    rule = state.faults.take(path, ("empty",))
    if rule is None:
        return set()
    return set(wanted) if rule.date is None else {date.fromisoformat(rule.date)}
