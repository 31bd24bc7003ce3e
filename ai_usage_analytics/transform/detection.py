"""Platform detection for Anthropic API usage (DESIGN section 4).

Usage in a configured Claude Code workspace is Claude Code; any other Anthropic API usage is the
Claude API. The Claude Code report itself is always claude_code. The fact layer may refine a row
with the API-key mapping (a key mapped to platform claude_code).
"""

from __future__ import annotations

from collections.abc import Collection

WORKSPACE_MATCH_CONFIDENCE = 1.0
# Not in a Claude Code workspace: most likely plain API use, but Claude Code can run on any key.
DEFAULT_API_CONFIDENCE = 0.9


def detect_platform(workspace_id: str | None, claude_code_workspaces: Collection[str]) -> tuple[str, str, float]:
    """(platform_code, detection_method, detection_confidence) for one usage or cost row."""
    if workspace_id is not None and workspace_id in claude_code_workspaces:
        return "claude_code", "workspace_id", WORKSPACE_MATCH_CONFIDENCE
    return "claude_api", "workspace_id", DEFAULT_API_CONFIDENCE
