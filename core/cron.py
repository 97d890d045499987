"""Five-field cron schedules in an IANA time zone (docs: "Scheduled deployments";
the SDK's ``BetaManagedAgentsScheduleParams``).

Fields: minute hour day-of-month month day-of-week, each ``*``, a number, a range
``a-b``, a step ``*/n`` or ``a-b/n``, or a comma list of those; months and days may
be named (``jan``, ``mon``). Day-of-week is 0-7, 0 and 7 both Sunday. When both
day fields are restricted a day matches either (POSIX). Seconds, years, ``L W # ?``
and ``@daily``-style shortcuts are rejected.

Matching is on the zone's wall clock, minute by minute. Around daylight-saving
changes a tick is a wall time, fired once:

- a wall time that the clocks skip (spring forward) fires at the same offset as
  just before the change, so ``30 2 * * *`` fires at 03:30 on that day;
- a wall time that happens twice (fall back) fires at its first occurrence only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Cron", "CronError", "jitter_seconds", "zone"]

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
# (name, low, high, names)
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 7, _DAYS),
)
# How far ahead a search goes before it gives up (e.g. "0 0 30 2 *" never fires).
_HORIZON_DAYS = 366 * 5
MAX_JITTER_SECONDS = 30


class CronError(ValueError):
    """An expression or time zone the schedule cannot use; the message says why."""


def zone(name: str) -> ZoneInfo:
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        raise CronError(f"unknown IANA time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise CronError(f"unknown IANA time zone {name!r}") from e


def _number(text: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    key = text.lower()
    if key in names:
        return names[key]
    if not text.isdigit():
        raise CronError(f"{field}: {text!r} is not a number")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{field}: {value} is outside {low}-{high}")
    return value


def _field(text: str, low: int, high: int, names: dict[str, int], field: str) -> frozenset[int]:
    out: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"{field}: empty list item in {text!r}")
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{field}: step {step_text!r} must be a positive number")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first = _number(a, low, high, names, field)
            last = _number(b, low, high, names, field)
            if first > last:
                raise CronError(f"{field}: range {base!r} runs backwards")
        else:
            first = _number(base, low, high, names, field)
            last = high if slash else first
        out.update(range(first, last + 1, step))
    return frozenset(out)


@dataclass(frozen=True)
class Cron:
    """A parsed expression bound to a time zone."""

    expression: str
    timezone: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str, timezone: str) -> Cron:
        zone(timezone)
        if expression.strip().startswith("@"):
            raise CronError("shortcuts such as @daily are not supported; give five fields")
        parts = expression.split()
        if len(parts) != 5:
            raise CronError(
                f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
            )
        for p in parts:
            bad = set(p.upper()) & set("LW#?")
            if bad and p.lower() not in _MONTHS and p.lower() not in _DAYS:
                raise CronError(f"the special characters L, W, # and ? are not supported: {p!r}")
        pairs = zip(parts, _FIELDS, strict=True)
        sets = [_field(p, lo, hi, names, f) for p, (f, lo, hi, names) in pairs]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(
            expression=expression,
            timezone=timezone,
            minutes=sets[0],
            hours=sets[1],
            days=sets[2],
            months=sets[3],
            weekdays=weekdays,
            any_day=parts[2].startswith("*"),
            any_weekday=parts[4].startswith("*"),
        )

    def _day_matches(self, d: datetime) -> bool:
        if d.month not in self.months:
            return False
        dom = d.day in self.days
        dow = (d.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def _wall_times(self, start: datetime) -> Iterator[datetime]:
        """Matching naive wall times from ``start`` (naive, minute-aligned) on."""
        day = start.replace(hour=0, minute=0)
        for _ in range(_HORIZON_DAYS):
            if self._day_matches(day):
                for h in sorted(self.hours):
                    for m in sorted(self.minutes):
                        t = day.replace(hour=h, minute=m)
                        if t >= start:
                            yield t
            day += timedelta(days=1)

    def after(self, instant: datetime) -> datetime | None:
        """The first tick strictly after ``instant`` (aware), in UTC; None if none."""
        tz = zone(self.timezone)
        instant = instant.astimezone(UTC)
        # Start a day early in wall time: a skipped wall time maps forward.
        local = instant.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
        for wall in self._wall_times(local - timedelta(days=1)):
            fired = _instant(wall, tz)
            if fired > instant:
                return fired
        return None

    def upcoming(self, instant: datetime, count: int) -> list[datetime]:
        out: list[datetime] = []
        t: datetime | None = instant
        while len(out) < count and t is not None:
            t = self.after(t)
            if t is not None:
                out.append(t)
        return out

    def latest_at_or_before(self, instant: datetime, since: datetime) -> datetime | None:
        """The newest tick in (``since``, ``instant``], or None. Looks back in
        growing windows, so a long gap costs no walk over every tick in it."""
        for back in (timedelta(hours=1), timedelta(days=2), timedelta(days=40), None):
            lower = since if back is None else max(since, instant - back)
            found: datetime | None = None
            t = self.after(lower)
            while t is not None and t <= instant:
                found = t
                t = self.after(t)
            if found is not None or lower == since:
                return found
        return None


def _instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall time: fold=0, i.e. the first of a repeated time and,
    for a skipped time, the offset in force before the change."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def jitter_seconds(key: str) -> float:
    """A small per-schedule delay in [0, MAX_JITTER_SECONDS): the same for every fire
    of one deployment, so its runs start at or shortly after their listed times."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:4], "big") % (MAX_JITTER_SECONDS * 1000) / 1000.0
