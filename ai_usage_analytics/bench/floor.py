"""The floor: the raw JSON pages the pipeline needs, fetched with plain ``requests`` and landed in
DuckDB with no pipeline in between.

Same endpoints, parameters and page sizes as the production clients (so the same pages), one
``requests.Session`` per vendor, no retries, no rate limits, no validation. Each body is written to
disk as received; then, per endpoint, DuckDB reads the files (``read_json_objects``) and stores one
row per item (``unnest`` of the items list) in a single JSON column. Run in the scenario process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import requests

from ai_usage_analytics.bench.measure import Stopwatch
from ai_usage_analytics.bench import minimum as m
from ai_usage_analytics.resources.anthropic import API_VERSION, COST_GROUP_BY, MESSAGES_GROUP_BY
from ai_usage_analytics.resources.claude_analytics import FIRST_DAY as ANALYTICS_FIRST_DAY
from ai_usage_analytics.resources.claude_analytics import USER_COST_GROUP_BY
from ai_usage_analytics.resources.google_reports import EVENT_NAME, GoogleWorkspaceReports, rfc3339_midnight
from ai_usage_analytics.resources.cursor import day_end_ms, day_start_ms, windows
from ai_usage_analytics.settings import load_settings

ITEMS_KEY = {m.DAILY_USAGE: "data", m.USAGE_EVENTS: "usageEvents", m.GEMINI: "items"}


class Fetcher:
    """Pages straight from the vendors (their base URLs from the clients' settings variables)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.cursor = requests.Session()
        self.cursor.auth = (os.environ["CURSOR_API_KEY"], "")
        self.anthropic = requests.Session()
        self.anthropic.headers.update(
            {"x-api-key": os.environ["ANTHROPIC_ADMIN_API_KEY"], "anthropic-version": API_VERSION}
        )
        self.analytics = requests.Session()
        self.analytics.headers.update(
            {"x-api-key": os.environ["CLAUDE_ANALYTICS_API_KEY"], "anthropic-version": API_VERSION}
        )
        self.google = requests.Session()
        self.google.headers.update({"Authorization": f"Bearer {os.environ['GOOGLE_REPORTS_ACCESS_TOKEN']}"})
        url = {name: os.environ[f"{name}_BASE_URL"].rstrip("/") for name in ("CURSOR_API", "ANTHROPIC_API", "GOOGLE_REPORTS_API")}
        self.base_url = {self.cursor: url["CURSOR_API"], self.anthropic: url["ANTHROPIC_API"],
                         self.analytics: url["ANTHROPIC_API"], self.google: url["GOOGLE_REPORTS_API"]}
        self.requests: dict[str, int] = {}
        self.bytes = 0

    def _save(self, path: str, content: bytes) -> None:
        folder = self.directory / path.strip("/").replace("/", "_")
        folder.mkdir(parents=True, exist_ok=True)
        number = self.requests.get(path, 0)
        (folder / f"{number:06d}.json").write_bytes(content)
        self.requests[path] = number + 1
        self.bytes += len(content)

    def post_pages(self, path: str, body: dict) -> None:
        page = 1
        while True:
            response = self.cursor.post(self.base_url[self.cursor] + path, json={**body, "page": page, "pageSize": m.CURSOR_PAGE_SIZE})
            response.raise_for_status()
            self._save(path, response.content)
            if not response.json()["pagination"]["hasNextPage"]:
                return
            page += 1

    def get_pages(self, path: str, params: list, token_key: str, param: str, session: requests.Session | None = None,
                  until_no_token: bool = False) -> None:
        """GET pages while ``has_more`` (or, with ``until_no_token``, while ``token_key`` is given)."""
        token, session = None, session or self.anthropic
        while True:
            response = session.get(self.base_url[session] + path, params=[*params, (param, token)] if token else params)
            response.raise_for_status()
            self._save(path, response.content)
            data = response.json()
            token = data.get(token_key)
            if not (token if until_no_token else data.get("has_more")):
                return


def _days(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def fetch(fetcher: Fetcher, first: date, last: date) -> None:
    for start, end in windows(first, last):
        fetcher.post_pages(m.DAILY_USAGE, {"startDate": day_start_ms(start), "endDate": day_end_ms(end)})
    fetcher.post_pages(m.USAGE_EVENTS, {"startDate": day_start_ms(first), "endDate": day_end_ms(last)})
    window = [("starting_at", f"{first}T00:00:00Z"), ("ending_at", f"{last + timedelta(days=1)}T00:00:00Z"),
              ("bucket_width", "1d"), ("limit", m.ANTHROPIC_BUCKETS_PER_PAGE)]
    fetcher.get_pages(m.MESSAGES, [*window, *(("group_by[]", g) for g in MESSAGES_GROUP_BY)], "next_page", "page")
    fetcher.get_pages(m.COSTS, [*window, *(("group_by[]", g) for g in COST_GROUP_BY)], "next_page", "page")
    for day in _days(first, last):
        fetcher.get_pages(m.CLAUDE_CODE, [("starting_at", day.isoformat()), ("limit", m.ANTHROPIC_LIST_LIMIT)],
                          "next_page", "page")
    limit = [("limit", m.ANTHROPIC_LIST_LIMIT)]
    fetcher.get_pages(m.API_KEYS, limit, "last_id", "after_id")
    fetcher.get_pages(m.WORKSPACES, [("include_archived", "true"), *limit], "last_id", "after_id")
    fetcher.get_pages(m.USERS, limit, "last_id", "after_id")
    analytics_first = max(first, ANALYTICS_FIRST_DAY)
    for day in _days(analytics_first, last):
        fetcher.get_pages(m.ANALYTICS_USERS, [("date", day.isoformat()), ("limit", m.ANALYTICS_PAGE_SIZE)], "next_page",
                          "page", fetcher.analytics, until_no_token=True)
    for start, end in windows(analytics_first, last, m.USER_COST_WINDOW_DAYS) if last >= analytics_first else []:
        fetcher.get_pages(m.USER_COST, [("starting_at", f"{start}T00:00:00Z"), ("ending_at", f"{end + timedelta(days=1)}T00:00:00Z"),
                                        ("bucket_width", "1d"), *(("group_by[]", g) for g in USER_COST_GROUP_BY),
                                        ("limit", m.ANALYTICS_PAGE_SIZE)], "next_page", "page", fetcher.analytics)
    reports = GoogleWorkspaceReports(today=str(load_settings().google_reports_today or ""))  # the client's clock
    gemini_first = reports.first_served_day()
    if last >= gemini_first:
        fetcher.get_pages(m.GEMINI, [("startTime", rfc3339_midnight(max(first, gemini_first))),
                                     ("endTime", rfc3339_midnight(last + timedelta(days=1))), ("eventName", EVENT_NAME),
                                     ("maxResults", m.GEMINI_PAGE_SIZE)], "nextPageToken", "pageToken", fetcher.google,
                          until_no_token=True)


def load(directory: Path, duckdb_path: Path) -> dict[str, int]:
    """One table per endpoint, one JSON row per item (report buckets: one row per bucket result)."""
    rows = {}
    with duckdb.connect(str(duckdb_path)) as con:
        for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
            key = next((k for p, k in ITEMS_KEY.items() if p.strip("/").replace("/", "_") == folder.name), "data")
            table = folder.name.replace("-", "_").replace("v1_organizations_", "floor_")
            items = f"unnest(json_extract(json, '$.{key}[*]'))"
            if folder.name in ("v1_organizations_usage_report_messages", "v1_organizations_cost_report"):
                # buckets: one row per result, the bucket's day alongside
                select = (f"SELECT b->>'starting_at' AS starting_at, unnest(json_extract(b, '$.results[*]')) AS item "
                          f"FROM (SELECT {items} AS b FROM read_json_objects('{folder}/*.json'))")
            else:
                select = f"SELECT {items} AS item FROM read_json_objects('{folder}/*.json')"
            con.execute(f'CREATE OR REPLACE TABLE "{table}" AS {select}')
            rows[table] = int(con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
    return rows


def fetch_and_load(spec: dict) -> dict:
    first, last = date.fromisoformat(spec["first"]), date.fromisoformat(spec["last"])
    directory = Path(spec["workdir"]) / "floor_pages"
    fetcher = Fetcher(directory)
    with Stopwatch() as fetching:
        fetch(fetcher, first, last)
    with Stopwatch() as loading:
        rows = load(directory, Path(spec["duckdb_path"]))
    return {
        "stages_s": {"fetch": round(fetching.seconds, 3), "load": round(loading.seconds, 3)},
        "client_requests": fetcher.requests,
        "bytes_fetched": fetcher.bytes,
        "rows": rows,
    }
