"""Jobs."""

import dagster as dg

daily_job = dg.define_asset_job(
    "daily_job",
    selection=dg.AssetSelection.all(),
    description="Every asset: vendor pulls, reference data, facts, views and dashboards for the requested days.",
)
