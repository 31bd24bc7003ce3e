"""The whole pipeline against the vendor simulator over HTTP: real clients, real DuckDB file."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from ai_usage_analytics.assets import facts, raw, raw_sources, reference
from ai_usage_analytics.demo.reference_files import write_reference_files
from ai_usage_analytics.demo.server import DEMO_KEYS, start_simulator
from ai_usage_analytics.resources.anthropic import AnthropicAdminAPI
from ai_usage_analytics.resources.claude_analytics import ClaudeAnalyticsAPI
from ai_usage_analytics.resources.cursor import CursorAdminAPI
from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse
from ai_usage_analytics.resources.gemini_billing import LocalCsvGeminiBilling
from ai_usage_analytics.resources.google_reports import GoogleWorkspaceReports
from ai_usage_analytics.resources.google_sheets import LocalCsvReference
from ai_usage_analytics.resources.io_manager import WarehouseIOManager
from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG

PEOPLE, SEED = 80, 11
TODAY = date(2026, 3, 20)
LAST = date(2026, 3, 18)
FIRST = LAST - timedelta(days=29)  # a 30-day range
SECRETS = tuple(DEMO_KEYS.values())


@pytest.fixture(scope="session")
def simulator():
    with start_simulator(people=PEOPLE, seed=SEED, keys=DEMO_KEYS, today=TODAY) as handle:
        yield handle


@pytest.fixture(autouse=True)
def clean_simulator(simulator):
    simulator.reset()
    yield


def point_settings_at(monkeypatch, simulator, directory: Path) -> Path:
    """Write the demo's reference files into ``directory`` and point the settings the assets read at
    them and at the simulated Claude Code workspace."""
    write_reference_files(simulator.org, directory, date(2025, 1, 1), LAST)
    workspaces = tuple(w.id for w in simulator.org.workspaces if w.is_claude_code)
    for module in (raw, facts, reference):
        settings = dataclasses.replace(module.SETTINGS, reference_dir=directory, claude_code_workspace_ids=workspaces)
        monkeypatch.setattr(module, "SETTINGS", settings)
    # Settings patched here live in this process only; a worker process reads the environment's.
    monkeypatch.setattr(raw_sources, "SETTINGS", dataclasses.replace(raw_sources.SETTINGS, workers=1))
    return directory


@contextmanager
def loaded_pipeline(simulator, directory: Path, assets, **run_options) -> Iterator[tuple]:
    """``assets`` run once into a DuckDB file in ``directory``, the settings pointed at the simulated
    company while the block runs: (warehouse, reference_dir, result). The run succeeded and passed
    every ERROR check."""
    warehouse = DuckDBWarehouse(path=str(directory / "warehouse.duckdb"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        reference_dir = point_settings_at(monkeypatch, simulator, directory / "reference")
        result = run(assets, warehouse, simulator, reference_dir, **run_options)
        assert result.success
        assert all(e.passed for e in result.get_asset_check_evaluations() if e.severity.value == "ERROR")
        yield warehouse, reference_dir, result


@pytest.fixture
def reference_dir(tmp_path, simulator, monkeypatch) -> Path:
    return point_settings_at(monkeypatch, simulator, tmp_path / "reference")


def resources(warehouse, simulator, reference_dir, anthropic_key: str = DEMO_KEYS["anthropic_admin"], retries: int = 3,
              analytics_key: str = DEMO_KEYS["claude_analytics"]):
    fast = dict(backoff_factor=0.0, backoff_jitter_seconds=0.0, max_retries=retries, timeout_seconds=5.0)
    return {
        "warehouse": warehouse,
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "reference_sheets": LocalCsvReference(directory=str(reference_dir)),
        "cursor": CursorAdminAPI(
            api_key=DEMO_KEYS["cursor"], api_key_env_var="CURSOR_API_KEY", base_url=simulator.url,
            requests_per_minute=0, usage_events_requests_per_minute=0, **fast,
        ),
        "anthropic": AnthropicAdminAPI(
            api_key=anthropic_key, api_key_env_var="ANTHROPIC_ADMIN_API_KEY", base_url=simulator.url, **fast
        ),
        "claude_analytics": ClaudeAnalyticsAPI(api_key=analytics_key, base_url=simulator.url, requests_per_minute=0, **fast),
        "google_reports": GoogleWorkspaceReports(api_key=DEMO_KEYS["google_reports"], base_url=simulator.url,
                                                 today=TODAY.isoformat(), **fast),
        "gemini_billing": LocalCsvGeminiBilling(path=str(reference_dir / "gemini_billing_export.csv")),
    }


def run(assets, warehouse, simulator, reference_dir, first: date = FIRST, last: date = LAST, **kwargs):
    options = {k: kwargs.pop(k) for k in ("anthropic_key", "retries", "analytics_key") if k in kwargs}
    return dg.materialize(
        assets,
        tags={RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()},
        resources=resources(warehouse, simulator, reference_dir, **options),
        **kwargs,
    )


def days(first: date = FIRST, last: date = LAST) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def per_day(warehouse, sql: str) -> dict:
    """{day: (the other columns)} from a query whose first column is a day."""
    frame = warehouse.query(sql)
    return {row[0].date() if hasattr(row[0], "date") else row[0]: tuple(row[1:]) for row in frame.itertuples(index=False)}


def table_hash(warehouse, table: str, exclude: tuple[str, ...]) -> str:
    """The table's content without the run-specific ``exclude`` columns, order-independent."""
    frame = warehouse.query(f"SELECT * EXCLUDE ({', '.join(exclude)}) FROM {table}")
    rows = sorted(map(repr, frame.astype(str).itertuples(index=False)))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()
