"""A page spec (datasets, KPI tiles, charts, tables, notices) rendered as one self-contained HTML file.

The datasets are embedded as JSON; ``static/dashboard.js`` filters them by date range and department
and recomputes every tile, chart and table in the browser. Plotly's JavaScript is inlined once, so the
page opens offline. A measure is ``sum(num) / sum(den)`` (den optional), each side optionally over
another dataset of the page, so ratios stay right under any filter.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from string import Template

import pandas as pd
from plotly.offline import get_plotlyjs

HERE = Path(__file__).parent
FORMATS = ("usd", "usd4", "pct", "int", "num1")
PLATFORM_COLORS = {
    "Cursor": "#1f4e79", "Claude Code": "#d1793a", "Claude API": "#8e44ad", "Claude.ai": "#c8553d",
    "Google Gemini": "#2e8b57",
}


class PageSpecError(ValueError):
    """A page spec names a dataset or column that is not there (a bug in the page builder)."""


@dataclass
class Dataset:
    frame: pd.DataFrame
    date: str | None = None  # ISO day column the date filter applies to
    grain: str = "day"  # "day" or "month" (month rows are kept when their month overlaps the range)
    department: str | None = "department"  # column the department filter applies to (None: not split)


@dataclass
class Page:
    name: str
    title: str
    subtitle: str
    data_through: date | None
    built_at: datetime
    datasets: dict[str, Dataset]
    kpis: list[dict] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (kind "warn"|"info", text)
    pending: list[tuple[str, str]] = field(default_factory=list)  # (title, why): a chart whose source has no data yet
    footer: str = ""
    # Shown instead of a chart whose dataset has no rows at all (no data yet, or every group too small).
    empty_reason: str = "No rows to show yet."

    def drawable(self) -> list[dict]:
        return [c for c in self.charts if not self.datasets[c["dataset"]].frame.empty]

    def all_pending(self) -> list[tuple[str, str]]:
        drawn = {c["id"] for c in self.drawable()}
        return [(c["title"], self.empty_reason) for c in self.charts if c["id"] not in drawn] + self.pending


def measure(num: str, den: str | None = None, dataset: str | None = None, den_dataset: str | None = None) -> dict:
    return {k: v for k, v in {"num": num, "den": den, "dataset": dataset, "den_dataset": den_dataset}.items() if v}


def kpi(id: str, label: str, dataset: str, m: dict, format: str, good: str = "neutral", help: str = "") -> dict:
    return {"id": id, "label": label, "dataset": dataset, "measure": m, "format": format, "good": good, "help": help}


def chart(id: str, title: str, how: str, kind: str, dataset: str, x: str, m: dict | None = None, format: str = "int",
          series: str | None = None, measures: list[dict] | None = None, stacked: bool = False, top: int | None = None,
          wide: bool = False, note: str = "", empty: str = "No data for this selection.", height: int | None = None) -> dict:
    spec = {"id": id, "title": title, "how": how, "kind": kind, "dataset": dataset, "x": x, "format": format,
            "series": series, "stacked": stacked, "top": top, "wide": wide, "note": note, "empty": empty,
            "height": height}
    if measures:
        spec["measures"] = measures
    else:
        spec["measure"] = m
    return spec


def series_measure(label: str, m: dict, format: str) -> dict:
    return {"label": label, "measure": m, "format": format}


def column(label: str, field: str | None = None, m: dict | None = None, format: str | None = None,
           csv: str | None = None) -> dict:
    return {k: v for k, v in {"label": label, "field": field, "measure": m, "format": format, "csv": csv}.items()
            if v is not None}


def table(id: str, title: str, how: str, dataset: str, group_by: list[str], columns: list[dict], sort_by: int = 0,
          sort_desc: bool = True, limit: int | None = None, csv: str | None = None, totals: bool = False) -> dict:
    return {"id": id, "title": title, "how": how, "dataset": dataset, "group_by": group_by, "columns": columns,
            "sort_by": sort_by, "sort_desc": sort_desc, "limit": limit, "csv": csv, "totals": totals}


def _json_value(value):
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    columns = list(frame.columns)
    return [{c: _json_value(v) for c, v in zip(columns, row)} for row in frame.itertuples(index=False, name=None)]


def _check(page: Page) -> None:
    def need(dataset: str | None, columns: list[str | None], where: str) -> None:
        if dataset is None:
            return
        if dataset not in page.datasets:
            raise PageSpecError(f"{page.name}: {where} reads dataset {dataset!r}, which the page does not have.")
        missing = [c for c in columns if c and c not in page.datasets[dataset].frame.columns]
        if missing:
            raise PageSpecError(f"{page.name}: {where} needs columns {missing} of dataset {dataset!r}.")

    def need_measure(m: dict, dataset: str, where: str) -> None:
        need(m.get("dataset", dataset), [m["num"]], where)
        if m.get("den"):
            need(m.get("den_dataset", m.get("dataset", dataset)), [m["den"]], where)

    for k in page.kpis:
        need_measure(k["measure"], k["dataset"], f"KPI {k['id']}")
    for c in page.charts:
        need(c["dataset"], [c["x"], c["series"]], f"chart {c['id']}")
        for m in [c.get("measure")] + [s["measure"] for s in c.get("measures", [])]:
            if m:
                need_measure(m, c["dataset"], f"chart {c['id']}")
    for t in page.tables:
        need(t["dataset"], t["group_by"], f"table {t['id']}")
        for col in t["columns"]:
            if "measure" in col:
                need_measure(col["measure"], t["dataset"], f"table {t['id']}")
    formats = [k["format"] for k in page.kpis] + [c["format"] for c in page.charts]
    if bad := sorted({f for f in formats if f not in FORMATS}):
        raise PageSpecError(f"{page.name}: unknown formats {bad}; use one of {FORMATS}.")


def date_range(page: Page) -> dict:
    """The days the data covers, and the default window: the last 28 days when there are at least 56
    (so every tile has an equally long previous period), otherwise the later half of the data."""
    days = []
    for ds in page.datasets.values():
        if ds.date and ds.grain == "day" and not ds.frame.empty:
            days.extend(pd.to_datetime(ds.frame[ds.date].dropna()).dt.date.tolist())
    last = page.data_through or (max(days) if days else page.built_at.date())
    first = min(days) if days else last
    span = (last - first).days + 1
    length = 28 if span >= 56 else max(1, span - span // 2)
    return {"min": first.isoformat(), "max": last.isoformat(),
            "default_from": (last - pd.Timedelta(days=length - 1)).isoformat()}


def departments(page: Page) -> list[str]:
    names: set[str] = set()
    for ds in page.datasets.values():
        if ds.department and ds.department in ds.frame.columns:
            names.update(str(v) for v in ds.frame[ds.department].dropna().unique())
    return sorted(names, key=lambda n: (n.startswith("Other (") or n in ("unattributed", "unknown"), n))


def _embedded(page: Page) -> str:
    payload = {
        "name": page.name,
        "range": date_range(page),
        "departments": departments(page),
        "colors": PLATFORM_COLORS,
        "datasets": {
            name: {"date": ds.date, "grain": ds.grain, "department": ds.department, "rows": records(ds.frame)}
            for name, ds in page.datasets.items()
        },
        "kpis": page.kpis,
        "charts": page.drawable(),
        "tables": page.tables,
    }
    # "</" inside a script element would end it early.
    return json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _kpi_html(k: dict) -> str:
    return (f'<div class="kpi" id="kpi-{k["id"]}" title="{html.escape(k["help"])}">'
            f'<div class="kpi-label">{html.escape(k["label"])}</div><div class="kpi-value">—</div>'
            f'<div class="kpi-change"></div></div>')


def _chart_html(c: dict) -> str:
    note = f'<p class="note">{html.escape(c["note"])}</p>' if c["note"] else ""
    return (f'<div class="card{" wide" if c["wide"] else ""}"><h2>{html.escape(c["title"])}</h2>'
            f'<p class="how"><strong>How to read this:</strong> {html.escape(c["how"])}</p>'
            f'<div class="chart" id="chart-{c["id"]}" data-chart="{c["id"]}"></div>'
            f'<div class="empty" id="empty-{c["id"]}">{html.escape(c["empty"])}</div>{note}</div>')


def _table_html(t: dict) -> str:
    heads = "".join(
        f'<th class="{"" if "field" in col else "num"}">{html.escape(col["label"])}</th>' for col in t["columns"]
    )
    button = f'<button type="button" id="csv-{t["id"]}">Download CSV</button>' if t["csv"] else ""
    return (f'<div class="card wide"><div class="table-head"><h2>{html.escape(t["title"])}</h2>{button}'
            f'<span class="count" id="count-{t["id"]}"></span></div>'
            f'<p class="how"><strong>How to read this:</strong> {html.escape(t["how"])}</p>'
            f'<div class="table-wrap"><table id="table-{t["id"]}" data-table="{t["id"]}"><thead><tr>{heads}</tr></thead>'
            f'<tbody></tbody><tfoot></tfoot></table></div></div>')


@lru_cache(maxsize=1)
def _static() -> tuple[str, str, str, Template]:
    return (
        (HERE / "static" / "dashboard.css").read_text(),
        (HERE / "static" / "dashboard.js").read_text(),
        get_plotlyjs(),
        Template((HERE / "templates" / "page.html").read_text()),
    )


def render(page: Page) -> str:
    """The page as one HTML document (Plotly and the data inlined; no network needed to open it)."""
    _check(page)
    css, engine, plotly, template = _static()
    notices = "".join(f'<li class="{kind}">{html.escape(text)}</li>' for kind, text in page.notices)
    return template.substitute(
        name=html.escape(page.name),
        title=html.escape(page.title),
        subtitle=html.escape(page.subtitle),
        data_through=page.data_through.isoformat() if page.data_through else "no data yet",
        built_at=page.built_at.strftime("%Y-%m-%d %H:%M UTC"),
        css=css,
        notices=notices,
        kpis="".join(_kpi_html(k) for k in page.kpis),
        charts="".join(_chart_html(c) for c in page.drawable()) + "".join(
            f'<div class="card pending" data-pending="{html.escape(title)}"><h2>{html.escape(title)}</h2>'
            f'<div class="empty" style="display:flex">{html.escape(why)}</div></div>' for title, why in page.all_pending()),
        tables="".join(_table_html(t) for t in page.tables),
        footer=html.escape(page.footer),
        plotly=plotly,
        data=_embedded(page),
        engine=engine,
    )
