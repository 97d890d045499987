"""Errors raised inside the tool implementations.

:class:`core.runtime.tools.Toolbox` turns every one of them into an error
result for the model; none escapes ``Toolbox.run``.
"""

from __future__ import annotations


class ToolError(Exception):
    """A tool call failed in a way the model should be told about."""


class ToolInputError(ToolError, ValueError):
    """The tool input is invalid (wrong shape, or a path outside the workspace)."""
