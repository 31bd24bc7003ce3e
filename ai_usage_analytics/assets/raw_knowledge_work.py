"""Raw assets of the knowledge-work tools: Claude.ai (Enterprise Analytics API) and Google Gemini.

Same contract as ``assets.raw``: one UTC day per partition, a single run over a range worked through
in chunks the size of the API's window (``assets/chunked.py``), the fewest calls the API allows,
every chunk validated before anything is written, request counts in the metadata.
"""

from collections.abc import Iterator
from datetime import date, timedelta

import dagster as dg
import pandas as pd

from ai_usage_analytics.assets.chunked import day_chunks, window, write_range
from ai_usage_analytics.assets.raw import _raw_range
from ai_usage_analytics.assets.raw_sources import RawSource, raw_pull
from ai_usage_analytics.checks import schemas
from ai_usage_analytics.resources.claude_analytics import USER_COST_PATH, USERS_PATH, ClaudeAnalyticsAPI
from ai_usage_analytics.resources.gemini_billing import GeminiBillingExport
from ai_usage_analytics.resources.google_reports import ACTIVITIES_PATH, GoogleWorkspaceReports
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.transform import claude_web, gemini
from ai_usage_analytics.transform.common import utc_now

# user_cost_report serves 31 daily buckets a query; /analytics/users is a query a day whatever the chunk.
CLAUDE_ANALYTICS_CHUNK_DAYS = 31
# The Reports API serves any range in one paged query; a month keeps a chunk's activities bounded
# for at most one partial page more per chunk.
GOOGLE_REPORTS_CHUNK_DAYS = 31
BILLING_EXPORT_CHUNK_DAYS = 31


def _load_claude_web_events(context: dg.AssetExecutionContext, key: dg.AssetKey,
                            claude_analytics: ClaudeAnalyticsAPI, warehouse: Warehouse):
    not_ready: list[str] = []

    def fetched(start: date, end: date) -> Iterator[tuple[date, list[dict]]]:
        """Each day's records as they arrive: a day's JSON is let go once normalised."""
        for users_day in claude_analytics.get_users_days(start, end - timedelta(days=1)):
            if not users_day.ready:
                not_ready.append(users_day.day.isoformat())
            yield users_day.day, users_day.records

    def build(start: date, end: date) -> pd.DataFrame:
        return claude_web.normalize_analytics_users(
            fetched(start, end), start, end, utc_now(), secrets=[claude_analytics.api_key]
        )

    yield from _raw_range(
        context, key, warehouse, claude_analytics, (f"GET {USERS_PATH}",),
        schemas.RawClaudeWebEvents, CLAUDE_ANALYTICS_CHUNK_DAYS, build,
        more_metadata=lambda: {"days_not_yet_available": dg.MetadataValue.json(sorted(not_ready))},
    )


def _load_claude_web_costs(context: dg.AssetExecutionContext, key: dg.AssetKey,
                           claude_analytics: ClaudeAnalyticsAPI, warehouse: Warehouse):
    def build(start: date, end: date) -> Iterator[pd.DataFrame]:
        rows = claude_analytics.iter_user_cost(start, end - timedelta(days=1))  # consumed page by page
        return claude_web.user_cost_batches(rows, start, end, utc_now(), secrets=[claude_analytics.api_key])

    yield from _raw_range(
        context, key, warehouse, claude_analytics, (f"GET {USER_COST_PATH}",),
        schemas.RawClaudeWebCosts, CLAUDE_ANALYTICS_CHUNK_DAYS, build,
    )


def _load_gemini_events(context: dg.AssetExecutionContext, key: dg.AssetKey,
                        google_reports: GoogleWorkspaceReports, warehouse: Warehouse):
    start, end = window(context)
    beyond = max(0, (min(end, google_reports.first_served_day()) - start).days)

    def build(first: date, last: date) -> pd.DataFrame:
        items = google_reports.get_gemini_activities(first, last - timedelta(days=1))
        return gemini.normalize_gemini_activities(items, first, last, utc_now(), secrets=[google_reports.api_key])

    yield from _raw_range(
        context, key, warehouse, google_reports, (f"GET {ACTIVITIES_PATH}",),
        schemas.RawGeminiEvents, GOOGLE_REPORTS_CHUNK_DAYS, build,
        more_metadata=lambda: {"days_beyond_retention": beyond},
    )


def _load_gemini_costs(context: dg.AssetExecutionContext, key: dg.AssetKey, gemini_billing: GeminiBillingExport,
                       warehouse: Warehouse):
    start, end = window(context)

    def build(first: date, last: date) -> pd.DataFrame:
        return gemini.normalize_billing_export(gemini_billing.cost_rows(first, last), first, last, utc_now())

    yield from write_range(
        context, warehouse, schemas.RawGeminiCosts, day_chunks(start, end, BILLING_EXPORT_CHUNK_DAYS), build,
        metadata=lambda _: {"source": gemini_billing.describe()}, key=key,
    )


CLAUDE_WEB_EVENTS = RawSource(
    "raw_claude_web_events", "usage_date", "anthropic", "claude_analytics",
    "Claude.ai engagement per seat user and UTC day (Enterprise Analytics API /analytics/users?date=): chat "
    "messages and conversations, files, artifacts, projects, connectors, skills, web searches, Cowork / "
    "Claude Design / Office (Excel, Outlook, PowerPoint, Word) / science messages and sessions, and the "
    "user's Claude Code totals. One query (paged by 1000 users) per day: the API serves one day a query. "
    "A day not aggregated yet (before ~10:00 UTC the next day) is left empty and listed in the metadata; "
    "the next scheduled run loads it.",
    _load_claude_web_events,
)
CLAUDE_WEB_COSTS = RawSource(
    "raw_claude_web_costs", "cost_date", "anthropic", "claude_analytics",
    "Claude.ai billed cost per user, UTC day and cost line (Enterprise Analytics API user_cost_report, "
    "daily buckets grouped by product, model, cost type and token type), in US dollars (the API reports "
    "cents, post-discount and pre-credit). Claude Code product lines are platform claude_code, the rest "
    "claude_web. Fetched in windows of at most 31 days.",
    _load_claude_web_costs,
)
GEMINI_EVENTS = RawSource(
    "raw_gemini_events", "usage_date", "google", "google_reports",
    "Gemini in Workspace feature use (Admin SDK Reports API, gemini_in_workspace_apps, feature_utilization "
    "events) counted per person, UTC day, app (Gmail, Docs, Sheets, Slides, Drive, Meet, Chat, Gemini app) "
    "and action (summarize, generate_text, ...). One query paged by 1000 activities per month of the "
    "range. The API keeps 180 days: older days of a backfill are not asked for, stay empty and are "
    "counted in the metadata (days_beyond_retention).",
    _load_gemini_events,
)
GEMINI_COSTS = RawSource(
    "raw_gemini_costs", "cost_date", "google", "gemini_billing",
    "Gemini API and Vertex AI (Gemini SKUs) cost lines from the Cloud Billing export: gross cost, credits "
    "and net cost (cost + credits) per export line, with project and the request labels user / team used "
    "to attribute them. Read with one query per month of the range (BigQuery in production, the CSV of "
    "the same columns locally).",
    _load_gemini_costs,
)

# Each source on its own (tests, and a job that wants one table); production pulls them with the
# engineering sources (definitions.raw_assets).
raw_claude_web_events = raw_pull(CLAUDE_WEB_EVENTS)
raw_claude_web_costs = raw_pull(CLAUDE_WEB_COSTS)
raw_gemini_events = raw_pull(GEMINI_EVENTS)
raw_gemini_costs = raw_pull(GEMINI_COSTS)

KNOWLEDGE_WORK_RAW_ASSETS = [raw_claude_web_events, raw_claude_web_costs, raw_gemini_events, raw_gemini_costs]
