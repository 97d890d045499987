"""The PostgreSQL listener skips the reads of what this replica committed itself."""

from __future__ import annotations

from typing import Any

from sessiond.core.fanout import Broker
from sessiond.core.listener import Listener
from sessiond.v1 import event_pb2


def ev(seq: int) -> event_pb2.SessionEvent:
    return event_pb2.SessionEvent(id=f"sevt_{seq}", session_id="s", sequence=seq)


OWN_PID = 4242  # a backend of this replica's pool


class FakeStore:
    """A fake store that records the ranges the listener reads."""

    def __init__(self) -> None:
        self.reads: list[tuple[int, int]] = []

    def owns(self, pid: int) -> bool:
        return pid == OWN_PID

    async def events_between(self, session_id: str, first: int, last: int) -> list[Any]:
        self.reads.append((first, last))
        return [ev(s) for s in range(first, last + 1)]


def listener() -> tuple[Listener, FakeStore, list[int]]:
    store = FakeStore()
    handed: list[int] = []
    lis = Listener(
        "postgresql://unused",
        store,  # type: ignore[arg-type]
        Broker(),
        lambda: ["s"],  # a runner here serves the session
        lambda _sid, events: handed.extend(e.sequence for e in events),
    )
    return lis, store, handed


async def test_own_commits_announced_back_are_not_read_again() -> None:
    lis, store, handed = listener()
    await lis._deliver("s", 1, 2)  # another replica's events: read and handed on
    assert store.reads == [(1, 2)] and handed == [1, 2]
    # Committed and published here; the database's announcement of them:
    lis._notified(None, OWN_PID, "events", "s 3 4")
    for sid, (first, last) in list(lis._announced.items()):
        await lis._deliver(sid, first, last)
    assert store.reads == [(1, 2)]
    assert handed == [1, 2]


async def test_an_earlier_event_of_another_replica_is_still_read() -> None:
    lis, store, handed = listener()
    await lis._deliver("s", 1, 1)
    # 3 committed here; 2 came from another replica, not yet announced.
    lis._notified(None, OWN_PID, "events", "s 3 3")
    await lis._deliver("s", 2, 3)
    assert store.reads == [(1, 1), (2, 3)]
    assert handed == [1, 2, 3]  # the runner here sees the other replica's event 2
