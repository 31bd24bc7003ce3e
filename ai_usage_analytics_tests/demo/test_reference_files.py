"""The reference CSVs written for the demo pass the project's own validators."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta, timezone

from ai_usage_analytics.demo.org import Organisation
from ai_usage_analytics.demo.reference_files import write_reference_files
from ai_usage_analytics.transform.reference import parse_api_key_mappings, parse_budgets, parse_roi_assumptions, parse_users
from ai_usage_analytics.transform.seat_prices import seat_price
from ai_usage_analytics_tests.demo.conftest import TODAY


def read(path):
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def test_every_reference_file_parses_without_problems(tmp_path):
    company = Organisation(seed=7, people=300, today=TODAY)
    paths = write_reference_files(company, tmp_path / "reference", date(2025, 1, 1), TODAY)

    assert set(paths) == {"users", "api_key_mappings", "budgets", "seat_prices", "roi_assumptions", "gemini_billing_export"}
    users = parse_users(*read(paths["users"]))
    mappings = parse_api_key_mappings(*read(paths["api_key_mappings"]))
    budgets = parse_budgets(*read(paths["budgets"]))
    roi = parse_roi_assumptions(*read(paths["roi_assumptions"]))

    assert len(users) == sum(p.in_roster for p in company.people)
    assert (~users["is_active"]).any() and users["end_date"].notna().any()
    assert set(mappings["platform_code"]) == {"claude_api", "claude_code"}
    assert mappings["api_key_id"].isna().any(), "Claude Code API actors mapped by key name"
    assert mappings["valid_to"].notna().any() and mappings["valid_from"].notna().any(), "a key handed over"
    assert set(budgets["month"]) == {f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)
                                     if date(y, m, 1) <= TODAY}
    assert set(budgets["budget_category"]) == {p.department for p in company.people}
    assert seat_price(paths["seat_prices"], "cursor") > 0
    assert seat_price(paths["seat_prices"], "claude_web") > 0 and seat_price(paths["seat_prices"], "gemini") > 0
    assert len(roi) == 5


def test_the_billing_export_csv_is_the_query_s_columns_and_its_gemini_lines_add_up_to_the_truth(tmp_path):
    from ai_usage_analytics.demo.gemini_billing import gemini_cost_usd
    from ai_usage_analytics.resources.gemini_billing import LocalCsvGeminiBilling
    from ai_usage_analytics.transform.gemini import normalize_billing_export

    company = Organisation(seed=7, people=120, today=TODAY)
    paths = write_reference_files(company, tmp_path / "reference", date(2026, 3, 1), TODAY)
    first, stop = date(2026, 3, 10), date(2026, 3, 13)
    rows = LocalCsvGeminiBilling(path=str(paths["gemini_billing_export"])).cost_rows(first, stop)
    raw = normalize_billing_export(rows, first, stop, datetime(2026, 3, 20, tzinfo=timezone.utc))
    for offset in range(3):
        day = first + timedelta(days=offset)
        assert sum(raw.loc[raw["cost_date"] == day, "net_cost"]) == gemini_cost_usd(company, day) > 0
    assert set(raw["service_description"]) == {"Vertex AI", "Gemini API"}  # Compute Engine and other SKUs left out
    assert raw["label_user"].notna().any() and raw["label_user"].isna().any()


def test_a_later_demo_run_gets_the_billing_export_through_its_last_day_and_a_user_s_own_file_is_left(tmp_path):
    from ai_usage_analytics.demo.reference_files import refresh_billing_export

    company = Organisation(seed=7, people=300, today=TODAY)
    start, yesterday = TODAY - timedelta(days=20), TODAY - timedelta(days=1)
    paths = write_reference_files(company, tmp_path / "reference", start, yesterday - timedelta(days=1))
    billing = paths["gemini_billing_export"]
    days = lambda: {row["usage_start_time"][:10] for row in read(billing)[1]}  # noqa: E731
    assert max(days()) == (yesterday - timedelta(days=1)).isoformat()  # written a day ago
    assert refresh_billing_export(company, billing, tmp_path / "reference", start, yesterday)
    assert max(days()) == yesterday.isoformat()

    own = tmp_path / "elsewhere.csv"
    own.write_text("the company's own export\n")
    assert not refresh_billing_export(company, own, tmp_path / "reference", start, yesterday)
    assert own.read_text() == "the company's own export\n"
