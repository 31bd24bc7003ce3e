"""The vendor API simulator: a Flask app answering the documented Cursor Admin, Anthropic Admin,
Claude Enterprise Analytics and Google Workspace Reports (Gemini) endpoints from a synthetic
``Organisation``.

Endpoints served (details, parameters and simulator assumptions in each module's docstring):

* Cursor (``cursor``; HTTP Basic): ``GET /teams/members``, ``POST /teams/daily-usage-data``,
  ``POST /teams/filtered-usage-events``, ``POST /teams/spend``.
* Anthropic Admin (``anthropic``; ``x-api-key`` + ``anthropic-version``):
  ``GET /v1/organizations/usage_report/messages``, ``GET /v1/organizations/cost_report``,
  ``GET /v1/organizations/usage_report/claude_code``, ``GET /v1/organizations/api_keys``,
  ``GET /v1/organizations/workspaces``, ``GET /v1/organizations/users``, ``GET /v1/organizations/me``.
* Claude Enterprise Analytics (``analytics``, ``analytics_cost``; analytics key):
  ``GET /v1/organizations/analytics/users``, ``GET /v1/organizations/analytics/user_cost_report``.
* Google Workspace Reports (``google``; ``Authorization: Bearer``):
  ``GET /admin/reports/v1/activity/users/{all|email}/applications/gemini_in_workspace_apps``.

Methods, paths, parameters, authentication, pagination, limits and error bodies follow
shared/vendor-apis/README.md and its fixtures. Every row is generated from the organisation; nothing
is canned. Control endpoints under ``/_sim`` (no auth) inject faults, reset, report counters and
serve the ground truth:

* ``POST /_sim/faults`` a rule or a list of rules, e.g. ``{"endpoint": "/v1/organizations/cost_report",
  "kind": "429", "times": 2, "retry_after": 0}``; ``GET /_sim/faults`` lists them.
* ``POST /_sim/reset`` clears faults and counters; ``GET /_sim/counters`` requests per path and status.
* ``GET /_sim/truth?date=YYYY-MM-DD`` ``org.truth(day)``; ``GET /_sim/info`` seed, size, period, ids.

Fault kinds (``FAULT_KINDS``): HTTP statuses 429 (with Retry-After), 500, 502, 503, 504, 529 in the
vendor's error body; ``drop`` closes the connection without a response; ``slow`` sleeps ``delay``
seconds first; ``truncated`` cuts the JSON body in half; ``non_json`` answers an HTML page;
``expired_cursor`` answers 410 on page 2 and later; ``empty`` serves no activity (for ``date`` or
every day); ``duplicate`` repeats the previous page's last item at the top of page 2 and later.
A rule fires for ``times`` matching requests (null = every one) after skipping ``after`` of them,
each with ``probability`` drawn from a generator seeded by (seed, endpoint, kind, request number).

Modules: ``app`` (create_app, auth, error bodies, /_sim routes), ``faults`` (rules, counters),
``state`` (SimulatorState), ``paging`` (shared paging/fault helpers), ``common`` (ApiError, JSON,
parameter parsing), and one module per API: ``cursor``, ``anthropic``, ``analytics`` (users),
``analytics_cost`` (per-user cost), ``google`` (Gemini activity).
"""

from __future__ import annotations

from ai_usage_analytics.demo.simulator.app import create_app
from ai_usage_analytics.demo.simulator.common import ANALYTICS, ANTHROPIC, CURSOR, GOOGLE, ApiError
from ai_usage_analytics.demo.simulator.faults import FAULT_KINDS, STATUS_KINDS, Counters, FaultRule, Faults
from ai_usage_analytics.demo.simulator.state import SimulatorState

__all__ = [
    "ANALYTICS", "ANTHROPIC", "CURSOR", "GOOGLE", "FAULT_KINDS", "STATUS_KINDS", "ApiError", "Counters", "FaultRule",
    "Faults", "SimulatorState", "create_app",
]
