"""Anthropic Admin API client (https://api.anthropic.com) as a Dagster resource.

Reports come back as the API sends them: buckets (``starting_at``, ``ending_at``, ``results``) for
the usage and cost reports, records for the Claude Code report, raw objects for the lists. Dates are
UTC days and every range includes both end days.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from ai_usage_analytics.resources.http import Params, VendorAPIResource, VendorHTTPClient

API_VERSION = "2023-06-01"
MESSAGES_USAGE_PATH = "/v1/organizations/usage_report/messages"
COST_REPORT_PATH = "/v1/organizations/cost_report"
CLAUDE_CODE_PATH = "/v1/organizations/usage_report/claude_code"
API_KEYS_PATH = "/v1/organizations/api_keys"
WORKSPACES_PATH = "/v1/organizations/workspaces"
USERS_PATH = "/v1/organizations/users"
MESSAGES_GROUP_BY = ("api_key_id", "workspace_id", "model", "service_tier", "context_window")
COST_GROUP_BY = ("workspace_id", "description")
MAX_DAILY_BUCKETS = 31  # the documented maximum page size for 1d buckets
MAX_LIST_LIMIT = 1000  # Claude Code records and list endpoints


def report_window(start: date, end: date) -> list[tuple[str, str]]:
    """``starting_at`` / ``ending_at`` covering the UTC days ``[start, end]`` (end is exclusive in the API)."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    return [("starting_at", f"{start.isoformat()}T00:00:00Z"), ("ending_at", f"{end + timedelta(days=1)}T00:00:00Z")]


class AnthropicAdminAPI(VendorAPIResource):
    """Anthropic Admin API: Messages usage, cost, Claude Code usage, API keys, workspaces, users.

    No rate limit is published for the Admin API, so the client-side limit is off by default.
    """

    api_key_env_var: str = "ANTHROPIC_ADMIN_API_KEY"
    base_url: str = "https://api.anthropic.com"
    requests_per_minute: int = 0

    def make_client(
        self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> VendorHTTPClient:
        key = self.api_key.strip()
        return VendorHTTPClient(
            "Anthropic",
            self.base_url,
            credential=key,
            credential_env_var=self.api_key_env_var,
            credential_description=(
                "an Anthropic Admin API key, sk-ant-admin01-…, from Console → Settings → Admin keys"
            ),
            headers={"x-api-key": key, "anthropic-version": API_VERSION},
            policy=self.retry_policy(),
            requests_per_minute=self.requests_per_minute,
            clock=clock,
            sleep=sleep,
        )

    def get_messages_usage(self, start: date, end: date) -> list[dict[str, Any]]:
        """GET /v1/organizations/usage_report/messages: daily buckets grouped by API key, workspace,
        model, service tier and context window, 31 buckets a page."""
        return self._report(MESSAGES_USAGE_PATH, start, end, MESSAGES_GROUP_BY)

    def get_cost_report(self, start: date, end: date) -> list[dict[str, Any]]:
        """GET /v1/organizations/cost_report: daily buckets grouped by workspace and description
        (``amount`` is a decimal string in cents)."""
        return self._report(COST_REPORT_PATH, start, end, COST_GROUP_BY)

    def get_claude_code_usage(self, day: date) -> list[dict[str, Any]]:
        """GET /v1/organizations/usage_report/claude_code for one UTC day (the API serves one day a query)."""
        params = [("starting_at", day.isoformat()), ("limit", MAX_LIST_LIMIT)]
        return self._collect(self.http.pages_by_token(CLAUDE_CODE_PATH, params), CLAUDE_CODE_PATH)

    def list_api_keys(self) -> list[dict[str, Any]]:
        """GET /v1/organizations/api_keys: every API key, whatever its status."""
        return self._list(API_KEYS_PATH, [])

    def list_workspaces(self) -> list[dict[str, Any]]:
        """GET /v1/organizations/workspaces, archived ones included."""
        return self._list(WORKSPACES_PATH, [("include_archived", "true")])

    def list_users(self) -> list[dict[str, Any]]:
        """GET /v1/organizations/users: every organisation member."""
        return self._list(USERS_PATH, [])

    def _report(self, path: str, start: date, end: date, group_by: tuple[str, ...]) -> list[dict[str, Any]]:
        params = [
            *report_window(start, end),
            ("bucket_width", "1d"),
            *(("group_by[]", dimension) for dimension in group_by),
            ("limit", MAX_DAILY_BUCKETS),
        ]
        return self._collect(self.http.pages_by_token(path, params), path)

    def _list(self, path: str, params: Params) -> list[dict[str, Any]]:
        return self._collect(self.http.pages_by_id(path, [*params, ("limit", MAX_LIST_LIMIT)]), path)

    def _collect(self, pages: Iterator[dict[str, Any]], path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in pages:
            items.extend(self.http.items(page, "data", f"GET {path}"))
        return items
