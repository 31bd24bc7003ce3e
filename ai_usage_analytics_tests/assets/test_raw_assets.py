"""Raw assets with the documented payloads served over HTTP: real clients, real DuckDB file."""

import json
from decimal import Decimal
from pathlib import Path

import dagster as dg
import responses

from ai_usage_analytics.assets import raw
from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.cursor import CursorAdminAPI
from ai_usage_analytics.resources.io_manager import WarehouseIOManager

VENDOR = Path(__file__).parents[1] / "fixtures" / "vendor"
CURSOR = "http://cursor.test"
ANTHROPIC = "http://anthropic.test"
CURSOR_KEY = "crsr_test_secret_value_0123456789"
ANTHROPIC_KEY = "sk-ant-admin01-test-secret-value-0123456789abcdef"


def body(path: str) -> dict:
    return json.loads((VENDOR / path).read_text())


def last_page(path: str) -> dict:
    page = body(path)
    page["has_more"], page["next_page"] = False, None
    return page


def resources(warehouse) -> dict:
    fast = dict(backoff_factor=0.0, backoff_jitter_seconds=0.0, max_retries=2)
    return {
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "warehouse": warehouse,
        "cursor": CursorAdminAPI(
            api_key=CURSOR_KEY, base_url=CURSOR, requests_per_minute=0, usage_events_requests_per_minute=0, **fast
        ),
        "anthropic": AnthropicAdminAPI(api_key=ANTHROPIC_KEY, base_url=ANTHROPIC, **fast),
    }


def run(assets, warehouse, first, last=None, raise_on_error=True):
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last or first}
    return dg.materialize(assets, tags=tags, resources=resources(warehouse), raise_on_error=raise_on_error)


def metadata(result, asset_name):
    (materialization,) = result.asset_materializations_for_node(asset_name)
    return {k: v.value for k, v in materialization.metadata.items()}


@responses.activate
def test_cursor_daily_usage_lands_in_its_columns(warehouse):
    page = body("cursor/teams_daily_usage_data.json")
    page["data"][0].update(day="2025-03-18", date=1742256000000)  # the documented 2024 day, moved into range
    responses.post(f"{CURSOR}/teams/daily-usage-data", json=page)
    result = run([raw.raw_cursor_events], warehouse, "2025-03-18")
    row = warehouse.query("SELECT * FROM raw_cursor_events").iloc[0]
    assert (row["email"], str(row["usage_date"])[:10]) == ("developer@company.com", "2025-03-18")
    assert (row["total_lines_added"], row["accepted_lines_added"], row["total_rejects"]) == (1543, 1102, 14)
    assert metadata(result, "raw_cursor_events")["http_requests"] == 1
    sent = json.loads(responses.calls[0].request.body)
    assert (sent["startDate"], sent["endDate"]) == (1742256000000, 1742342399999)
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_cursor_usage_events_dollars_exact(warehouse):
    page = body("cursor/teams_filtered_usage_events.json")
    page["pagination"]["hasNextPage"], page["pagination"]["numPages"] = False, 1
    responses.post(f"{CURSOR}/teams/filtered-usage-events", json=page)
    run([raw.raw_cursor_usage_events], warehouse, "2025-06-26")
    charged = warehouse.query(
        "SELECT CAST(SUM(charged_usd) AS VARCHAR) AS usd, SUM(input_tokens) AS tokens FROM raw_cursor_usage_events"
    ).iloc[0]
    assert Decimal(charged["usd"]) == Decimal("0.6669232")
    assert charged["tokens"] == 126 + 5805


@responses.activate
def test_anthropic_usage_cost_and_claude_code_land(warehouse):
    responses.get(f"{ANTHROPIC}/v1/organizations/usage_report/messages", json=last_page("anthropic/usage_report_messages.json"))
    responses.get(f"{ANTHROPIC}/v1/organizations/cost_report", json=last_page("anthropic/cost_report.json"))
    run([raw.raw_claude_events, raw.raw_claude_costs], warehouse, "2025-08-01")
    usage = warehouse.query("SELECT * FROM raw_claude_events").iloc[0]
    assert (usage["uncached_input_tokens"], usage["cache_creation_tokens"], usage["output_tokens"]) == (1500, 1500, 500)
    cost = warehouse.query("SELECT CAST(amount_usd AS VARCHAR) AS usd, cost_date FROM raw_claude_costs").iloc[0]
    assert Decimal(cost["usd"]) == Decimal("1.2378912") and str(cost["cost_date"])[:10] == "2025-08-01"
    request = responses.calls[0].request
    assert request.headers["x-api-key"] == ANTHROPIC_KEY and request.headers["anthropic-version"] == "2023-06-01"

    responses.get(f"{ANTHROPIC}/v1/organizations/usage_report/claude_code", json=last_page("anthropic/usage_report_claude_code.json"))
    run([raw.raw_claude_code_events], warehouse, "2025-08-08")
    code = warehouse.query("SELECT * FROM raw_claude_code_events").iloc[0]
    assert (code["actor_email"], code["lines_added"], code["tool_accepted"]) == ("user@emaildomain.com", 342, 50)
    assert Decimal(warehouse.query("SELECT CAST(estimated_cost_usd AS VARCHAR) AS e FROM raw_claude_code_events")["e"][0]) == Decimal("2.28")


@responses.activate
def test_snapshots_land(warehouse):
    for name in ("api_keys", "workspaces", "users"):
        page = body(f"anthropic/{name}_list.json")
        page["has_more"] = False
        responses.get(f"{ANTHROPIC}/v1/organizations/{name}", json=page)
    dg.materialize(
        [raw.raw_anthropic_api_keys, raw.raw_anthropic_workspaces, raw.raw_anthropic_users], resources=resources(warehouse)
    )
    assert warehouse.query("SELECT api_key_name FROM raw_anthropic_api_keys")["api_key_name"].tolist() == ["Developer Key"]
    assert warehouse.query("SELECT email FROM raw_anthropic_users")["email"].tolist() == ["user@emaildomain.com"]


@responses.activate
def test_vendor_401_fails_naming_the_variable_and_writes_nothing(warehouse):
    page = body("cursor/teams_daily_usage_data.json")
    page["data"][0].update(day="2025-03-18", date=1742256000000)
    responses.post(f"{CURSOR}/teams/daily-usage-data", json=page)
    run([raw.raw_cursor_events], warehouse, "2025-03-18")
    before = warehouse.query("SELECT COUNT(*) AS n FROM raw_cursor_events")["n"][0]
    assert before == 1
    responses.replace(responses.POST, f"{CURSOR}/teams/daily-usage-data", json=body("cursor/error_401.json"), status=401)
    result = run([raw.raw_cursor_events], warehouse, "2025-03-18", raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.to_string()
    assert "401" in message and "Invalid API key" in message and "CURSOR_API_KEY" in message
    assert CURSOR_KEY not in message
    assert warehouse.query("SELECT COUNT(*) AS n FROM raw_cursor_events")["n"][0] == before
