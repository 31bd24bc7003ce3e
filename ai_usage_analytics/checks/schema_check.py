"""Validate a frame against its pandera model before it is written, and report it as an asset check.

An asset declares ``check_specs=[schema_check_spec(key)]`` and ends with
``yield from validated_output(Model, frame, key)``. A frame that passes is written and the check
passes; a frame that fails produces a failed check (with the failure cases in its metadata, shown
in the UI) and fails the step before anything reaches the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pandas as pd
import pandera.errors
import pandera.pandas as pa

SCHEMA_CHECK = "schema"
MAX_FAILURE_ROWS = 20


def schema_check_spec(asset_key: str | dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        SCHEMA_CHECK,
        asset=asset_key,
        blocking=True,
        description="The frame matches its pandera model (columns, types, allowed values) before it is written.",
    )


def failure_summary(error: pandera.errors.SchemaErrors) -> tuple[int, pd.DataFrame]:
    cases = error.failure_cases
    columns = [c for c in ("schema_context", "column", "check", "index", "failure_case") if c in cases.columns]
    return len(cases), cases.loc[:, columns].head(MAX_FAILURE_ROWS).astype(str)


def validate_frame(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame:
    """The frame coerced to the model's types, in place (every caller hands over a frame it built and
    does not use again; pandera's copy doubled a chunk's memory); raises pandera SchemaErrors listing
    every failure."""
    valid = model.validate(frame, lazy=True, inplace=True)
    # pandas caches the ``.pandera`` accessor pandera used on the frame, and the accessor holds the
    # frame: a reference cycle, so each validated chunk outlived its use until Python's cyclic
    # collector ran, every few chunks (a year's fact_ai_costs grew by ~100 MB a chunk in between).
    valid.__dict__.pop("pandera", None)
    return valid


def failed_check(
    asset_key: str | dg.AssetKey, description: str, metadata: dict
) -> Iterator[dg.AssetCheckResult]:
    """Report a failed schema check, then fail the step so nothing is written."""
    key = dg.AssetKey.from_coercible(asset_key)
    yield dg.AssetCheckResult(check_name=SCHEMA_CHECK, asset_key=key, passed=False, metadata=metadata)
    raise dg.Failure(description=f"{key.to_user_string()}: {description}")


def checked_frame(
    model: type[pa.DataFrameModel], frame: pd.DataFrame, asset_key: str | dg.AssetKey
) -> Iterator[dg.AssetCheckResult]:
    """The frame coerced to the model (returned through ``yield from``), or a failed schema check
    with the failure cases and a failed step."""
    try:
        return validate_frame(model, frame)
    except pandera.errors.SchemaErrors as error:
        count, cases = failure_summary(error)
        yield from failed_check(
            asset_key,
            f"{count} value(s) break the {model.__name__} contract; nothing was written. "
            "See the 'schema' check for the failure cases.",
            {"failure_count": count, "failure_cases": dg.MetadataValue.md(cases.to_markdown(index=False))},
        )


def schema_passed(asset_key: str | dg.AssetKey, rows: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=SCHEMA_CHECK, asset_key=dg.AssetKey.from_coercible(asset_key), passed=True,
        metadata={"rows_checked": rows},
    )


def gate(asset_key: str | dg.AssetKey, results: list[dg.AssetCheckResult]) -> Iterator[dg.AssetCheckResult]:
    """Stop before the write when an ERROR check failed: report every result, then fail the step."""
    failed = [r for r in results if not r.passed and r.severity == dg.AssetCheckSeverity.ERROR]
    if failed:
        yield from results
        names = ", ".join(r.check_name for r in failed)
        raise dg.Failure(
            description=f"{dg.AssetKey.from_coercible(asset_key).to_user_string()}: check(s) {names} failed; "
            "nothing was written and the previous data stays."
        )


def validated_output(
    model: type[pa.DataFrameModel],
    frame: pd.DataFrame,
    asset_key: str | dg.AssetKey,
    metadata: dict | None = None,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    valid = yield from checked_frame(model, frame, asset_key)
    yield dg.Output(valid, metadata={"dagster/row_count": len(valid), **(metadata or {})})
    yield schema_passed(asset_key, len(valid))
