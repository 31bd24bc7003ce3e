"""The ``warehouse`` resource interface: the same calls for DuckDB (default) and BigQuery.

Write semantics every implementation keeps (DESIGN section 5):
- ``replace_window`` atomically replaces exactly the half-open day window [start, end) of a table
  with the frame's rows: no duplicates on re-runs, never an empty window mid-way, and a window
  that now has no rows is emptied;
- ``staged_window`` does the same for a window written chunk by chunk (bounded memory), swapping
  the window in only when every chunk arrived; a part of the window may be staged by another process
  (``staged_part``) and handed over (``WindowStage.adopt``): it is swapped in with the rest or not at all;
- rows are matched to columns by name, never by position;
- tables are created from ``sql/ddl/<table>.sql`` (columns added since are added in place);
- day windows are ``datetime.date`` values, so the machine's time zone plays no part.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import dagster as dg
import pandas as pd

from ai_usage_analytics.resources.ddl import TableDDL, load_ddl
from ai_usage_analytics.settings import SQL_DIR


class WarehouseWriteError(ValueError):
    """A frame does not fit its table; nothing was written."""


class Warehouse(dg.ConfigurableResource, ABC):
    ddl_dir: str = str(SQL_DIR / "ddl")

    def ddl(self, table: str) -> TableDDL:
        return load_ddl(self.ddl_dir, table)

    @abstractmethod
    def replace_window(self, table: str, frame: pd.DataFrame, date_column: str, start: date, end: date) -> int:
        """Replace the rows with start <= date_column < end by ``frame``; returns rows written."""

    @contextmanager
    def session(self) -> Iterator[None]:
        """Calls made inside (on this thread) share what each call would otherwise set up alone: on
        DuckDB one connection instead of one per call. For a burst of reads; nothing to share here."""
        yield

    @contextmanager
    def staged_window(self, table: str, date_column: str, start: date, end: date) -> Iterator[WindowStage]:
        """Replace the window [start, end) by frames appended one chunk at a time.

        ``with warehouse.staged_window(...) as stage: stage.append(frame)`` checks each frame (columns,
        rows inside the window) as it comes; when the block ends normally the window is replaced by
        everything appended in one transaction; when it raises, nothing is written and the table keeps
        its previous rows. This default keeps the chunks in memory and ends with ``replace_window``;
        engines override it with a staging table (BigQuery) or staging files (DuckDB) so a long window is
        never held in memory at once.
        """
        chunks: list[pd.DataFrame] = []
        stage = WindowStage(self, table, date_column, start, end, chunks.append)
        yield stage
        frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=list(self.ddl(table).column_names))
        self.replace_window(table, frame, date_column, start, end)

    @contextmanager
    def staged_part(self, table: str, date_column: str, start: date, end: date) -> Iterator[WindowStage]:
        """Like ``staged_window``, but nothing is swapped in: when the block ends normally ``stage.part``
        describes what was staged, for the ``staged_window`` of the whole window (in this process or
        another) to ``adopt``. When it raises, nothing stays staged. A part never adopted is removed
        with ``discard``. Only engines that stage outside the process's memory can."""
        raise NotImplementedError(f"{type(self).__name__} cannot stage a part of a window for another process")
        yield  # pragma: no cover

    def discard(self, part: StagedPart) -> None:
        """Remove a staged part that will not be adopted."""

    @abstractmethod
    def replace_table(self, table: str, frame: pd.DataFrame) -> int:
        """Replace the whole (unpartitioned) table by ``frame``; returns rows written."""

    @abstractmethod
    def read_table(
        self, table: str, date_column: str | None = None, start: date | None = None, end: date | None = None
    ) -> pd.DataFrame:
        """The table's rows, restricted to [start, end) on ``date_column`` when given."""

    @abstractmethod
    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run a read-only query written for this engine."""

    def query_file(self, relative_path: str, params: dict | None = None) -> pd.DataFrame:
        """Run ``sql/<relative_path>`` (BigQuery Standard SQL, named ``@parameters``) on this engine."""
        return self.query(self.translate((SQL_DIR / relative_path).read_text()), params)

    def translate(self, bigquery_sql: str) -> str:
        """BigQuery SQL in this engine's dialect (identity for BigQuery)."""
        return bigquery_sql

    @abstractmethod
    def create_view(self, name: str, bigquery_select: str) -> None:
        """(Re)create view ``name`` from a SELECT written in BigQuery Standard SQL."""

    @abstractmethod
    def ensure_table(self, table: str) -> None:
        """Create the table from its DDL if it is missing; add DDL columns it lacks."""

    @abstractmethod
    def table_names(self) -> list[str]:
        """The warehouse's tables (not views), sorted."""

    def conform(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Check the frame's columns against the table's DDL and normalise values for writing."""
        expected = self.ddl(table).column_names
        unknown = [c for c in frame.columns if c not in expected]
        missing = [c for c in expected if c not in frame.columns]
        if unknown or missing:
            raise WarehouseWriteError(
                f"Frame for table {table!r} does not match sql/ddl/{table}.sql: "
                f"unknown columns {unknown}, missing columns {missing}. Nothing was written."
            )
        # A shallow copy when the columns are already in table order: only reassigned columns are new.
        out = frame.copy(deep=False) if list(frame.columns) == list(expected) else frame.loc[:, list(expected)]
        for column in out.columns:
            series = out[column]
            if isinstance(series.dtype, pd.DatetimeTZDtype):
                out[column] = series.dt.tz_convert("UTC")
        return out

    @staticmethod
    def check_window(table: str, frame: pd.DataFrame, date_column: str, start: date, end: date) -> None:
        """Refuse rows that would land outside the window being replaced."""
        if frame.empty:
            return
        days = pd.to_datetime(frame[date_column]).dt.date
        outside = frame[(days < start) | (days >= end) | days.isna()]
        if len(outside):
            raise WarehouseWriteError(
                f"{len(outside)} row(s) for table {table!r} have {date_column} outside the window "
                f"[{start}, {end}) being written; nothing was written. The asset must keep only rows of "
                "the partitions it materialises."
            )


@dataclass(frozen=True)
class StagedPart:
    """Rows of ``table`` for [start, end) staged by ``Warehouse.staged_part`` and not yet swapped in:
    ``location`` is the engine's (DuckDB: a staging folder; BigQuery: a staging table; empty when no
    rows were staged)."""

    table: str
    start: date
    end: date
    rows: int
    location: str


class WindowStage:
    """The handle ``Warehouse.staged_window`` yields: ``append`` checks a chunk and hands it to the
    engine's ``sink``; ``adopt`` takes a part staged elsewhere (``Warehouse.staged_part``) into the
    window's swap through the engine's ``adopter``; ``rows`` counts both."""

    def __init__(
        self, warehouse: Warehouse, table: str, date_column: str, start: date, end: date, sink, adopter=None
    ) -> None:
        self.warehouse, self.table, self.date_column, self.start, self.end = warehouse, table, date_column, start, end
        self._sink, self._adopter = sink, adopter
        self.rows = 0
        self.part: StagedPart | None = None  # set when a staged_part block ends

    def adopt(self, part: StagedPart) -> int:
        if self._adopter is None:
            raise TypeError("a staged part is adopted by a staged_window, not by another part")
        if part.table != self.table or part.start < self.start or part.end > self.end:
            raise WarehouseWriteError(
                f"a staged part of {part.table!r} for [{part.start}, {part.end}) does not belong to the window "
                f"[{self.start}, {self.end}) of {self.table!r} being written; nothing was written."
            )
        if part.rows:
            self._adopter(part)
        self.rows += part.rows
        return part.rows

    def append(self, frame: pd.DataFrame) -> int:
        self.warehouse.check_window(self.table, frame, self.date_column, self.start, self.end)
        conformed = self.warehouse.conform(self.table, frame)
        if len(conformed):
            self._sink(conformed)
        self.rows += len(conformed)
        return len(conformed)
