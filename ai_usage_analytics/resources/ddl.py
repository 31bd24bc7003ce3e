"""Table definitions from ``sql/ddl/<table>.sql``.

The DDL is written once, in BigQuery Standard SQL (the production dialect, with PARTITION BY and
CLUSTER BY), and translated with sqlglot for DuckDB, which has no partitioning or clustering
clauses (sqlglot drops them, which is what we want there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel


class MissingDDLError(LookupError):
    pass


@dataclass(frozen=True)
class TableDDL:
    table: str
    bigquery_sql: str
    columns: tuple[tuple[str, str], ...]  # (name, BigQuery type), in declared order

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def for_bigquery(self, qualified_name: str) -> str:
        """The DDL as written, creating ``qualified_name`` (e.g. `project.dataset.table`)."""
        pattern = rf"^(\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?)`?{re.escape(self.table)}`?(?=[\s(])"
        return re.sub(pattern, lambda m: m.group(1) + qualified_name, self.bigquery_sql, count=1, flags=re.I | re.M)

    @property
    def partition_column(self) -> str | None:
        return _bigquery_layout(self.bigquery_sql)[0]

    @property
    def cluster_columns(self) -> tuple[str, ...]:
        return _bigquery_layout(self.bigquery_sql)[1]

    def for_duckdb(self) -> str:
        return _duckdb_sql(self.bigquery_sql)

    def duckdb_column_types(self) -> dict[str, str]:
        return dict(_duckdb_column_types(self.bigquery_sql))


# Every write ensures its table, so the translations are cached: sqlglot costs ~30 ms a table.
@lru_cache(maxsize=None)
def _duckdb_sql(bigquery_sql: str) -> str:
    return sqlglot.transpile(bigquery_sql, read="bigquery", write="duckdb", unsupported_level=ErrorLevel.IGNORE)[0]


@lru_cache(maxsize=None)
def _duckdb_column_types(bigquery_sql: str) -> tuple[tuple[str, str], ...]:
    create = sqlglot.parse_one(_duckdb_sql(bigquery_sql), read="duckdb")
    return tuple((col.name, col.args["kind"].sql("duckdb")) for col in create.find_all(exp.ColumnDef))


@lru_cache(maxsize=None)
def _bigquery_layout(bigquery_sql: str) -> tuple[str | None, tuple[str, ...]]:
    create = sqlglot.parse_one(bigquery_sql, read="bigquery")
    partition = create.find(exp.PartitionedByProperty)
    cluster = create.find(exp.ClusterProperty)
    return (
        partition.this.name if partition is not None else None,
        tuple(column.name for column in cluster.expressions) if cluster is not None else (),
    )


@lru_cache(maxsize=None)
def load_ddl(ddl_dir: str, table: str) -> TableDDL:
    path = Path(ddl_dir) / f"{table}.sql"
    if not path.is_file():
        raise MissingDDLError(f"No table definition for {table!r}: expected {path}.")
    sql = path.read_text()
    create = sqlglot.parse_one(sql, read="bigquery")
    if not isinstance(create, exp.Create) or create.find(exp.Table).name != table:
        raise MissingDDLError(f"{path} must hold one CREATE TABLE statement for {table!r}.")
    columns = tuple((col.name, col.args["kind"].sql("bigquery")) for col in create.find_all(exp.ColumnDef))
    return TableDDL(table=table, bigquery_sql=sql, columns=columns)
