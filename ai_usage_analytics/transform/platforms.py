"""The platform catalogue behind ``dim_platforms``.

``platform_sk`` is the platform code itself (deterministic, identical in every warehouse).
``created_at`` is when the platform entered this catalogue, fixed so that re-running the asset
changes nothing.

supports_user_attribution: the source names a person or an API key we can map to one.
supports_productivity_metrics: the source reports output measures (lines, accepts, interactions),
not only consumption.
"""

from __future__ import annotations

import pandas as pd

CATEGORIES = ("engineering_productivity", "knowledge_work", "api_consumption")
VENDORS = ("Anthropic", "Cursor", "Google")
COST_MODELS = ("subscription", "usage_based", "hybrid")

PLATFORMS: tuple[dict, ...] = (
    {
        "platform_code": "cursor",
        "platform_name": "Cursor",
        "category": "engineering_productivity",
        "vendor": "Cursor",
        "cost_model": "hybrid",  # seats plus usage-based requests beyond the included allowance
        "supports_user_attribution": True,
        "supports_productivity_metrics": True,
    },
    {
        "platform_code": "claude_code",
        "platform_name": "Claude Code",
        "category": "engineering_productivity",
        "vendor": "Anthropic",
        "cost_model": "hybrid",  # token-billed through the API, or part of a Team/Enterprise seat
        "supports_user_attribution": True,
        "supports_productivity_metrics": True,
    },
    {
        "platform_code": "claude_api",
        "platform_name": "Claude API",
        "category": "api_consumption",
        "vendor": "Anthropic",
        "cost_model": "usage_based",
        "supports_user_attribution": True,  # through the API-key mapping
        "supports_productivity_metrics": False,
    },
    {
        "platform_code": "claude_web",
        "platform_name": "Claude.ai",
        "category": "knowledge_work",
        "vendor": "Anthropic",
        "cost_model": "subscription",
        "supports_user_attribution": True,
        "supports_productivity_metrics": True,
    },
    {
        "platform_code": "gemini",
        "platform_name": "Google Gemini",
        "category": "knowledge_work",
        "vendor": "Google",
        "cost_model": "hybrid",  # Workspace seats plus metered Gemini API / Vertex AI usage
        "supports_user_attribution": True,
        "supports_productivity_metrics": True,
    },
)

PLATFORM_CODES = tuple(p["platform_code"] for p in PLATFORMS)
CATALOGUE_CREATED_AT = pd.Timestamp("2026-11-25T00:00:00Z")


def build_dim_platforms() -> pd.DataFrame:
    frame = pd.DataFrame(list(PLATFORMS))
    frame.insert(0, "platform_sk", frame["platform_code"])
    frame["created_at"] = CATALOGUE_CREATED_AT
    return frame
