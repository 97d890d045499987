"""A test-only model: the offline model, whose `/sleep` steps wait for a gate
the test opens instead of for wall-clock time."""

from __future__ import annotations

import asyncio

from sessiond.core.runtime.offline import OfflineModel


class GateModel(OfflineModel):
    """``entered`` is set once a request reaches a `/sleep` step; the step
    then waits until the test calls ``open()`` (or the turn is cancelled)."""

    def __init__(self) -> None:
        super().__init__(self._wait)
        self.entered = asyncio.Event()
        self._opened = asyncio.Event()

    def open(self) -> None:
        self._opened.set()

    async def _wait(self, _seconds: float) -> None:
        self.entered.set()
        await self._opened.wait()
