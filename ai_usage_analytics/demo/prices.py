"""The synthetic organisation's price list: what a token, a web search or a Cursor request costs.

All prices are ``Decimal`` so that the simulated bills add up exactly. Anthropic list prices are in
US dollars per million tokens, per model and token type; cache reads cost 10% of input, 5-minute
cache writes 125% and 1-hour cache writes 200% (the published multipliers). Cursor token-billed
requests are priced per model the same way, plus Cursor's token fee; requests included in the
seat carry a notional value per request unit.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MILLION = Decimal(1_000_000)
CENTS = Decimal(100)

TOKEN_TYPES = (
    "uncached_input_tokens",
    "cache_read_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens",
    "cache_creation.ephemeral_1h_input_tokens",
    "output_tokens",
)
TOKEN_TYPE_LABEL = {
    "uncached_input_tokens": "Input Tokens",
    "cache_read_input_tokens": "Input Tokens (Cache Read)",
    "cache_creation.ephemeral_5m_input_tokens": "Input Tokens (5m Cache Write)",
    "cache_creation.ephemeral_1h_input_tokens": "Input Tokens (1h Cache Write)",
    "output_tokens": "Output Tokens",
}
CACHE_MULTIPLIER = {
    "uncached_input_tokens": Decimal(1),
    "cache_read_input_tokens": Decimal("0.1"),
    "cache_creation.ephemeral_5m_input_tokens": Decimal("1.25"),
    "cache_creation.ephemeral_1h_input_tokens": Decimal(2),
}
WEB_SEARCH_CENTS_PER_REQUEST = Decimal(1)  # $10 per 1,000 searches
WEB_SEARCH_DESCRIPTION = "Web Search Usage"


@dataclass(frozen=True)
class AnthropicModel:
    """One Claude model: API id, the name the cost report uses, family, release day, USD per MTok."""

    model: str
    display_name: str
    family: str
    released: date
    input_usd_mtok: Decimal
    output_usd_mtok: Decimal

    def usd_per_mtok(self, token_type: str) -> Decimal:
        if token_type == "output_tokens":
            return self.output_usd_mtok
        return self.input_usd_mtok * CACHE_MULTIPLIER[token_type]

    def cents(self, token_type: str, tokens: int) -> Decimal:
        """Exact cost in cents of ``tokens`` tokens of ``token_type``."""
        return Decimal(tokens) * self.usd_per_mtok(token_type) * CENTS / MILLION

    def description(self, token_type: str) -> str:
        """The cost report's line description, e.g. ``Claude Sonnet 4 Usage - Input Tokens``."""
        return f"{self.display_name} Usage - {TOKEN_TYPE_LABEL[token_type]}"


ANTHROPIC_MODELS: tuple[AnthropicModel, ...] = (
    AnthropicModel("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "haiku", date(2024, 10, 22), Decimal("0.8"), Decimal(4)),
    AnthropicModel("claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", "sonnet", date(2025, 2, 19), Decimal(3), Decimal(15)),
    AnthropicModel("claude-3-opus-20240229", "Claude Opus 3", "opus", date(2024, 2, 29), Decimal(15), Decimal(75)),
    AnthropicModel("claude-sonnet-4-20250514", "Claude Sonnet 4", "sonnet", date(2025, 5, 14), Decimal(3), Decimal(15)),
    AnthropicModel("claude-opus-4-20250514", "Claude Opus 4", "opus", date(2025, 5, 14), Decimal(15), Decimal(75)),
    AnthropicModel("claude-opus-4-1-20250805", "Claude Opus 4.1", "opus", date(2025, 8, 5), Decimal(15), Decimal(75)),
    AnthropicModel("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "sonnet", date(2025, 9, 29), Decimal(3), Decimal(15)),
    AnthropicModel("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "haiku", date(2025, 10, 1), Decimal(1), Decimal(5)),
    AnthropicModel("claude-opus-4-5-20251101", "Claude Opus 4.5", "opus", date(2025, 11, 24), Decimal(5), Decimal(25)),
)
ANTHROPIC_BY_ID = {m.model: m for m in ANTHROPIC_MODELS}


_BY_FAMILY = {
    family: sorted((m for m in ANTHROPIC_MODELS if m.family == family), key=lambda m: m.released)
    for family in {m.family for m in ANTHROPIC_MODELS}
}
_RELEASES = {family: [m.released for m in members] for family, members in _BY_FAMILY.items()}


def anthropic_model(family: str, day: date) -> AnthropicModel:
    """The newest model of ``family`` released on or before ``day`` (the oldest one before that)."""
    members = _BY_FAMILY[family]
    return members[max(0, bisect_right(_RELEASES[family], day) - 1)]


@dataclass(frozen=True)
class CursorModel:
    """A model as Cursor names it, with USD per MTok for token-billed requests."""

    model: str
    input_usd_mtok: Decimal
    output_usd_mtok: Decimal
    cache_write_usd_mtok: Decimal
    cache_read_usd_mtok: Decimal

    def token_cents(self, input_tokens: int, output_tokens: int, cache_write: int, cache_read: int) -> Decimal:
        usd = (
            input_tokens * self.input_usd_mtok
            + output_tokens * self.output_usd_mtok
            + cache_write * self.cache_write_usd_mtok
            + cache_read * self.cache_read_usd_mtok
        )
        return usd * CENTS / MILLION


CURSOR_MODELS: tuple[CursorModel, ...] = (
    CursorModel("auto", Decimal("1.25"), Decimal(6), Decimal("1.25"), Decimal("0.25")),
    CursorModel("claude-4.5-sonnet", Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.3")),
    CursorModel("claude-4-sonnet-thinking", Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.3")),
    CursorModel("claude-4.1-opus", Decimal(15), Decimal(75), Decimal("18.75"), Decimal("1.5")),
    CursorModel("gpt-5", Decimal("1.25"), Decimal(10), Decimal("1.25"), Decimal("0.125")),
    CursorModel("gemini-2.5-pro", Decimal("1.25"), Decimal(10), Decimal("1.25"), Decimal("0.31")),
)
CURSOR_BY_NAME = {m.model: m for m in CURSOR_MODELS}
CURSOR_TOKEN_FEE_USD_MTOK = Decimal("0.25")  # Cursor's own fee on token-billed requests
CURSOR_INCLUDED_CENTS_PER_UNIT = Decimal(4)  # notional value of one included request unit
CURSOR_SEAT_PLAN = "business"
CURSOR_SEAT_USD_MONTH = Decimal(40)


def cursor_token_fee_cents(total_tokens: int) -> Decimal:
    return Decimal(total_tokens) * CURSOR_TOKEN_FEE_USD_MTOK * CENTS / MILLION
CLAUDE_AI_SEAT_PLAN = "enterprise"
CLAUDE_AI_SEAT_USD_MONTH = Decimal(60)
GEMINI_SEAT_PLAN = "workspace_gemini_add_on"
GEMINI_SEAT_USD_MONTH = Decimal(20)
# Gemini on Vertex AI, US dollars per million tokens (the demo's assumption, shape of Google's price list)
GEMINI_USD_PER_MILLION = {"input": Decimal("1.25"), "output": Decimal(10)}
