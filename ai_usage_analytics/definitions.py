"""The one wiring point: every asset, check, job, schedule, sensor and resource.

``AI_USAGE_WAREHOUSE`` picks the whole set of resources; the keys are the same for every engine,
so no asset ever branches on the environment.
"""

from __future__ import annotations

import dagster as dg

from ai_usage_analytics.assets.facts import FACT_ASSETS, fact_ai_costs, fact_ai_usage
from ai_usage_analytics.assets.raw import RAW_ASSETS
from ai_usage_analytics.assets.reference import REFERENCE_ASSETS
from ai_usage_analytics.assets.views import VIEW_ASSETS
from ai_usage_analytics.jobs import daily_job
from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.cursor import CursorAdminAPI
from ai_usage_analytics.resources.bigquery_warehouse import BigQueryWarehouse
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
    }


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


def build_resources(settings: Settings) -> dict:
    warehouse = build_warehouse(settings)
    return {
        "warehouse": warehouse,
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "reference_sheets": reference_sheets(settings),
        **vendor_resources(settings),
    }


ASSETS = [*RAW_ASSETS, *REFERENCE_ASSETS, *FACT_ASSETS, *VIEW_ASSETS]

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[daily_job],
    schedules=[daily_6am_pacific],
    sensors=[build_mapping_sheet_sensor([fact_ai_usage.key, fact_ai_costs.key])],
    resources=build_resources(SETTINGS),
)
