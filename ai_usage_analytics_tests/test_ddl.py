"""Every DDL file is valid BigQuery, translates for DuckDB, and keeps money exact."""

import re

import pytest
import sqlglot

from ai_usage_analytics.resources.ddl import load_ddl
from ai_usage_analytics.settings import SQL_DIR

DDL_FILES = sorted((SQL_DIR / "ddl").glob("*.sql"))


def test_there_is_ddl():
    assert DDL_FILES


@pytest.mark.parametrize("path", DDL_FILES, ids=lambda p: p.stem)
def test_ddl_parses_as_bigquery_and_names_its_file(path):
    ddl = load_ddl(str(path.parent), path.stem)
    assert ddl.columns
    sqlglot.parse_one(ddl.for_duckdb(), read="duckdb")


@pytest.mark.parametrize("path", DDL_FILES, ids=lambda p: p.stem)
def test_numeric_columns_spell_their_precision(path):
    # sqlglot maps a bare NUMERIC to DuckDB's DECIMAL(18,3), which truncates fractional cents.
    assert not re.search(r"\bNUMERIC\b(?!\s*\()", path.read_text()), f"{path.name}: write NUMERIC(38, 9)"
