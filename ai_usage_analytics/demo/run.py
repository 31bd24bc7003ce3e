"""`make demo`: the synthetic company's vendors on 127.0.0.1, the pipeline against them, a summary, the UI.

1. Start the vendor API simulator in this process (a background thread) for ``DEMO_PEOPLE`` people.
2. Point the vendor base URLs, the demo's fake keys and the Claude Code workspace at it, and write the
   reference CSV files into ``AI_USAGE_REFERENCE_DIR`` unless they exist (they are yours to edit then:
   changing ``api_key_mappings.csv`` is what the sheet sensor reacts to).
3. Run ``daily_job`` through the Dagster instance in ``DAGSTER_HOME`` as one single-run range over the
   last ``DEMO_DAYS`` complete UTC days, so runs, materialisations and checks show in the UI.
4. Print the tables, row counts, check results and the reconciliation against the simulator's
   ground truth.
5. Unless ``DEMO_UI=0``, run ``dagster dev`` on 127.0.0.1:3000 with the same environment, and stop the
   simulator when it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import dagster as dg

from ai_usage_analytics.demo.gemini_billing import gemini_cost_usd
from ai_usage_analytics.demo.org import Organisation
from ai_usage_analytics.demo.reference_files import refresh_billing_export, write_reference_files
from ai_usage_analytics.demo.server import DEMO_KEYS, start_simulator

DEFAULTS = {"DEMO_DAYS": "14", "DEMO_PEOPLE": "300", "DEMO_SEED": "7"}


def _setting(name: str) -> int:
    raw = os.environ.get(name, "").strip() or DEFAULTS[name]
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number; e.g. `make demo {name}={DEFAULTS[name]}`.") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1.")
    return value


def demo_environment(url: str, org: Organisation) -> dict[str, str]:
    """What the pipeline needs to talk to the simulator. Fake keys; nothing here is a real secret."""
    return {
        "CURSOR_API_BASE_URL": url,
        "ANTHROPIC_API_BASE_URL": url,
        "GOOGLE_REPORTS_API_BASE_URL": url,
        "CURSOR_API_KEY": DEMO_KEYS["cursor"],
        "ANTHROPIC_ADMIN_API_KEY": DEMO_KEYS["anthropic_admin"],
        "CLAUDE_ANALYTICS_API_KEY": DEMO_KEYS["claude_analytics"],
        "GOOGLE_REPORTS_ACCESS_TOKEN": DEMO_KEYS["google_reports"],
        "CLAUDE_CODE_WORKSPACE_IDS": ",".join(w.id for w in org.workspaces if w.is_claude_code),
        "GOOGLE_REPORTS_TODAY": org.today.isoformat(),  # the Reports API's retention runs on the simulator's clock
    }


def table_row_counts(warehouse) -> list[tuple[str, int]]:
    return [(t, int(warehouse.query(f"SELECT COUNT(*) AS n FROM {t}")["n"][0])) for t in warehouse.table_names()]


def reconciliation(warehouse, org: Organisation, first: date, last: date) -> list[tuple[str, Decimal, Decimal]]:
    """(what, pipeline total, simulator truth) over the window, to the cent."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    truths = [org.truth(d) for d in days]
    facts = warehouse.query_file("queries/demo_reconciliation.sql", {"first": first, "last": last}).set_index("source")["usd"]
    pipeline = lambda *sources: sum((Decimal(str(facts.get(s, 0) or 0)) for s in sources), Decimal(0))  # noqa: E731
    anthropic = sum((Decimal(t["anthropic"]["cost_usd"]) for t in truths), Decimal(0))
    unmapped = sum((Decimal(t["anthropic"]["unmapped_cost_usd"]) for t in truths), Decimal(0))
    cursor = sum((Decimal(t["cursor"]["charged_cents"]) / 100 for t in truths), Decimal(0))
    return [*_anthropic_and_cursor(pipeline, anthropic, unmapped, cursor),
            *knowledge_work_reconciliation(warehouse, org, days, pipeline)]


def _anthropic_and_cursor(pipeline, anthropic: Decimal, unmapped: Decimal, cursor: Decimal) -> list:
    return [
        ("Anthropic cost report (USD)",
         pipeline("anthropic_cost_report", "anthropic_cost_report:unattributed"), anthropic.quantize(Decimal("0.01"))),
        ("  of which unattributed (USD)", pipeline("anthropic_cost_report:unattributed"), unmapped.quantize(Decimal("0.01"))),
        ("Cursor usage charges (USD)",
         pipeline("cursor_usage_events", "cursor_usage_events:unattributed"), cursor.quantize(Decimal("0.01"))),
    ]


def knowledge_work_reconciliation(warehouse, org: Organisation, days: list[date], pipeline) -> list:
    """Claude.ai (messages, user cost) and Gemini (Workspace events, billing-export cost) against the truth."""
    from ai_usage_analytics.demo.simulator.analytics_cost import claude_ai_truth

    first, last = days[0], days[-1]
    for table in ("raw_claude_web_events", "raw_gemini_events"):
        warehouse.ensure_table(table)  # empty when a source is not configured
    raw = warehouse.query_file("queries/demo_knowledge_work_counts.sql", {"first": first, "last": last}).iloc[0]
    claude = [claude_ai_truth(org, d) for d in days]
    cents = Decimal("0.01")
    return [
        ("Claude.ai chat messages", Decimal(int(raw["messages"] or 0)), Decimal(sum(t["messages"] for t in claude))),
        ("Claude.ai user cost (USD)",
         pipeline("claude_user_cost_report", "claude_user_cost_report:unattributed"),
         sum((t["amount_usd"] for t in claude), Decimal(0)).quantize(cents)),
        ("Gemini Workspace events", Decimal(int(raw["gemini_events"] or 0)),
         Decimal(sum(org.truth(d)["gemini"]["events"] for d in days))),
        ("Gemini API billing (USD)",
         pipeline("gemini_billing_export", "gemini_billing_export:unattributed"),
         sum((gemini_cost_usd(org, d) for d in days), Decimal(0)).quantize(cents)),
    ]


def print_summary(result, warehouse, org: Organisation, first: date, last: date, where: str) -> None:
    print(f"\nDemo run {result.run_id}: {'succeeded' if result.success else 'FAILED'} for {first} .. {last}")
    print(f"Warehouse: {where}")
    for table, rows in table_row_counts(warehouse):
        print(f"  {table:<40} {rows:>10,} rows")
    print("Checks:")
    for evaluation in sorted(result.get_asset_check_evaluations(), key=lambda e: e.asset_key.to_user_string()):
        status = "passed" if evaluation.passed else f"FAILED ({evaluation.severity.value})"
        print(f"  {evaluation.asset_key.to_user_string() + '.' + evaluation.check_name:<58} {status}")
    if not result.success:
        return
    print("Reconciliation with the simulator's ground truth:")
    for what, ours, truth in reconciliation(warehouse, org, first, last):
        verdict = "equal" if ours.quantize(Decimal("0.01")) == truth else f"DIFFERS by {ours - truth}"
        shape = ",.2f" if "USD" in what else ",.0f"
        print(f"  {what:<34} pipeline {ours:>12{shape}}   truth {truth:>12{shape}}   {verdict}")


def print_dashboards(directory: Path) -> None:
    pages = sorted(directory.glob("*.html"))
    print("Dashboards (open in a browser; they work offline):")
    for page in pages:
        print(f"  {page}")
    if not pages:
        print(f"  none written to {directory}")


def run_ui(env: dict[str, str]) -> int:
    dagster = Path(sys.executable).parent / "dagster"
    print("\nStarting the Dagster UI on http://127.0.0.1:3000 (Ctrl-C stops it and the simulator).")
    command = [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", "3000"]
    try:
        return subprocess.call(command, env={**os.environ, **env})
    except KeyboardInterrupt:
        return 0


def main() -> int:
    # backfill_policy is beta in Dagster 1.13; the warning says nothing a demo user can act on.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    days, people, seed = _setting("DEMO_DAYS"), _setting("DEMO_PEOPLE"), _setting("DEMO_SEED")
    with start_simulator(people=people, seed=seed, keys=DEMO_KEYS) as simulator:
        env = demo_environment(simulator.url, simulator.org)
        os.environ.update(env)
        print(f"Vendor API simulator for {people} people (seed {seed}) on {simulator.url}")

        # Settings are read when these modules are imported: only now, with the environment in place.
        from ai_usage_analytics.definitions import defs
        from ai_usage_analytics.schedules import RANGE_END_TAG, RANGE_START_TAG, partition_keys_for_tick
        from ai_usage_analytics.settings import SETTINGS

        keys = partition_keys_for_tick(datetime.now(timezone.utc), days - 1, SETTINGS.partition_start)
        first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
        reference_dir = SETTINGS.reference_dir
        if not (reference_dir / "api_key_mappings.csv").exists():
            written = write_reference_files(simulator.org, reference_dir, SETTINGS.partition_start, last)
            print(f"Wrote the reference files {', '.join(sorted(p.name for p in written.values()))} to {reference_dir}")
        else:
            print(f"Using the reference files in {reference_dir} (delete them to get fresh demo ones)")
            if refresh_billing_export(simulator.org, SETTINGS.gemini_billing_csv, reference_dir, SETTINGS.partition_start, last):
                print(f"  the Gemini billing export in it, the simulated vendor's, rewritten through {last}")

        with dg.DagsterInstance.get() as instance:
            result = defs.resolve_job_def("daily_job").execute_in_process(
                instance=instance,
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                tags={RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1], "source": "make-demo"},
                raise_on_error=False,
            )
        where = (f"BigQuery {SETTINGS.gcp_project}.{SETTINGS.bigquery_dataset}" if SETTINGS.warehouse == "bigquery"
                 else str(SETTINGS.duckdb_path))
        print_summary(result, defs.resources["warehouse"], simulator.org, first, last, where)
        print_dashboards(SETTINGS.dashboard_dir)
        if not result.success:
            return 1
        if os.environ.get("DEMO_UI", "1").strip() != "0":
            return run_ui(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
