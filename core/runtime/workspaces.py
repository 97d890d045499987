"""One workspace directory and one toolbox (with its persistent shell) per
session, kept until the session is deleted or the server stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def builtin_schemas() -> dict[str, dict[str, Any]]:
    from sessiond.core.runtime import tools

    schemas = getattr(tools, "SCHEMAS", None) or getattr(tools.Toolbox, "SCHEMAS", {})
    return dict(schemas)


class Workspaces:
    def __init__(
        self, root: Path, wrap: Callable[[str, Any], Awaitable[Any]] | None = None
    ) -> None:
        self._root = root
        # Wraps each new toolbox (issue 12: the session's mounts).
        self._wrap = wrap
        self._boxes: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    async def toolbox(self, session_id: str) -> Any:
        box = self._boxes.get(session_id)
        if box is not None:
            return box
        from sessiond.core.runtime.tools import Toolbox, Workspace

        async with self._lock:
            box = self._boxes.get(session_id)
            if box is None:
                path = self._root / session_id
                await asyncio.to_thread(path.mkdir, parents=True, exist_ok=True)
                box = Toolbox(Workspace(path))
                if self._wrap is not None:
                    box = await self._wrap(session_id, box)
                self._boxes[session_id] = box
        return box

    async def close(self, session_id: str | None) -> None:
        """Closes one session's toolbox, or all of them (None)."""
        ids = list(self._boxes) if session_id is None else [session_id]
        for sid in ids:
            box = self._boxes.pop(sid, None)
            if box is not None:
                with contextlib.suppress(Exception):
                    await box.close()
