"""Raw assets: vendor payloads normalised into the raw tables, one UTC day per partition.

Every partitioned raw asset is range-aware: a run over many days fetches it in chunks the size of
the vendor's window (Cursor 30 days, Anthropic 31 daily buckets a page), so the calls stay at the
API minimum and memory at one chunk; each chunk keeps only rows inside it, is validated and staged,
and the whole window is replaced at the end in one transaction (``assets/chunked.py``). The request
counts of the run are in the materialisation metadata.
"""

from collections.abc import Callable
from datetime import date, timedelta

import dagster as dg
import pandas as pd
import pandera.pandas as pa

from ai_usage_analytics.assets.chunked import day_chunks, window, write_range
from ai_usage_analytics.checks import schemas
from ai_usage_analytics.checks.schema_check import schema_check_spec, validated_output
from ai_usage_analytics.partitions import daily_partitions
from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.cursor import CursorAdminAPI
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.settings import SETTINGS
from ai_usage_analytics.transform import anthropic as anthropic_transform
from ai_usage_analytics.transform import cursor as cursor_transform
from ai_usage_analytics.transform.common import utc_now

OWNERS = ["team:analytics-engineering"]
CURSOR_CHUNK_DAYS = 30  # the daily-usage-data window
# Usage events are any range in one paged query; 10 days keep a chunk near 100k events at 2,000
# people (a third of the memory of 30) for at most one partial page more per chunk.
CURSOR_EVENTS_CHUNK_DAYS = 10
ANTHROPIC_CHUNK_DAYS = 31  # daily buckets on one usage/cost report page
# Chunks fetched ahead, each in its own thread: while one is parsed the vendor prepares the next
# (one ahead left the vendor idle while we parsed). The rate limiters are shared, so calls per
# minute stay within the limits; memory holds PREFETCH_CHUNKS + 1 chunks.
PREFETCH_CHUNKS = 2


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


def _request_metadata(before: dict[str, int], after: dict[str, int], start: date, end: date) -> dict:
    calls = {endpoint: after.get(endpoint, 0) - before.get(endpoint, 0) for endpoint in after}
    calls = {endpoint: n for endpoint, n in calls.items() if n}
    return {
        "window": f"[{start}, {end})",
        "days": (end - start).days,
        "http_requests": sum(calls.values()),
        "http_requests_by_endpoint": dg.MetadataValue.json(calls),
    }


def _raw_range(context: dg.AssetExecutionContext, warehouse: Warehouse, client, model: type[pa.DataFrameModel],
               chunk_days: int, build: Callable[[date, date], pd.DataFrame],
               more_metadata: Callable[[], dict] | None = None, prefetch: int = PREFETCH_CHUNKS):
    """``write_range`` over the run's window in ``chunk_days`` chunks (the next ``prefetch`` fetched
    while this one is checked and staged), with the run's request counts (plus ``more_metadata()`` when given)."""
    start, end = window(context)
    before = client.request_counts()

    def metadata(_totals: dict) -> dict:
        return _request_metadata(before, client.request_counts(), start, end) | (more_metadata() if more_metadata else {})

    yield from write_range(
        context, warehouse, model, day_chunks(start, end, chunk_days), build, metadata=metadata,
        prefetch=prefetch,
    )


@dg.asset(**_daily("raw_cursor_events", "usage_date", "cursor"))
def raw_cursor_events(context: dg.AssetExecutionContext, cursor: CursorAdminAPI, warehouse: Warehouse):
    """Cursor daily usage per member (POST /teams/daily-usage-data): lines suggested and accepted,
    accepts/rejects, tabs, requests by kind, most used model. One row per email and UTC day; fetched
    in windows of at most 30 days."""
    def build(start: date, end: date) -> pd.DataFrame:
        rows = cursor.get_daily_usage(start, end - timedelta(days=1))
        return cursor_transform.normalize_daily_usage(rows, start, end, utc_now(), secrets=[cursor.api_key])

    yield from _raw_range(context, warehouse, cursor, schemas.RawCursorEvents, CURSOR_CHUNK_DAYS, build)


@dg.asset(**_daily("raw_cursor_usage_events", "usage_date", "cursor"))
def raw_cursor_usage_events(context: dg.AssetExecutionContext, cursor: CursorAdminAPI, warehouse: Warehouse):
    """Cursor usage events (POST /teams/filtered-usage-events): one row per request with its model,
    kind, request units, tokens and charged dollars (the basis of Cursor usage cost). Fetched in one
    paged query per 10-day chunk of the range."""

    def build(start: date, end: date) -> pd.DataFrame:
        events = cursor.iter_usage_events(start, end - timedelta(days=1))  # normalised as pages arrive
        return cursor_transform.normalize_usage_events(events, start, end, utc_now(), secrets=[cursor.api_key])

    yield from _raw_range(context, warehouse, cursor, schemas.RawCursorUsageEvents, CURSOR_EVENTS_CHUNK_DAYS, build)


@dg.asset(**_daily("raw_claude_events", "usage_date", "anthropic"))
def raw_claude_events(context: dg.AssetExecutionContext, anthropic: AnthropicAdminAPI, warehouse: Warehouse):
    """Anthropic Messages API token usage (usage_report/messages, daily buckets grouped by API key,
    workspace, model, service tier and context window): uncached, cache-read, cache-write and output
    tokens per group and UTC day. Usage in a configured Claude Code workspace is marked claude_code."""
    def build(start: date, end: date) -> pd.DataFrame:
        buckets = anthropic.get_messages_usage(start, end - timedelta(days=1))
        return anthropic_transform.normalize_messages_usage(
            buckets, start, end, utc_now(), SETTINGS.claude_code_workspace_ids, secrets=[anthropic.api_key]
        )

    yield from _raw_range(context, warehouse, anthropic, schemas.RawClaudeEvents, ANTHROPIC_CHUNK_DAYS, build)


@dg.asset(**_daily("raw_claude_code_events", "usage_date", "anthropic"))
def raw_claude_code_events(context: dg.AssetExecutionContext, anthropic: AnthropicAdminAPI, warehouse: Warehouse):
    """Claude Code activity per actor and UTC day (usage_report/claude_code): sessions, lines
    added/removed, commits and pull requests by Claude Code, tool accepts/rejects, tokens and the
    vendor's estimated cost per model. The API serves one day per query, so a range costs a query per day."""
    def build(start: date, end: date) -> pd.DataFrame:
        records = [
            record
            for offset in range((end - start).days)
            for record in anthropic.get_claude_code_usage(start + timedelta(days=offset))
        ]
        return anthropic_transform.normalize_claude_code(records, start, end, utc_now(), secrets=[anthropic.api_key])

    yield from _raw_range(context, warehouse, anthropic, schemas.RawClaudeCodeEvents, ANTHROPIC_CHUNK_DAYS, build)


@dg.asset(**_daily("raw_claude_costs", "cost_date", "anthropic"))
def raw_claude_costs(context: dg.AssetExecutionContext, anthropic: AnthropicAdminAPI, warehouse: Warehouse):
    """Anthropic billed cost per UTC day, workspace and cost line (cost_report grouped by workspace
    and description), in US dollars (the API reports cents). Token lines carry model and token type;
    web search and code execution lines are kept. Allocated to people in fact_ai_costs."""
    def build(start: date, end: date) -> pd.DataFrame:
        buckets = anthropic.get_cost_report(start, end - timedelta(days=1))
        return anthropic_transform.normalize_cost_report(
            buckets, start, end, utc_now(), SETTINGS.claude_code_workspace_ids, secrets=[anthropic.api_key]
        )

    yield from _raw_range(context, warehouse, anthropic, schemas.RawClaudeCosts, ANTHROPIC_CHUNK_DAYS, build)


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
