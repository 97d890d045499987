"""Limits per workspace, counted in this replica's memory.

Each replica counts on its own: with N replicas behind a balancer a workspace
can make up to N times ``requests_per_minute`` in all (README, "Limits").
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sessiond.core.errors import RateLimited

# Far above what the benchmarks need: limits are for runaway clients.
DEFAULT_REQUESTS_PER_MINUTE: Final = 600_000
DEFAULT_EVENTS_PER_SEND: Final = 10_000
DEFAULT_RUNNING_SESSIONS: Final = 10_000
# Workspaces whose buckets are kept; past it the idle ones (full buckets) go.
MAX_TRACKED: Final = 10_000


@dataclass(frozen=True, slots=True)
class Limits:
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    events_per_send: int = DEFAULT_EVENTS_PER_SEND
    # Sessions of one workspace running a turn at once (counted in the
    # database, so across replicas): a message that would start one more is 429.
    running_sessions: int = DEFAULT_RUNNING_SESSIONS


class RateLimiter:
    """A token bucket per workspace: ``per_minute`` tokens, refilled evenly,
    so a burst of up to a minute's allowance passes and then the steady rate."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # workspace -> (tokens, at)

    def take(self, workspace: str) -> None:
        """Counts one request; raises RateLimited (with the seconds to wait) when none is left."""
        now = self._clock()
        tokens, at = self._buckets.get(workspace, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - at) * self._rate)
        if tokens < 1.0:
            self._buckets[workspace] = (tokens, now)
            wait = max(1, math.ceil((1.0 - tokens) / self._rate))
            raise RateLimited(
                f"Rate limit of {int(self._capacity)} requests per minute reached for this "
                f"workspace: retry after {wait} s",
                retry_after=wait,
            )
        if len(self._buckets) >= MAX_TRACKED and workspace not in self._buckets:
            self._forget_full(now)
        self._buckets[workspace] = (tokens - 1.0, now)

    def _forget_full(self, now: float) -> None:
        full = [
            w
            for w, (t, at) in self._buckets.items()
            if t + (now - at) * self._rate >= self._capacity
        ]
        for w in full:
            del self._buckets[w]
