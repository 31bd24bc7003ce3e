"""Start bqemulator offline, on 127.0.0.1 only. Run with the emulator's own interpreter:

    .bqemulator/bin/python ai_usage_analytics_tests/bigquery/emulator_launcher.py --port 9050 [--project p]

bqemulator 1.4.0 needs two changes to run here, applied in this process (site-packages stays untouched):
- ``DuckDBEngine._load_spatial`` runs ``INSTALL spatial``, a download from DuckDB's extension
  repository, and refuses to start without it. GEOGRAPHY is not used by this project, so the patch
  skips it and turns DuckDB's automatic extension downloads off instead, so nothing leaves the machine.
- The upload route accepts a whitelist of media-part content types that lacks ``*/*``, which is what
  google-cloud-bigquery sends for ``load_table_from_file`` / ``load_table_from_dataframe``; the patch
  adds it (the body is still parsed as the job's declared source format).
The Avro extension (another download) is turned off through the emulator's own setting.

A third patch fills a gap rather than a download: the emulator records ``PARTITION BY`` of a
``CREATE TABLE`` statement in the table's metadata but drops ``CLUSTER BY`` (real BigQuery keeps
both), so after its own bookkeeping the launcher adds the DDL's clustering columns to the table.
"""

from __future__ import annotations

import argparse
import os

UPLOAD_CONTENT_TYPE = "*/*"


def patch_emulator() -> None:
    import sqlglot
    from sqlglot import exp

    from bqemulator.api.routes import upload
    from bqemulator.catalog.models import Clustering
    from bqemulator.jobs import executor
    from bqemulator.scripting import interpreter
    from bqemulator.storage.engine import DuckDBEngine

    def no_spatial(engine: DuckDBEngine) -> None:
        engine.connection.execute("SET autoinstall_known_extensions = false")
        engine.connection.execute("SET autoload_known_extensions = false")

    DuckDBEngine._load_spatial = no_spatial
    accepted = upload._is_permitted_media_type
    upload._is_permitted_media_type = lambda media_type: media_type == UPLOAD_CONTENT_TYPE or accepted(media_type)

    def with_clustering(sync):
        def sync_created_table(bq_sql: str, project_id: str, ctx) -> None:
            sync(bq_sql, project_id, ctx)
            try:
                create = sqlglot.parse_one(bq_sql, read="bigquery")
            except sqlglot.errors.ParseError:
                return
            cluster = create.find(exp.ClusterProperty) if isinstance(create, exp.Create) else None
            if cluster is None or create.find(exp.Table) is None:
                return
            table = create.find(exp.Table)
            meta = ctx.catalog.get_table(table.catalog or project_id, table.db, table.name)
            if meta is not None:
                fields = tuple(column.name for column in cluster.expressions)
                ctx.catalog.update_table(meta.model_copy(update={"clustering": Clustering(fields=fields)}))
        return sync_created_table

    executor.sync_created_table = with_clustering(executor.sync_created_table)
    interpreter.sync_created_table = with_clustering(interpreter.sync_created_table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="REST port on 127.0.0.1")
    parser.add_argument("--project", default="ai-usage-emulator", help="default project id")
    args = parser.parse_args()
    os.environ["BQEMU_ENABLE_FORMAT_EXTENSIONS"] = "false"
    patch_emulator()

    from bqemulator.config import LogLevel, PersistenceMode, Settings
    from bqemulator.server import run_forever

    run_forever(Settings(
        rest_host="127.0.0.1", rest_port=args.port, grpc_host="127.0.0.1", grpc_port=0,
        persistence_mode=PersistenceMode.EPHEMERAL, default_project_id=args.project,
        enable_format_extensions=False, log_level=LogLevel.WARNING, metrics_enabled=False,
    ))


if __name__ == "__main__":
    main()
