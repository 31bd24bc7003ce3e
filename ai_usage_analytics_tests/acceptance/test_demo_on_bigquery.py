"""Issue 9's first acceptance criterion as a user runs it: `make demo DEMO_UI=0` with
AI_USAGE_WAREHOUSE=bigquery and the emulator's endpoint succeeds end to end, and prints the same
tables, row counts, check results and reconciliation as the same demo on DuckDB."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from ai_usage_analytics.settings import REPO_ROOT
from ai_usage_analytics_tests.conftest import drop_bigquery_dataset, new_bigquery_warehouse

SMALL = {"DEMO_UI": "0", "DEMO_DAYS": "3", "DEMO_PEOPLE": "40", "DEMO_SEED": "5"}
SUMMARY = re.compile(r"^\s+\S.*(rows|passed|FAILED.*|equal|DIFFERS.*)$")


def demo(tmp_path, name: str, **env) -> list[str]:
    home = tmp_path / name
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO_ROOT / "dagster.yaml").read_text())
    completed = subprocess.run(
        [sys.executable, "-m", "ai_usage_analytics.demo"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, **SMALL, "DAGSTER_HOME": str(home), "AI_USAGE_REFERENCE_DIR": str(home / "reference"),
             "AI_USAGE_DUCKDB_PATH": str(home / "warehouse.duckdb"), "AI_USAGE_DASHBOARD_DIR": str(home / "dashboards"),
             **env},
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "succeeded" in completed.stdout
    return [line for line in completed.stdout.splitlines() if SUMMARY.match(line)]


def test_the_demo_on_bigquery_equals_the_demo_on_duckdb(bigquery_emulator, tmp_path):
    warehouse = new_bigquery_warehouse(bigquery_emulator)
    try:
        on_bigquery = demo(tmp_path, "bigquery", NO_GCE_CHECK="true", AI_USAGE_WAREHOUSE="bigquery",
                           GCP_PROJECT=warehouse.project, BIGQUERY_DATASET=warehouse.dataset, BIGQUERY_LOCATION="US",
                           BIGQUERY_API_ENDPOINT=bigquery_emulator, BIGQUERY_TIMEOUT_SECONDS="60")
    finally:
        drop_bigquery_dataset(warehouse)
    on_duckdb = demo(tmp_path, "duckdb", AI_USAGE_WAREHOUSE="duckdb")
    # Anthropic (and its unattributed share), Cursor, Claude.ai messages and cost, Gemini events and billing
    assert sum(line.endswith("equal") for line in on_bigquery) == 7
    assert any(line.strip().startswith("fact_ai_costs") and line.endswith("rows") for line in on_bigquery)
    assert on_bigquery == on_duckdb
