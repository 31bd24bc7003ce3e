"""The billing export behind ``gemini_billing``: the BigQuery query's logic (run on nested columns in
DuckDB through the same translation the warehouse uses) and the local CSV of the same columns."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import dagster as dg
import duckdb
import pandas as pd
import pytest
import sqlglot

from ai_usage_analytics.resources.gemini_billing import BigQueryGeminiBilling, LocalCsvGeminiBilling
from ai_usage_analytics.settings import SQL_DIR
from ai_usage_analytics.transform.gemini import normalize_billing_export
from ai_usage_analytics.transform.gemini_export import BILLING_COLUMNS, GEMINI_API_SERVICES, VERTEX_SERVICES

EXPORT = """CREATE TABLE billing (
  billing_account_id VARCHAR, service STRUCT(id VARCHAR, description VARCHAR), sku STRUCT(id VARCHAR, description VARCHAR),
  usage_start_time TIMESTAMPTZ, usage_end_time TIMESTAMPTZ, project STRUCT(id VARCHAR, name VARCHAR),
  labels STRUCT(key VARCHAR, value VARCHAR)[], cost DOUBLE, currency VARCHAR,
  credits STRUCT(name VARCHAR, amount DOUBLE)[], cost_type VARCHAR, usage STRUCT(amount DOUBLE, unit VARCHAR))"""
ROWS = [
    ("Vertex AI", "Gemini 2.5 Pro Input Text Tokens", "2026-03-10 10:00:00+00", "[{'key': 'user', 'value': 'ada_at_corp_com'}]",
     2.5, "[{'name': 'FreeTier', 'amount': -0.5}, {'name': 'Promo', 'amount': -0.25}]"),
    ("Gemini API", "Gemini 2.0 Flash Output", "2026-03-10 23:00:00+00", "[]", 1.0, "[]"),
    ("Vertex AI", "Vertex AI Online Prediction Node", "2026-03-10 11:00:00+00", "[]", 9.0, "[]"),  # not Gemini
    ("Compute Engine", "E2 Instance Core", "2026-03-10 12:00:00+00", "[]", 7.0, "[]"),
    ("Gemini API", "Gemini 2.0 Flash Output", "2026-03-11 00:00:00+00", "[]", 5.0, "[]"),  # next day
]


def test_the_export_query_filters_services_and_the_window_and_nets_the_credits():
    con = duckdb.connect()
    con.execute(EXPORT)
    for service, sku, start, labels, cost, credits in ROWS:
        con.execute(f"INSERT INTO billing VALUES ('01A', {{'id': 'S', 'description': '{service}'}}, "
                    f"{{'id': 'K', 'description': '{sku}'}}, TIMESTAMPTZ '{start}', TIMESTAMPTZ '{start}', "
                    f"{{'id': 'gemini-research', 'name': 'Gemini Research'}}, {labels}, {cost}, 'USD', {credits}, "
                    "'regular', {'amount': 1000, 'unit': 'count'})")
    bigquery = (SQL_DIR / "queries" / "gemini_billing_export.sql").read_text().replace("{table}", "memory.main.billing")
    sql = sqlglot.transpile(bigquery, read="bigquery", write="duckdb")[0]
    params = {"start": datetime(2026, 3, 10, tzinfo=timezone.utc), "end": datetime(2026, 3, 11, tzinfo=timezone.utc),
              "api_services": list(GEMINI_API_SERVICES), "vertex_services": list(VERTEX_SERVICES)}
    frame = con.execute(sql, params).df()

    assert list(frame.columns) == list(BILLING_COLUMNS)
    raw = normalize_billing_export(frame, date(2026, 3, 10), date(2026, 3, 11), datetime(2026, 3, 12, tzinfo=timezone.utc))
    assert sorted(raw["service_description"]) == ["Gemini API", "Vertex AI"]
    vertex = raw[raw["service_description"] == "Vertex AI"].iloc[0]
    assert (vertex["net_cost"], vertex["credits_amount"], vertex["label_user"]) == (Decimal("1.75"), Decimal("-0.75"), "ada_at_corp_com")
    assert sum(raw["net_cost"]) == Decimal("2.75")


def test_a_table_name_that_is_not_project_dataset_table_is_refused_before_any_query():
    with pytest.raises(dg.Failure, match="GEMINI_BILLING_EXPORT_TABLE"):
        BigQueryGeminiBilling(table="billing; DROP TABLE x").cost_rows(date(2026, 3, 10), date(2026, 3, 11))


def test_no_csv_means_no_gemini_api_cost_and_a_csv_missing_columns_is_refused(tmp_path):
    absent = LocalCsvGeminiBilling(path=str(tmp_path / "none.csv"))
    assert absent.cost_rows(date(2026, 3, 10), date(2026, 3, 11)).empty and "absent" in absent.describe()
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"cost": ["1"]}).to_csv(bad, index=False)
    with pytest.raises(dg.Failure, match="credits_amount"):
        LocalCsvGeminiBilling(path=str(bad)).cost_rows(date(2026, 3, 10), date(2026, 3, 11))


def test_the_bigquery_implementation_sends_the_query_with_the_window_and_services_as_parameters(monkeypatch):
    from google.cloud import bigquery

    sent = {}

    class FakeJob:
        def to_dataframe(self):
            return pd.DataFrame({"cost": [1.0]})

    class FakeClient:
        def __init__(self, project=None, location=None):
            sent["client"] = (project, location)

        def query(self, sql, job_config):
            sent["sql"], sent["params"] = sql, {p.name: p for p in job_config.query_parameters}
            return FakeJob()

    monkeypatch.setattr(bigquery, "Client", FakeClient)
    frame = BigQueryGeminiBilling(table="acme-billing.billing.gcp_billing_export_resource_v1_01A", project="acme",
                                  location="EU").cost_rows(date(2026, 3, 10), date(2026, 3, 12))
    assert list(frame.columns) == list(BILLING_COLUMNS) and frame["cost"].tolist() == [1.0]
    assert "FROM `acme-billing.billing.gcp_billing_export_resource_v1_01A`" in sent["sql"]
    assert sent["client"] == ("acme", "EU")
    assert sent["params"]["start"].value == datetime(2026, 3, 10, tzinfo=timezone.utc)
    assert sent["params"]["end"].value == datetime(2026, 3, 12, tzinfo=timezone.utc)
    assert sent["params"]["api_services"].values == list(GEMINI_API_SERVICES)
