"""BigQuery implementation of the warehouse (``AI_USAGE_WAREHOUSE=bigquery``).

The client is built directly on google-cloud-bigquery, not through dagster-gcp's ``BigQueryResource``:
that resource cannot take an API endpoint (``client_options``) or anonymous credentials, which the
emulator the tests run against needs, nor per-call timeouts and retry deadlines, and it takes a
service-account key as a base64 config value where Google's standard credential chain (application
default credentials: ``gcloud auth application-default login``, a workload identity, or a key file
named by ``GOOGLE_APPLICATION_CREDENTIALS``) keeps keys out of Dagster config entirely. An endpoint on
this machine (``BIGQUERY_API_ENDPOINT=http://127.0.0.1:...``, an emulator) is used with anonymous
credentials, so nothing is looked up on the network.

How DESIGN section 5 holds here:
- tables are created by running ``sql/ddl/<table>.sql`` itself (PARTITION BY the day column, CLUSTER
  BY as the seed says, NUMERIC(38, 9) money); DDL columns a table lacks are added with ALTER TABLE;
- a window is replaced in two steps: the frame is loaded into a staging table (a Parquet load job
  with the schema taken from the DDL, so names are lower-case and money is exact Decimal), then one
  multi-statement transaction deletes the window and inserts the staged rows by column name, so
  readers see the old rows or the new ones, never an empty window; an empty frame only deletes;
- the window is bounded by DATE literals built from ``datetime.date`` values (never a
  ``'YYYY-MM-DD 00:00:00'`` string, which BigQuery refuses to compare with a DATE column), and reads
  filter the partition column with DATE query parameters, so BigQuery prunes to the window;
- views are created from ``sql/views`` as written, with table references qualified by the dataset
  (a view body does not see the query's default dataset);
- bytes processed and billed are logged for every job that reports them.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlparse

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq
import sqlglot
from google.api_core import exceptions as google_errors
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import DefaultCredentialsError
from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY, DEFAULT_RETRY
from pydantic import Field, PrivateAttr
from sqlglot import exp

from ai_usage_analytics.resources.arrow_frames import to_pandas, typed_table
from ai_usage_analytics.resources.warehouse import StagedPart, Warehouse, WindowStage
from ai_usage_analytics.settings import ConfigError

STAGING_PREFIX = "_staging_"
STAGING_LIFETIME = timedelta(hours=1)  # a staging table left by a killed run expires by itself
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
FULL_LINE_COMMENT = re.compile(r"^[ \t]*--.*$\n?", re.MULTILINE)


def _base_type(bigquery_type: str) -> str:
    return bigquery_type.split("(")[0].strip().upper()


def _parameter(name: str | None, value) -> bigquery.ScalarQueryParameter:
    if isinstance(value, datetime):
        stamp = pd.Timestamp(value)
        kind, value = "TIMESTAMP", (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).to_pydatetime()
    elif isinstance(value, date):
        kind = "DATE"
    elif isinstance(value, bool):
        kind = "BOOL"
    elif isinstance(value, int):
        kind = "INT64"
    elif isinstance(value, float):
        kind = "FLOAT64"
    elif isinstance(value, Decimal):
        kind = "NUMERIC"
    else:
        kind = "STRING"
    return bigquery.ScalarQueryParameter(name, kind, value)


def _parameters(params: list | dict | None) -> list[bigquery.ScalarQueryParameter]:
    if not params:
        return []
    if isinstance(params, dict):
        return [_parameter(name, value) for name, value in params.items()]
    return [_parameter(None, value) for value in params]


def _date_literal(day: date) -> str:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"A day window needs datetime.date bounds, got {day!r}.")
    return f"DATE '{day.isoformat()}'"


def qualify_tables(bigquery_select: str, project: str, dataset: str) -> str:
    """The SELECT with every unqualified table reference (not a CTE) prefixed by project.dataset."""
    tree = sqlglot.parse_one(bigquery_select, read="bigquery")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not table.args.get("db") and table.name not in ctes:
            table.set("db", exp.to_identifier(dataset))
            table.set("catalog", exp.to_identifier(project))
    return tree.sql(dialect="bigquery")


def _megabytes(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:,.1f} MB"


class BigQueryWarehouse(Warehouse):
    """Tables, views and queries in one BigQuery dataset (``GCP_PROJECT``.``BIGQUERY_DATASET``)."""

    project: str = Field(description="GCP project that owns the dataset and runs the jobs.")
    dataset: str = Field(description="Dataset holding every table and view of the pipeline.")
    location: str | None = Field(default=None, description="Dataset location (e.g. US, EU); None = the dataset's.")
    api_endpoint: str | None = Field(
        default=None, description="API endpoint override, e.g. an emulator on 127.0.0.1 (anonymous credentials)."
    )
    timeout_seconds: float = Field(
        default=600.0, description="Longest wait for one job or API call, retries included."
    )

    _client: bigquery.Client | None = PrivateAttr(default=None)
    _ensured: set = PrivateAttr(default_factory=set)

    # --- plumbing ------------------------------------------------------------------------------

    @property
    def client(self) -> bigquery.Client:
        if self._client is None:
            local = self.api_endpoint is not None and urlparse(self.api_endpoint).hostname in LOCAL_HOSTS
            try:
                self._client = bigquery.Client(
                    project=self.project,
                    location=self.location,
                    credentials=AnonymousCredentials() if local else None,
                    client_options=ClientOptions(api_endpoint=self.api_endpoint) if self.api_endpoint else None,
                )
            except DefaultCredentialsError as error:
                raise ConfigError(
                    "AI_USAGE_WAREHOUSE=bigquery found no Google credentials: run `gcloud auth application-default "
                    "login`, attach a service account to the machine, or set GOOGLE_APPLICATION_CREDENTIALS to a "
                    "service-account key file (README, Running on BigQuery)."
                ) from error
        return self._client

    @property
    def _retry(self):
        return DEFAULT_RETRY.with_deadline(min(self.timeout_seconds, 120.0))

    @property
    def _request_timeout(self) -> float:
        return min(self.timeout_seconds, 60.0)

    def ref(self, name: str) -> str:
        return f"`{self.project}.{self.dataset}.{name}`"

    def _table_id(self, name: str) -> str:
        return f"{self.project}.{self.dataset}.{name}"

    def _run(self, sql: str, params: list | dict | None = None) -> bigquery.table.RowIterator:
        config = bigquery.QueryJobConfig(
            default_dataset=f"{self.project}.{self.dataset}", query_parameters=_parameters(params)
        )

        # The client's own job retry has a fixed 10-minute deadline; ours is bounded by timeout_seconds,
        # so an unreachable endpoint fails within it. Only transient job errors are re-run.
        @DEFAULT_JOB_RETRY.with_deadline(self.timeout_seconds)
        def run_job():
            job = self.client.query(
                sql, job_config=config, timeout=self._request_timeout, retry=self._retry, job_retry=None
            )
            return job, job.result(timeout=self.timeout_seconds, retry=self._retry)

        try:
            job, rows = run_job()
        except google_errors.Forbidden as error:
            raise PermissionError(
                f"BigQuery refused a job in {self.project}.{self.dataset}: {error.message}. Grant the pipeline's "
                "identity roles/bigquery.dataEditor on the dataset and roles/bigquery.jobUser on the project."
            ) from error
        if job.total_bytes_processed:  # the API reports them (0 for DDL, and always 0 on the emulator)
            dg.get_dagster_logger().info(
                f"BigQuery job {job.job_id} ({job.statement_type or 'query'}): "
                f"{_megabytes(job.total_bytes_processed)} processed, {_megabytes(job.total_bytes_billed)} billed"
            )
        return rows

    def _missing_dataset(self, error: Exception) -> ConfigError | None:
        try:
            self.client.get_dataset(f"{self.project}.{self.dataset}", retry=self._retry, timeout=self._request_timeout)
        except google_errors.NotFound:
            return ConfigError(
                f"BigQuery dataset {self.project}.{self.dataset} does not exist ({error.__class__.__name__}). "
                f"Create it (bq mk --dataset --location=<location> {self.project}:{self.dataset}) or point "
                "GCP_PROJECT / BIGQUERY_DATASET at an existing one."
            )
        return None

    # --- tables --------------------------------------------------------------------------------

    def ensure_table(self, table: str) -> None:
        ddl = self.ddl(table)
        if (table, ddl.bigquery_sql) in self._ensured:
            return
        try:
            existing = self.client.get_table(self._table_id(table), retry=self._retry, timeout=self._request_timeout)
        except google_errors.NotFound as error:
            if (missing := self._missing_dataset(error)) is not None:
                raise missing from error
            self._run(ddl.for_bigquery(self.ref(table)))
        else:
            present = {field.name for field in existing.schema}
            added = [f"ADD COLUMN IF NOT EXISTS {name} {kind}" for name, kind in ddl.columns if name not in present]
            if added:
                self._run(f"ALTER TABLE {self.ref(table)} " + ", ".join(added))
        self._ensured.add((table, ddl.bigquery_sql))

    def table_names(self) -> list[str]:
        tables = self.client.list_tables(
            f"{self.project}.{self.dataset}", retry=self._retry, timeout=self._request_timeout
        )
        return sorted(t.table_id for t in tables if t.table_type == "TABLE" and not t.table_id.startswith(STAGING_PREFIX))

    def _staging_schema(self, table: str) -> list[bigquery.SchemaField]:
        kinds = {"JSON": "STRING"}  # JSON travels as text and is parsed by the INSERT
        return [bigquery.SchemaField(c, kinds.get(_base_type(k), _base_type(k))) for c, k in self.ddl(table).columns]

    def _create_staging(self, table: str) -> str:
        """A new, empty staging table shaped like ``table``; returns its name. The caller drops it."""
        name = f"{STAGING_PREFIX}{table}_{uuid.uuid4().hex[:12]}"
        staging = bigquery.Table(self._table_id(name), schema=self._staging_schema(table))
        staging.expires = datetime.now(timezone.utc) + STAGING_LIFETIME
        self.client.create_table(staging, retry=self._retry, timeout=self._request_timeout)
        return name

    def _load_staging(self, table: str, staging: str, frame: pd.DataFrame) -> None:
        """Append ``frame`` (conformed to ``table``) to the staging table: a Parquet load job typed from the DDL."""
        buffer = io.BytesIO()
        pq.write_table(typed_table(frame, dict(self.ddl(table).columns)), buffer)
        buffer.seek(0)
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET, schema=self._staging_schema(table),
            write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
        )
        job = self.client.load_table_from_file(
            buffer, self._table_id(staging), job_config=config, timeout=self._request_timeout
        )
        job.result(timeout=self.timeout_seconds, retry=self._retry)

    def _swap_in(self, table: str, staging: list[str], where: str) -> None:
        """Replace the rows of ``table`` matching ``where`` by the rows of the staging tables, in one
        transaction."""
        delete = f"DELETE FROM {self.ref(table)} WHERE {where}"
        if not staging:
            self._run(delete)  # one DML statement is atomic by itself
            return
        columns = self.ddl(table).columns
        names = ", ".join(name for name, _ in columns)
        values = ", ".join(f"PARSE_JSON({name})" if _base_type(kind) == "JSON" else name for name, kind in columns)
        staged = " UNION ALL ".join(f"SELECT {names} FROM {self.ref(name)}" for name in staging)
        self._run(
            "BEGIN TRANSACTION;\n"
            f"{delete};\n"
            f"INSERT INTO {self.ref(table)} ({names}) SELECT {values} FROM ({staged});\n"
            "COMMIT TRANSACTION;"
        )

    def _write(self, table: str, frame: pd.DataFrame, where: str) -> int:
        incoming = self.conform(table, frame)
        self.ensure_table(table)
        staging = self._create_staging(table) if len(incoming) else None
        try:
            if staging is not None:
                self._load_staging(table, staging, incoming)
            self._swap_in(table, [staging] if staging else [], where)
        finally:
            if staging is not None:
                self._drop_staging(staging)
        return len(incoming)

    def _window_where(self, table: str, date_column: str, start: date, end: date) -> str:
        if date_column not in self.ddl(table).column_names:
            raise ValueError(f"{date_column!r} is not a column of sql/ddl/{table}.sql.")
        return f"{date_column} >= {_date_literal(start)} AND {date_column} < {_date_literal(end)}"

    def replace_window(self, table: str, frame: pd.DataFrame, date_column: str, start: date, end: date) -> int:
        self.check_window(table, frame, date_column, start, end)
        return self._write(table, frame, self._window_where(table, date_column, start, end))

    @contextmanager
    def staged_window(self, table: str, date_column: str, start: date, end: date) -> Iterator[WindowStage]:
        """Each chunk is loaded into one staging table as it comes (a load job per chunk); at the end the
        window is swapped in by the same transaction as ``replace_window``, with an adopted part's own
        staging table. The staging tables are deleted either way (and expire by themselves should the
        process die)."""
        where = self._window_where(table, date_column, start, end)
        self.ensure_table(table)
        staging: list[str] = []  # this process's, then the adopted parts'
        own: str | None = None

        def sink(frame: pd.DataFrame) -> None:
            nonlocal own
            if own is None:
                own = self._create_staging(table)
                staging.insert(0, own)
            self._load_staging(table, own, frame)

        try:
            yield WindowStage(self, table, date_column, start, end, sink, lambda part: staging.append(part.location))
            self._swap_in(table, staging, where)
        finally:
            for name in staging:
                self._drop_staging(name)

    @contextmanager
    def staged_part(self, table: str, date_column: str, start: date, end: date) -> Iterator[WindowStage]:
        """Chunks go to a staging table of their own, which the part names."""
        self.ensure_table(table)
        staging: str | None = None

        def sink(frame: pd.DataFrame) -> None:
            nonlocal staging
            staging = staging or self._create_staging(table)
            self._load_staging(table, staging, frame)

        stage = WindowStage(self, table, date_column, start, end, sink)
        try:
            yield stage
        except BaseException:
            if staging is not None:
                self._drop_staging(staging)
            raise
        stage.part = StagedPart(table, start, end, stage.rows, staging or "")

    def discard(self, part: StagedPart) -> None:
        if part.location:
            self._drop_staging(part.location)

    def _drop_staging(self, name: str) -> None:
        self.client.delete_table(self._table_id(name), not_found_ok=True, retry=self._retry, timeout=self._request_timeout)

    def replace_table(self, table: str, frame: pd.DataFrame) -> int:
        return self._write(table, frame, "TRUE")

    def read_table(
        self, table: str, date_column: str | None = None, start: date | None = None, end: date | None = None
    ) -> pd.DataFrame:
        self.ensure_table(table)
        sql, params = f"SELECT * FROM {self.ref(table)}", None
        if date_column is not None and start is not None and end is not None:
            if date_column not in self.ddl(table).column_names:
                raise ValueError(f"{date_column!r} is not a column of sql/ddl/{table}.sql.")
            sql += f" WHERE {date_column} >= @window_start AND {date_column} < @window_end"
            params = {"window_start": start, "window_end": end}
        return self.query(sql, params)

    # --- queries and views ---------------------------------------------------------------------

    def translate(self, bigquery_sql: str) -> str:
        """The SQL as written, less its whole-line ``--`` comments: the emulator counts an ``@name`` in a
        comment as a parameter and refuses the query (BigQuery ignores comments, so both get the same)."""
        return FULL_LINE_COMMENT.sub("", bigquery_sql).strip()

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        return to_pandas(self._run(sql, params).to_arrow(create_bqstorage_client=False))

    def create_view(self, name: str, bigquery_select: str) -> None:
        body = qualify_tables(bigquery_select, self.project, self.dataset)
        self._run(f"CREATE OR REPLACE VIEW {self.ref(name)} AS\n{body}")
