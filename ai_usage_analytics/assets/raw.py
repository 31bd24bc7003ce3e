"""Raw assets: vendor payloads normalised into the raw tables, one UTC day per partition.

Every partitioned raw asset is range-aware: a run over many days fetches the whole range with the
fewest calls the vendor allows (the client windows and pages), keeps only rows inside the range, and
writes every day of it in one replace. The frame is validated before it is written; the request
counts of the run are in the materialisation metadata.
"""

from datetime import date, timedelta

import dagster as dg

from ai_usage_analytics.checks import schemas
from ai_usage_analytics.checks.schema_check import schema_check_spec, validated_output
from ai_usage_analytics.partitions import daily_partitions, day_window
from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.cursor import CursorAdminAPI
from ai_usage_analytics.settings import SETTINGS
from ai_usage_analytics.transform import anthropic as anthropic_transform
from ai_usage_analytics.transform import cursor as cursor_transform
from ai_usage_analytics.transform.common import utc_now

OWNERS = ["team:analytics-engineering"]


def _daily(table: str, day_column: str, vendor: str) -> dict:
    return dict(
        name=table,
        group_name="raw",
        owners=OWNERS,
        kinds={"python", vendor, "table"},
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        metadata={"partition_expr": day_column},
        check_specs=[schema_check_spec(table)],
    )


def _snapshot(table: str) -> dict:
    return dict(
        name=table,
        group_name="raw",
        owners=OWNERS,
        kinds={"python", "anthropic", "table"},
        check_specs=[schema_check_spec(table)],
    )


def _window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    key_range = context.partition_key_range
    return day_window(key_range.start, key_range.end)


def _request_metadata(before: dict[str, int], after: dict[str, int], start: date, end: date) -> dict:
    calls = {endpoint: after.get(endpoint, 0) - before.get(endpoint, 0) for endpoint in after}
    calls = {endpoint: n for endpoint, n in calls.items() if n}
    return {
        "window": f"[{start}, {end})",
        "days": (end - start).days,
        "http_requests": sum(calls.values()),
        "http_requests_by_endpoint": dg.MetadataValue.json(calls),
    }


@dg.asset(**_daily("raw_cursor_events", "usage_date", "cursor"))
def raw_cursor_events(context: dg.AssetExecutionContext, cursor: CursorAdminAPI):
    """Cursor daily usage per member (POST /teams/daily-usage-data): lines suggested and accepted,
    accepts/rejects, tabs, requests by kind, most used model. One row per email and UTC day; fetched
    in windows of at most 30 days."""
    start, end = _window(context)
    before = cursor.request_counts()
    rows = cursor.get_daily_usage(start, end - timedelta(days=1))
    frame = cursor_transform.normalize_daily_usage(rows, start, end, utc_now(), secrets=[cursor.api_key])
    yield from validated_output(
        schemas.RawCursorEvents, frame, context.asset_key, _request_metadata(before, cursor.request_counts(), start, end)
    )


@dg.asset(**_daily("raw_cursor_usage_events", "usage_date", "cursor"))
def raw_cursor_usage_events(context: dg.AssetExecutionContext, cursor: CursorAdminAPI):
    """Cursor usage events (POST /teams/filtered-usage-events): one row per request with its model,
    kind, request units, tokens and charged dollars (the basis of Cursor usage cost). Fetched for the
    whole range in one paged query."""
    start, end = _window(context)
    before = cursor.request_counts()
    events = cursor.get_usage_events(start, end - timedelta(days=1))
    frame = cursor_transform.normalize_usage_events(events, start, end, utc_now(), secrets=[cursor.api_key])
    yield from validated_output(
        schemas.RawCursorUsageEvents,
        frame,
        context.asset_key,
        _request_metadata(before, cursor.request_counts(), start, end),
    )


@dg.asset(**_daily("raw_claude_events", "usage_date", "anthropic"))
def raw_claude_events(context: dg.AssetExecutionContext, anthropic: AnthropicAdminAPI):
    """Anthropic Messages API token usage (usage_report/messages, daily buckets grouped by API key,
    workspace, model, service tier and context window): uncached, cache-read, cache-write and output
    tokens per group and UTC day. Usage in a configured Claude Code workspace is marked claude_code."""
    start, end = _window(context)
    before = anthropic.request_counts()
    buckets = anthropic.get_messages_usage(start, end - timedelta(days=1))
    frame = anthropic_transform.normalize_messages_usage(
        buckets, start, end, utc_now(), SETTINGS.claude_code_workspace_ids, secrets=[anthropic.api_key]
    )
    yield from validated_output(
        schemas.RawClaudeEvents, frame, context.asset_key, _request_metadata(before, anthropic.request_counts(), start, end)
    )


@dg.asset(**_daily("raw_claude_code_events", "usage_date", "anthropic"))
def raw_claude_code_events(context: dg.AssetExecutionContext, anthropic: AnthropicAdminAPI):
    """Claude Code activity per actor and UTC day (usage_report/claude_code): sessions, lines
    added/removed, commits and pull requests by Claude Code, tool accepts/rejects, tokens and the
    vendor's estimated cost per model. The API serves one day per query, so a range costs a query per day."""
    start, end = _window(context)
    before = anthropic.request_counts()
    records = [
        record
        for offset in range((end - start).days)
        for record in anthropic.get_claude_code_usage(start + timedelta(days=offset))
    ]
    frame = anthropic_transform.normalize_claude_code(records, start, end, utc_now(), secrets=[anthropic.api_key])
    yield from validated_output(
        schemas.RawClaudeCodeEvents,
        frame,
        context.asset_key,
        _request_metadata(before, anthropic.request_counts(), start, end),
    )


@dg.asset(**_daily("raw_claude_costs", "cost_date", "anthropic"))
def raw_claude_costs(context: dg.AssetExecutionContext, anthropic: AnthropicAdminAPI):
    """Anthropic billed cost per UTC day, workspace and cost line (cost_report grouped by workspace
    and description), in US dollars (the API reports cents). Token lines carry model and token type;
    web search and code execution lines are kept. Allocated to people in fact_ai_costs."""
    start, end = _window(context)
    before = anthropic.request_counts()
    buckets = anthropic.get_cost_report(start, end - timedelta(days=1))
    frame = anthropic_transform.normalize_cost_report(
        buckets, start, end, utc_now(), SETTINGS.claude_code_workspace_ids, secrets=[anthropic.api_key]
    )
    yield from validated_output(
        schemas.RawClaudeCosts, frame, context.asset_key, _request_metadata(before, anthropic.request_counts(), start, end)
    )


@dg.asset(**_snapshot("raw_anthropic_api_keys"))
def raw_anthropic_api_keys(anthropic: AnthropicAdminAPI):
    """Current list of Anthropic API keys (every status): name, workspace, creator and principal —
    the evidence for mapping keys and Claude Code API actors to people."""
    frame = anthropic_transform.normalize_api_keys(anthropic.list_api_keys(), utc_now(), secrets=[anthropic.api_key])
    yield from validated_output(schemas.RawAnthropicApiKeys, frame, "raw_anthropic_api_keys")


@dg.asset(**_snapshot("raw_anthropic_workspaces"))
def raw_anthropic_workspaces(anthropic: AnthropicAdminAPI):
    """Current list of Anthropic workspaces, archived ones included (names for the workspace ids in
    usage and cost)."""
    frame = anthropic_transform.normalize_workspaces(
        anthropic.list_workspaces(), utc_now(), secrets=[anthropic.api_key]
    )
    yield from validated_output(schemas.RawAnthropicWorkspaces, frame, "raw_anthropic_workspaces")


@dg.asset(**_snapshot("raw_anthropic_users"))
def raw_anthropic_users(anthropic: AnthropicAdminAPI):
    """Current members of the Anthropic organisation (Console users): ids, emails and roles, used to
    turn an API key's creator into a person."""
    frame = anthropic_transform.normalize_users(anthropic.list_users(), utc_now(), secrets=[anthropic.api_key])
    yield from validated_output(schemas.RawAnthropicUsers, frame, "raw_anthropic_users")


RAW_ASSETS = [
    raw_cursor_events,
    raw_cursor_usage_events,
    raw_claude_events,
    raw_claude_code_events,
    raw_claude_costs,
    raw_anthropic_api_keys,
    raw_anthropic_workspaces,
    raw_anthropic_users,
]
