import shutil
from pathlib import Path

import pytest

from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse
from ai_usage_analytics.settings import SQL_DIR

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def ddl_dir(tmp_path) -> Path:
    """The project's DDL plus the test-only tables under fixtures/ddl."""
    target = tmp_path / "ddl"
    shutil.copytree(SQL_DIR / "ddl", target)
    for path in (FIXTURES / "ddl").glob("*.sql"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture
def warehouse(tmp_path, ddl_dir) -> DuckDBWarehouse:
    return DuckDBWarehouse(path=str(tmp_path / "warehouse.duckdb"), ddl_dir=str(ddl_dir))
