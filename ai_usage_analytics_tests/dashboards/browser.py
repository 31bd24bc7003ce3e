"""Open a dashboard page in the Debian Chromium through Playwright and report what a person would see."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: install the Debian package (apt-get install -y chromium; `make test` does it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@dataclass
class Seen:
    console_errors: list[str] = field(default_factory=list)
    charts: dict[str, int] = field(default_factory=dict)  # chart id -> points drawn
    kpis: dict[str, str] = field(default_factory=dict)  # kpi id -> data-value
    kpi_text: dict[str, str] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    kpis_after_filter: dict[str, str] = field(default_factory=dict)
    kpis_all_data: dict[str, str] = field(default_factory=dict)  # "All data" clicked, department filter still set
    filtered_department: str | None = None
    requests: list[str] = field(default_factory=list)


def _state(page) -> tuple[dict, dict, dict, dict]:
    return page.evaluate("""() => {
        const charts = {}, kpis = {}, text = {}, tables = {};
        document.querySelectorAll('[data-chart]').forEach(el => {
            const drawn = el.data ? el.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0) : 0;
            charts[el.dataset.chart] = Math.min(+el.dataset.points, drawn);
        });
        document.querySelectorAll('.kpi').forEach(el => {
            const v = el.querySelector('.kpi-value');
            kpis[el.id.slice(4)] = v.dataset.value; text[el.id.slice(4)] = v.textContent;
        });
        document.querySelectorAll('[data-table]').forEach(el => { tables[el.dataset.table] = +el.dataset.rows; });
        return [charts, kpis, text, tables];
    }""")


@contextmanager
def opened(html_path: Path, seen: Seen) -> Iterator:
    """The page loaded in a fresh headless Chromium profile, every chart drawn; console errors, page
    errors and requests are recorded in ``seen``."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="dashboard-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=ARGS, headless=True, accept_downloads=True,
                viewport={"width": 1360, "height": 900},
            )
            try:
                page = context.new_page()
                page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: seen.console_errors.append(str(e)))
                page.on("request", lambda r: seen.requests.append(r.url))
                page.goto(html_path.resolve().as_uri())
                page.wait_for_function("document.body.dataset.rendered !== undefined", timeout=30_000)
                page.wait_for_function(
                    "[...document.querySelectorAll('[data-chart]')].every(el => el.dataset.points === '0'"
                    " || el.classList.contains('js-plotly-plot'))", timeout=30_000)
                yield page
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def look_at(html_path: Path, screenshot: Path | None = None, department: str | None = None) -> Seen:
    """Open the page, record what it shows; then pick ``department`` (or the first one offered) in the
    filter and record the KPI tiles again."""
    seen = Seen()
    with opened(html_path, seen) as page:
        seen.charts, seen.kpis, seen.kpi_text, seen.tables = _state(page)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        options = page.eval_on_selector_all("#f-dept option", "os => os.map(o => o.value).filter(Boolean)")
        seen.filtered_department = department or (options[0] if options else None)
        if seen.filtered_department:
            page.select_option("#f-dept", seen.filtered_department)
            _, seen.kpis_after_filter, _, _ = _state(page)
        page.click("[data-range=all]")
        _, seen.kpis_all_data, _, _ = _state(page)
    return seen


def download_csv(html_path: Path, table: str, department: str = "") -> tuple[str, str, Seen]:
    """Click the table's "Download CSV" (after choosing ``department``): (file name, content, what was seen)."""
    seen = Seen()
    with opened(html_path, seen) as page:
        if department:
            page.select_option("#f-dept", department)
        _, seen.kpis, _, seen.tables = _state(page)
        with page.expect_download() as info:
            page.click(f"#csv-{table}")
        download = info.value
        return download.suggested_filename, Path(download.path()).read_text(), seen


def main(argv: list[str]) -> int:
    """``python -m ai_usage_analytics_tests.dashboards.browser <pages dir> <screenshot dir>``: one PNG per page
    (how docs/screenshots are made from `make demo`'s pages)."""
    if len(argv) != 2:
        print(main.__doc__)
        return 2
    if reason := chromium_missing():
        print(reason)
        return 1
    pages, out = Path(argv[0]), Path(argv[1])
    for page in sorted(pages.glob("*.html")):
        seen = look_at(page, out / f"{page.stem}.png")
        print(f"{out / (page.stem + '.png')}: {len(seen.charts)} charts, console errors: {len(seen.console_errors)}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
