"""The delivery worker: takes due rows of the webhook outbox with a lease,
POSTs each, signed as Standard Webhooks specify (``webhook-id``,
``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">``), marks it delivered on a 2xx, else schedules the next
attempt with exponential backoff and jitter, and disables a webhook after
``disable_after`` failed attempts in a row. Delivery is at least once: a
receiver dedupes by ``webhook-id``."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from sessiond.core.services.webhooks import SECRET_PREFIX, WebhookService
from sessiond.core.store.webhooks import Claimed, Outcome, WebhookStore
from sessiond.core.timeutil import now_us
from sessiond.core.webhookguard import GuardedResolver, Refused, check_destination

log = logging.getLogger(__name__)

ALLOW_PRIVATE_ENV = "SESSIOND_WEBHOOK_ALLOW_PRIVATE"
# Test-only: comma-separated seconds that replace the backoff schedule (no jitter).
BACKOFF_ENV = "SESSIOND_WEBHOOK_BACKOFF"
DISABLE_AFTER_ENV = "SESSIOND_WEBHOOK_DISABLE_AFTER"


@dataclass(frozen=True)
class DeliveryPolicy:
    """When to try again, and when to stop."""

    # Waits before the 2nd, 3rd, … attempt; past its end the last one repeats.
    schedule: tuple[float, ...] = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200)
    max_attempts: int = 11
    # Spread of each wait: ±jitter of it.
    jitter: float = 0.2
    # Failed attempts in a row (over all its deliveries) that disable a webhook.
    disable_after: int = 20
    timeout_seconds: float = 15.0
    lease_seconds: float = 60.0
    # How often a worker looks for due rows another replica wrote.
    poll_seconds: float = 1.0
    batch: int = 16
    allow_private: bool = False

    @classmethod
    def from_env(cls, allow_private: bool = False) -> DeliveryPolicy:
        fast = os.environ.get(BACKOFF_ENV, "").strip()
        kw: dict[str, object] = {}
        if fast:
            kw.update(schedule=tuple(float(s) for s in fast.split(",")), jitter=0.0)
        if os.environ.get(DISABLE_AFTER_ENV, "").strip():
            kw["disable_after"] = int(os.environ[DISABLE_AFTER_ENV])
        env_allow = os.environ.get(ALLOW_PRIVATE_ENV, "").lower() in ("1", "true", "yes")
        return cls(allow_private=allow_private or env_allow, **kw)  # type: ignore[arg-type]

    def next_wait(self, attempts: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds before the next attempt, after ``attempts`` failed ones."""
        base = self.schedule[min(attempts - 1, len(self.schedule) - 1)]
        return max(0.0, base * (1 + self.jitter * (2 * rand() - 1)))


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header's value for one attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class DeliveryWorker:
    """One per core; owned by the core server (``start``/``close``)."""

    def __init__(
        self,
        store: WebhookStore,
        service: WebhookService,
        owner: str,
        policy: DeliveryPolicy,
    ) -> None:
        self._store = store
        self._svc = service
        self._owner = owner
        self.policy = policy
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.policy.allow_private), limit=self.policy.batch
        )
        self._http = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.policy.timeout_seconds),
        )
        self._task = asyncio.create_task(self._run(), name="webhook-delivery")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            try:
                await self._store.release(self._owner)
            except Exception:
                log.exception("webhooks: could not release this worker's leases")
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _run(self) -> None:
        while True:
            try:
                done = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhooks: the delivery pass failed")
                done = 0
            if done:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.policy.poll_seconds)

    async def run_once(self) -> int:
        """One pass: claims due deliveries and attempts each; how many it took."""
        lease = int(self.policy.lease_seconds * 1_000_000)
        claimed = await self._store.claim(self._owner, now_us(), lease, self.policy.batch)
        if claimed:
            await asyncio.gather(*(self._attempt(c) for c in claimed))
        return len(claimed)

    async def _attempt(self, c: Claimed) -> None:
        outcome = await self._post(c)
        disabled = await self._store.finish(
            c, self._owner, outcome, now_us(), self.policy.disable_after
        )
        if disabled:
            log.warning(
                "webhooks: disabled %s after %d failed attempts in a row",
                c.webhook_id,
                self.policy.disable_after,
            )

    async def _post(self, c: Claimed) -> Outcome:
        assert self._http is not None
        attempts = c.attempts + 1
        try:
            secret = self._svc.open_secret(c.webhook_id, c.secret_key_id, c.secret)
            await check_destination(c.url, self.policy.allow_private)
            ts = now_us() // 1_000_000
            headers = {
                "content-type": "application/json",
                "user-agent": "sessiond-webhooks",
                "webhook-id": c.event_id,
                "webhook-timestamp": str(ts),
                "webhook-signature": sign(secret, c.event_id, ts, c.payload),
            }
            async with self._http.post(
                c.url, data=c.payload.encode(), headers=headers, allow_redirects=False
            ) as resp:
                await resp.read()
                status = resp.status
            if 200 <= status < 300:
                return Outcome(True, status, "", None)
            error = f"HTTP {status}"
        except asyncio.CancelledError:
            raise
        except Refused as e:
            status, error = 0, str(e)
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            status, error = 0, type(e).__name__ + (f": {e}" if str(e) else "")
        except Exception as e:  # a secret that no longer opens, …
            status, error = 0, type(e).__name__
        retry_at = None
        if attempts < self.policy.max_attempts:
            retry_at = now_us() + int(self.policy.next_wait(attempts) * 1_000_000)
        return Outcome(False, status, error, retry_at)
