"""``SimulatorState``: what the app serves from (organisation, accepted keys, faults, counters, caches)."""

from __future__ import annotations

import threading
from decimal import Decimal

from ai_usage_analytics.demo.org import Organisation, days
from ai_usage_analytics.demo.simulator.faults import Counters, Faults

class SimulatorState:
    """What the app serves from: the organisation, accepted keys, faults, counters, caches."""

    def __init__(self, org: Organisation, keys: dict[str, str]) -> None:
        self.org, self.keys = org, keys
        self.faults = Faults(org.seed)
        self.counters = Counters()
        self._spend: dict[int, dict[str, Decimal | int]] | None = None
        self._spend_lock = threading.Lock()

    def cycle_spend(self) -> dict[int, dict[str, Decimal | int]]:
        """Per Cursor member (person index): on-demand and overall cents and included requests over
        the current billing cycle, summed from the same events filtered-usage-events serves."""
        with self._spend_lock:
            if self._spend is None:
                first, last = self.org.billing_cycle()
                spend: dict[int, dict] = {}
                for person in self.org.cursor_members():
                    totals = {"spend": Decimal(0), "overall": Decimal(0), "fast": 0}
                    for day in days(first, last):
                        for event in self.org.cursor_person_day(person, day)[1]:
                            totals["overall"] += event.charged_cents
                            if event.included:
                                totals["fast"] += 1
                            else:
                                totals["spend"] += event.charged_cents
                    spend[person.index] = totals
                self._spend = spend
            return self._spend
