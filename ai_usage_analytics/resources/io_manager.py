"""The IO manager that stores asset frames through the ``warehouse`` resource.

Why not the stock DuckDB/BigQuery pandas IO managers: they insert by position (a reordered frame
fails or silently swaps columns), create tables from the first frame instead of the DDL (no
partitioning or clustering on BigQuery, upper-cased columns), skip the table entirely for an empty
frame, build window literals that break on BigQuery DATE columns, and drop the time-zone offset
from those literals. This one maps a partition key range to a ``date`` window, lets the warehouse
replace exactly that window in one transaction, and inserts by column name into the table the DDL
defines.

Partitioned assets name their day column in metadata: ``metadata={"partition_expr": "usage_date"}``.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from ai_usage_analytics.partitions import day_window
from ai_usage_analytics.resources.warehouse import Warehouse


def _partition_column(metadata: dict, asset_key: dg.AssetKey) -> str:
    column = (metadata or {}).get("partition_expr")
    if not column:
        raise dg.DagsterInvariantViolationError(
            f"Partitioned asset {asset_key.to_user_string()} needs metadata={{'partition_expr': '<day column>'}}."
        )
    return str(column)


class WarehouseIOManager(dg.ConfigurableIOManager):
    warehouse: Warehouse

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | None) -> None:
        if obj is None:
            return
        table = context.asset_key.path[-1]
        if context.has_asset_partitions:
            column = _partition_column(context.definition_metadata, context.asset_key)
            key_range = context.asset_partition_key_range
            start, end = day_window(key_range.start, key_range.end)
            written = self.warehouse.replace_window(table, obj, column, start, end)
            context.add_output_metadata(
                {"dagster/table_name": table, "rows_written": written, "window": f"[{start}, {end})"}
            )
        else:
            written = self.warehouse.replace_table(table, obj)
            context.add_output_metadata({"dagster/table_name": table, "dagster/row_count": written})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        table = context.asset_key.path[-1]
        if context.has_asset_partitions:
            upstream_metadata = context.upstream_output.definition_metadata if context.upstream_output else {}
            column = _partition_column(upstream_metadata, context.asset_key)
            key_range = context.asset_partition_key_range
            start, end = day_window(key_range.start, key_range.end)
            return self.warehouse.read_table(table, column, start, end)
        return self.warehouse.read_table(table)
