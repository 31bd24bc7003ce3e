"""The Cloud Billing export behind one resource key, ``gemini_billing``: Gemini API / Vertex AI cost lines.

Production (``GEMINI_BILLING_EXPORT_TABLE`` set): ``BigQueryGeminiBilling`` runs
``sql/queries/gemini_billing_export.sql`` on the export table, filtering services and the
``usage_start_time`` window in BigQuery. Locally: ``LocalCsvGeminiBilling`` reads a CSV with the
query's output columns (``BILLING_COLUMNS``; ``labels`` as the export's JSON list of ``{key, value}``,
``credits_amount`` the summed, negative credits) and applies the same filters. Both return a frame of
``BILLING_COLUMNS`` as text/number values; parsing belongs to ``transform.gemini``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import date, datetime, time, timezone
from pathlib import Path

import dagster as dg
import pandas as pd

from ai_usage_analytics.settings import SQL_DIR
from ai_usage_analytics.transform.gemini import gemini_billing_rows
from ai_usage_analytics.transform.gemini_export import BILLING_COLUMNS, GEMINI_API_SERVICES, VERTEX_SERVICES

TABLE_NAME = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_\-$]+$")


class GeminiBillingExport(dg.ConfigurableResource, ABC):
    """Gemini cost lines of the Cloud Billing export whose usage started in ``[start, end)`` (UTC days)."""

    @abstractmethod
    def cost_rows(self, start: date, end: date) -> pd.DataFrame:
        """``BILLING_COLUMNS`` of the Gemini rows in the window."""

    @abstractmethod
    def describe(self) -> str:
        """Where the rows come from (no credentials), for metadata."""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, timezone.utc)


class BigQueryGeminiBilling(GeminiBillingExport):
    """The export table in BigQuery (``project.dataset.table``), read with the job's default credentials."""

    table: str
    project: str = ""
    location: str = ""

    def describe(self) -> str:
        return f"BigQuery table {self.table}"

    def cost_rows(self, start: date, end: date) -> pd.DataFrame:
        if not TABLE_NAME.match(self.table):
            raise dg.Failure(
                description=f"GEMINI_BILLING_EXPORT_TABLE={self.table!r} is not a table name; "
                "use project.dataset.gcp_billing_export_resource_v1_<BILLING_ACCOUNT_ID>."
            )
        from google.cloud import bigquery

        sql = (SQL_DIR / "queries" / "gemini_billing_export.sql").read_text().replace("{table}", self.table)
        config = bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter("start", "TIMESTAMP", _midnight(start)),
            bigquery.ScalarQueryParameter("end", "TIMESTAMP", _midnight(end)),
            bigquery.ArrayQueryParameter("api_services", "STRING", list(GEMINI_API_SERVICES)),
            bigquery.ArrayQueryParameter("vertex_services", "STRING", list(VERTEX_SERVICES)),
        ])
        client = bigquery.Client(project=self.project or None, location=self.location or None)
        return client.query(sql, job_config=config).to_dataframe().reindex(columns=list(BILLING_COLUMNS))


class LocalCsvGeminiBilling(GeminiBillingExport):
    """A CSV with the query's columns (the demo writes one). No file means no Gemini API usage."""

    path: str

    def describe(self) -> str:
        return f"CSV {self.path}" if Path(self.path).is_file() else f"CSV {self.path} (absent: no Gemini API cost)"

    def cost_rows(self, start: date, end: date) -> pd.DataFrame:
        path = Path(self.path)
        if not path.is_file():
            return pd.DataFrame(columns=list(BILLING_COLUMNS))
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [c for c in BILLING_COLUMNS if c not in frame.columns]
        if missing:
            raise dg.Failure(description=f"{path} lacks the billing export column(s) {missing}; "
                             f"its header must be {','.join(BILLING_COLUMNS)}.")
        return gemini_billing_rows(frame[list(BILLING_COLUMNS)], start, end)
