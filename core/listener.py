"""Live events from other replicas, through PostgreSQL's LISTEN/NOTIFY.

Every append on PostgreSQL notifies ``sessiond_events`` with the session and
the sequence range it committed. The listener reads those events from the
table and hands them to this replica's streams and runners. A notification
only says where to look, so a lost one delays an event and never loses it: a
poll of the sessions this replica serves catches up every ``poll_seconds``,
and at once after the listening connection is re-established.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from sessiond.v1 import event_pb2
from sqlalchemy.engine import make_url

from core.fanout import Broker
from core.store.store import EVENTS_CHANNEL, Store

log = logging.getLogger(__name__)

MAX_BATCH = 500


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Listener:
    """Follows other replicas' appends for the sessions this replica serves."""

    def __init__(
        self,
        dsn: str,
        store: Store,
        broker: Broker,
        runner_sessions: Callable[[], Sequence[str]],
        on_events: Callable[[str, list[event_pb2.SessionEvent]], None],
        *,
        poll_seconds: float = 1.0,
    ) -> None:
        self._dsn = dsn
        self._store = store
        self._broker = broker
        self._runner_sessions = runner_sessions
        self._on_events = on_events
        self._poll_seconds = poll_seconds
        # Sequence range announced per session, not yet handled.
        self._announced: dict[str, tuple[int, int]] = {}
        # Newest sequence handed on per session served here.
        self._seen: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._conn: Any = None

    async def start(self) -> None:
        await self._connect()
        self._tasks = [
            asyncio.create_task(self._deliver_forever(), name="listener deliver"),
            asyncio.create_task(self._watch_forever(), name="listener watch"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._disconnect()

    # ------------------------------------------------------------ connection

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        await conn.add_listener(EVENTS_CHANNEL, self._notified)
        self._conn = conn

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    async def _watch_forever(self) -> None:
        """Polls served sessions, and re-listens when the connection drops."""
        backoff = 0.2
        while True:
            await asyncio.sleep(self._poll_seconds)
            if self._conn is None or self._conn.is_closed():
                await self._disconnect()
                try:
                    await self._connect()
                    backoff = 0.2
                except (OSError, asyncpg.PostgresError) as e:
                    log.warning("cannot listen for events (%s); retrying", e)
                    backoff = min(backoff * 2, 5.0)
                    await asyncio.sleep(backoff)
                    continue
            try:
                await self._poll()
            except Exception:
                log.exception("event poll failed")

    async def _poll(self) -> None:
        served = self._served()
        if not served:
            return
        for sid, last in (await self._store.last_seqs(served)).items():
            if last > self._seen.get(sid, 0):
                self._announce(sid, last, last)

    # -------------------------------------------------------------- delivery

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            sid, first, last = payload.split(" ")
            self._announce(sid, int(first), int(last))
        except ValueError:
            log.warning("ignored a malformed event notification")

    def _announce(self, session_id: str, first: int, last: int) -> None:
        old = self._announced.get(session_id)
        if old is not None:
            first, last = min(first, old[0]), max(last, old[1])
        self._announced[session_id] = (first, last)
        self._wake.set()

    def _served(self) -> list[str]:
        return list({*self._broker.sessions(), *self._runner_sessions()})

    async def _deliver_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            announced, self._announced = self._announced, {}
            served = set(self._served())
            for sid in [s for s in self._seen if s not in served]:
                del self._seen[sid]
            for sid, (first, last) in announced.items():
                if sid not in served:
                    continue
                try:
                    await self._deliver(sid, first, last)
                except Exception:
                    log.exception("could not deliver events of %s", sid)
                    self._announce(sid, first, last)

    async def _deliver(self, session_id: str, first: int, last: int) -> None:
        seen = max(self._seen.get(session_id, 0), self._broker.published(session_id))
        if seen == 0:
            # Newly served: its streams read the earlier history themselves.
            seen = first - 1
        while seen < last:
            upto = min(last, seen + MAX_BATCH)
            events = await self._store.events_between(session_id, seen + 1, upto)
            if not events:
                break
            seen = events[-1].sequence
            self._seen[session_id] = seen
            self._broker.publish(session_id, events)
            self._on_events(session_id, events)
