"""DuckDB implementation of the warehouse: one file, one writer at a time.

DuckDB lets one process hold a file read-write, and no other process may open it meanwhile, even
read-only. Every connection is therefore short and taken under a file lock next to the database
(so parallel steps of a run queue for a moment instead of failing), and opening is retried briefly
when something outside Dagster (a DuckDB CLI, a notebook) holds the file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from filelock import FileLock
from pydantic import Field

from ai_usage_analytics.resources.arrow_frames import money_array, to_pandas
from ai_usage_analytics.resources.warehouse import StagedPart, Warehouse, WindowStage
from ai_usage_analytics.settings import ConfigError

OPEN_RETRY_SECONDS = (0.2, 0.5, 1, 2, 4, 8)
STAGING_PREFIX = ".staging_"
_SESSIONS = threading.local()  # database path -> the connection a session() pinned on this thread


def _frame(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    # Through Arrow: NUMERIC comes back as exact Decimal (DuckDB's .df() would give float).
    return to_pandas(relation.to_arrow_table())


class WarehouseLockedError(RuntimeError):
    pass


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class DuckDBWarehouse(Warehouse):
    """The embedded default warehouse: a DuckDB file (``AI_USAGE_DUCKDB_PATH``)."""

    path: str = Field(description="DuckDB database file.")
    lock_timeout_seconds: float = 300.0
    memory_limit: str = Field(
        default="768MB",
        description="DuckDB's memory limit per connection (it spills to disk beyond it); DuckDB's own default "
        "is 80 % of RAM, which a year-long window swap would otherwise fill.",
    )
    swap_memory_limit: str = Field(
        default="256MB",
        description="DuckDB's memory limit while a staged window is inserted: a stream from Parquet files, "
        "so a lower limit only makes DuckDB write its blocks out sooner (a raw worker loading 120 days of "
        "Claude.ai users peaked at 1,160 MB with the 768MB limit and 655 MB with this one, in the same time).",
    )
    swap_threads: int = Field(
        default=1,
        description="DuckDB's threads while a staged window is inserted. With a thread per core, each thread "
        "builds its own row groups and the commit merges them outside the memory limit: 120 days of "
        "fact_ai_costs peaked at 1,185-1,369 MB with 2 threads and 877-941 MB with 1, and the swap took "
        "2.2 s instead of 3.4-4.3 s.",
    )

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        pinned = getattr(_SESSIONS, self.path, None)
        if pinned is not None:  # inside session(): the thread's open connection
            yield pinned
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{self.path}.lock", timeout=self.lock_timeout_seconds):
            connection = self._open()
            try:
                connection.execute("SET TimeZone = 'UTC'")
                connection.execute("SET memory_limit = ?", [self.memory_limit])
                yield connection
            finally:
                connection.close()

    @contextmanager
    def session(self) -> Iterator[None]:
        """One connection (and the file lock) for every call of the block on this thread: opening the
        file costs 10-30 ms, and a fact chunk reads a dozen tables."""
        if getattr(_SESSIONS, self.path, None) is not None:
            yield
            return
        with self.connect() as connection:
            setattr(_SESSIONS, self.path, connection)
            try:
                yield
            finally:
                delattr(_SESSIONS, self.path)

    def _open(self) -> duckdb.DuckDBPyConnection:
        for pause in (*OPEN_RETRY_SECONDS, None):
            try:
                return duckdb.connect(self.path)
            except duckdb.IOException as error:
                if "lock" not in str(error).lower():
                    raise
                if pause is None:
                    raise WarehouseLockedError(
                        f"The DuckDB file {self.path} is held by another process (a DuckDB CLI, notebook or "
                        "BI tool?). Close it, or point AI_USAGE_DUCKDB_PATH elsewhere, and re-run."
                    ) from error
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _ensure(self, connection: duckdb.DuckDBPyConnection, table: str) -> None:
        ddl = self.ddl(table)
        connection.execute(ddl.for_duckdb())
        present = {
            row[0]
            for row in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'",
                [table],
            ).fetchall()
        }
        for column, duck_type in ddl.duckdb_column_types().items():
            if column not in present:
                connection.execute(f"ALTER TABLE {_ident(table)} ADD COLUMN {_ident(column)} {duck_type}")

    def ensure_table(self, table: str) -> None:
        with self.connect() as connection:
            self._ensure(connection, table)

    def table_names(self) -> list[str]:
        sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
               "AND table_type = 'BASE TABLE' ORDER BY table_name")
        return self.query(sql)["table_name"].tolist()

    def _write(self, table: str, frame: pd.DataFrame, delete_sql: str, delete_params: list) -> int:
        incoming = self.conform(table, frame)
        with self.connect() as connection:
            connection.execute("BEGIN TRANSACTION")
            try:
                self._ensure(connection, table)
                connection.execute(delete_sql, delete_params)
                if len(incoming):
                    connection.register("incoming_frame", self._arrow(table, incoming))
                    connection.execute(f"INSERT INTO {_ident(table)} BY NAME SELECT * FROM incoming_frame")
                    connection.unregister("incoming_frame")
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return len(incoming)

    def _arrow(self, table: str, frame: pd.DataFrame) -> pa.Table:
        """The frame as Arrow with every NUMERIC column typed from the DDL. Left to DuckDB, a column of
        Python Decimals is typed from its first values (e.g. DECIMAL(10,9)) and larger values fail."""
        decimal_columns = {
            column for column, duck_type in self.ddl(table).duckdb_column_types().items()
            if duck_type.startswith("DECIMAL") and column in frame.columns
        }
        arrays, names = [], []
        for column in frame.columns:
            values = frame[column]
            if column in decimal_columns:
                arrays.append(money_array(values))
            else:
                arrays.append(pa.Array.from_pandas(values))
            names.append(column)
        return pa.Table.from_arrays(arrays, names=names)

    def replace_window(self, table: str, frame: pd.DataFrame, date_column: str, start: date, end: date) -> int:
        self.check_window(table, frame, date_column, start, end)
        sql = f"DELETE FROM {_ident(table)} WHERE {_ident(date_column)} >= ? AND {_ident(date_column)} < ?"
        return self._write(table, frame, sql, [start, end])

    def _staging_folder(self, table: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{table}_", dir=Path(self.path).parent))

    def _parquet_sink(self, table: str, folder: Path, files: list[Path]):
        def sink(frame: pd.DataFrame) -> None:
            files.append(folder / f"chunk_{len(files):05d}.parquet")
            pq.write_table(self._arrow(table, frame), files[-1])
            pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed chunks otherwise

        return sink

    @contextmanager
    def staged_window(self, table: str, date_column: str, start: date, end: date) -> Iterator[WindowStage]:
        """Chunks go to Parquet files in a staging folder beside the database (``.staging_<table>_*``);
        at the end the window is deleted and the files inserted in one transaction, an adopted part's
        files (its own staging folder) after this process's. The folders are removed either way. Files,
        not a staging table: a connection per chunk re-opened the database and checkpointed it on close,
        and every row was written to the file twice."""
        with self.connect() as connection:
            self._ensure(connection, table)
        folders = [self._staging_folder(table)]
        files: list[Path] = []

        def adopt(part: StagedPart) -> None:
            folders.append(Path(part.location))
            files.extend(sorted(folders[-1].glob("*.parquet")))

        try:
            yield WindowStage(self, table, date_column, start, end, self._parquet_sink(table, folders[0], files), adopt)
            with self.connect() as connection:
                threads = connection.execute("SELECT current_setting('threads')").fetchone()[0]
                connection.execute("SET memory_limit = ?", [self.swap_memory_limit])
                connection.execute("SET threads = ?", [self.swap_threads])
                connection.execute("BEGIN TRANSACTION")
                try:
                    self._ensure(connection, table)
                    column = _ident(date_column)
                    connection.execute(f"DELETE FROM {_ident(table)} WHERE {column} >= ? AND {column} < ?", [start, end])
                    for path in files:  # one by one: an all-null column is typed differently from file to file
                        connection.execute(f"INSERT INTO {_ident(table)} BY NAME SELECT * FROM read_parquet({_literal(path)})")
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                finally:  # the connection may be a session's, which goes on reading
                    connection.execute("SET memory_limit = ?", [self.memory_limit])
                    connection.execute("SET threads = ?", [threads])
        finally:
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def staged_part(self, table: str, date_column: str, start: date, end: date) -> Iterator[WindowStage]:
        """Chunks go to Parquet files in a staging folder of their own, which the part names (none when
        no rows were staged)."""
        folder = self._staging_folder(table)
        stage = WindowStage(self, table, date_column, start, end, self._parquet_sink(table, folder, []))
        try:
            yield stage
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if not stage.rows:
            shutil.rmtree(folder, ignore_errors=True)
        stage.part = StagedPart(table, start, end, stage.rows, str(folder) if stage.rows else "")

    def discard(self, part: StagedPart) -> None:
        if part.location:
            shutil.rmtree(part.location, ignore_errors=True)

    def replace_table(self, table: str, frame: pd.DataFrame) -> int:
        return self._write(table, frame, f"DELETE FROM {_ident(table)}", [])

    def read_table(
        self, table: str, date_column: str | None = None, start: date | None = None, end: date | None = None
    ) -> pd.DataFrame:
        sql, params = f"SELECT * FROM {_ident(table)}", []
        if date_column is not None and start is not None and end is not None:
            sql += f" WHERE {_ident(date_column)} >= ? AND {_ident(date_column)} < ?"
            params = [start, end]
        with self.connect() as connection:
            self._ensure(connection, table)
            return _frame(connection.sql(sql, params=params))

    def translate(self, bigquery_sql: str) -> str:
        return ";\n".join(sqlglot.transpile(bigquery_sql, read="bigquery", write="duckdb"))

    def create_view(self, name: str, bigquery_select: str) -> None:
        with self.connect() as connection:
            connection.execute(f"CREATE OR REPLACE VIEW {_ident(name)} AS {self.translate(bigquery_select)}")

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        with self.connect() as connection:
            return _frame(connection.sql(sql, params=params or None))


def check_duckdb_path_writable(path: Path) -> None:
    """Raise a ConfigError naming AI_USAGE_DUCKDB_PATH when the file could not be written."""
    if path.exists() and (path.is_dir() or not os.access(path, os.W_OK)):
        raise ConfigError(f"AI_USAGE_DUCKDB_PATH={path} is not a writable file; point it at a writable location.")
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigError(
            f"AI_USAGE_DUCKDB_PATH={path} cannot be created: {ancestor} is not a writable directory; "
            "point it at a writable location."
        )
