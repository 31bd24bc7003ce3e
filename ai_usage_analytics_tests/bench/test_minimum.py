"""The fewest requests the vendor APIs allow, from their paging rules."""

from __future__ import annotations

from datetime import date

import pytest

from ai_usage_analytics.bench import minimum as m
from ai_usage_analytics.demo.org import Organisation


def counts(days: int, **overrides) -> m.RangeCounts:
    values = dict(days=days, seated_per_window=[10] * m.cursor_windows(days), cursor_events=0,
                  claude_code_records_per_day=[0] * days, api_keys=5, workspaces=3, users=4)
    return m.RangeCounts(**{**values, **overrides})


def test_an_empty_answer_is_still_one_request_and_pages_round_up():
    assert m.pages(0, 1000) == 1
    assert m.pages(1000, 1000) == 1
    assert m.pages(1001, 1000) == 2
    with pytest.raises(ValueError):
        m.pages(5, 0)


def test_one_day_is_one_request_per_endpoint():
    assert m.requests_minimum(counts(1)) == {endpoint: 1 for endpoint in m.ENDPOINTS}


def test_a_365_day_backfill_for_2000_people():
    minimum = m.requests_minimum(counts(
        365, seated_per_window=[1500] * 12 + [900], cursor_events=3_500_001,
        claude_code_records_per_day=[300] * 364 + [1001], api_keys=1000, workspaces=8, users=1001,
    ))
    assert minimum[m.DAILY_USAGE] == 12 * 2 + 1  # 13 windows of <= 30 days, 1000 members a page
    assert minimum[m.USAGE_EVENTS] == 3501  # one query for the whole range, 1000 events a page
    assert minimum[m.MESSAGES] == minimum[m.COSTS] == 12  # ceil(365 / 31) pages of daily buckets
    assert minimum[m.CLAUDE_CODE] == 364 + 2  # one query per day, the busy day needs two pages
    assert (minimum[m.API_KEYS], minimum[m.WORKSPACES], minimum[m.USERS]) == (1, 1, 2)


def test_window_and_day_counts_must_fit_the_range():
    with pytest.raises(ValueError):
        m.requests_minimum(counts(31, seated_per_window=[10]))
    with pytest.raises(ValueError):
        m.requests_minimum(counts(3, claude_code_records_per_day=[1, 2]))
    with pytest.raises(ValueError):
        m.requests_minimum(counts(0, seated_per_window=[]))


def test_range_counts_read_the_organisation():
    org = Organisation(seed=7, people=30, today=date(2026, 3, 20))
    first, last = date(2026, 2, 1), date(2026, 3, 18)  # 46 days: two Cursor windows
    found = m.range_counts(org, first, last)
    assert found.days == 46 and len(found.seated_per_window) == 2
    every_day = [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]
    assert found.cursor_events == sum(len(org.day(d).cursor_events) for d in every_day)
    assert found.claude_code_records_per_day[-1] == len(org.day(last).claude_code)
    assert 0 < found.seated_per_window[0] <= 30


def test_knowledge_work_endpoints_page_per_day_per_window_and_per_range():
    minimum = m.requests_minimum(counts(
        40, analytics_seats_per_day=[999] * 39 + [1001], user_cost_rows_per_window=[2500, 0], gemini_activities=1000,
    ))
    assert minimum[m.ANALYTICS_USERS] == 39 + 2  # one query a day, 1000 users a page
    assert minimum[m.USER_COST] == 3 + 1  # windows of <= 31 days, 1000 rows a page, an empty window is one request
    assert minimum[m.GEMINI] == 1  # the whole range in one query
    assert m.requests_minimum(counts(3, analytics_seats_per_day=[], user_cost_rows_per_window=[],
                                     gemini_activities=None))[m.GEMINI] == 0  # before the APIs have data


def test_range_counts_of_the_knowledge_work_apis():
    org = Organisation(seed=7, people=30, today=date(2026, 3, 20))
    found = m.range_counts(org, date(2025, 12, 30), date(2026, 1, 2))  # the analytics API starts on 2026-01-01
    assert len(found.analytics_seats_per_day) == 2 and len(found.user_cost_rows_per_window) == 1
    assert found.analytics_seats_per_day[0] == sum(1 for p in org.people if p.claude_ai and p.in_roster
                                                   and p.employed(date(2026, 1, 1)))
    assert found.gemini_activities == sum(org.truth(date(2025, 12, 30) + (date(2025, 1, 2) - date(2025, 1, 1)) * i)
                                          ["gemini"]["events"] for i in range(4))
