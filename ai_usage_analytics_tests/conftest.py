import os
import shutil
import uuid
from pathlib import Path

import pytest

from ai_usage_analytics.resources.duckdb_warehouse import DuckDBWarehouse
from ai_usage_analytics.settings import SQL_DIR

FIXTURES = Path(__file__).parent / "fixtures"
ENGINES = ("duckdb", "bigquery")


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


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory):
    """bqemulator on a free port of 127.0.0.1 for the whole session (skips, saying why, if it cannot run)."""
    from ai_usage_analytics_tests.bigquery.emulator import start_emulator, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(f"BigQuery emulator not available: {reason}")
    os.environ["NO_GCE_CHECK"] = "true"  # google-auth must never probe the metadata server
    with start_emulator(tmp_path_factory.mktemp("bqemulator") / "emulator.log") as endpoint:
        yield endpoint


def new_bigquery_warehouse(endpoint: str, **fields):
    """A BigQueryWarehouse on a fresh dataset of the emulator (short timeouts: a dead emulator fails fast)."""
    from google.cloud import bigquery

    from ai_usage_analytics.resources.bigquery_warehouse import BigQueryWarehouse
    from ai_usage_analytics_tests.bigquery.emulator import PROJECT

    dataset = f"test_{uuid.uuid4().hex[:12]}"
    warehouse = BigQueryWarehouse(
        project=PROJECT, dataset=dataset, location="US", api_endpoint=endpoint, timeout_seconds=30.0, **fields
    )
    created = bigquery.Dataset(f"{PROJECT}.{dataset}")
    created.location = "US"
    warehouse.client.create_dataset(created, timeout=10)
    return warehouse


def drop_bigquery_dataset(warehouse) -> None:
    warehouse.client.delete_dataset(
        f"{warehouse.project}.{warehouse.dataset}", delete_contents=True, not_found_ok=True, timeout=30
    )


@pytest.fixture(params=ENGINES)
def engine_warehouse(request, tmp_path, ddl_dir):
    """The same scenario on DuckDB and on BigQuery (the emulator)."""
    if request.param == "duckdb":
        yield DuckDBWarehouse(path=str(tmp_path / "warehouse.duckdb"), ddl_dir=str(ddl_dir))
        return
    warehouse = new_bigquery_warehouse(request.getfixturevalue("bigquery_emulator"), ddl_dir=str(ddl_dir))
    yield warehouse
    drop_bigquery_dataset(warehouse)
