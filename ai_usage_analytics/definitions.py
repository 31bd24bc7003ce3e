"""The one wiring point: every asset, check, job, schedule, sensor and resource.

``AI_USAGE_WAREHOUSE`` picks the whole set of resources; the keys are the same for every engine,
so no asset ever branches on the environment.
"""

from __future__ import annotations

import dagster as dg

from ai_usage_analytics.assets.dashboards import DASHBOARD_ASSETS
from ai_usage_analytics.assets.facts import COSTS, FACT_ASSETS, USAGE
from ai_usage_analytics.assets import raw
from ai_usage_analytics.assets.raw_knowledge_work import CLAUDE_WEB_COSTS, CLAUDE_WEB_EVENTS, GEMINI_COSTS, GEMINI_EVENTS
from ai_usage_analytics.assets.raw_sources import RawSource, raw_pull
from ai_usage_analytics.assets.reference import REFERENCE_ASSETS
from ai_usage_analytics.assets.views import VIEW_ASSETS
from ai_usage_analytics.jobs import daily_job
from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.claude_analytics import ClaudeAnalyticsAPI
from ai_usage_analytics.resources.cursor import CursorAdminAPI
from ai_usage_analytics.resources.bigquery_warehouse import BigQueryWarehouse
from ai_usage_analytics.resources.gemini_billing import BigQueryGeminiBilling, GeminiBillingExport, LocalCsvGeminiBilling
from ai_usage_analytics.resources.google_reports import GoogleWorkspaceReports
from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse, check_duckdb_path_writable
from ai_usage_analytics.resources.google_sheets import GoogleSheetsReference, LocalCsvReference, ReferenceSheets
from ai_usage_analytics.resources.io_manager import WarehouseIOManager
from ai_usage_analytics.schedules import daily_6am_pacific
from ai_usage_analytics.sensors import build_mapping_sheet_sensor
from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.settings import SETTINGS, Settings


def secret(settings: Settings, name: str) -> dg.EnvVar | str:
    """The secret as an EnvVar when it is set; otherwise empty, so that only the assets needing it
    fail (naming the variable) instead of every run failing at start-up."""
    return dg.EnvVar(name) if name in settings.secrets_set else ""


def vendor_resources(settings: Settings) -> dict:
    return {
        "cursor": CursorAdminAPI(api_key=secret(settings, "CURSOR_API_KEY"), base_url=settings.cursor_api_base_url),
        "anthropic": AnthropicAdminAPI(
            api_key=secret(settings, "ANTHROPIC_ADMIN_API_KEY"), base_url=settings.anthropic_api_base_url
        ),
        "claude_analytics": ClaudeAnalyticsAPI(
            api_key=secret(settings, "CLAUDE_ANALYTICS_API_KEY"), base_url=settings.anthropic_api_base_url,
            requests_per_minute=settings.claude_analytics_requests_per_minute,
        ),
        "google_reports": GoogleWorkspaceReports(
            api_key=secret(settings, "GOOGLE_REPORTS_ACCESS_TOKEN"),
            base_url=settings.google_reports_api_base_url,
            credentials_path=secret(settings, "GOOGLE_APPLICATION_CREDENTIALS"),
            admin_subject=settings.google_reports_admin_subject or "",
            today=settings.google_reports_today.isoformat() if settings.google_reports_today else "",
        ),
        "gemini_billing": gemini_billing(settings),
    }


def gemini_billing(settings: Settings) -> GeminiBillingExport:
    """The Cloud Billing export table when GEMINI_BILLING_EXPORT_TABLE is set, else the local CSV."""
    if settings.gemini_billing_export_table:
        return BigQueryGeminiBilling(
            table=settings.gemini_billing_export_table, project=settings.gcp_project or "",
            location=settings.bigquery_location or "",
        )
    return LocalCsvGeminiBilling(path=str(settings.gemini_billing_csv))


def reference_sheets(settings: Settings) -> ReferenceSheets:
    """The Google Sheet when GOOGLE_SHEET_ID is set, else the CSV files in AI_USAGE_REFERENCE_DIR."""
    if settings.google_sheet_id:
        return GoogleSheetsReference(
            sheet_id=settings.google_sheet_id, credentials_path=secret(settings, "GOOGLE_APPLICATION_CREDENTIALS")
        )
    return LocalCsvReference(directory=str(settings.reference_dir))


def build_warehouse(settings: Settings) -> Warehouse:
    if settings.warehouse == "bigquery":
        return BigQueryWarehouse(
            project=settings.gcp_project,
            dataset=settings.bigquery_dataset,
            location=settings.bigquery_location,
            api_endpoint=settings.bigquery_api_endpoint,
            timeout_seconds=settings.bigquery_timeout_seconds,
        )
    check_duckdb_path_writable(settings.duckdb_path)
    return DuckDBWarehouse(path=str(settings.duckdb_path))


def run_executor(settings: Settings) -> dg.ExecutorDefinition:
    """How every run (the schedule's, the sensor's, a UI materialisation or backfill) executes its
    steps: ``AI_USAGE_EXECUTOR``, by default one after another in the run's process on DuckDB and a
    process per step, side by side, on BigQuery (README, Design decisions, has the measurements)."""
    return dg.multiprocess_executor if settings.executor == "multiprocess" else dg.in_process_executor


def build_resources(settings: Settings) -> dict:
    warehouse = build_warehouse(settings)
    return {
        "warehouse": warehouse,
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "reference_sheets": reference_sheets(settings),
        **vendor_resources(settings),
    }


# Every partitioned raw table, largest pull first: side by side, the long pulls start at once.
PULL_ORDER = [
    raw.CURSOR_USAGE_EVENTS, CLAUDE_WEB_COSTS, CLAUDE_WEB_EVENTS, GEMINI_EVENTS, raw.CURSOR_EVENTS,
    raw.CLAUDE_CODE_EVENTS, raw.CLAUDE_EVENTS, raw.CLAUDE_COSTS, GEMINI_COSTS,
]


def unconfigured_sources(settings: Settings) -> dict[str, str]:
    """Knowledge-work sources without credentials, each with what to set. Claude.ai needs
    CLAUDE_ANALYTICS_API_KEY (Enterprise plans only: Team plans have no API) and Gemini in Workspace a
    Reports API credential. Their raw assets are declared but not loaded (their description says what
    to set; their tables stay empty and the facts go on without them) instead of failing every morning
    and stopping the facts. The billing export is always read (no CSV and no table: no Gemini API cost)."""
    reports = "GOOGLE_REPORTS_ACCESS_TOKEN" in settings.secrets_set or (
        "GOOGLE_APPLICATION_CREDENTIALS" in settings.secrets_set and settings.google_reports_admin_subject is not None
    )
    missing: dict[str, str] = {}
    if "CLAUDE_ANALYTICS_API_KEY" not in settings.secrets_set:
        missing |= dict.fromkeys((CLAUDE_WEB_EVENTS.table, CLAUDE_WEB_COSTS.table), "set CLAUDE_ANALYTICS_API_KEY")
    if not reports:
        missing[GEMINI_EVENTS.table] = (
            "set GOOGLE_APPLICATION_CREDENTIALS and GOOGLE_REPORTS_ADMIN_SUBJECT (or GOOGLE_REPORTS_ACCESS_TOKEN)"
        )
    return missing


def raw_assets(settings: Settings) -> list:
    """One pull of every configured raw source (loaded side by side), the Anthropic snapshots, and the
    unconfigured sources declared but not loaded."""
    unconfigured = unconfigured_sources(settings)
    pulled = [source for source in PULL_ORDER if source.table not in unconfigured]
    declared = [not_configured(source, unconfigured[source.table]) for source in PULL_ORDER if source.table in unconfigured]
    return [raw_pull(*pulled, name="raw_vendor_pulls"), *raw.SNAPSHOT_ASSETS, *declared]


def not_configured(source: RawSource, fix: str) -> dg.AssetSpec:
    """The source's table, declared but not loaded (an external asset) until its source is configured."""
    spec = source.spec()
    return dg.AssetSpec(
        key=spec.key, description=f"Not loaded: {fix} to load it. {spec.description}", group_name=spec.group_name,
        owners=list(spec.owners), kinds=set(spec.kinds),
    )


ASSETS = [*raw_assets(SETTINGS), *REFERENCE_ASSETS, *FACT_ASSETS, *VIEW_ASSETS, *DASHBOARD_ASSETS]

defs = dg.Definitions(
    assets=ASSETS,
    executor=run_executor(SETTINGS),
    jobs=[daily_job],
    schedules=[daily_6am_pacific],
    sensors=[build_mapping_sheet_sensor([USAGE, COSTS])],
    resources=build_resources(SETTINGS),
)
