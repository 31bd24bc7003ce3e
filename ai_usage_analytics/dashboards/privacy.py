"""Small-group suppression, done before any row reaches a page.

A group (e.g. a department, or a department on one tool) with fewer than ``min_size`` distinct people
would let a reader work out one person's figures. Such groups are folded together into one
"Other (groups under N people)" group, which is shown only if it reaches ``min_size`` people itself;
otherwise those rows are dropped. Groups without any person (the ``unattributed`` sentinel, or budget
lines with no usage) describe no one and are kept as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

UNATTRIBUTED = "unattributed"


def other_label(min_size: int) -> str:
    return f"Other (groups under {min_size} people)"


@dataclass(frozen=True)
class Suppression:
    """What was folded or hidden, for the page's notice. Names only, never a figure."""

    min_size: int
    folded: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()

    def message(self, what: str) -> str | None:
        """``what`` names the groups in the plural ("departments", "department × tool groups")."""
        if not self.folded and not self.dropped:
            return None

        def count(n: int) -> str:
            return f"{n} {what} are" if n != 1 else "1 " + re.sub(r"\b(\w+?)s\b", r"\1", what, count=1) + " is"

        parts = []
        if self.folded:
            parts.append(
                f"{count(len(self.folded))} combined as “{other_label(self.min_size)}” (fewer than "
                f"{self.min_size} people each: {', '.join(self.folded)})"
            )
        if self.dropped:
            parts.append(
                f"{count(len(self.dropped))} hidden entirely ({', '.join(self.dropped)}): even combined "
                f"they have fewer than {self.min_size} people, so totals on this page leave them out"
            )
        return "; ".join(parts) + f" (AI_USAGE_MIN_GROUP_SIZE={self.min_size})."


def _label(keys: tuple) -> str:
    return " × ".join(str(k) for k in keys)


@dataclass(frozen=True)
class Plan:
    """Which groups (tuples of the ``groups`` columns' values) fold into "Other" and which are dropped."""

    groups: tuple[str, ...]
    department: str
    fold: frozenset
    drop: frozenset
    min_size: int

    def apply(self, frame: pd.DataFrame, department: str | None = None) -> pd.DataFrame:
        """``frame`` (which has the plan's group columns, its department column possibly named
        ``department``) with folded groups relabelled and dropped groups removed."""
        column = department or self.department
        columns = [column if g == self.department else g for g in self.groups]
        keys = list(zip(*(frame[c] for c in columns)))
        fold = pd.Series([k in self.fold for k in keys], index=frame.index, dtype=bool)
        keep = pd.Series([k not in self.drop for k in keys], index=frame.index, dtype=bool)
        out = frame.copy()
        out[column] = out[column].mask(fold, other_label(self.min_size))
        return out[keep]

    @property
    def suppression(self) -> Suppression:
        return Suppression(self.min_size, folded=tuple(sorted(map(_label, self.fold))),
                           dropped=tuple(sorted(map(_label, self.drop))))


def plan(frame: pd.DataFrame, groups: list[str], person: str, min_size: int, department: str = "department") -> Plan:
    """Groups (distinct values of ``groups``) with 0 < people < min_size fold into the "Other" department;
    if "Other" (per the remaining group columns) stays under min_size, those groups are dropped instead.
    ``person`` identifies people (the ``unattributed`` sentinel and nulls are not people)."""
    frame = frame.reset_index(drop=True)
    people = frame[person].where(frame[person] != UNATTRIBUTED)
    keys = pd.Series(list(zip(*(frame[g] for g in groups))), index=frame.index, dtype=object)
    counts = people.groupby(keys).nunique()
    small = {k for k, n in counts.items() if 0 < n < min_size and k[groups.index(department)] != UNATTRIBUTED}
    rest = [i for i, g in enumerate(groups) if g != department]
    folded = keys.isin(small)
    combined = people[folded].groupby(keys[folded].map(lambda k: tuple(k[i] for i in rest))).nunique()
    too_small = {k for k, n in combined.items() if n < min_size}
    drop = frozenset(k for k in small if tuple(k[i] for i in rest) in too_small)
    return Plan(tuple(groups), department, frozenset(small - drop), drop, min_size)


def protect(frame: pd.DataFrame, groups: list[str], person: str, min_size: int,
            department: str = "department") -> tuple[pd.DataFrame, Suppression]:
    """``plan`` and apply it to the same frame."""
    chosen = plan(frame, groups, person, min_size, department)
    return chosen.apply(frame), chosen.suppression
