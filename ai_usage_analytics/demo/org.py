"""A deterministic synthetic organisation and its AI-tool activity, generated one day at a time.

``Organisation(seed, people)`` builds the people (names, departments, roles, employment dates, which
tools they use and how much), the Anthropic workspaces and API keys, and the Console users. That is
O(people) and small. Activity is never stored for the whole period: ``org.day(d)`` derives one day's
Cursor events, Anthropic token usage and Claude Code records from random generators seeded by
(seed, stream, day, person-or-key) through SHA-256 (never Python's salted ``hash``), so any day can
be regenerated identically, alone, in any order. Cursor (``cursor_day``: daily rows and events,
generated together) and Anthropic (``anthropic_day``) are generated and cached apart, so serving one
vendor never generates the other; recent Cursor days are kept up to a bound on events (a 30-day
window at 2,000 people), a day's event count comes from each member's first draws alone, and a
day's daily rows (``cursor_rows``) from the events' draws without pricing them.

Consistency built in: cost lines are priced from the same token counts the usage report shows;
Cursor spend is the sum of the events' ``chargedCents``; API-key Claude Code traffic appears both
in the Claude Code report (api_actor) and, with the same tokens, in the Messages usage of a key in
the Claude Code workspace. Gemini in Workspace activity (``gemini_person_day``, for the Reports
API) is generated per person and day the same way. ``org.truth(day)`` states the totals a client
should add up to.
"""

from __future__ import annotations

import base64
import hashlib
import random
import threading
from bisect import bisect
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from itertools import accumulate
from operator import attrgetter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd

from ai_usage_analytics.demo import prices
from ai_usage_analytics.demo.prices import ANTHROPIC_BY_ID, TOKEN_TYPES, anthropic_model
from ai_usage_analytics.transform.attribution import person_named_by_key

DOMAIN = "synthcorp.example"
CONTRACTOR_DOMAIN = "contractors.synthcorp.example"
DEFAULT_START = date(2025, 1, 1)
DAY_CACHE_SIZE = 3  # Anthropic days (small)
CURSOR_CACHE_EVENTS = 400_000  # Cursor days are kept while they hold fewer events than this (>= 31 days at 2,000 people)
CURSOR_FEATURE_WEIGHTS = tuple(accumulate((6, 3, 2, 2)))
MS_PER_DAY = 86_400_000
EPOCH = date(1970, 1, 1)

FIRST_NAMES = (
    "Aaliyah Aaron Abigail Adam Adrian Aisha Alan Alex Alice Amara Amelia Amir Ana Andrea Andrew Anna Arjun "
    "Ava Ben Bianca Brian Caleb Camila Carlos Caroline Chen Chloe Chris Claire Daniel David Diana Diego Dmitri "
    "Elena Eli Emily Emma Eric Ethan Eva Fatima Felix Fiona Gabriel Grace Hana Hannah Harper Hugo Ian Ibrahim "
    "Isaac Isabel Ivan Jack Jade James Jana Javier Jin Joel John Jonas Jorge Julia Kai Karen Kenji Laura Leo "
    "Liam Lina Lucas Lucy Maria Mark Marta Mateo Maya Mei Mia Michael Mohammed Nadia Nina Noah Nora Olivia "
    "Omar Oscar Paul Priya Rafael Rachel Ravi Rosa Ryan Sara Sofia Tariq Theo Tom Uma Victor Wei Yara Yusuf Zoe"
).split()
LAST_NAMES = (
    "Abbott Adams Ahmed Alvarez Anderson Bailey Baker Banerjee Barnes Bauer Becker Bell Bennett Brooks Brown "
    "Campbell Carter Castro Chen Clarke Collins Cooper Costa Cruz Davies Diaz Dubois Edwards Evans Fischer "
    "Fernandez Foster Garcia Gomez Gonzalez Green Gupta Hall Harris Hayes Hernandez Hill Hoffmann Hughes "
    "Ibrahim Ito Jackson Jensen Johnson Jones Kaur Kelly Khan Kim Klein Kowalski Kumar Larsen Lee Lewis Li "
    "Lopez Martin Martinez Meyer Miller Mitchell Moore Morales Morgan Murphy Nakamura Nguyen Novak Olsen "
    "Ortiz Park Patel Perez Peters Petrov Phillips Price Quinn Ramos Reed Reyes Richter Rivera Roberts "
    "Robinson Rossi Russo Sanchez Santos Sato Schmidt Schneider Scott Shah Silva Singh Smith Sousa Stewart "
    "Suzuki Tanaka Taylor Thomas Thompson Torres Turner Wagner Walker Wang Ward Watson Weber White Williams "
    "Wilson Wong Wright Wu Yamamoto Young Zhang Zimmermann"
).split()

# department: (share of headcount, [(job role, user type, weight)], Anthropic workspace name or None)
DEPARTMENTS: dict[str, tuple[float, list[tuple[str, str, int]], str | None]] = {
    "Engineering": (0.34, [("Software Engineer", "engineering", 10), ("Senior Software Engineer", "engineering", 6),
                           ("Staff Engineer", "engineering", 2), ("Engineering Manager", "hybrid", 2),
                           ("Site Reliability Engineer", "engineering", 2), ("QA Engineer", "engineering", 2)],
                    "Engineering"),
    "Data": (0.08, [("Data Scientist", "engineering", 4), ("Data Engineer", "engineering", 4),
                    ("Data Analyst", "hybrid", 3), ("ML Engineer", "engineering", 2)], "Data Platform"),
    "Product": (0.07, [("Product Manager", "hybrid", 5), ("Senior Product Manager", "hybrid", 2),
                       ("Product Operations", "knowledge_worker", 1)], "Research"),
    "Design": (0.05, [("Product Designer", "knowledge_worker", 4), ("UX Researcher", "knowledge_worker", 2),
                      ("Design Technologist", "hybrid", 1)], None),
    "Marketing": (0.09, [("Content Marketer", "knowledge_worker", 4), ("Growth Marketer", "hybrid", 2),
                         ("Marketing Manager", "knowledge_worker", 2)], "Marketing Content"),
    "Sales": (0.14, [("Account Executive", "knowledge_worker", 5), ("Sales Engineer", "hybrid", 2),
                     ("Sales Manager", "knowledge_worker", 1)], None),
    "Finance": (0.05, [("Financial Analyst", "knowledge_worker", 3), ("Accountant", "knowledge_worker", 2),
                       ("Controller", "knowledge_worker", 1)], None),
    "Legal": (0.03, [("Counsel", "knowledge_worker", 2), ("Paralegal", "knowledge_worker", 1)], None),
    "HR": (0.04, [("HR Business Partner", "knowledge_worker", 2), ("Recruiter", "knowledge_worker", 2)], None),
    "Support": (0.11, [("Support Specialist", "knowledge_worker", 5), ("Support Engineer", "hybrid", 2),
                       ("Support Manager", "knowledge_worker", 1)], "Support Automation"),
}
CLAUDE_CODE_WORKSPACE = "Claude Code"
ARCHIVED_WORKSPACE = "Hackathon Sandbox"
WORKSPACE_NAMES = ("Engineering", "Data Platform", "Research", "Marketing Content", "Support Automation",
                   CLAUDE_CODE_WORKSPACE, ARCHIVED_WORKSPACE)
# (key name, workspace, purpose, model families, mean requests/day, weekend factor, mapped dept or None)
SHARED_KEYS = (
    ("engineering-ci-review", "Engineering", "automation", {"sonnet": 8, "haiku": 2}, 300, 0.6, "Engineering"),
    ("engineering-incident-summaries", "Engineering", "automation", {"haiku": 7, "sonnet": 3}, 120, 0.9, None),
    ("research-literature-search", "Research", "research", {"sonnet": 6, "opus": 4}, 80, 0.2, "Product"),
    ("research-notebooks", "Data Platform", "analysis", {"sonnet": 7, "opus": 3}, 60, 0.1, None),
    ("analytics-dashboard-narratives", "Data Platform", "analysis", {"haiku": 8, "sonnet": 2}, 200, 1.0, "Data"),
    ("automation-support-triage", "Support Automation", "automation", {"haiku": 9, "sonnet": 1}, 700, 0.7, "Support"),
    ("marketing-copy-drafts", "Marketing Content", "general", {"sonnet": 9, "opus": 1}, 90, 0.1, None),
    ("prod-chat-assistant", None, "automation", {"sonnet": 6, "haiku": 4}, 900, 0.8, None),
)
ORPHAN_KEY_NAMES = ("legacy-backend-key", "temp-key-2025", "old-prototype", "test-integration", "misc-scripts",
                    "shared-notebook-key", "demo-day", "poc-summariser")
CURSOR_LEVELS = {"heavy": 30.0, "light": 5.0, "idle": 0.0}
CURSOR_FEATURES = ("agentRequests", "chatRequests", "composerRequests", "cmdkUsages")
CURSOR_EXTENSIONS = (".ts", ".tsx", ".py", ".go", ".java", ".rs", ".sql", ".kt")
CURSOR_VERSIONS = ((date(2025, 1, 1), "0.44.11"), (date(2025, 4, 1), "0.48.9"), (date(2025, 7, 1), "1.2.4"),
                   (date(2025, 10, 1), "1.7.52"), (date(2026, 2, 1), "2.1.36"), (date(2026, 7, 1), "2.4.12"))
TERMINALS = ("vscode", "iTerm.app", "tmux", "cursor", "Apple_Terminal", "ghostty")
TOOLS = ("edit_tool", "multi_edit_tool", "write_tool", "notebook_edit_tool")
GEMINI_FIRST_DAY = date(2025, 6, 20)  # the Reports API has gemini_in_workspace_apps data from this day
GEMINI_ADOPTION = {"knowledge_worker": 0.7, "hybrid": 0.6, "engineering": 0.25}
# app_name: (weight, actions)
GEMINI_APPS = {
    "gmail": (5, ("summarize", "generate_text", "suggest_full_replies", "proofread")),
    "docs": (4, ("generate_text", "summarize", "refine_text", "generate_images_in_product")),
    "sheets": (2, ("generate_table", "analyze_data", "generate_formula")),
    "slides": (2, ("generate_images_in_product", "generate_text", "summarize")),
    "drive": (1, ("summarize", "conversation")),
    "meet": (1, ("take_notes", "summarize")),
    "chat": (1, ("summarize", "conversation")),
    "gemini_app": (4, ("conversation",)),
}
GEMINI_APP_NAMES = tuple(GEMINI_APPS)
GEMINI_APP_CUM_WEIGHTS = tuple(accumulate(weight for weight, _ in GEMINI_APPS.values()))


# ---------------------------------------------------------------------------------------------------
# Deterministic randomness and identifiers


def digest(*parts: object) -> bytes:
    """SHA-256 of the parts; the only source of seeds and ids (stable across runs and processes)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()


def rng_for(*parts: object) -> random.Random:
    return random.Random(int.from_bytes(digest(*parts)[:16], "big"))


def pick(rng: random.Random, population: tuple | list, cum_weights: tuple | list):
    """``rng.choices(population, cum_weights=cum_weights)[0]``: the same single draw and the same
    value, without ``choices``' per-call checks and list (it is on the hot path of every event)."""
    return population[bisect(cum_weights, rng.random() * (cum_weights[-1] + 0.0), 0, len(cum_weights) - 1)]


_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(raw: bytes, length: int) -> str:
    number, out = int.from_bytes(raw, "big"), []
    while len(out) < length:
        number, rest = divmod(number, 58)
        out.append(_BASE58[rest])
    return "".join(out)


def anthropic_id(prefix: str, *parts: object) -> str:
    """An id in Anthropic's style, e.g. ``apikey_01Rj2N8SVvo6BePZj99NhmiT``."""
    return f"{prefix}_01{_base58(digest(prefix, *parts), 22)}"


def stable_uuid(*parts: object) -> str:
    """``str(uuid.UUID(bytes=digest[:16], version=4))``, formatted directly (it is on the hot path)."""
    raw = bytearray(digest(*parts)[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def day_start_ms(day: date) -> int:
    return (day - EPOCH).days * MS_PER_DAY


def midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def days(start: date, end: date) -> list[date]:
    """Every day of [start, end] inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _count(rng: random.Random, mean: float) -> int:
    """A non-negative whole count around ``mean`` (gamma-distributed, so heavy days happen)."""
    return 0 if mean <= 0 else int(rng.gammavariate(2.0, mean / 2.0) + 0.5)


# ---------------------------------------------------------------------------------------------------
# The organisation's structure


@dataclass
class Person:
    index: int
    email: str
    first_name: str
    last_name: str
    department: str
    job_role: str
    user_type: str
    start_date: date
    end_date: date | None
    in_roster: bool  # False for contractors HR does not list
    cursor_seat: tuple[date, date | None] | None = None
    cursor_level: str = "idle"
    cursor_user_id: int = 0
    cursor_member_id: str = ""
    cursor_models: dict = field(default_factory=dict)
    extension: str = ".ts"
    claude_code_since: date | None = None  # Claude Code through the enterprise subscription (user_actor)
    claude_code_level: float = 0.0
    terminal: str = "vscode"
    claude_ai: bool = False  # Claude Enterprise chat seat
    anthropic_user_id: str = ""
    console_role: str | None = None
    activity: float = 1.0

    def employed(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def has_cursor_seat(self, day: date) -> bool:
        if self.cursor_seat is None:
            return False
        first, last = self.cursor_seat
        return first <= day and (last is None or day <= last)


@dataclass
class Workspace:
    id: str
    name: str
    created_at: datetime
    archived_at: datetime | None
    is_claude_code: bool = False


@dataclass
class OwnerPeriod:
    valid_from: date | None
    valid_to: date | None
    email: str


@dataclass
class ApiKey:
    """An Anthropic API key. ``kind``: personal, named, creator, shared, orphan, claude_code."""

    id: str
    name: str
    workspace_id: str | None
    created_at: datetime
    created_by: str | None  # Console user id, or None (created by a service / no record)
    kind: str
    purpose: str
    families: dict
    mean_requests: float
    weekend: float
    owners: list[OwnerPeriod]  # who the key truly belongs to, over time; empty = nobody
    mapped: bool  # the mapping sheet has it
    map_by_name: bool = False
    cost_center: str | None = None
    revoked_on: date | None = None
    partial_hint: str = ""
    claude_code_user: int | None = None  # person index for Claude Code API keys

    def owner_on(self, day: date) -> str | None:
        for period in self.owners:
            if (period.valid_from is None or period.valid_from <= day) and (period.valid_to is None or day <= period.valid_to):
                return period.email
        return None

    def live(self, day: date) -> bool:
        return self.created_at.date() <= day and (self.revoked_on is None or day < self.revoked_on)


# ---------------------------------------------------------------------------------------------------
# One day's activity


@dataclass(frozen=True)
class CursorEvent:
    timestamp_ms: int
    person: int
    model: str
    included: bool
    max_mode: bool
    requests_costs: Decimal
    tokens: tuple[int, int, int, int] | None  # input, output, cache write, cache read
    total_cents: Decimal | None
    discount: int | None
    charged_cents: Decimal
    fee_cents: Decimal | None
    conversation_id: str
    feature: str


@dataclass(frozen=True)
class MessagesRow:
    api_key_id: str
    workspace_id: str | None
    model: str
    uncached_input_tokens: int
    cache_creation_5m: int
    cache_creation_1h: int
    cache_read_input_tokens: int
    output_tokens: int
    web_search_requests: int

    def tokens(self, token_type: str) -> int:
        return {
            "uncached_input_tokens": self.uncached_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation.ephemeral_5m_input_tokens": self.cache_creation_5m,
            "cache_creation.ephemeral_1h_input_tokens": self.cache_creation_1h,
            "output_tokens": self.output_tokens,
        }[token_type]


@dataclass(frozen=True)
class CostLine:
    workspace_id: str | None
    cost_type: str
    model: str | None
    token_type: str | None
    description: str
    amount_cents: Decimal


@dataclass
class CursorDay:
    """One day of Cursor: every member's daily-usage row (None without a seat) and all usage events."""

    rows: list[dict | None]  # by person index
    events: list[CursorEvent]  # newest first
    by_person: dict[int, list[CursorEvent]]


@dataclass
class AnthropicDay:
    messages: list[MessagesRow]
    cost_lines: list[CostLine]
    claude_code: list[dict]  # records in the report's shape


@dataclass
class DayActivity:
    day: date
    cursor_events: list[CursorEvent]  # newest first
    messages: list[MessagesRow]
    cost_lines: list[CostLine]
    claude_code: list[dict]  # records in the report's shape


class Organisation:
    """The synthetic company: deterministic from (seed, people) and the period [start, end].

    ``today`` is the simulator's "now": the Cursor billing cycle, who is still active and which
    keys are revoked are judged on it. Defaults: start 2025-01-01, today = the UTC date, end =
    today + 30 days.
    """

    def __init__(self, seed: int = 7, people: int = 200, start: date = DEFAULT_START, end: date | None = None,
                 today: date | None = None) -> None:
        if people < 10:
            raise ValueError(f"an organisation needs at least 10 people, got {people}")
        self.seed, self.size = seed, people
        self.today = today or datetime.now(timezone.utc).date()
        self.start, self.end = start, end or self.today + timedelta(days=30)
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        self.organization_id = stable_uuid(seed, "organization")
        self.people: list[Person] = self._make_people()
        self.by_email = {p.email: p for p in self.people}
        self.workspaces: list[Workspace] = self._make_workspaces()
        self.workspace_by_name = {w.name: w for w in self.workspaces}
        self.claude_code_workspace_id = self.workspace_by_name[CLAUDE_CODE_WORKSPACE].id
        self.api_keys: list[ApiKey] = self._make_keys()
        self.key_by_id = {k.id: k for k in self.api_keys}
        self.console_users: list[Person] = [p for p in self.people if p.console_role]
        self._cache: OrderedDict[date, AnthropicDay] = OrderedDict()
        self._cursor_cache: OrderedDict[date, CursorDay] = OrderedDict()
        self._event_counts: dict[date, int] = {}
        self._gemini_adopters: dict[int, bool] = {}
        self._lock = threading.Lock()
        self._roster: pd.DataFrame | None = None

    # -- people ------------------------------------------------------------------------------------

    def _rng(self, *parts: object) -> random.Random:
        return rng_for(self.seed, *parts)

    def _make_people(self) -> list[Person]:
        departments = list(DEPARTMENTS)
        shares = [DEPARTMENTS[d][0] for d in departments]
        seen: Counter[str] = Counter()
        period_days = (self.today - self.start).days
        people = []
        for index in range(self.size):
            rng = self._rng("person", index)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            department = rng.choices(departments, weights=shares)[0]
            roles = DEPARTMENTS[department][1]
            role, user_type, _ = rng.choices(roles, weights=[r[2] for r in roles])[0]
            contractor = rng.random() < 0.015
            local = f"{first}.{last}".lower()
            seen[local] += 1
            email = f"{local}{seen[local] if seen[local] > 1 else ''}@{CONTRACTOR_DOMAIN if contractor else DOMAIN}"
            if rng.random() < 0.15 and period_days > 30:
                start = self.start + timedelta(days=rng.randrange(period_days))
            else:
                start = date(2016, 1, 1) + timedelta(days=rng.randrange((self.start - date(2016, 1, 1)).days))
            end = None
            if rng.random() < 0.08 and (self.today - start).days > 20:
                end = start + timedelta(days=rng.randrange(20, (self.today - start).days))
                end = max(end, self.start + timedelta(days=rng.randrange(max(1, period_days))))
                end = min(end, self.today - timedelta(days=1))
            person = Person(index, email, first, last, department, role, user_type, start, end, not contractor)
            person.cursor_user_id = 10_000 + index * 7 + self.seed % 7
            person.cursor_member_id = "user_" + _base58(digest(self.seed, "cursor-member", index), 26)
            person.anthropic_user_id = anthropic_id("user", self.seed, index)
            person.activity = rng.lognormvariate(0, 0.45)
            person.extension = rng.choice(CURSOR_EXTENSIONS)
            person.terminal = rng.choice(TERMINALS)
            self._assign_tools(person, rng)
            people.append(person)
        self._assign_admins(people)
        return people

    def _assign_tools(self, person: Person, rng: random.Random) -> None:
        engineering, hybrid = person.user_type == "engineering", person.user_type == "hybrid"
        cursor_share = 0.85 if engineering else 0.4 if hybrid else 0.03
        if rng.random() < cursor_share:
            adopted = max(person.start_date, self.start + timedelta(days=rng.randrange(0, 200)))
            person.cursor_seat = (adopted, person.end_date)
            person.cursor_level = rng.choices(("heavy", "light", "idle"), weights=(25, 60, 15))[0]
            person.cursor_models = rng.choice((
                {"claude-4.5-sonnet": 6, "auto": 3, "gpt-5": 1},
                {"auto": 7, "gpt-5": 2, "gemini-2.5-pro": 1},
                {"claude-4-sonnet-thinking": 4, "claude-4.5-sonnet": 4, "claude-4.1-opus": 2},
                {"gpt-5": 6, "claude-4.5-sonnet": 4},
            ))
        cc_share = 0.35 if engineering else 0.15 if hybrid else 0.0
        if rng.random() < cc_share:
            person.claude_code_since = max(person.start_date, self.start + timedelta(days=rng.randrange(30, 330)))
            person.claude_code_level = rng.choice((1.0, 2.0, 4.0))
        person.claude_ai = rng.random() < (0.4 if engineering else 0.7 if hybrid else 0.6)

    def _assign_admins(self, people: list[Person]) -> None:
        managers = [p for p in people if p.department == "Engineering" and p.end_date is None and p.in_roster]
        for person in managers[:3]:
            person.console_role = "admin"
        for person in people:
            if person.claude_code_since and not person.console_role:
                person.console_role = "claude_code_user"

    # -- Anthropic workspaces and keys ---------------------------------------------------------------

    def _moment(self, day: date, *parts: object) -> datetime:
        seconds = self._rng("moment", day, *parts).randrange(8 * 3600, 18 * 3600)
        return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(seconds=seconds, microseconds=seconds * 7 % 1_000_000)

    def _make_workspaces(self) -> list[Workspace]:
        created = self.start - timedelta(days=200)
        out = []
        for i, name in enumerate(WORKSPACE_NAMES):
            archived = None
            if name == ARCHIVED_WORKSPACE:
                archived = self._moment(self.start + timedelta(days=45), "archive")
            out.append(Workspace(anthropic_id("wrkspc", self.seed, name), name,
                                 self._moment(created + timedelta(days=7 * i), "workspace", name), archived,
                                 is_claude_code=name == CLAUDE_CODE_WORKSPACE))
        return out

    def _key(self, kind: str, index: int, name: str, workspace: str | None, created: date, creator: Person | None,
             **fields) -> ApiKey:
        key_id = anthropic_id("apikey", self.seed, kind, index)
        hint = "sk-ant-api03-" + _base58(digest(key_id, "hint"), 3) + "..." + _base58(digest(key_id, "tail"), 4)
        return ApiKey(
            id=key_id, name=name, created_at=self._moment(created, key_id),
            workspace_id=self.workspace_by_name[workspace].id if workspace else None,
            created_by=creator.anthropic_user_id if creator else None, kind=kind, partial_hint=hint, **fields,
        )

    def _make_keys(self) -> list[ApiKey]:
        rng = self._rng("keys")
        pairs = Counter((p.first_name, p.last_name) for p in self.people if p.in_roster)
        admins = [p for p in self.people if p.console_role == "admin"] or self.people[:1]
        keys: list[ApiKey] = []
        for person in self.people:
            prng = self._rng("api-user", person.index)
            share = {"Data": 0.3, "Engineering": 0.15}.get(person.department, 0.04 if person.user_type == "hybrid" else 0.015)
            if prng.random() < share:
                keys.append(self._personal_key(person, prng, pairs[(person.first_name, person.last_name)] == 1, rng))
            if person.user_type == "engineering" and prng.random() < 0.06:
                keys.append(self._claude_code_key(person, prng, pairs[(person.first_name, person.last_name)] == 1))
        extra = max(1, self.size // 1500)
        for round_ in range(extra):
            for i, (name, workspace, purpose, families, mean, weekend, dept) in enumerate(SHARED_KEYS):
                owner = self._lead(dept, rng) if dept else None
                created = self.start - timedelta(days=rng.randrange(10, 300))
                keys.append(self._key(
                    "shared", round_ * 100 + i, name if round_ == 0 else f"{name}-{round_ + 1}", workspace, created,
                    rng.choice(admins) if rng.random() < 0.7 else None, purpose=purpose, families=families,
                    mean_requests=mean * (1 + 0.1 * round_), weekend=weekend,
                    owners=[OwnerPeriod(None, None, owner.email)] if owner else [], mapped=owner is not None,
                    cost_center=f"CC-{dept.upper()}" if dept else None,
                ))
        for i in range(max(3, self.size // 400)):
            name = ORPHAN_KEY_NAMES[i % len(ORPHAN_KEY_NAMES)] + (f"-{i // len(ORPHAN_KEY_NAMES) + 1}" if i >= len(ORPHAN_KEY_NAMES) else "")
            departed = [p for p in self.people if p.console_role is None and p.end_date and p.end_date < self.today]
            creator = departed[i % len(departed)] if departed and i % 2 else None
            created = self.start + timedelta(days=rng.randrange(0, 120))
            keys.append(self._key("orphan", i, name, rng.choice((None, "Engineering", "Research")), created, creator,
                                  purpose="general", families={"sonnet": 5, "haiku": 5}, mean_requests=rng.uniform(20, 150),
                                  weekend=0.5, owners=[], mapped=False,
                                  revoked_on=created + timedelta(days=150) if i % 3 == 2 else None))
        self._hand_over_one_key(keys, rng)
        shared_cc = self._key("claude_code", 99_999, "claude-code-ci-bot", CLAUDE_CODE_WORKSPACE, self.start, None,
                              purpose="coding", families={"sonnet": 1}, mean_requests=0, weekend=0.5, owners=[],
                              mapped=False, claude_code_user=None)
        keys.append(shared_cc)
        return keys

    def _hand_over_one_key(self, keys: list[ApiKey], rng: random.Random) -> None:
        """One mapped personal key changes hands two thirds into the period (its owner moved team),
        so the mapping sheet has consecutive validity windows for one key."""
        handover = self.start + (self.today - self.start) * 2 // 3
        for key in keys:
            owner = self.by_email[key.owners[0].email] if key.owners else None
            if key.kind != "personal" or len(key.owners) != 1 or owner.end_date or key.created_at.date() >= handover:
                continue
            successor = self._lead(owner.department, rng)
            if successor and successor is not owner and successor.start_date <= handover:
                key.owners = [OwnerPeriod(None, handover, owner.email),
                              OwnerPeriod(handover + timedelta(days=1), None, successor.email)]
                return

    def _lead(self, department: str, rng: random.Random) -> Person | None:
        staff = [p for p in self.people if p.department == department and p.in_roster and p.end_date is None]
        return rng.choice(staff) if staff else None

    def _personal_key(self, person: Person, prng: random.Random, unique_name: bool, rng: random.Random) -> ApiKey:
        style = prng.choices(("personal", "named", "creator"), weights=(50, 25 if unique_name else 0, 25))[0]
        first, last = person.first_name.lower(), person.last_name.lower()
        name = {"personal": f"{first[0]}{last}-laptop", "named": f"{first}-{last}-dev",
                "creator": f"dev-key-{prng.randrange(100, 999)}"}[style]
        workspace = DEPARTMENTS[person.department][2]
        if workspace == "Engineering" and prng.random() < 0.3:
            workspace = None  # some keys live in the default workspace
        created = max(person.start_date, self.start - timedelta(days=60)) + timedelta(days=prng.randrange(0, 90))
        purpose = {"Engineering": "coding", "Data": "analysis", "Product": "research"}.get(person.department, "general")
        families = {"coding": {"sonnet": 7, "opus": 1, "haiku": 2}, "analysis": {"sonnet": 6, "opus": 2, "haiku": 2},
                    "research": {"sonnet": 5, "opus": 4, "haiku": 1}}.get(purpose, {"sonnet": 6, "haiku": 4})
        owners = [OwnerPeriod(None, person.end_date, person.email)]
        revoked = person.end_date + timedelta(days=1) if person.end_date else None
        if style == "personal" and person.end_date:
            successor = self._lead(person.department, prng)
            if successor and successor is not person:
                owners.append(OwnerPeriod(person.end_date + timedelta(days=1), None, successor.email))
                revoked = None
        if person.console_role is None:
            person.console_role = "developer"
        return self._key(
            style, person.index, name, workspace, created, person if style != "personal" or prng.random() < 0.5 else None,
            purpose=purpose, families=families, mean_requests=prng.lognormvariate(2.5, 0.8), weekend=0.15,
            owners=owners, mapped=style == "personal", revoked_on=revoked,
            cost_center=f"CC-{person.department.upper()}",
        )

    def _claude_code_key(self, person: Person, prng: random.Random, unique_name: bool) -> ApiKey:
        style = prng.choices(("by_name", "named", "creator"), weights=(50, 30 if unique_name else 0, 20))[0]
        # Key names must be unique (the mapping sheet maps these keys by name): the person's index
        # guarantees it where a random or hashed suffix would collide at 20,000 people.
        name = {"by_name": f"cc-{10000 + person.index}",
                "named": f"claude-code-{person.first_name.lower()}-{person.last_name.lower()}",
                "creator": f"cc-key-{_base58(digest(person.email), 4).lower()}{person.index}"}[style]
        created = max(person.start_date, self.start) + timedelta(days=prng.randrange(0, 120))
        if person.console_role is None:
            person.console_role = "developer"
        return self._key(
            "claude_code", person.index, name, CLAUDE_CODE_WORKSPACE, created, person, purpose="coding",
            families={"sonnet": 8, "opus": 2}, mean_requests=0, weekend=0.2,
            owners=[OwnerPeriod(None, person.end_date, person.email)], mapped=style == "by_name",
            map_by_name=style == "by_name", revoked_on=person.end_date + timedelta(days=1) if person.end_date else None,
            claude_code_user=person.index, cost_center=f"CC-{person.department.upper()}",
        )

    # -- per-day generation --------------------------------------------------------------------------

    def growth(self, day: date) -> float:
        """Adoption grows over the period: 0.6x at the start to 1.4x at ``today``."""
        span = max(1, (self.today - self.start).days)
        return 0.6 + 0.8 * min(1.0, max(0.0, (day - self.start).days / span))

    def in_period(self, day: date) -> bool:
        return self.start <= day <= self.end

    def day(self, day: date) -> DayActivity:
        """Everything that happened on ``day``."""
        cursor, anthropic = self.cursor_day(day), self.anthropic_day(day)
        return DayActivity(day, cursor.events, anthropic.messages, anthropic.cost_lines, anthropic.claude_code)

    def anthropic_day(self, day: date) -> AnthropicDay:
        """The day's Messages usage, cost lines and Claude Code records (the few most recent days cached)."""
        with self._lock:
            if day in self._cache:
                self._cache.move_to_end(day)
                return self._cache[day]
        activity = self._generate_anthropic(day)
        with self._lock:
            self._cache[day] = activity
            while len(self._cache) > DAY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return activity

    def cursor_day(self, day: date) -> CursorDay:
        """The day's Cursor rows and events, generated once for both endpoints that serve them; recent
        days are kept up to ``CURSOR_CACHE_EVENTS`` events (a 30-day window at 2,000 people)."""
        with self._lock:
            if day in self._cursor_cache:
                self._cursor_cache.move_to_end(day)
                return self._cursor_cache[day]
        rows, events, by_person = [], [], {}
        for person in self.people:
            row, mine = self.cursor_person_day(person, day)
            rows.append(row)
            if mine:
                by_person[person.index] = mine
                events.extend(mine)
        # newest first, then by person: two stable sorts cost less than a tuple key per event
        events.sort(key=attrgetter("person"))
        events.sort(key=attrgetter("timestamp_ms"), reverse=True)
        activity = CursorDay(rows, events, by_person)
        with self._lock:
            self._cursor_cache[day] = activity
            self._event_counts[day] = len(events)
            held = sum(len(d.events) for d in self._cursor_cache.values())
            while len(self._cursor_cache) > 1 and held > CURSOR_CACHE_EVENTS:
                held -= len(self._cursor_cache.popitem(last=False)[1].events)
        return activity

    def cursor_event_count(self, day: date) -> int:
        """How many Cursor usage events ``day`` has, from the first draws of each member's generator
        (the events themselves are not generated)."""
        with self._lock:
            if day in self._event_counts:
                return self._event_counts[day]
        count = sum(self.cursor_event_counts(day).values())
        with self._lock:
            self._event_counts[day] = count
        return count

    def cursor_event_counts(self, day: date) -> dict[int, int]:
        """Usage events per seated member (person index) on ``day``, from the first draws alone."""
        return {p.index: drawn[1] for p in self.people if (drawn := self._cursor_draw(p, day)) is not None}

    def _generate_anthropic(self, day: date) -> AnthropicDay:
        if not self.in_period(day):
            return AnthropicDay([], [], [])
        claude_code = [r for p in self.people for r in self.claude_code_records(p.index, day, user=True)]
        messages: list[MessagesRow] = []
        for key in self.api_keys:
            if key.kind == "claude_code":
                records = self.claude_code_records(key, day, user=False)
                claude_code.extend(records)
                messages.extend(self._messages_from_claude_code(key, records))
            else:
                messages.extend(self._key_messages(key, day))
        return AnthropicDay(messages, self._cost_lines(messages), claude_code)

    # Cursor ------------------------------------------------------------------------------------------

    def cursor_person_day(self, person: Person, day: date) -> tuple[dict | None, list[CursorEvent]]:
        """(daily-usage-data row or None when no seat that day, usage events) for one member and day."""
        drawn = self._cursor_draw(person, day)
        if drawn is None:
            return None, []
        rng, count = drawn
        draws = self._cursor_event_draws(person, rng, count)
        return self._cursor_daily_row(person, day, rng, draws), self._cursor_events(person, day, draws)

    def cursor_person_row(self, person: Person, day: date) -> dict | None:
        """``cursor_person_day``'s row alone: the same draws, without pricing the events."""
        drawn = self._cursor_draw(person, day)
        if drawn is None:
            return None
        rng, count = drawn
        return self._cursor_daily_row(person, day, rng, self._cursor_event_draws(person, rng, count))

    def cursor_rows(self, day: date) -> list[dict | None]:
        """Every member's daily-usage row of ``day`` (by person index): a cached day's, else drawn
        without generating the events (and not cached)."""
        with self._lock:
            cached = self._cursor_cache.get(day)
        if cached is not None:
            return cached.rows
        return [self.cursor_person_row(person, day) for person in self.people]

    def _cursor_draw(self, person: Person, day: date) -> tuple[random.Random, int] | None:
        """The member's generator for the day and the number of events it will draw (None: no seat)."""
        if not (self.in_period(day) and person.has_cursor_seat(day) and person.employed(day)):
            return None
        rng = self._rng("cursor", day, person.index)
        weekend = day.weekday() >= 5
        mean = CURSOR_LEVELS[person.cursor_level] * person.activity * self.growth(day) * (0.08 if weekend else 1.0)
        absent = rng.random() < (0.5 if weekend else 0.12)
        return rng, 0 if absent else _count(rng, mean)

    @staticmethod
    def _cursor_event_draws(person: Person, rng: random.Random, count: int) -> list[tuple]:
        """The random draws of the member's ``count`` events, in order, one tuple each: (new
        conversation, model, max mode, included, milliseconds into the day, feature, included units
        or token counts, discount). Everything random about an event; pricing it is not."""
        draws = []
        heavy = person.cursor_level == "heavy"
        # cumulative weights draw exactly what weights= draws (choices accumulates them itself)
        models, model_weights = list(person.cursor_models), list(accumulate(person.cursor_models.values()))
        for n in range(count):
            new_conversation = n == 0 or rng.random() < 0.25
            model_name = pick(rng, models, model_weights)
            max_mode = rng.random() < (0.2 if heavy else 0.05)
            included = not max_mode and rng.random() < (0.6 if heavy else 0.9)
            offset = rng.randrange(6 * 3_600_000, 21 * 3_600_000)
            feature = pick(rng, CURSOR_FEATURES, CURSOR_FEATURE_WEIGHTS)
            if included:
                draws.append((new_conversation, model_name, False, True, offset, feature,
                              rng.choice((5, 10, 10, 14, 20)), None))
                continue
            tokens = (rng.randrange(100, 9000), rng.randrange(50, 2500), rng.randrange(0, 15000), rng.randrange(0, 60000))
            discount = 10 if rng.random() < 0.1 else None
            draws.append((new_conversation, model_name, max_mode, False, offset, feature, tokens, discount))
        return draws

    def _cursor_events(self, person: Person, day: date, draws: list[tuple]) -> list[CursorEvent]:
        events = []
        start_ms = day_start_ms(day)
        conversation = ""
        for n, (new_conversation, model_name, max_mode, included, offset, feature, amount, discount) in enumerate(draws):
            if new_conversation:
                conversation = stable_uuid(self.seed, "conversation", day, person.index, n)
            if included:
                units = Decimal(amount) / 10
                events.append(CursorEvent(start_ms + offset, person.index, model_name, True, False, units, None, None,
                                          None, units * prices.CURSOR_INCLUDED_CENTS_PER_UNIT, None, conversation, feature))
                continue
            model = prices.CURSOR_BY_NAME[model_name]
            total = model.token_cents(*amount).quantize(Decimal("0.00001"))
            fee = prices.cursor_token_fee_cents(sum(amount)).quantize(Decimal("0.00001"))
            charged = (total * (100 - (discount or 0)) / 100 + fee).quantize(Decimal("0.00001"))
            units = max(Decimal(1), (charged / 4).quantize(Decimal(1)))
            events.append(CursorEvent(start_ms + offset, person.index, model_name, False, max_mode, units, amount, total,
                                      discount, charged, fee, conversation, feature))
        return events

    def _cursor_daily_row(self, person: Person, day: date, rng: random.Random, draws: list[tuple]) -> dict:
        """The daily-usage row; ``rng`` continues from the events' draws."""
        features = Counter(d[5] for d in draws)
        n = len(draws)
        included = sum(1 for d in draws if d[3])
        lines_added = sum(rng.randrange(5, 120) for _ in range(n))
        lines_deleted = lines_added * rng.randrange(20, 70) // 100
        accepts = n * rng.randrange(50, 95) // 100
        applies = accepts + n * rng.randrange(0, 20) // 100
        tabs_shown = n * rng.randrange(5, 25) if n else 0
        models = Counter(d[1] for d in draws)
        version = [v for since, v in CURSOR_VERSIONS if since <= day]
        return {
            "userId": person.cursor_user_id,
            "day": day.isoformat(),
            "date": day_start_ms(day),
            "isActive": n > 0,
            "totalLinesAdded": lines_added,
            "totalLinesDeleted": lines_deleted,
            "acceptedLinesAdded": lines_added * rng.randrange(55, 90) // 100 if n else 0,
            "acceptedLinesDeleted": lines_deleted * rng.randrange(50, 90) // 100 if n else 0,
            "totalApplies": applies,
            "totalAccepts": accepts,
            "totalRejects": applies - accepts,
            "totalTabsShown": tabs_shown,
            "totalTabsAccepted": tabs_shown * rng.randrange(20, 45) // 100,
            "composerRequests": features["composerRequests"],
            "chatRequests": features["chatRequests"],
            "agentRequests": features["agentRequests"],
            "cmdkUsages": features["cmdkUsages"],
            "subscriptionIncludedReqs": included,
            "apiKeyReqs": 0,
            "usageBasedReqs": n - included,
            "bugbotUsages": rng.randrange(0, 3) if n and rng.random() < 0.2 else 0,
            "mostUsedModel": min(models, key=lambda m: (-models[m], m)) if n else None,
            "applyMostUsedExtension": person.extension if n else None,
            "tabMostUsedExtension": person.extension if n else None,
            "clientVersion": (version[-1] if version else CURSOR_VERSIONS[0][1]) if n else None,
            "email": person.email,
        }

    # Gemini in Workspace -----------------------------------------------------------------------------

    def gemini_adopter(self, person: Person) -> bool:
        """Whether ``person`` uses Gemini in Workspace apps (knowledge workers and hybrids most often)."""
        adopts = self._gemini_adopters.get(person.index)
        if adopts is None:  # asked per person and day: drawn once per person
            adopts = self._gemini_adopters[person.index] = (
                self._rng("gemini-adopter", person.index).random() < GEMINI_ADOPTION[person.user_type]
            )
        return adopts

    def gemini_person_day(self, person: Person, day: date) -> list[tuple[int, str, str]]:
        """One person's Gemini feature_utilization events on ``day``: (epoch ms, action, app_name),
        newest first. Weekdays mostly; adoption grows over the period."""
        if not (self.in_period(day) and day >= GEMINI_FIRST_DAY and person.employed(day) and self.gemini_adopter(person)):
            return []
        rng = self._rng("gemini", day, person.index)
        weekend = day.weekday() >= 5
        if rng.random() > (0.05 if weekend else 0.55) * min(1.0, self.growth(day)):
            return []
        events = []
        for _ in range(max(1, _count(rng, 4 * person.activity))):
            app = pick(rng, GEMINI_APP_NAMES, GEMINI_APP_CUM_WEIGHTS)
            stamp = day_start_ms(day) + rng.randrange(7 * 3_600_000, 20 * 3_600_000)
            events.append((stamp, rng.choice(GEMINI_APPS[app][1]), app))
        return sorted(events, reverse=True)

    def cursor_members(self) -> list[Person]:
        """Everyone who has or had a Cursor seat, in member-list order."""
        return [p for p in self.people if p.cursor_seat and p.cursor_seat[0] <= self.today]

    def billing_cycle(self) -> tuple[date, date]:
        """The current Cursor billing cycle: the calendar month of ``today``, up to ``today``."""
        return self.today.replace(day=1), self.today

    # Anthropic ---------------------------------------------------------------------------------------

    def _key_messages(self, key: ApiKey, day: date) -> list[MessagesRow]:
        if not (self.in_period(day) and key.live(day)) or key.mean_requests <= 0:
            return []
        owner = key.owner_on(day)
        if key.owners and owner is None:
            return []
        if key.workspace_id:
            workspace = next(w for w in self.workspaces if w.id == key.workspace_id)
            if workspace.archived_at and workspace.archived_at.date() <= day:
                return []
        rng = self._rng("messages", day, key.id)
        weekend = day.weekday() >= 5
        if rng.random() < (0.4 if weekend else 0.08):
            return []
        requests = _count(rng, key.mean_requests * self.growth(day) * (key.weekend if weekend else 1.0))
        rows = []
        for family, weight in sorted(key.families.items()):
            n = int(requests * weight / sum(key.families.values()) * rng.uniform(0.6, 1.4))
            if n == 0:
                continue
            model = anthropic_model(family, day).model
            searches = int(n * rng.uniform(0.05, 0.4)) if key.purpose in ("research", "analysis") else 0
            rows.append(MessagesRow(
                key.id, key.workspace_id, model,
                uncached_input_tokens=int(n * rng.uniform(400, 3500)),
                cache_creation_5m=int(n * rng.uniform(0, 1800)),
                cache_creation_1h=int(n * rng.uniform(0, 600)) if rng.random() < 0.3 else 0,
                cache_read_input_tokens=int(n * rng.uniform(0, 9000)),
                output_tokens=int(n * rng.uniform(120, 1400)),
                web_search_requests=searches,
            ))
        return rows

    def claude_code_records(self, actor: int | ApiKey, day: date, user: bool) -> list[dict]:
        """Claude Code report records of one actor and day: a subscription user (person index) or an
        API key of the Claude Code workspace. Local and remote use are separate records."""
        if not self.in_period(day):
            return []
        if user:
            person = self.people[actor]
            if not (person.claude_code_since and person.claude_code_since <= day and person.employed(day)):
                return []
            level, name, ident = person.claude_code_level * person.activity, person.email, ("user", actor)
            terminal = person.terminal
        else:
            key = actor
            if not key.live(day):
                return []
            if key.claude_code_user is not None:
                person = self.people[key.claude_code_user]
                if not person.employed(day):
                    return []
                level, terminal = 2.0 * person.activity, person.terminal
            else:
                level, terminal = 6.0, "github-actions"
            name, ident = key.name, ("key", key.id)
        rng = self._rng("claude_code", day, *ident)
        weekend = day.weekday() >= 5
        if rng.random() < (0.75 if weekend else 0.25):
            return []
        records = []
        for remote in (False, True):
            if remote and rng.random() > 0.3:
                continue
            sessions = max(1, _count(rng, level * self.growth(day) * (0.4 if remote else 1.0)))
            records.append(self._claude_code_record(rng, day, user, name, terminal, remote, sessions))
        return records

    def _claude_code_record(self, rng: random.Random, day: date, user: bool, name: str, terminal: str,
                            remote: bool, sessions: int) -> dict:
        added = sum(rng.randrange(10, 260) for _ in range(sessions))
        breakdown = []
        for family, share in (("sonnet", 0.8), ("opus", 0.2), ("haiku", 0.1)):
            if family != "sonnet" and rng.random() > share * 2:
                continue
            model = anthropic_model(family, day)
            scale = sessions * (share if family != "sonnet" else 1.0)
            tokens = {
                "input": int(scale * rng.uniform(3000, 40000)),
                "output": int(scale * rng.uniform(1500, 15000)),
                "cache_read": int(scale * rng.uniform(40000, 400000)),
                "cache_creation": int(scale * rng.uniform(4000, 40000)),
            }
            cents = (model.cents("uncached_input_tokens", tokens["input"]) + model.cents("output_tokens", tokens["output"])
                     + model.cents("cache_read_input_tokens", tokens["cache_read"])
                     + model.cents("cache_creation.ephemeral_5m_input_tokens", tokens["cache_creation"]))
            breakdown.append({"estimated_cost": {"amount": int(cents.quantize(Decimal(1))), "currency": "USD"},
                              "model": model.model, "tokens": tokens})
        tools = {}
        for tool in TOOLS:
            accepted = rng.randrange(0, 6 * sessions + 1)
            tools[tool] = {"accepted": accepted, "rejected": rng.randrange(0, accepted // 4 + 2)}
        actor = ({"email_address": name, "type": "user_actor"} if user else {"api_key_name": name, "type": "api_actor"})
        return {
            "actor": actor,
            "core_metrics": {
                "commits_by_claude_code": rng.randrange(0, sessions + 2),
                "lines_of_code": {"added": added, "removed": added * rng.randrange(10, 60) // 100},
                "num_sessions": sessions,
                "pull_requests_by_claude_code": rng.randrange(0, sessions // 3 + 2),
            },
            "customer_type": "subscription" if user else "api",
            "date": midnight(day),
            "is_remote": remote,
            "model_breakdown": breakdown,
            "organization_id": self.organization_id,
            "terminal_type": "web" if remote else terminal,
            "tool_actions": tools,
            "subscription_type": "enterprise" if user else None,
        }

    @staticmethod
    def _messages_from_claude_code(key: ApiKey, records: list[dict]) -> list[MessagesRow]:
        """The Messages usage an API-key Claude Code actor's records imply: same tokens per model,
        cache writes with the 5-minute TTL (what Claude Code uses)."""
        totals: dict[str, Counter] = defaultdict(Counter)
        for record in records:
            for item in record["model_breakdown"]:
                totals[item["model"]].update(item["tokens"])
        return [
            MessagesRow(key.id, key.workspace_id, model, t["input"], t["cache_creation"], 0, t["cache_read"], t["output"], 0)
            for model, t in sorted(totals.items())
        ]

    @staticmethod
    def _cost_lines(messages: list[MessagesRow]) -> list[CostLine]:
        """The cost report's lines for the day: tokens x list price per workspace, model and token
        type, and web searches per workspace."""
        tokens: dict[tuple[str | None, str, str], int] = Counter()
        searches: dict[str | None, int] = Counter()
        for row in messages:
            for token_type in TOKEN_TYPES:
                tokens[(row.workspace_id, row.model, token_type)] += row.tokens(token_type)
            searches[row.workspace_id] += row.web_search_requests
        lines = []
        for (workspace, model_id, token_type), count in sorted(tokens.items(), key=lambda i: (i[0][0] or "", i[0][1:])):
            if count:
                model = ANTHROPIC_BY_ID[model_id]
                lines.append(CostLine(workspace, "tokens", model_id, token_type, model.description(token_type),
                                      model.cents(token_type, count)))
        for workspace, count in sorted(searches.items(), key=lambda i: i[0] or ""):
            if count:
                lines.append(CostLine(workspace, "web_search", None, None, prices.WEB_SEARCH_DESCRIPTION,
                                      count * prices.WEB_SEARCH_CENTS_PER_REQUEST))
        return lines

    def row_cents(self, row: MessagesRow) -> Decimal:
        """What one Messages usage row costs at list price (tokens and web searches)."""
        model = ANTHROPIC_BY_ID[row.model]
        return (sum((model.cents(t, row.tokens(t)) for t in TOKEN_TYPES), Decimal(0))
                + row.web_search_requests * prices.WEB_SEARCH_CENTS_PER_REQUEST)

    # -- what attribution can and cannot see ---------------------------------------------------------

    def console_members(self) -> list[Person]:
        """Console users listed by GET /v1/organizations/users as of ``today`` (leavers removed)."""
        return [p for p in self.console_users if p.end_date is None or p.end_date >= self.today]

    def attributable(self, key: ApiKey) -> bool:
        """Whether our pipeline can tie the key to someone (transform.attribution's rules): a mapping
        row, a key name naming exactly one roster person, or a creator who is a listed Console user."""
        if key.mapped or person_named_by_key(key.name, self.roster()):
            return True
        listed = {p.anthropic_user_id for p in self.console_members()}
        return key.created_by is not None and key.created_by in listed

    def roster(self) -> pd.DataFrame:
        """The HR roster as users.csv lists it (contractors are not on it)."""
        if self._roster is None:
            self._roster = pd.DataFrame(
                [(p.email, p.first_name, p.last_name) for p in self.people if p.in_roster],
                columns=["user_email", "first_name", "last_name"],
            )
        return self._roster

    # -- ground truth --------------------------------------------------------------------------------

    def truth(self, day: date) -> dict:
        """Totals a client paging through every endpoint for ``day`` must add up to, per vendor and
        per person. Money is Decimal (exact); the unmapped share is of Anthropic list-price cost."""
        activity = self.day(day)
        people: dict[str, Counter] = defaultdict(Counter)
        cursor = Counter()
        for event in activity.cursor_events:
            email = self.people[event.person].email
            cursor["events"] += 1
            cursor["requests_costs"] += event.requests_costs
            if event.included:
                cursor["included_cents"] += event.charged_cents
            else:
                cursor["charged_cents"] += event.charged_cents
                people[email]["cursor_charged_usd"] += event.charged_cents / 100
            people[email]["cursor_events"] += 1
        seats = active = lines = accepted = 0
        for row in self.cursor_rows(day):
            if row:
                seats += 1
                active += row["isActive"]
                lines += row["totalLinesAdded"]
                accepted += row["acceptedLinesAdded"]
        tokens = Counter()
        cost = unmapped = Decimal(0)
        for row in activity.messages:
            key = self.key_by_id[row.api_key_id]
            cents = self.row_cents(row)
            cost += cents
            for token_type in TOKEN_TYPES:
                tokens[token_type] += row.tokens(token_type)
            tokens["web_search_requests"] += row.web_search_requests
            owner = key.owner_on(day)
            if owner:
                people[owner]["anthropic_usd"] += cents / 100
                people[owner]["anthropic_tokens"] += sum(row.tokens(t) for t in TOKEN_TYPES)
            if not self.attributable(key):
                unmapped += cents
        code = Counter()
        for record in activity.claude_code:
            metrics = record["core_metrics"]
            code["records"] += 1
            code["sessions"] += metrics["num_sessions"]
            code["lines_added"] += metrics["lines_of_code"]["added"]
            code["lines_removed"] += metrics["lines_of_code"]["removed"]
            code["commits"] += metrics["commits_by_claude_code"]
            code["pull_requests"] += metrics["pull_requests_by_claude_code"]
            record_tokens = sum(sum(m["tokens"].values()) for m in record["model_breakdown"])
            code["tokens"] += record_tokens
            code["estimated_cost_cents"] += sum(m["estimated_cost"]["amount"] for m in record["model_breakdown"])
            email = record["actor"].get("email_address")
            if email:
                code["subscription_tokens"] += record_tokens
                people[email]["claude_code_tokens"] += record_tokens
                people[email]["claude_code_sessions"] += metrics["num_sessions"]
            else:
                code["api_tokens"] += record_tokens
        cost_report = sum((line.amount_cents for line in activity.cost_lines), Decimal(0))
        gemini = {p.email: len(events) for p in self.people if (events := self.gemini_person_day(p, day))}
        return {
            "date": day.isoformat(),
            "cursor": {
                "events": cursor["events"],
                "requests": cursor["events"],
                "requests_costs": cursor["requests_costs"] or Decimal(0),
                "charged_cents": cursor["charged_cents"] or Decimal(0),
                "charged_usd": (cursor["charged_cents"] or Decimal(0)) / 100,
                "included_cents": cursor["included_cents"] or Decimal(0),
                "seats": seats,
                "active_members": active,
                "lines_added": lines,
                "accepted_lines_added": accepted,
            },
            "anthropic": {
                "tokens": dict(tokens),
                "cost_cents": cost,
                "cost_usd": cost / 100,
                "cost_report_cents": cost_report,
                "unmapped_cost_usd": unmapped / 100,
                "unmapped_share": float(unmapped / cost) if cost else 0.0,
                "usage_rows": len(activity.messages),
                "cost_lines": len(activity.cost_lines),
            },
            "claude_code": dict(code),
            "gemini": {"events": sum(gemini.values()), "people": len(gemini)},
            "people": {email: dict(values) for email, values in sorted(people.items())},
        }


def page_token(*parts: object) -> str:
    """An opaque page token in Anthropic's style (``page_`` + base64)."""
    return "page_" + base64.b64encode("|".join(str(p) for p in parts).encode()).decode()


def read_page_token(token: str) -> list[str] | None:
    """The parts of a token made by ``page_token``, or None when it is not one."""
    if not token.startswith("page_"):
        return None
    try:
        return base64.b64decode(token[5:], validate=True).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        return None
