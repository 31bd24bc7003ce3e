"""Package metadata and dependencies for ai_usage_analytics (the one place they are declared)."""

from setuptools import find_packages, setup

DAGSTER = "1.13.27"
DAGSTER_LIBS = "0.29.27"

setup(
    name="ai_usage_analytics",
    version="0.1.0",
    description="Who uses which AI tools, what they cost and what they yield: a Dagster project.",
    packages=find_packages(exclude=["ai_usage_analytics_tests*"]),
    package_data={"ai_usage_analytics.dashboards": ["static/*", "templates/*"]},
    python_requires=">=3.11,<3.14",
    install_requires=[
        f"dagster=={DAGSTER}",
        f"dagster-webserver=={DAGSTER}",
        f"dagster-gcp=={DAGSTER_LIBS}",
        "duckdb>=1.1,<3",
        "sqlglot>=25,<31",
        "pandas>=2.2,<3",
        "pyarrow>=15",  # exact NUMERIC reads from DuckDB
        "pandera>=0.20,<1",
        "gspread>=6,<7",
        "requests>=2.31,<3",
        "urllib3>=2,<3",
        "flask>=3,<4",  # the vendor API simulator (demo, tests, benchmark)
        "filelock>=3.12,<4",
        "orjson>=3.9,<4",  # canonical JSON of every raw row (the standard encoder is the slowest step of ingestion)
        "plotly>=5.20,<8",  # the dashboards (its JavaScript is embedded in each page)
    ],
    extras_require={
        "dev": [
            "pytest>=8,<9",
            "responses>=0.25,<1",
            "cryptography>=42",  # a throwaway service-account key for the mocked Google tests
            "playwright>=1.40,<2",  # the dashboard browser tests (drives the Debian chromium, no browser download)
        ],
    },
)
