"""Configuration read from the environment, in one place.

Nothing else in the package reads ``os.environ``: modules import ``SETTINGS`` (or call ``load_settings``
in tests). Secrets are *not* read here; they reach resources only through ``dagster.EnvVar`` so they
never show up in the UI, logs or metadata. ``.env.example`` lists every variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = REPO_ROOT / "sql"

WAREHOUSES = ("duckdb", "bigquery")
EXECUTORS = ("in_process", "multiprocess")
DEFAULT_PARTITION_START = "2025-01-01"
# Read by resources through dagster.EnvVar only; settings records whether each is set, never its value.
# GOOGLE_APPLICATION_CREDENTIALS is a path, not a secret, but it leads to one, so it is handled alike.
SECRET_VARIABLES = (
    "CURSOR_API_KEY", "ANTHROPIC_ADMIN_API_KEY", "CLAUDE_ANALYTICS_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_REPORTS_ACCESS_TOKEN",
)


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the variable and how to fix it."""


@dataclass(frozen=True)
class Settings:
    warehouse: str
    executor: str
    duckdb_path: Path
    gcp_project: str | None
    bigquery_dataset: str | None
    bigquery_location: str | None
    bigquery_api_endpoint: str | None
    bigquery_timeout_seconds: int
    cursor_api_base_url: str
    anthropic_api_base_url: str
    google_reports_api_base_url: str
    claude_analytics_requests_per_minute: int
    google_reports_admin_subject: str | None
    google_reports_today: date | None
    gemini_billing_export_table: str | None
    gemini_billing_csv: Path
    google_sheet_id: str | None
    reference_dir: Path
    partition_start: date
    claude_code_workspace_ids: tuple[str, ...]
    schedule_lookback_days: int
    min_group_size: int
    dashboard_dir: Path
    dashboard_person_level: bool
    reattribution_lookback_days: int
    workers: int
    secrets_set: frozenset[str]


def _path(value: str) -> Path:
    """Relative paths are taken from the repository root, so every command agrees on them."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _first_set(env: Mapping[str, str], *names: str) -> str:
    """The first of ``names`` set in ``env`` (the first when none is): a setting, then its older names."""
    return next((name for name in names if env.get(name, "").strip()), names[0])


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; set it to an integer >= {minimum}.") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} is too small; set it to an integer >= {minimum}.")
    return value


def _date(env: Mapping[str, str], name: str, default: str) -> date:
    raw = env.get(name, "").strip() or default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a date; use the form YYYY-MM-DD.") from None


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower() or "0"
    if raw not in ("0", "1", "true", "false"):
        raise ConfigError(f"{name}={raw!r} is not a switch; set it to 1 (on) or 0 (off).")
    return raw in ("1", "true")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str, what: str, hint: str = "") -> str:
    value = (env.get(name, "").strip() or default).lower()
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not a known {what}; set it to one of {', '.join(choices)}{hint}.")
    return value


def _optional(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the configuration. Raises ConfigError naming the offending variable."""
    env = os.environ if env is None else env
    warehouse = _choice(env, "AI_USAGE_WAREHOUSE", WAREHOUSES, "duckdb", "warehouse")
    if warehouse == "bigquery":
        unset = [name for name in ("GCP_PROJECT", "BIGQUERY_DATASET") if not _optional(env, name)]
        if unset:
            raise ConfigError(
                f"AI_USAGE_WAREHOUSE=bigquery needs {' and '.join(unset)}: set the project and the dataset "
                "(see README, Running on BigQuery)."
            )
    executor = _choice(
        env, "AI_USAGE_EXECUTOR", EXECUTORS, "multiprocess" if warehouse == "bigquery" else "in_process", "executor",
        " (or leave it empty: in_process on DuckDB, multiprocess on BigQuery)",
    )
    workspaces = tuple(w.strip() for w in env.get("CLAUDE_CODE_WORKSPACE_IDS", "").split(",") if w.strip())
    return Settings(
        warehouse=warehouse,
        executor=executor,
        duckdb_path=_path(env.get("AI_USAGE_DUCKDB_PATH", "").strip() or "data/warehouse.duckdb"),
        gcp_project=_optional(env, "GCP_PROJECT"),
        bigquery_dataset=_optional(env, "BIGQUERY_DATASET"),
        bigquery_location=_optional(env, "BIGQUERY_LOCATION"),
        bigquery_api_endpoint=_optional(env, "BIGQUERY_API_ENDPOINT"),
        bigquery_timeout_seconds=_int(env, "BIGQUERY_TIMEOUT_SECONDS", 600, minimum=1),
        cursor_api_base_url=(env.get("CURSOR_API_BASE_URL", "").strip() or "https://api.cursor.com").rstrip("/"),
        anthropic_api_base_url=(env.get("ANTHROPIC_API_BASE_URL", "").strip() or "https://api.anthropic.com").rstrip("/"),
        google_reports_api_base_url=(
            env.get("GOOGLE_REPORTS_API_BASE_URL", "").strip() or "https://admin.googleapis.com"
        ).rstrip("/"),
        claude_analytics_requests_per_minute=_int(env, "CLAUDE_ANALYTICS_REQUESTS_PER_MINUTE", 60, minimum=0),
        google_reports_admin_subject=_optional(env, "GOOGLE_REPORTS_ADMIN_SUBJECT"),
        google_reports_today=_date(env, "GOOGLE_REPORTS_TODAY", "") if _optional(env, "GOOGLE_REPORTS_TODAY") else None,
        gemini_billing_export_table=_optional(env, "GEMINI_BILLING_EXPORT_TABLE"),
        gemini_billing_csv=_path(
            env.get("GEMINI_BILLING_EXPORT_CSV", "").strip()
            or str(Path(env.get("AI_USAGE_REFERENCE_DIR", "").strip() or "data/reference") / "gemini_billing_export.csv")
        ),
        google_sheet_id=_optional(env, "GOOGLE_SHEET_ID"),
        reference_dir=_path(env.get("AI_USAGE_REFERENCE_DIR", "").strip() or "data/reference"),
        partition_start=_date(env, "AI_USAGE_PARTITION_START", DEFAULT_PARTITION_START),
        claude_code_workspace_ids=workspaces,
        schedule_lookback_days=_int(env, "AI_USAGE_SCHEDULE_LOOKBACK_DAYS", 3, minimum=0),
        min_group_size=_int(env, "AI_USAGE_MIN_GROUP_SIZE", 5, minimum=1),
        dashboard_dir=_path(env.get("AI_USAGE_DASHBOARD_DIR", "").strip() or "data/dashboards"),
        dashboard_person_level=_flag(env, "AI_USAGE_DASHBOARD_PERSON_LEVEL"),
        reattribution_lookback_days=_int(env, "AI_USAGE_REATTRIBUTION_LOOKBACK_DAYS", 90, minimum=0),
        workers=_int(env, _first_set(env, "AI_USAGE_WORKERS", "AI_USAGE_RAW_WORKERS"), 2, minimum=1),
        secrets_set=frozenset(name for name in SECRET_VARIABLES if env.get(name, "").strip()),
    )


SETTINGS = load_settings()
