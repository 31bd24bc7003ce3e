"""Fault rules (what to break, on which endpoint, how often) and per-path request counters."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ai_usage_analytics.demo.org import rng_for

STATUS_KINDS = {"429": 429, "500": 500, "502": 502, "503": 503, "504": 504, "529": 529}
FAULT_KINDS = (*STATUS_KINDS, "drop", "slow", "truncated", "non_json", "expired_cursor", "empty", "duplicate")


@dataclass
class FaultRule:
    endpoint: str  # a request path, or "*" for every vendor endpoint
    kind: str
    times: int | None = 1
    after: int = 0
    probability: float = 1.0
    retry_after: float = 1
    delay: float = 2.0
    date: str | None = None  # "empty": the day to empty (None = every day)
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {list(FAULT_KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1, or null for every request")
        if self.date is not None:
            date.fromisoformat(self.date)

    def public(self) -> dict:
        return asdict(self)


class Faults:
    """Thread-safe fault rules; ``take`` decides (deterministically) whether one fires now."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, endpoint: str, kind: str, **options: Any) -> FaultRule:
        rule = FaultRule(endpoint=endpoint, kind=str(kind), **options)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict]:
        with self._lock:
            return [r.public() for r in self._rules]

    def take(self, path: str, kinds: Sequence[str]) -> FaultRule | None:
        """The first rule of one of ``kinds`` for ``path`` that fires on this request, if any."""
        with self._lock:
            for rule in self._rules:
                if rule.kind not in kinds or rule.endpoint not in (path, "*"):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.probability < 1 and rng_for(self.seed, rule.endpoint, rule.kind, rule.seen).random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None


class Counters:
    def __init__(self) -> None:
        self._requests: Counter[str] = Counter()
        self._statuses: dict[str, Counter[str]] = defaultdict(Counter)
        self._lock = threading.Lock()

    def add(self, path: str, status: str) -> int:
        with self._lock:
            self._requests[path] += 1
            self._statuses[path][status] += 1
            return self._requests[path]

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._statuses.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {"requests": dict(self._requests), "statuses": {p: dict(c) for p, c in self._statuses.items()}}
