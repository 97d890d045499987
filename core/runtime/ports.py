"""What the runtime needs from the rest of the core, as narrow protocols.

The turn loop writes through an :class:`EventSink` and schedules sessions
through a :class:`TurnStore`; it never sees the concrete event log or store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from sessiond.core.sessionstate import Status, TurnMark
from sessiond.core.store.store import NewEvent, UsageDelta
from sessiond.v1 import environment_pb2, event_pb2, session_pb2

R = TypeVar("R")


class EventSink(Protocol):
    """Appends a session's events in order, reads its history back, and
    publishes previews of events still being produced."""

    def submit(
        self,
        session_id: str,
        new: Sequence[NewEvent],
        *,
        require_open: bool = False,
        status: Status | None = None,
        usage: UsageDelta | None = None,
        turn: TurnMark | None = None,
        mark_processed: Sequence[str] = (),
        owner: str | None = None,
    ) -> asyncio.Future[list[event_pb2.SessionEvent]]:
        """Queues an append; the future resolves once it is committed."""
        ...

    async def append(
        self,
        session_id: str,
        new: Sequence[NewEvent],
        *,
        require_open: bool = False,
        status: Status | None = None,
        usage: UsageDelta | None = None,
        turn: TurnMark | None = None,
        mark_processed: Sequence[str] = (),
        owner: str | None = None,
    ) -> list[event_pb2.SessionEvent]:
        """Commits (even if the caller is cancelled) and publishes."""
        ...

    async def history(self, session_id: str) -> list[event_pb2.SessionEvent]:
        """Every event of the session, in order (the list must not be changed)."""
        ...

    def preview(
        self, session_id: str, event_type: str, item: event_pb2.StreamEventsResponse
    ) -> None: ...


class TurnStore(Protocol):
    """Turn leases and the queue of user events waiting for a turn."""

    @property
    def shared(self) -> bool:
        """Whether other replicas may use the same database."""
        ...

    async def acquire_lease(self, session_id: str, owner: str, ttl_us: int) -> bool: ...

    async def renew_lease(self, session_id: str, owner: str, ttl_us: int) -> bool: ...

    async def release_lease(self, session_id: str, owner: str) -> None: ...

    async def clear_leases(self) -> None: ...

    async def orphaned_sessions(self, settled_before: int) -> list[str]: ...

    async def pending_events(self, session_id: str) -> list[event_pb2.SessionEvent]: ...

    async def work_of(
        self, session_id: str, environment_id: str | None = None
    ) -> tuple[
        list[event_pb2.SessionEvent], session_pb2.Session, environment_pb2.Environment | None
    ]:
        """The session's unprocessed events and the session; with the session's
        ``environment_id``, maybe its environment too (None: not read)."""
        ...

    async def get_session(self, session_id: str, *, ws: str | None) -> session_pb2.Session: ...

    async def update_session(
        self, session_id: str, patch: Callable[[session_pb2.Session], R], at: int, *, ws: str | None
    ) -> tuple[session_pb2.Session, R]:
        """Applies ``patch`` to the stored session in one transaction."""
        ...


class RemoteTools(Protocol):
    """Where a self-hosted session's toolset runs: the environment's work queue."""

    async def is_remote(self, session: session_pb2.Session) -> bool: ...

    async def need_worker(self, session: session_pb2.Session) -> None: ...
