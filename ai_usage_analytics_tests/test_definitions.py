"""The code location loads, and its wiring keeps the house rules."""

import subprocess
import sys
import tomllib
from pathlib import Path

import dagster as dg
import yaml

from ai_usage_analytics.definitions import defs
from ai_usage_analytics.settings import REPO_ROOT


def test_definitions_are_loadable():
    dg.Definitions.validate_loadable(defs)


def test_workspace_yaml_and_pyproject_name_the_same_module():
    workspace = yaml.safe_load((REPO_ROOT / "workspace.yaml").read_text())
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    (entry,) = workspace["load_from"]
    assert entry["python_module"]["module_name"] == pyproject["tool"]["dagster"]["module_name"]
    assert entry["python_module"]["location_name"] == pyproject["tool"]["dagster"]["code_location_name"]


def test_definitions_load_from_workspace_yaml():
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_asset_has_description_group_owner_kinds_and_a_check():
    graph = defs.resolve_asset_graph()
    checked = {key.asset_key for key in graph.asset_check_keys}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, f"{key} has no docstring"
        assert node.group_name and node.group_name != "default", f"{key} has no group"
        assert node.owners, f"{key} has no owner"
        assert node.kinds, f"{key} has no kinds"
        assert key in checked or not node.is_materializable, f"{key} has no asset check"


def test_every_run_on_duckdb_executes_its_steps_in_one_process():
    # The schedule runs daily_job; the sensor, UI materialisations and asset backfills run the implicit
    # asset job. A process per step (Dagster's default) made a daily run five times slower on DuckDB.
    jobs = [*defs.resolve_all_job_defs(), defs.resolve_implicit_global_asset_job_def()]
    assert {job.name for job in jobs} >= {"daily_job", "__ASSET_JOB"}
    assert {job.name: job.executor_def.name for job in jobs} == {job.name: "in_process" for job in jobs}


def test_runs_on_bigquery_fetch_the_sources_in_step_processes_unless_told_otherwise():
    from ai_usage_analytics.definitions import run_executor
    from ai_usage_analytics.settings import load_settings

    bigquery = {"AI_USAGE_WAREHOUSE": "bigquery", "GCP_PROJECT": "acme-data", "BIGQUERY_DATASET": "ai"}
    assert run_executor(load_settings(bigquery)).name == "multiprocess"
    assert run_executor(load_settings({**bigquery, "AI_USAGE_EXECUTOR": "in_process"})).name == "in_process"
    assert run_executor(load_settings({"AI_USAGE_EXECUTOR": "multiprocess"})).name == "multiprocess"
    assert run_executor(load_settings({})).name == "in_process"


def test_every_table_asset_has_ddl():
    ddl_dir = REPO_ROOT / "sql" / "ddl"
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        name = key.path[-1]
        if not name.startswith("vw_") and graph.get(key).group_name != "dashboards":  # views and HTML pages
            assert (ddl_dir / f"{name}.sql").is_file(), f"no sql/ddl/{name}.sql for asset {name}"


def test_knowledge_work_sources_are_wired_only_when_their_credentials_are_set():
    from ai_usage_analytics.definitions import raw_assets, vendor_resources
    from ai_usage_analytics.settings import load_settings

    knowledge_work = {"raw_claude_web_costs", "raw_claude_web_events", "raw_gemini_costs", "raw_gemini_events"}

    def names(env: dict) -> list[str]:
        (pull,) = [a for a in raw_assets(load_settings(env)) if isinstance(a, dg.AssetsDefinition) and a.node_def.name == "raw_vendor_pulls"]
        return sorted(key.path[-1] for key in pull.keys if key.path[-1] in knowledge_work)

    assert names({}) == ["raw_gemini_costs"]
    assert names({"GOOGLE_APPLICATION_CREDENTIALS": "/sa.json"}) == ["raw_gemini_costs"]  # no admin to impersonate
    assert names({"CLAUDE_ANALYTICS_API_KEY": "k", "GOOGLE_APPLICATION_CREDENTIALS": "/sa.json",
                  "GOOGLE_REPORTS_ADMIN_SUBJECT": "admin@corp.com"}) == [
        "raw_claude_web_costs", "raw_claude_web_events", "raw_gemini_costs", "raw_gemini_events"]
    placeholders = [a for a in raw_assets(load_settings({})) if isinstance(a, dg.AssetSpec)]
    assert sorted(a.key.path[-1] for a in placeholders) == ["raw_claude_web_costs", "raw_claude_web_events", "raw_gemini_events"]
    (placeholder,) = [a for a in placeholders if a.key.path[-1] == "raw_gemini_events"]
    assert placeholder.description.startswith("Not loaded: set GOOGLE_APPLICATION_CREDENTIALS")
    resources = vendor_resources(load_settings({"GEMINI_BILLING_EXPORT_TABLE": "p.d.gcp_billing_export_v1_X"}))
    assert type(resources["gemini_billing"]).__name__ == "BigQueryGeminiBilling"
    resources = vendor_resources(load_settings({"AI_USAGE_REFERENCE_DIR": "/ref"}))
    assert resources["gemini_billing"].path == "/ref/gemini_billing_export.csv"
