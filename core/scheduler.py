"""The deployment scheduler: one owned task per core, started and stopped with
the server. It sleeps until the soonest tick of any active deployment (or a
short poll, so ticks of deployments made on other replicas are seen), then fires
what is due. Which replica fires a tick is decided by the database
(core/store/deployments.py): every replica may try, one wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sessiond.core.clock import Clock
from sessiond.core.cron import jitter_seconds
from sessiond.core.services.deployments import DeploymentService

log = logging.getLogger(__name__)

# Seconds of the scheduler's clock.
POLL = 30.0
MIN_WAIT = 0.5
# A run claimed this long ago (real µs) without a session is taken over.
STALE_RUN_US = 120_000_000


class Scheduler:
    def __init__(self, service: DeploymentService, clock: Clock) -> None:
        self._svc = service
        self._clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="deployment-scheduler")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def tick(self) -> float:
        """Fires what is due now; returns how long (clock seconds) to wait."""
        wait = POLL
        now = self._clock.now().timestamp()
        for due in await self._svc.due():
            start = due.next_fire_at / 1e6 + jitter_seconds(due.deployment_id)
            if start > now:
                wait = min(wait, start - now)
                continue
            try:
                await self._svc.fire(due)
            except Exception:
                log.exception("deployment %s: the scheduled run failed", due.deployment_id)
        nxt = await self._svc.next_tick()
        if nxt is not None:
            wait = min(wait, nxt / 1e6 - self._clock.now().timestamp())
        return max(MIN_WAIT, wait)

    async def _loop(self) -> None:
        try:
            await self._svc.recover(STALE_RUN_US)
        except Exception:
            log.exception("deployments: finishing interrupted runs failed")
        while True:
            try:
                wait = await self.tick()
            except Exception:
                log.exception("deployments: the scheduler's pass failed")
                wait = POLL
            self._wake.clear()
            await self._sleep_or_wake(wait)

    async def _sleep_or_wake(self, wait: float) -> None:
        sleeper = asyncio.ensure_future(self._clock.sleep(wait))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in (sleeper, waker):
                f.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
