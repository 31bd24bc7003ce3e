"""Raw assets: vendor payloads normalised into the raw tables, one UTC day per partition.

Each partitioned table is a ``RawSource`` (``assets/raw_sources.py``): a run loads the ones it selects
side by side in one step. Every one is range-aware: a run over many days fetches it in chunks the
size of the vendor's window (Cursor 30 days, Anthropic 31 daily buckets a page), so the calls stay at
the API minimum and memory at one chunk; each chunk keeps only rows inside it, is validated and
staged, and the whole window is replaced at the end in one transaction (``assets/chunked.py``). The
request counts of the run are in the materialisation metadata.
"""

from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, timedelta

import dagster as dg
import pandas as pd
import pandera.pandas as pa

from ai_usage_analytics.assets.chunked import Build, day_chunks, window, write_range
from ai_usage_analytics.assets.raw_sources import OWNERS, RawSource, raw_pull
from ai_usage_analytics.checks import schemas
from ai_usage_analytics.checks.schema_check import schema_check_spec, validated_output
from ai_usage_analytics.resources.anthropic import (
    CLAUDE_CODE_PATH, COST_REPORT_PATH, MESSAGES_USAGE_PATH, AnthropicAdminAPI,
)
from ai_usage_analytics.resources.cursor import DAILY_USAGE_PATH, USAGE_EVENTS_PATH, CursorAdminAPI
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.settings import SETTINGS
from ai_usage_analytics.transform import anthropic as anthropic_transform
from ai_usage_analytics.transform import cursor as cursor_transform
from ai_usage_analytics.transform.common import utc_now

CURSOR_CHUNK_DAYS = 30  # the daily-usage-data window
# Usage events are any range in one paged query; 3 days keep a chunk near 20k events at 2,000
# people for at most one partial page more per chunk. Two sources pulled at once in worker processes
# (assets/raw_workers.py) each hold their own chunks: with 10 days (and Claude.ai's month of cost lines
# in one frame) a year's pull peaked at 2,455 MiB; with 3 days (and those lines staged 25,000 at a
# time, claude_web.user_cost_batches) at 1,890 MiB, for 41 more requests.
CURSOR_EVENTS_CHUNK_DAYS = 3
ANTHROPIC_CHUNK_DAYS = 31  # daily buckets on one usage/cost report page
# Chunks fetched ahead, in a thread: while one is parsed the vendor prepares the next. One, not two:
# another source pulled side by side fills the waits now, and two ahead for both sources at once
# took a year's run past 2 GiB (2,086 MiB; 1,900 with one). Memory holds the chunks ahead + 1.
PREFETCH_CHUNKS = 1
# A worker process (assets/raw_workers.py) sets 0: the other worker fills its waits, and a chunk
# ahead in each of two processes took a year's pull past 2 GiB.
FETCH_AHEAD: ContextVar[int] = ContextVar("fetch_ahead", default=PREFETCH_CHUNKS)


def _snapshot(table: str) -> dict:
    return dict(
        name=table,
        group_name="raw",
        owners=OWNERS,
        kinds={"python", "anthropic", "table"},
        check_specs=[schema_check_spec(table)],
    )


def _request_metadata(before: dict[str, int], after: dict[str, int], endpoints: tuple[str, ...], start: date,
                      end: date) -> dict:
    """The run's calls to ``endpoints``: only the source's own, as another source may be using the same
    client side by side."""
    calls = {endpoint: after.get(endpoint, 0) - before.get(endpoint, 0) for endpoint in endpoints}
    calls = {endpoint: n for endpoint, n in calls.items() if n}
    return {
        "window": f"[{start}, {end})",
        "days": (end - start).days,
        "http_requests": sum(calls.values()),
        "http_requests_by_endpoint": dg.MetadataValue.json(calls),
    }


def _raw_range(context: dg.AssetExecutionContext, key: dg.AssetKey, warehouse: Warehouse, client,
               endpoints: tuple[str, ...], model: type[pa.DataFrameModel], chunk_days: int,
               build: Build, more_metadata: Callable[[], dict] | None = None):
    """``write_range`` over the run's window in ``chunk_days`` chunks (the next ``FETCH_AHEAD`` fetched
    while this one is checked and staged), with the run's request counts to ``endpoints`` (plus
    ``more_metadata()`` when given)."""
    start, end = window(context)
    before = client.request_counts()

    def metadata(_totals: dict) -> dict:
        counts = _request_metadata(before, client.request_counts(), endpoints, start, end)
        return counts | (more_metadata() if more_metadata else {})

    yield from write_range(
        context, warehouse, model, day_chunks(start, end, chunk_days), build, metadata=metadata,
        prefetch=FETCH_AHEAD.get(), key=key,
    )


def _load_cursor_events(context: dg.AssetExecutionContext, key: dg.AssetKey, cursor: CursorAdminAPI,
                        warehouse: Warehouse):
    def build(start: date, end: date) -> pd.DataFrame:
        rows = cursor.get_daily_usage(start, end - timedelta(days=1))
        return cursor_transform.normalize_daily_usage(rows, start, end, utc_now(), secrets=[cursor.api_key])

    yield from _raw_range(
        context, key, warehouse, cursor, (f"POST {DAILY_USAGE_PATH}",),
        schemas.RawCursorEvents, CURSOR_CHUNK_DAYS, build,
    )


def _load_cursor_usage_events(context: dg.AssetExecutionContext, key: dg.AssetKey, cursor: CursorAdminAPI,
                              warehouse: Warehouse):
    def build(start: date, end: date) -> pd.DataFrame:
        events = cursor.iter_usage_events(start, end - timedelta(days=1))  # normalised as pages arrive
        return cursor_transform.normalize_usage_events(events, start, end, utc_now(), secrets=[cursor.api_key])

    yield from _raw_range(
        context, key, warehouse, cursor, (f"POST {USAGE_EVENTS_PATH}",),
        schemas.RawCursorUsageEvents, CURSOR_EVENTS_CHUNK_DAYS, build,
    )


def _load_claude_events(context: dg.AssetExecutionContext, key: dg.AssetKey, anthropic: AnthropicAdminAPI,
                        warehouse: Warehouse):
    def build(start: date, end: date) -> pd.DataFrame:
        buckets = anthropic.get_messages_usage(start, end - timedelta(days=1))
        return anthropic_transform.normalize_messages_usage(
            buckets, start, end, utc_now(), SETTINGS.claude_code_workspace_ids, secrets=[anthropic.api_key]
        )

    yield from _raw_range(
        context, key, warehouse, anthropic, (f"GET {MESSAGES_USAGE_PATH}",),
        schemas.RawClaudeEvents, ANTHROPIC_CHUNK_DAYS, build,
    )


def _load_claude_code_events(context: dg.AssetExecutionContext, key: dg.AssetKey, anthropic: AnthropicAdminAPI,
                             warehouse: Warehouse):
    def build(start: date, end: date) -> pd.DataFrame:
        records = [
            record
            for offset in range((end - start).days)
            for record in anthropic.get_claude_code_usage(start + timedelta(days=offset))
        ]
        return anthropic_transform.normalize_claude_code(records, start, end, utc_now(), secrets=[anthropic.api_key])

    yield from _raw_range(
        context, key, warehouse, anthropic, (f"GET {CLAUDE_CODE_PATH}",),
        schemas.RawClaudeCodeEvents, ANTHROPIC_CHUNK_DAYS, build,
    )


def _load_claude_costs(context: dg.AssetExecutionContext, key: dg.AssetKey, anthropic: AnthropicAdminAPI,
                       warehouse: Warehouse):
    def build(start: date, end: date) -> pd.DataFrame:
        buckets = anthropic.get_cost_report(start, end - timedelta(days=1))
        return anthropic_transform.normalize_cost_report(
            buckets, start, end, utc_now(), SETTINGS.claude_code_workspace_ids, secrets=[anthropic.api_key]
        )

    yield from _raw_range(
        context, key, warehouse, anthropic, (f"GET {COST_REPORT_PATH}",),
        schemas.RawClaudeCosts, ANTHROPIC_CHUNK_DAYS, build,
    )


CURSOR_EVENTS = RawSource(
    "raw_cursor_events", "usage_date", "cursor", "cursor",
    "Cursor daily usage per member (POST /teams/daily-usage-data): lines suggested and accepted, "
    "accepts/rejects, tabs, requests by kind, most used model. One row per email and UTC day; fetched "
    "in windows of at most 30 days.",
    _load_cursor_events,
)
CURSOR_USAGE_EVENTS = RawSource(
    "raw_cursor_usage_events", "usage_date", "cursor", "cursor",
    "Cursor usage events (POST /teams/filtered-usage-events): one row per request with its model, kind, "
    "request units, tokens and charged dollars (the basis of Cursor usage cost). Fetched in one paged "
    "query per 10-day chunk of the range.",
    _load_cursor_usage_events,
)
CLAUDE_EVENTS = RawSource(
    "raw_claude_events", "usage_date", "anthropic", "anthropic",
    "Anthropic Messages API token usage (usage_report/messages, daily buckets grouped by API key, "
    "workspace, model, service tier and context window): uncached, cache-read, cache-write and output "
    "tokens per group and UTC day. Usage in a configured Claude Code workspace is marked claude_code.",
    _load_claude_events,
)
CLAUDE_CODE_EVENTS = RawSource(
    "raw_claude_code_events", "usage_date", "anthropic", "anthropic",
    "Claude Code activity per actor and UTC day (usage_report/claude_code): sessions, lines "
    "added/removed, commits and pull requests by Claude Code, tool accepts/rejects, tokens and the "
    "vendor's estimated cost per model. The API serves one day per query, so a range costs a query per day.",
    _load_claude_code_events,
)
CLAUDE_COSTS = RawSource(
    "raw_claude_costs", "cost_date", "anthropic", "anthropic",
    "Anthropic billed cost per UTC day, workspace and cost line (cost_report grouped by workspace and "
    "description), in US dollars (the API reports cents). Token lines carry model and token type; web "
    "search and code execution lines are kept. Allocated to people in fact_ai_costs.",
    _load_claude_costs,
)
# Largest first: side by side, the long pulls start at once and the short ones fill in after.
SOURCES = [CURSOR_USAGE_EVENTS, CURSOR_EVENTS, CLAUDE_CODE_EVENTS, CLAUDE_EVENTS, CLAUDE_COSTS]

# Each source on its own, for a test or a job that wants one table (production loads them together).
raw_cursor_events = raw_pull(CURSOR_EVENTS)
raw_cursor_usage_events = raw_pull(CURSOR_USAGE_EVENTS)
raw_claude_events = raw_pull(CLAUDE_EVENTS)
raw_claude_code_events = raw_pull(CLAUDE_CODE_EVENTS)
raw_claude_costs = raw_pull(CLAUDE_COSTS)


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


SNAPSHOT_ASSETS = [raw_anthropic_api_keys, raw_anthropic_workspaces, raw_anthropic_users]
# The engineering sources pulled side by side, and the snapshots. Production adds the knowledge-work
# sources to the same pull (definitions.raw_assets).
RAW_ASSETS = [raw_pull(*SOURCES, name="raw_engineering_pulls"), *SNAPSHOT_ASSETS]
