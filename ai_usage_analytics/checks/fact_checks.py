"""Cross-table checks on the fact frames, computed before they are written.

Each returns an AssetCheckResult whose metadata lists the offenders (no personal data beyond the
surrogate keys). Reconciliation, allocation percentages, referential integrity and unique keys are
ERROR checks that stop the write; anomalies are WARN checks that only report.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from statistics import median

import dagster as dg
import pandas as pd

TOLERANCE_USD = Decimal("0.000001")  # a millionth of a dollar: far below a cent
MAX_LISTED = 20


def _table(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(MAX_LISTED).astype(str).to_markdown(index=False))


def _result(name: str, asset: str, offenders: pd.DataFrame, passed_text: str, severity=dg.AssetCheckSeverity.ERROR,
            extra: dict | None = None) -> dg.AssetCheckResult:
    metadata = {"offenders": len(offenders), **(extra or {})}
    if len(offenders):
        metadata["details"] = _table(offenders)
    return dg.AssetCheckResult(
        check_name=name, asset_key=asset, passed=offenders.empty, severity=severity,
        description=passed_text if offenders.empty else f"{len(offenders)} offender(s)", metadata=metadata,
    )


def _decimals(values: pd.Series) -> pd.Series:
    """The values as exact Decimals (a float through its shortest repr), missing ones as 0; a column
    of Decimals (every fact frame's) is taken as it is instead of value by value."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("decimal", "empty"):
        return values.where(values.notna(), Decimal(0))
    return values.map(lambda v: Decimal(str(v)) if v is not None and v == v else Decimal(0))


def _summed_by_platform_day(frame: pd.DataFrame, column: str) -> pd.Series:
    """Exact Decimal sums (added in row order) per platform_sk and cost_date."""
    return _decimals(frame[column]).groupby([frame["platform_sk"], frame["cost_date"]]).sum()


def reconciliation(fact: pd.DataFrame, billed: pd.DataFrame) -> dg.AssetCheckResult:
    """Allocated dollars per platform and day equal the vendor's billed dollars."""
    allocated = _summed_by_platform_day(fact, "allocated_cost_usd").rename("allocated_usd")
    vendor = _summed_by_platform_day(billed, "billed_usd")
    both = pd.concat([allocated, vendor], axis=1).fillna(Decimal(0)).reset_index()
    both["difference_usd"] = [a - b for a, b in zip(both["allocated_usd"], both["billed_usd"])]
    offenders = both[both["difference_usd"].map(lambda d: abs(d) > TOLERANCE_USD)]
    return _result("reconciles_to_vendor_bill", "fact_ai_costs", offenders,
                   "Allocated equals billed for every platform and day.",
                   extra={"platform_days": len(both), "billed_usd": float(_decimals(both["billed_usd"]).sum())})


def allocation_percentages(fact: pd.DataFrame) -> dg.AssetCheckResult:
    """The rows of every billed line add up to 100 % of it."""
    sums = fact.groupby("source_line_id")["allocation_percentage"].sum().rename("percentage").reset_index()
    offenders = sums[(sums["percentage"] - 100).abs() > 1e-6]
    return _result("allocation_sums_to_100_percent", "fact_ai_costs", offenders, "Every line is allocated 100 %.",
                   extra={"lines": len(sums)})


def referential_integrity(asset: str, fact: pd.DataFrame, user_sks: set[str], platform_sks: set[str]) -> dg.AssetCheckResult:
    """Every user_sk and platform_sk exists in dim_users and dim_platforms."""
    bad_user = ~fact["user_sk"].isin(user_sks)
    bad_platform = ~fact["platform_sk"].isin(platform_sks)
    offenders = fact.loc[bad_user | bad_platform, ["user_sk", "platform_sk"]].drop_duplicates()
    return _result("keys_exist_in_dimensions", asset, offenders, "All keys resolve to dimension rows.")


def unique_keys(asset: str, fact: pd.DataFrame, key: str) -> dg.AssetCheckResult:
    duplicated = fact[fact[key].duplicated(keep=False)][[key]].drop_duplicates()
    return _result("unique_natural_key", asset, duplicated, f"{key} is unique.")


def spend_spikes(
    fact: pd.DataFrame, history: pd.DataFrame, factor: float = 3.0, floor_usd: float = 50.0,
    window_days: int = 28, min_baseline_days: int = 7,
) -> dg.AssetCheckResult:
    """A person's or department's daily spend far above its trailing daily average (WARN).

    The baseline of a day is the average over the ``window_days`` before it (earlier days of the same
    run included) across the days that have any cost data; with fewer than ``min_baseline_days`` such
    days there is no baseline yet (a first load), and nothing is flagged for that day."""
    offenders = []
    for level in ("user_sk", "budget_category"):
        today = _daily(fact, level)
        earlier = _daily(history, level)
        past = pd.concat([earlier, today], ignore_index=True) if len(earlier) else today
        covered = sorted(set(pd.to_datetime(past["cost_date"]).dt.date))
        totals = past.assign(cost_date=pd.to_datetime(past["cost_date"]).dt.date).groupby([level, "cost_date"])["usd"].sum()
        rows = []
        for who, day, usd in today[[level, "cost_date"]].assign(usd=today["usd"]).itertuples(index=False):
            if usd <= floor_usd:
                continue
            day = pd.Timestamp(day).date()
            days = [d for d in covered if day - timedelta(days=window_days) <= d < day]
            if len(days) < min_baseline_days:
                continue
            baseline = sum(totals.get((who, d), 0.0) for d in days) / len(days)
            if usd > factor * baseline:
                rows.append({"who": who, "cost_date": day, "usd": round(usd, 2), "baseline_usd": round(baseline, 2), "level": level})
        offenders.append(pd.DataFrame(rows, columns=["who", "cost_date", "usd", "baseline_usd", "level"]))
    found = pd.concat([o for o in offenders if len(o)] or offenders[:1], ignore_index=True)  # no empty frame in a concat
    return _result("spend_spike", "fact_ai_costs", found, "No spend spikes.", severity=dg.AssetCheckSeverity.WARN,
                   extra={"factor": factor, "floor_usd": floor_usd, "min_baseline_days": min_baseline_days})


def _daily(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[level, "cost_date", "usd"])
    usd = frame["allocated_cost_usd"].astype(float).fillna(0.0)
    slim = pd.DataFrame({level: frame[level].to_numpy(), "cost_date": frame["cost_date"].to_numpy(), "usd": usd.to_numpy()})
    return slim.groupby([level, "cost_date"])["usd"].sum().reset_index()  # only the three columns: no copy of the fact


def volume_drops(
    fact: pd.DataFrame, history_counts: pd.DataFrame, days: list, floor: float = 0.5, weeks: int = 4
) -> dg.AssetCheckResult:
    """A source's daily row count on one of ``days`` below ``floor`` x its median on the same weekday of
    the ``weeks`` weeks before (the ones it sent rows), a source that sent nothing included (WARN).
    The same weekday, because usage has a week: a Saturday against the weekdays before it is a drop
    every weekend. ``history_counts``: metric_source, usage_date, rows of the days before ``days``
    (their last ``weeks`` weeks at least). Each day has its own baseline, so a window checked in one
    chunk or in several (the earlier chunks' counts carried as history) gives the same offenders."""
    counts = fact.groupby(["metric_source", "usage_date"]).size()
    sources = sorted(set(history_counts["metric_source"]) | set(fact["metric_source"]))
    grid = pd.MultiIndex.from_product([sources, days], names=["metric_source", "usage_date"])
    today = counts.reindex(grid, fill_value=0).rename("rows").reset_index()
    sent = pd.concat([history_counts[["metric_source", "usage_date", "rows"]], today[today["rows"] > 0]], ignore_index=True)
    sent["usage_date"] = pd.to_datetime(sent["usage_date"]).dt.date
    rows_on = dict(zip(zip(sent["metric_source"], sent["usage_date"]), sent["rows"]))
    medians = []
    for source, day in zip(today["metric_source"], today["usage_date"]):
        before = [rows_on[key] for week in range(1, weeks + 1) if (key := (source, day - timedelta(weeks=week))) in rows_on]
        medians.append(float(median(before)) if before else float("nan"))
    today["same_weekday_median"] = medians
    drops = today[today["same_weekday_median"].notna() & (today["rows"] < floor * today["same_weekday_median"])]
    return _result("volume_drop", "fact_ai_usage", drops, "No source's volume collapsed.",
                   severity=dg.AssetCheckSeverity.WARN, extra={"floor": floor, "weeks": weeks})
