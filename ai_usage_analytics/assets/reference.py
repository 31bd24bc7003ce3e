"""Reference (dimension) assets: current-state tables, unpartitioned."""

from __future__ import annotations

import dagster as dg

from ai_usage_analytics.checks.schema_check import schema_check_spec, validated_output
from ai_usage_analytics.checks.schemas import DimPlatforms
from ai_usage_analytics.transform.platforms import build_dim_platforms

OWNERS = ["team:analytics-engineering"]


@dg.asset(
    group_name="reference",
    kinds={"python", "table"},
    owners=OWNERS,
    check_specs=[schema_check_spec("dim_platforms")],
)
def dim_platforms():
    """The AI platforms we track (Cursor, Claude Code, Claude API, Claude.ai, Gemini): their category
    (engineering productivity, knowledge work, API consumption), vendor, cost model and what each
    source can tell us. platform_sk equals platform_code."""
    yield from validated_output(DimPlatforms, build_dim_platforms(), "dim_platforms")
