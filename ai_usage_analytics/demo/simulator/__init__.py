"""The vendor API simulator: a Flask app answering the documented Cursor Admin, Anthropic Admin and
Claude Enterprise Analytics endpoints from a synthetic ``Organisation``.

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
parameter parsing), and one module per API: ``cursor``, ``anthropic``, ``analytics``.
"""

from __future__ import annotations

from ai_usage_analytics.demo.simulator.app import create_app
from ai_usage_analytics.demo.simulator.common import ANALYTICS, ANTHROPIC, CURSOR, ApiError
from ai_usage_analytics.demo.simulator.faults import FAULT_KINDS, STATUS_KINDS, Counters, FaultRule, Faults
from ai_usage_analytics.demo.simulator.state import SimulatorState

__all__ = [
    "ANALYTICS", "ANTHROPIC", "CURSOR", "FAULT_KINDS", "STATUS_KINDS", "ApiError", "Counters", "FaultRule",
    "Faults", "SimulatorState", "create_app",
]
