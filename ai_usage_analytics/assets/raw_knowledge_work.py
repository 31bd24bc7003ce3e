"""Raw assets of the knowledge-work tools: Claude.ai (Enterprise Analytics API) and Google Gemini.

Same contract as ``assets.raw``: one UTC day per partition, a single run over a range, the fewest
calls the API allows, the frame validated before it is written, request counts in the metadata.
"""

from datetime import timedelta

import dagster as dg

from ai_usage_analytics.assets.raw import _daily, _request_metadata, _window
from ai_usage_analytics.checks import schemas
from ai_usage_analytics.checks.schema_check import validated_output
from ai_usage_analytics.resources.claude_analytics import ClaudeAnalyticsAPI
from ai_usage_analytics.resources.gemini_billing import GeminiBillingExport
from ai_usage_analytics.resources.google_reports import GoogleWorkspaceReports
from ai_usage_analytics.transform import claude_web, gemini
from ai_usage_analytics.transform.common import utc_now


@dg.asset(**_daily("raw_claude_web_events", "usage_date", "anthropic"))
def raw_claude_web_events(context: dg.AssetExecutionContext, claude_analytics: ClaudeAnalyticsAPI):
    """Claude.ai engagement per seat user and UTC day (Enterprise Analytics API /analytics/users?date=):
    chat messages and conversations, files, artifacts, projects, connectors, skills, web searches,
    Cowork / Claude Design / Office (Excel, Outlook, PowerPoint, Word) / science messages and sessions,
    and the user's Claude Code totals. One query (paged by 1000 users) per day: the API serves one day
    a query. A day not aggregated yet (before ~10:00 UTC the next day) is left empty and listed in
    the metadata; the next scheduled run loads it."""
    start, end = _window(context)
    before = claude_analytics.request_counts()
    days = list(claude_analytics.get_users_days(start, end - timedelta(days=1)))
    frame = claude_web.normalize_analytics_users(
        ((d.day, d.records) for d in days), start, end, utc_now(), secrets=[claude_analytics.api_key]
    )
    metadata = _request_metadata(before, claude_analytics.request_counts(), start, end)
    metadata["days_not_yet_available"] = dg.MetadataValue.json([d.day.isoformat() for d in days if not d.ready])
    yield from validated_output(schemas.RawClaudeWebEvents, frame, context.asset_key, metadata)


@dg.asset(**_daily("raw_claude_web_costs", "cost_date", "anthropic"))
def raw_claude_web_costs(context: dg.AssetExecutionContext, claude_analytics: ClaudeAnalyticsAPI):
    """Claude.ai billed cost per user, UTC day and cost line (Enterprise Analytics API
    user_cost_report, daily buckets grouped by product, model, cost type and token type), in US
    dollars (the API reports cents, post-discount and pre-credit). Claude Code product lines are
    platform claude_code, the rest claude_web. Fetched in windows of at most 31 days."""
    start, end = _window(context)
    before = claude_analytics.request_counts()
    rows = claude_analytics.get_user_cost(start, end - timedelta(days=1))
    frame = claude_web.normalize_user_cost(rows, start, end, utc_now(), secrets=[claude_analytics.api_key])
    yield from validated_output(
        schemas.RawClaudeWebCosts, frame, context.asset_key,
        _request_metadata(before, claude_analytics.request_counts(), start, end),
    )


@dg.asset(**_daily("raw_gemini_events", "usage_date", "google"))
def raw_gemini_events(context: dg.AssetExecutionContext, google_reports: GoogleWorkspaceReports):
    """Gemini in Workspace feature use (Admin SDK Reports API, gemini_in_workspace_apps,
    feature_utilization events) counted per person, UTC day, app (Gmail, Docs, Sheets, Slides, Drive,
    Meet, Chat, Gemini app) and action (summarize, generate_text, ...). The whole range in one query
    paged by 1000 activities."""
    start, end = _window(context)
    before = google_reports.request_counts()
    items = google_reports.get_gemini_activities(start, end - timedelta(days=1))
    frame = gemini.normalize_gemini_activities(items, start, end, utc_now(), secrets=[google_reports.api_key])
    yield from validated_output(
        schemas.RawGeminiEvents, frame, context.asset_key,
        _request_metadata(before, google_reports.request_counts(), start, end),
    )


@dg.asset(**_daily("raw_gemini_costs", "cost_date", "google"))
def raw_gemini_costs(context: dg.AssetExecutionContext, gemini_billing: GeminiBillingExport):
    """Gemini API and Vertex AI (Gemini SKUs) cost lines from the Cloud Billing export: gross cost,
    credits and net cost (cost + credits) per export line, with project and the request labels
    user / team used to attribute them. Read with one query over the range (BigQuery in
    production, the CSV of the same columns locally)."""
    start, end = _window(context)
    frame = gemini.normalize_billing_export(gemini_billing.cost_rows(start, end), start, end, utc_now())
    metadata = {"window": f"[{start}, {end})", "days": (end - start).days, "source": gemini_billing.describe()}
    yield from validated_output(schemas.RawGeminiCosts, frame, context.asset_key, metadata)


KNOWLEDGE_WORK_RAW_ASSETS = [raw_claude_web_events, raw_claude_web_costs, raw_gemini_events, raw_gemini_costs]
