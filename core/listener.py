"""Live events from other replicas, through PostgreSQL's LISTEN/NOTIFY.

Previews (the start/delta frames of a message the model is still writing) are
not stored: they travel in notifications of their own on
``sessiond_previews``, best effort, since the final event carries the content.

Every append on PostgreSQL notifies ``sessiond_events`` with the session and
the sequence range it committed. The listener reads those events from the
table and hands them to this replica's streams and runners. A notification
only says where to look, so a lost one delays an event and never loses it: a
poll of the sessions this replica serves catches up every ``poll_seconds``,
and at once after the listening connection is re-established.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from google.protobuf.message import DecodeError
from sessiond.core.fanout import Broker
from sessiond.core.store.store import EVENTS_CHANNEL, Store
from sessiond.core.store.threads import is_thread
from sessiond.v1 import event_pb2
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

MAX_BATCH = 500
PREVIEWS_CHANNEL = "sessiond_previews"
# Previews waiting to be relayed; more are dropped (the final event follows).
MAX_RELAY_QUEUE = 4096
# A notification's payload must stay under PostgreSQL's 8000 bytes.
MAX_PAYLOAD = 7900


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
        # Sessions whose announced events are being delivered.
        self._busy: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._conn: Any = None
        self._tag = secrets.token_hex(6)
        self._relay: deque[str] = deque()
        self._relay_wake = asyncio.Event()

    async def start(self) -> None:
        await self._connect()
        self._tasks = [
            asyncio.create_task(self._deliver_forever(), name="listener deliver"),
            asyncio.create_task(self._watch_forever(), name="listener watch"),
            asyncio.create_task(self._relay_forever(), name="listener relay"),
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
        await conn.add_listener(PREVIEWS_CHANNEL, self._previewed)
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
        # Threads' events are not notified: streams of them on this replica
        # catch up by this poll.
        seqs = await self._store.last_seqs([s for s in served if not is_thread(s)])
        seqs.update(await self._store.thread_last_seqs([s for s in served if is_thread(s)]))
        for sid, last in seqs.items():
            if last > self._seen.get(sid, 0):
                self._announce(sid, last, last)

    # -------------------------------------------------------------- delivery

    def _notified(self, _conn: Any, pid: int, _channel: str, payload: str) -> None:
        try:
            sid, first, last = payload.split(" ")
            first_seq, last_seq = int(first), int(last)
        except ValueError:
            log.warning("ignored a malformed event notification")
            return
        if self._store.owns(pid):
            # This replica's own append was published and handed to its
            # runner when it committed: nothing to read. When it directly
            # follows what was handed on (nothing of another replica waits
            # before it; notifications come in commit order), the position
            # moves past it, so the poll has nothing to catch up on either.
            seen = self._seen.get(sid)
            if seen == first_seq - 1 and sid not in self._announced and sid not in self._busy:
                self._seen[sid] = last_seq
            return
        self._announce(sid, first_seq, last_seq)

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
            self._busy = set(announced)
            try:
                for sid, (first, last) in announced.items():
                    if sid not in served:
                        continue
                    try:
                        await self._deliver(sid, first, last)
                    except Exception:
                        log.exception("could not deliver events of %s", sid)
                        self._announce(sid, first, last)
                    finally:
                        self._busy.discard(sid)
            finally:
                self._busy = set()

    async def _deliver(self, session_id: str, first: int, last: int) -> None:
        seen = max(self._seen.get(session_id, 0), self._broker.published(session_id))
        if seen == 0:
            # Newly served: its streams read the earlier history themselves.
            seen = first - 1
        while seen < last:
            upto = min(last, seen + MAX_BATCH)
            if is_thread(session_id):
                events = await self._store.thread_events_between(session_id, seen + 1, upto)
            else:
                events = await self._store.events_between(session_id, seen + 1, upto)
            if not events:
                break
            seen = events[-1].sequence
            self._seen[session_id] = max(seen, self._seen.get(session_id, 0))
            self._broker.publish(session_id, events)
            self._on_events(session_id, events)

    # -------------------------------------------------------------- previews

    def relay_preview(
        self, session_id: str, event_type: str, item: event_pb2.StreamEventsResponse
    ) -> None:
        """Sends a preview to the other replicas' streams (never waits)."""
        body = base64.b64encode(item.SerializeToString()).decode()
        payload = f"{self._tag} {session_id} {event_type} {body}"
        if len(payload) > MAX_PAYLOAD or len(self._relay) >= MAX_RELAY_QUEUE:
            return
        self._relay.append(payload)
        self._relay_wake.set()

    async def _relay_forever(self) -> None:
        while True:
            await self._relay_wake.wait()
            self._relay_wake.clear()
            batch = list(self._relay)
            self._relay.clear()
            conn = self._conn
            if not batch or conn is None or conn.is_closed():
                continue
            try:
                # One round trip; notifications of one statement arrive in order.
                await conn.execute(
                    "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i)"
                    " ORDER BY i",
                    PREVIEWS_CHANNEL,
                    batch,
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
                log.warning("could not relay previews (%s)", e)

    def _previewed(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            tag, session_id, event_type, body = payload.split(" ", 3)
            if tag == self._tag or self._broker.subscriber_count(session_id) == 0:
                return
            item = event_pb2.StreamEventsResponse.FromString(base64.b64decode(body))
        except (ValueError, DecodeError):
            log.warning("ignored a malformed preview notification")
            return
        self._broker.publish_preview(session_id, event_type, item)
