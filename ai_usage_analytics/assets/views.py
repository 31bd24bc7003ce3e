"""BI views: one asset per ``sql/views/<name>.sql`` (BigQuery Standard SQL, translated for DuckDB).

Each asset (re)creates its view and checks that it answers and that its header comment documents
every column it returns. The header comment is the asset's description in the UI.
"""

import re
import time
from functools import lru_cache

import dagster as dg
import pandas as pd
import sqlglot
from sqlglot import exp

from ai_usage_analytics.resources.warehouse import Warehouse
from ai_usage_analytics.settings import SQL_DIR

OWNERS = ["team:analytics-engineering"]
VIEW_DIR = SQL_DIR / "views"


def header_comment(sql: str) -> str:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return "\n".join(lines)


@lru_cache(maxsize=None)
def _documented_names(name: str) -> dict[str, str]:
    return {w.lower(): w for w in re.findall(r"\w+", header_comment((VIEW_DIR / f"{name}.sql").read_text()))}


def read_view(warehouse: Warehouse, name: str) -> pd.DataFrame:
    """Every row of view ``name``, its columns named as the view's header documents them. BigQuery and
    DuckDB keep an alias's case; the BigQuery emulator lower-cases the output columns of any query
    that concatenates strings (README, emulator gaps), so the case is restored from the header."""
    frame = warehouse.query(f"SELECT * FROM {name}")
    names = _documented_names(name)
    return frame.rename(columns=lambda column: names.get(column.lower(), column))


def read_view_summed(warehouse: Warehouse, name: str, keys: tuple[str, ...], sums: tuple[str, ...]) -> pd.DataFrame:
    """View ``name`` grouped by ``keys`` with ``sums`` added up: the columns a reader needs, in as many
    rows as it has distinct keys (vw_focus_costs has a row per cost line, millions in a year)."""
    columns = ", ".join(keys)
    totals = ", ".join(f"SUM({column}) AS {column}" for column in sums)
    frame = warehouse.query(f"SELECT {columns}, {totals} FROM {name} GROUP BY {columns}")
    names = _documented_names(name)
    return frame.rename(columns=lambda column: names.get(column.lower(), column))


def referenced_tables(sql: str) -> list[str]:
    """Tables and views the SELECT reads (for lineage), minus its own CTE names."""
    tree = sqlglot.parse_one(sql, read="bigquery")
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table)} - ctes)


def build_view_asset(name: str) -> dg.AssetsDefinition:
    sql = (VIEW_DIR / f"{name}.sql").read_text()
    description = header_comment(sql)
    sources = referenced_tables(sql)

    @dg.asset(
        name=name,
        group_name="marts",
        owners=OWNERS,
        kinds={"sql", "view"},
        deps=sources,
        description=description,
        check_specs=[dg.AssetCheckSpec("answers_with_documented_columns", asset=name, blocking=True,
                                       description="The view runs and its header documents every column.")],
    )
    def _view(warehouse: Warehouse) -> dg.MaterializeResult:
        for table in sources:
            if not table.startswith("vw_"):
                warehouse.ensure_table(table)
        warehouse.create_view(name, sql)
        started = time.perf_counter()
        rows = int(warehouse.query(f"SELECT COUNT(*) AS n FROM {name}")["n"][0])
        seconds = time.perf_counter() - started
        columns = list(warehouse.query(f"SELECT * FROM {name} LIMIT 0").columns)
        # Case-insensitive, as BigQuery column names are (the emulator lower-cases some of them).
        undocumented = [c for c in columns if not re.search(rf"\b{re.escape(c)}\b", description, re.IGNORECASE)]
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "count_seconds": round(seconds, 4),
                "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(c) for c in columns]),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name="answers_with_documented_columns",
                    passed=not undocumented,
                    metadata={"rows": rows, "undocumented_columns": ", ".join(undocumented) or "none"},
                )
            ],
        )

    return _view


VIEW_NAMES = sorted(path.stem for path in VIEW_DIR.glob("vw_*.sql"))
VIEW_ASSETS = [build_view_asset(name) for name in VIEW_NAMES]
