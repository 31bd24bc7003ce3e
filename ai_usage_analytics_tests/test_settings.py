"""Configuration errors: one message, naming the variable, raised when the code location loads."""

import os
import subprocess
import sys
from datetime import date

import pytest

from ai_usage_analytics.settings import REPO_ROOT, ConfigError, load_settings


def load_definitions(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import ai_usage_analytics.definitions"],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def last_line(completed: subprocess.CompletedProcess) -> str:
    return completed.stderr.strip().splitlines()[-1]


def test_defaults():
    settings = load_settings({})
    assert settings.warehouse == "duckdb"
    assert settings.executor == "in_process"
    assert settings.duckdb_path == REPO_ROOT / "data" / "warehouse.duckdb"
    assert settings.reference_dir == REPO_ROOT / "data" / "reference"
    assert settings.partition_start == date(2025, 1, 1)
    assert settings.schedule_lookback_days == 3
    assert settings.min_group_size == 5
    assert settings.cursor_api_base_url == "https://api.cursor.com"
    assert settings.claude_code_workspace_ids == ()


def test_values_are_read_and_normalised():
    settings = load_settings(
        {
            "AI_USAGE_WAREHOUSE": "DuckDB",
            "AI_USAGE_DUCKDB_PATH": "/tmp/x.duckdb",
            "CURSOR_API_BASE_URL": "http://127.0.0.1:9999/",
            "CLAUDE_CODE_WORKSPACE_IDS": "wrkspc_a, wrkspc_b,",
            "AI_USAGE_SCHEDULE_LOOKBACK_DAYS": "7",
            "AI_USAGE_EXECUTOR": " Multiprocess ",
        }
    )
    assert settings.warehouse == "duckdb"
    assert settings.executor == "multiprocess"
    assert str(settings.duckdb_path) == "/tmp/x.duckdb"
    assert settings.cursor_api_base_url == "http://127.0.0.1:9999"
    assert settings.claude_code_workspace_ids == ("wrkspc_a", "wrkspc_b")
    assert settings.schedule_lookback_days == 7


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AI_USAGE_WAREHOUSE": "snowflake"}, "AI_USAGE_WAREHOUSE='snowflake' is not a known warehouse"),
        ({"AI_USAGE_PARTITION_START": "last year"}, "AI_USAGE_PARTITION_START='last year' is not a date"),
        ({"AI_USAGE_SCHEDULE_LOOKBACK_DAYS": "-1"}, "AI_USAGE_SCHEDULE_LOOKBACK_DAYS=-1 is too small"),
        ({"AI_USAGE_MIN_GROUP_SIZE": "five"}, "AI_USAGE_MIN_GROUP_SIZE='five' is not a whole number"),
        ({"AI_USAGE_EXECUTOR": "threads"}, "AI_USAGE_EXECUTOR='threads' is not a known executor; set it to one of "
                                           "in_process, multiprocess"),
    ],
)
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_bad_warehouse_fails_at_load_with_one_message():
    completed = load_definitions(AI_USAGE_WAREHOUSE="oracle")
    assert completed.returncode != 0
    assert "ConfigError: AI_USAGE_WAREHOUSE='oracle' is not a known warehouse" in last_line(completed)


def test_bigquery_without_project_and_dataset_fails_at_load_naming_both():
    completed = load_definitions(AI_USAGE_WAREHOUSE="bigquery", GCP_PROJECT="", BIGQUERY_DATASET="")
    assert completed.returncode != 0
    assert "AI_USAGE_WAREHOUSE=bigquery needs GCP_PROJECT and BIGQUERY_DATASET" in last_line(completed)


def test_bigquery_settings_build_the_bigquery_warehouse_under_the_same_keys():
    from ai_usage_analytics.definitions import build_resources
    from ai_usage_analytics.resources.bigquery_warehouse import BigQueryWarehouse

    settings = load_settings({
        "AI_USAGE_WAREHOUSE": "bigquery", "GCP_PROJECT": "acme-data", "BIGQUERY_DATASET": "ai_usage",
        "BIGQUERY_LOCATION": "EU", "BIGQUERY_API_ENDPOINT": "http://127.0.0.1:9050", "BIGQUERY_TIMEOUT_SECONDS": "20",
    })
    resources = build_resources(settings)
    warehouse = resources["warehouse"]
    assert isinstance(warehouse, BigQueryWarehouse) and resources["io_manager"].warehouse is warehouse
    assert (warehouse.project, warehouse.dataset, warehouse.location) == ("acme-data", "ai_usage", "EU")
    assert (warehouse.api_endpoint, warehouse.timeout_seconds) == ("http://127.0.0.1:9050", 20)
    assert set(resources) == set(build_resources(load_settings({})))


def test_unwritable_duckdb_path_fails_at_load_naming_the_variable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    completed = load_definitions(AI_USAGE_DUCKDB_PATH=str(blocker / "sub" / "warehouse.duckdb"))
    assert completed.returncode != 0
    assert f"AI_USAGE_DUCKDB_PATH={blocker}/sub/warehouse.duckdb cannot be created" in last_line(completed)


def test_duckdb_path_that_is_a_directory_fails_at_load(tmp_path):
    completed = load_definitions(AI_USAGE_DUCKDB_PATH=str(tmp_path))
    assert completed.returncode != 0
    assert "is not a writable file" in last_line(completed)


def test_dashboard_settings():
    assert load_settings({}).dashboard_dir == REPO_ROOT / "data" / "dashboards"
    assert load_settings({}).dashboard_person_level is False
    settings = load_settings({"AI_USAGE_DASHBOARD_DIR": "out/pages", "AI_USAGE_DASHBOARD_PERSON_LEVEL": "1"})
    assert settings.dashboard_dir == REPO_ROOT / "out" / "pages" and settings.dashboard_person_level is True
    with pytest.raises(ConfigError, match=r"AI_USAGE_DASHBOARD_PERSON_LEVEL='yes' is not a switch; set it to 1"):
        load_settings({"AI_USAGE_DASHBOARD_PERSON_LEVEL": "yes"})


def test_the_claude_analytics_limit_defaults_to_the_documented_60_a_minute_and_can_be_lifted():
    from ai_usage_analytics.definitions import vendor_resources

    assert load_settings({}).claude_analytics_requests_per_minute == 60
    settings = load_settings({"CLAUDE_ANALYTICS_REQUESTS_PER_MINUTE": "0"})
    assert vendor_resources(settings)["claude_analytics"].requests_per_minute == 0
    with pytest.raises(ConfigError, match="CLAUDE_ANALYTICS_REQUESTS_PER_MINUTE"):
        load_settings({"CLAUDE_ANALYTICS_REQUESTS_PER_MINUTE": "fast"})


def test_the_reports_api_clock_is_today_unless_set_and_a_bad_day_is_refused():
    from datetime import datetime, timezone

    from ai_usage_analytics.definitions import vendor_resources

    unset = vendor_resources(load_settings({}))["google_reports"]
    assert unset.today == "" and unset.reference_day() == datetime.now(timezone.utc).date()
    fixed = vendor_resources(load_settings({"GOOGLE_REPORTS_TODAY": "2026-03-20"}))["google_reports"]
    assert fixed.reference_day() == date(2026, 3, 20)
    with pytest.raises(ConfigError, match=r"GOOGLE_REPORTS_TODAY='March 20' is not a date; use the form YYYY-MM-DD"):
        load_settings({"GOOGLE_REPORTS_TODAY": "March 20"})


def test_worker_processes_default_to_two_and_the_older_variable_name_still_counts():
    assert load_settings({}).workers == 2
    assert load_settings({"AI_USAGE_WORKERS": "1"}).workers == 1
    assert load_settings({"AI_USAGE_RAW_WORKERS": "3"}).workers == 3  # the name before facts used workers too
    assert load_settings({"AI_USAGE_WORKERS": "1", "AI_USAGE_RAW_WORKERS": "3"}).workers == 1
    with pytest.raises(ConfigError, match="AI_USAGE_RAW_WORKERS='two' is not a whole number"):
        load_settings({"AI_USAGE_RAW_WORKERS": "two"})
