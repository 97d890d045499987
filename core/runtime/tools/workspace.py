"""The directory tree a session's tools may touch."""

from __future__ import annotations

import posixpath
from pathlib import Path

from sessiond.core.runtime.tools.errors import ToolInputError


class Workspace:
    """A root directory; every path a file tool uses must lie inside it.

    Paths are mapped lexically here; symlinks are never followed when the
    file is opened (see :mod:`safeio`). ``alias`` is where the sandboxed
    shell sees the root (``/workspace``): absolute paths under it mean the
    same files. ``owner`` (uid, gid) receives what the file tools create.
    """

    def __init__(
        self, root: Path, *, alias: str | None = None, owner: tuple[int, int] | None = None
    ) -> None:
        self.root: Path = Path(root).resolve()
        self.alias = alias
        self.owner = owner

    def relative(self, path: str) -> str:
        """The path relative to the root ("" for the root itself)."""
        if not isinstance(path, str) or not path:
            raise ToolInputError("path must be a non-empty string")
        if "\x00" in path:
            raise ToolInputError("path must not contain NUL characters")
        norm = posixpath.normpath(path)
        if norm.startswith("/"):
            for base in filter(None, (self.alias, str(self.root))):
                if norm == base:
                    return ""
                if norm.startswith(base.rstrip("/") + "/"):
                    return norm[len(base.rstrip("/")) + 1 :]
            raise ToolInputError(f"path {path!r} is outside the workspace")
        if norm == ".":
            return ""
        if norm == ".." or norm.startswith("../"):
            raise ToolInputError(f"path {path!r} is outside the workspace")
        return norm

    def resolve(self, path: str) -> Path:
        """The absolute host path for a tool's path argument (lexically)."""
        rel = self.relative(path)
        return self.root / rel if rel else self.root

    def display(self, path: Path | str) -> str:
        """The path as shown to the model: relative to the root."""
        if isinstance(path, str):
            return path or "."
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return str(path)
        return rel.as_posix()
