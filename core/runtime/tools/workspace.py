"""The directory tree a session's tools may touch."""

from __future__ import annotations

from pathlib import Path

from sessiond.core.runtime.tools.errors import ToolInputError


class Workspace:
    """A root directory; every path a file tool uses must resolve inside it."""

    def __init__(self, root: Path) -> None:
        self.root: Path = Path(root).resolve()

    def resolve(self, path: str) -> Path:
        """Maps a tool's path argument to an absolute path inside the workspace.

        Relative paths are taken relative to the root. Symlinks are resolved
        (also dangling ones), so a link pointing outside is refused too.
        """
        if not isinstance(path, str) or not path:
            raise ToolInputError("path must be a non-empty string")
        if "\x00" in path:
            raise ToolInputError("path must not contain NUL characters")
        given = Path(path)
        candidate = given if given.is_absolute() else self.root / given
        try:
            resolved = candidate.resolve(strict=False)
        except (OSError, RuntimeError) as e:
            raise ToolInputError(f"path {path!r} cannot be resolved: {e}") from None
        if not resolved.is_relative_to(self.root):
            raise ToolInputError(f"path {path!r} is outside the workspace")
        return resolved

    def display(self, path: Path) -> str:
        """The path as shown to the model: relative to the root."""
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return str(path)
        return rel.as_posix()

    def contains(self, path: Path) -> bool:
        """Whether ``path`` (symlinks resolved) lies inside the workspace."""
        try:
            return path.resolve(strict=False).is_relative_to(self.root)
        except (OSError, RuntimeError):
            return False
