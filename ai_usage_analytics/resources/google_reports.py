"""Google Workspace Admin SDK Reports API client (activities.list for ``gemini_in_workspace_apps``) as a
Dagster resource.

``GET /admin/reports/v1/activity/users/all/applications/gemini_in_workspace_apps`` with ``startTime``
and ``endTime`` (RFC 3339; the range's UTC midnights), ``eventName=feature_utilization``,
``maxResults`` 1000 (the maximum) and ``pageToken`` from ``nextPageToken`` until it is absent: a whole
range in one paged query.

Authentication is an OAuth 2 bearer token. Production: a service account with domain-wide
delegation, authorised in the Admin console (Security -> API controls -> Domain-wide delegation) for
the scope ``https://www.googleapis.com/auth/admin.reports.audit.readonly``, impersonating an admin
(``GOOGLE_REPORTS_ADMIN_SUBJECT``) whose role may read reports; its key file is
``GOOGLE_APPLICATION_CREDENTIALS``. A ready token in ``GOOGLE_REPORTS_ACCESS_TOKEN`` wins (the demo's
simulator token). Tokens live about an hour, which covers a daily run and a backfill of months.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ai_usage_analytics.resources.http import VendorAPIError, VendorAPIResource, VendorHTTPClient

REPORTS_SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
APPLICATION = "gemini_in_workspace_apps"
ACTIVITIES_PATH = f"/admin/reports/v1/activity/users/all/applications/{APPLICATION}"
EVENT_NAME = "feature_utilization"
MAX_RESULTS = 1000
FIRST_DAY = date(2025, 6, 20)  # the Reports API has gemini_in_workspace_apps data from this day
RETENTION_DAYS = 180  # and keeps a rolling 180 days: an older startTime is refused with a 400


def earliest_day(today: date) -> date:
    """The first UTC day the Reports API still serves on ``today`` (a day's margin inside the retention)."""
    return max(FIRST_DAY, today - timedelta(days=RETENTION_DAYS - 1))


def rfc3339_midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


class GoogleWorkspaceReports(VendorAPIResource):
    """Reports API activities of Gemini in Workspace apps (who used which Gemini feature when).

    ``api_key`` is a ready access token (``GOOGLE_REPORTS_ACCESS_TOKEN``); without it a token is minted
    from ``credentials_path`` (a service-account key) impersonating ``admin_subject``.
    """

    api_key_env_var: str = "GOOGLE_REPORTS_ACCESS_TOKEN"
    base_url: str = "https://admin.googleapis.com"
    credentials_path: str = ""
    admin_subject: str = ""
    requests_per_minute: int = 0
    today: str = ""  # YYYY-MM-DD the 180-day retention is counted from; empty: the current UTC day

    def reference_day(self) -> date:
        """The API's today: ``today`` when set (a replay, or the simulator's own clock), else the UTC date."""
        return date.fromisoformat(self.today) if self.today.strip() else datetime.now(timezone.utc).date()

    def first_served_day(self) -> date:
        """The first day the API still serves today (its data start, its 180-day retention)."""
        return earliest_day(self.reference_day())

    def access_token(self) -> str:
        """The bearer token: the configured one, else one minted by domain-wide delegation."""
        if self.api_key.strip() or not self.credentials_path:
            return self.api_key.strip()
        if not self.admin_subject:
            raise VendorAPIError(
                "Google Reports", f"GET {ACTIVITIES_PATH}", None,
                "GOOGLE_REPORTS_ADMIN_SUBJECT is not set: name the admin the service account impersonates "
                "(domain-wide delegation for the scope " + REPORTS_SCOPE + ").",
            )
        from google.auth.exceptions import GoogleAuthError
        from google.auth.transport.requests import Request
        from google.oauth2 import service_account

        try:
            credentials = service_account.Credentials.from_service_account_file(
                self.credentials_path, scopes=[REPORTS_SCOPE], subject=self.admin_subject
            )
            credentials.refresh(Request())
        except (OSError, ValueError, GoogleAuthError) as error:
            raise VendorAPIError(
                "Google Reports", "POST oauth2 token", None,
                f"could not get a token for {self.admin_subject} from GOOGLE_APPLICATION_CREDENTIALS "
                f"({type(error).__name__}); check the key file and that domain-wide delegation grants {REPORTS_SCOPE}",
            ) from None
        return credentials.token

    def make_client(
        self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> VendorHTTPClient:
        token = self.access_token()
        return VendorHTTPClient(
            "Google Reports",
            self.base_url,
            credential=token,
            credential_env_var=(
                "GOOGLE_APPLICATION_CREDENTIALS" if self.credentials_path and not self.api_key.strip()
                else self.api_key_env_var
            ),
            credential_description=(
                "an OAuth access token for the Reports API; or instead GOOGLE_APPLICATION_CREDENTIALS, a service account "
                f"with domain-wide delegation for {REPORTS_SCOPE}, plus GOOGLE_REPORTS_ADMIN_SUBJECT"
            ),
            headers={"Authorization": f"Bearer {token}"},
            policy=self.retry_policy(),
            requests_per_minute=self.requests_per_minute,
            clock=clock,
            sleep=sleep,
        )

    def get_gemini_activities(self, start: date, end: date) -> list[dict[str, Any]]:
        """Every feature_utilization activity of ``[start, end]`` (UTC days, both included). Days the API
        no longer serves (before its data start, or past its 180-day retention counted from
        ``reference_day()``) cost no request and give nothing."""
        if end < start:
            raise ValueError(f"the range ends ({end}) before it starts ({start})")
        first = self.first_served_day()
        if end < first:
            return []
        params = [
            ("startTime", rfc3339_midnight(max(start, first))),
            ("endTime", rfc3339_midnight(end + timedelta(days=1))),
            ("eventName", EVENT_NAME),
            ("maxResults", MAX_RESULTS),
        ]
        endpoint = f"GET {ACTIVITIES_PATH}"
        items: list[dict[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.http.request("GET", ACTIVITIES_PATH, params=[*params, ("pageToken", token)] if token else params)
            if page.get("items") is not None:  # Google leaves ``items`` out of an empty page
                items.extend(self.http.items(page, "items", endpoint))
            token = page.get("nextPageToken")
            if not token:
                return items
            if not isinstance(token, str) or token in seen:
                raise VendorAPIError(self.http.vendor, endpoint, 200, "nextPageToken is not a string or repeats")
            seen.add(token)
