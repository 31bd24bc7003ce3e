"""The synthetic organisation: deterministic, varied, lazy, and internally consistent."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from ai_usage_analytics.demo.org import DAY_CACHE_SIZE, Organisation, days
from ai_usage_analytics.demo.prices import ANTHROPIC_BY_ID, TOKEN_TYPES, anthropic_model
from ai_usage_analytics_tests.demo.conftest import DAY, TODAY


def org(seed: int = 7, people: int = 150) -> Organisation:
    return Organisation(seed=seed, people=people, today=TODAY)


def test_same_seed_and_size_give_the_same_organisation_and_activity():
    first, second = org(), org()
    assert [vars(p) for p in first.people] == [vars(p) for p in second.people]
    assert [k.id for k in first.api_keys] == [k.id for k in second.api_keys]
    assert first.truth(DAY) == second.truth(DAY)


def test_different_seeds_give_different_organisations():
    assert [p.email for p in org(7).people] != [p.email for p in org(8).people]
    assert org(7).truth(DAY)["anthropic"]["cost_cents"] != org(8).truth(DAY)["anthropic"]["cost_cents"]


def test_the_organisation_has_the_variety_the_pipeline_must_handle():
    company = org(people=400)
    people = company.people
    assert {p.department for p in people} >= {"Engineering", "Data", "Product", "Sales", "Support"}
    assert {p.user_type for p in people} == {"engineering", "knowledge_worker", "hybrid"}
    assert len({p.email for p in people}) == len(people)
    assert any(p.start_date > company.start for p in people), "joiners inside the period"
    assert any(p.end_date and company.start <= p.end_date < TODAY for p in people), "leavers inside the period"
    assert any(not p.in_roster for p in people), "contractors HR does not list"
    assert Counter(p.cursor_level for p in people if p.cursor_seat).keys() == {"heavy", "light", "idle"}
    kinds = Counter(k.kind for k in company.api_keys)
    assert kinds.keys() >= {"personal", "named", "creator", "shared", "orphan", "claude_code"}
    assert any(k.mapped for k in company.api_keys) and any(not company.attributable(k) for k in company.api_keys)
    assert any(len(k.owners) == 2 for k in company.api_keys), "a key handed over when its owner left"
    assert sum(w.is_claude_code for w in company.workspaces) == 1
    assert any(k.name.startswith(("engineering-", "research-")) for k in company.api_keys)


def test_no_activity_outside_employment_or_the_period():
    company = org()
    leaver = next(p for p in company.people if p.end_date and p.cursor_seat)
    after = leaver.end_date + timedelta(days=1)
    assert company.cursor_person_day(leaver, after) == (None, [])
    assert all(e.person != leaver.index for e in company.day(after).cursor_events)
    empty = company.day(company.start - timedelta(days=1))
    assert (empty.cursor_events, empty.messages, empty.claude_code) == ([], [], [])


def test_weekdays_are_busier_than_weekends_and_usage_grows():
    company = org()
    saturday, wednesday = date(2026, 3, 14), date(2026, 3, 18)
    assert company.cursor_event_count(wednesday) > 3 * company.cursor_event_count(saturday)
    early = sum(company.cursor_event_count(d) for d in days(date(2025, 9, 1), date(2025, 9, 14)))
    late = sum(company.cursor_event_count(d) for d in days(date(2026, 3, 2), date(2026, 3, 15)))
    assert late > early


def test_heavy_cursor_users_make_tens_of_requests_a_day():
    company = org()
    per_person = Counter(e.person for e in company.day(DAY).cursor_events)
    heavy = [per_person[p.index] for p in company.people if p.cursor_level == "heavy" and per_person[p.index]]
    assert heavy and max(heavy) >= 20


def test_cost_lines_price_the_usage_rows_exactly():
    company = org()
    activity = company.day(DAY)
    by_line = Counter()
    for row in activity.messages:
        for token_type in TOKEN_TYPES:
            by_line[(row.workspace_id, row.model, token_type)] += row.tokens(token_type)
    priced = sum((ANTHROPIC_BY_ID[m].cents(t, n) for (_, m, t), n in by_line.items()), Decimal(0))
    searches = sum(r.web_search_requests for r in activity.messages)
    assert sum(line.amount_cents for line in activity.cost_lines) == priced + searches
    assert company.truth(DAY)["anthropic"]["cost_cents"] == priced + searches


def test_api_key_claude_code_traffic_is_also_messages_usage_in_the_claude_code_workspace():
    company = org()
    checked = 0
    for day in days(DAY - timedelta(days=20), DAY):
        activity = company.day(day)
        for key in company.api_keys:
            records = [r for r in activity.claude_code if r["actor"].get("api_key_name") == key.name]
            if not records:
                continue
            assert key.workspace_id == company.claude_code_workspace_id
            tokens = Counter()
            for record in records:
                for model in record["model_breakdown"]:
                    tokens.update(model["tokens"])
            rows = [r for r in activity.messages if r.api_key_id == key.id]
            assert sum(r.uncached_input_tokens for r in rows) == tokens["input"]
            assert sum(r.output_tokens for r in rows) == tokens["output"]
            assert sum(r.cache_read_input_tokens for r in rows) == tokens["cache_read"]
            assert sum(r.cache_creation_5m + r.cache_creation_1h for r in rows) == tokens["cache_creation"]
            checked += 1
    assert checked


def test_subscription_claude_code_is_not_api_usage():
    company = org()
    activity = company.day(DAY)
    users = [r for r in activity.claude_code if r["actor"]["type"] == "user_actor"]
    assert users and all(r["customer_type"] == "subscription" for r in users)
    assert {company.key_by_id[r.api_key_id].kind for r in activity.messages} <= {
        "personal", "named", "creator", "shared", "orphan", "claude_code"}


def test_days_are_generated_on_demand_and_not_kept():
    company = org()
    for day in days(DAY - timedelta(days=9), DAY):
        company.truth(day)
    assert len(company._cache) <= DAY_CACHE_SIZE
    assert company.truth(DAY - timedelta(days=9)) == org().truth(DAY - timedelta(days=9))


def test_models_follow_their_release_dates():
    assert anthropic_model("sonnet", date(2025, 3, 1)).model == "claude-3-7-sonnet-20250219"
    assert anthropic_model("sonnet", date(2025, 10, 1)).model == "claude-sonnet-4-5-20250929"
    company = org()
    assert all(ANTHROPIC_BY_ID[r.model].released <= date(2025, 6, 1) for r in company.day(date(2025, 6, 1)).messages)


def test_daily_rows_drawn_alone_are_the_rows_generated_with_the_events():
    drawn, generated = org(), org()
    rows = drawn.cursor_rows(DAY)  # nothing cached yet: drawn without the events
    assert not drawn._cursor_cache
    day = generated.cursor_day(DAY)
    assert rows == day.rows and any(row and row["isActive"] for row in rows)
    for person in generated.people[:40]:
        row, events = generated.cursor_person_day(person, DAY)
        assert drawn.cursor_person_row(person, DAY) == row
        if row is not None:
            assert row["subscriptionIncludedReqs"] == sum(e.included for e in events)
            assert row["usageBasedReqs"] == sum(not e.included for e in events)
