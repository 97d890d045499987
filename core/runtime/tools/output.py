"""The result of one tool call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ToolOutput:
    text: str
    is_error: bool = False


def truncate(text: str, max_chars: int, extra: int = 0) -> str:
    """Cuts ``text`` to ``max_chars`` with a visible note of what was left out.

    ``extra`` counts characters already dropped before ``text`` reached us.
    """
    if len(text) <= max_chars and extra == 0:
        return text
    more = max(0, len(text) - max_chars) + extra
    return f"{text[:max_chars]}\n[output truncated: {more} more characters]"
