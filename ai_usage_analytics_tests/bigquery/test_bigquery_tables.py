"""BigQuery specifics against the emulator: what the DDL creates, staging clean-up, atomic failure,
clear errors, and the SQL the warehouse sends."""

from datetime import date

import pandas as pd
import pytest
from google.api_core import exceptions as google_errors

from ai_usage_analytics.resources.bigquery_warehouse import BigQueryWarehouse, qualify_tables
from ai_usage_analytics.resources.ddl import load_ddl
from ai_usage_analytics.settings import SQL_DIR, ConfigError
from ai_usage_analytics_tests.conftest import drop_bigquery_dataset, new_bigquery_warehouse

TABLES = sorted(path.stem for path in (SQL_DIR / "ddl").glob("*.sql"))
SEED_LAYOUT = {  # the seed's partitioning and clustering
    "raw_cursor_events": ("usage_date", ["email", "usage_date"]),
    "raw_claude_events": ("usage_date", ["api_key_id", "model"]),
    "raw_claude_costs": ("cost_date", ["workspace_id", "cost_date"]),
    "fact_ai_usage": ("usage_date", ["user_sk", "platform_sk"]),
    "fact_ai_costs": ("cost_date", ["user_sk", "platform_sk"]),
}


@pytest.fixture
def bq(bigquery_emulator, ddl_dir):
    warehouse = new_bigquery_warehouse(bigquery_emulator, ddl_dir=str(ddl_dir))
    yield warehouse
    drop_bigquery_dataset(warehouse)


def test_the_ddl_creates_partitioned_clustered_tables_with_the_ddl_columns(bq):
    for table in TABLES:
        bq.ensure_table(table)
    for table in TABLES:
        ddl, meta = load_ddl(bq.ddl_dir, table), bq.client.get_table(bq._table_id(table))
        assert [f.name for f in meta.schema] == list(ddl.column_names), table
        field = meta.time_partitioning.field if meta.time_partitioning else None
        assert (field, meta.clustering_fields or []) == (ddl.partition_column, list(ddl.cluster_columns)), table
        money = [f.name for f in meta.schema if f.field_type == "NUMERIC"]
        assert money == [name for name, kind in ddl.columns if kind.startswith("NUMERIC")], table
    for table, (partition, clustering) in SEED_LAYOUT.items():
        meta = bq.client.get_table(bq._table_id(table))
        assert (meta.time_partitioning.type_, meta.time_partitioning.field, meta.clustering_fields) == (
            "DAY", partition, clustering)
    assert bq.table_names() == TABLES


def _frame(ids, day=date(2025, 3, 1)):
    return pd.DataFrame({"event_id": ids, "usage_date": [day] * len(ids), "user_email": "a@b.c",
                         "amount_usd": None, "tokens": 1, "event_timestamp": pd.Timestamp("2025-03-01T01:00Z")})


def test_a_write_leaves_no_staging_table_and_a_failed_swap_keeps_the_old_rows(bq):
    window = (date(2025, 3, 1), date(2025, 3, 2))
    assert bq.replace_window("sample_daily_events", _frame(["a", "b"]), "usage_date", *window) == 2
    with pytest.raises(google_errors.GoogleAPICallError):
        bq.replace_window("sample_daily_events", _frame(["c", None]), "usage_date", *window)  # NOT NULL event_id
    assert bq.read_table("sample_daily_events")["event_id"].tolist() == ["a", "b"]
    listed = [t.table_id for t in bq.client.list_tables(f"{bq.project}.{bq.dataset}")]
    assert listed == ["sample_daily_events"]


def test_a_missing_dataset_is_named_with_the_fix(bigquery_emulator):
    warehouse = BigQueryWarehouse(project="ai-usage-emulator", dataset="no_such_dataset", location="US",
                                  api_endpoint=bigquery_emulator, timeout_seconds=10)
    with pytest.raises(ConfigError, match="dataset ai-usage-emulator.no_such_dataset does not exist.*bq mk"):
        warehouse.ensure_table("dim_users")


def test_a_dead_emulator_fails_fast():
    import time

    from ai_usage_analytics_tests.bigquery.emulator import free_port

    warehouse = BigQueryWarehouse(project="p", dataset="d", api_endpoint=f"http://127.0.0.1:{free_port()}",
                                  timeout_seconds=3)
    started = time.monotonic()
    with pytest.raises(Exception):
        warehouse.query("SELECT 1")
    assert time.monotonic() - started < 20


def test_views_qualify_tables_but_not_ctes():
    sql = "WITH usage AS (SELECT * FROM fact_ai_usage) SELECT * FROM usage JOIN `other.dim_users` AS u ON TRUE"
    assert qualify_tables(sql, "proj-1", "ds") == (
        "WITH usage AS (SELECT * FROM `proj-1`.ds.fact_ai_usage) SELECT * FROM usage JOIN `other.dim_users` AS u ON TRUE")


def test_window_bounds_are_date_literals_and_datetimes_are_refused(bq):
    with pytest.raises(TypeError, match="datetime.date"):
        bq.replace_window("sample_daily_events", _frame([]), "usage_date", pd.Timestamp("2025-03-01"), date(2025, 3, 2))


def test_no_google_credentials_is_one_message_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud application-default credentials here
    monkeypatch.setenv("NO_GCE_CHECK", "true")  # and no metadata server is asked
    warehouse = BigQueryWarehouse(project="acme-data", dataset="ai_usage")
    with pytest.raises(ConfigError, match="no Google credentials.*GOOGLE_APPLICATION_CREDENTIALS"):
        warehouse.client


def test_a_refused_job_names_the_roles_to_grant(bq, monkeypatch):
    def refuse(*args, **kwargs):
        raise google_errors.Forbidden("Access Denied: User does not have bigquery.jobs.create permission")

    monkeypatch.setattr(bq.client, "query", refuse)
    with pytest.raises(PermissionError, match="roles/bigquery.dataEditor on the dataset and roles/bigquery.jobUser"):
        bq.query("SELECT 1")
