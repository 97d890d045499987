"""The cron schedules of deployments: fields, day rules, time zones, DST, jitter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sessiond.core.cron import MAX_JITTER_SECONDS, Cron, CronError, jitter_seconds


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekdays_at_nine_in_a_zone() -> None:
    cron = Cron.parse("0 9 * * 1-5", "America/Los_Angeles")
    # Friday 2026-01-02 10:00 PST -> next is Monday 09:00 PST (17:00 UTC).
    assert cron.after(utc(2026, 1, 2, 18, 0)) == utc(2026, 1, 5, 17, 0)
    assert cron.upcoming(utc(2026, 1, 5, 17, 0), 2) == [utc(2026, 1, 6, 17), utc(2026, 1, 7, 17)]


def test_steps_lists_ranges_and_names() -> None:
    cron = Cron.parse("*/20 8-9,17 * jan,feb sun", "UTC")
    got = cron.upcoming(utc(2026, 1, 3, 0, 0), 7)
    # 2026-01-04 is a Sunday.
    assert got[:6] == [utc(2026, 1, 4, 8, m) for m in (0, 20, 40)] + [
        utc(2026, 1, 4, 9, m) for m in (0, 20, 40)
    ]
    assert got[6] == utc(2026, 1, 4, 17, 0)


def test_seven_is_sunday_and_day_fields_are_or_when_both_restricted() -> None:
    assert Cron.parse("0 0 * * 7", "UTC").after(utc(2026, 1, 1)) == utc(2026, 1, 4)
    # The 15th or any Monday: Monday 2026-01-05 comes first.
    both = Cron.parse("0 0 15 * 1", "UTC")
    expected = [utc(2026, 1, 5), utc(2026, 1, 12), utc(2026, 1, 15)]
    assert both.upcoming(utc(2026, 1, 1), 3) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "* * * *",
        "0 0 * * * 2026",
        "@daily",
        "0 0 L * *",
        "0 0 1W * *",
        "0 0 * * 1#2",
        "0 0 ? * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 8",
        "*/0 * * * *",
        "5-1 * * * *",
        "a * * * *",
        "1,,2 * * * *",
    ],
)
def test_bad_expressions_say_why(expr: str) -> None:
    with pytest.raises(CronError):
        Cron.parse(expr, "UTC")


@pytest.mark.parametrize("tz", ["", "Mars/Olympus", "../etc/passwd", "/UTC", " UTC"])
def test_unknown_zones_are_refused(tz: str) -> None:
    with pytest.raises(CronError):
        Cron.parse("0 0 * * *", tz)


def test_spring_forward_fires_a_skipped_time_once_after_the_change() -> None:
    # America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 02:30 does not exist.
    cron = Cron.parse("30 2 * * *", "America/New_York")
    got = cron.upcoming(utc(2026, 3, 7, 12), 3)
    assert got == [
        utc(2026, 3, 8, 7, 30),  # 03:30 EDT, the offset of just before the change
        utc(2026, 3, 9, 6, 30),  # 02:30 EDT
        utc(2026, 3, 10, 6, 30),
    ]


def test_spring_forward_does_not_fire_twice_when_two_wall_times_meet() -> None:
    cron = Cron.parse("30 2,3 * * *", "America/New_York")
    got = cron.upcoming(utc(2026, 3, 8, 5), 2)
    assert got == [utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)]


def test_fall_back_fires_a_repeated_time_once() -> None:
    # America/New_York: 2026-11-01 02:00 EDT -> 01:00 EST; 01:30 happens twice.
    cron = Cron.parse("30 1 * * *", "America/New_York")
    got = cron.upcoming(utc(2026, 10, 31, 12), 3)
    assert got == [
        utc(2026, 11, 1, 5, 30),  # 01:30 EDT, the first occurrence only
        utc(2026, 11, 2, 6, 30),  # 01:30 EST
        utc(2026, 11, 3, 6, 30),
    ]


def test_hourly_schedules_keep_firing_across_fall_back() -> None:
    cron = Cron.parse("0 * * * *", "Europe/Berlin")
    # 2026-10-25 03:00 CEST -> 02:00 CET: the 02:00 wall time fires once.
    got = cron.upcoming(utc(2026, 10, 24, 23, 30), 3)
    assert got == [utc(2026, 10, 25, 0), utc(2026, 10, 25, 2), utc(2026, 10, 25, 3)]


def test_latest_due_tick_after_a_gap() -> None:
    cron = Cron.parse("0 * * * *", "UTC")
    assert cron.latest_at_or_before(utc(2026, 1, 3, 5, 10), utc(2026, 1, 1)) == utc(2026, 1, 3, 5)
    assert cron.latest_at_or_before(utc(2026, 1, 1, 0, 30), utc(2026, 1, 1)) is None
    yearly = Cron.parse("0 0 1 1 *", "UTC")
    assert yearly.latest_at_or_before(utc(2027, 6, 1), utc(2025, 6, 1)) == utc(2027, 1, 1)


def test_a_schedule_that_never_fires_has_no_next_tick() -> None:
    assert Cron.parse("0 0 30 2 *", "UTC").after(utc(2026, 1, 1)) is None


def test_jitter_is_small_stable_and_per_schedule() -> None:
    a, b = jitter_seconds("depl_a"), jitter_seconds("depl_b")
    assert a == jitter_seconds("depl_a")
    assert 0 <= a < MAX_JITTER_SECONDS and 0 <= b < MAX_JITTER_SECONDS
    assert a != b
