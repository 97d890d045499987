"""The clock of schedules: now and sleep, injected so that tests can speed it up.

``SESSIOND_TEST_CLOCK_RATE`` (a factor), ``SESSIOND_TEST_CLOCK_START`` (Unix
seconds where the test clock equals the real one; default: when the process
started) and ``SESSIOND_TEST_CLOCK_OFFSET`` (seconds added) are for tests only:
``serve``'s and ``core``'s --help say so, and no user should set them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Now, aware, in UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleeps ``seconds`` of this clock's time."""
        ...


@dataclass
class ScaledClock:
    """Real time when ``rate`` is 1 and ``offset`` 0; else time that runs ``rate``
    times faster from ``start`` (Unix seconds), shifted by ``offset`` seconds."""

    rate: float = 1.0
    offset: float = 0.0
    start: float = field(default_factory=time.time)

    def now(self) -> datetime:
        real = time.time()
        return datetime.fromtimestamp(
            self.start + (real - self.start) * self.rate + self.offset, UTC
        )

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.rate)


def clock_from_env(env: Mapping[str, str]) -> ScaledClock:
    """The clock the test variables ask for (the real one when none is set)."""

    def number(name: str, default: float) -> float:
        text = env.get(name, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{name}: {text!r} is not a number") from None
        return value

    rate = number("SESSIOND_TEST_CLOCK_RATE", 1.0)
    if rate <= 0:
        raise ValueError("SESSIOND_TEST_CLOCK_RATE must be positive")
    clock = ScaledClock(rate=rate, offset=number("SESSIOND_TEST_CLOCK_OFFSET", 0.0))
    clock.start = number("SESSIOND_TEST_CLOCK_START", clock.start)
    return clock
