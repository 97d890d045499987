"""API keys: generated, stored hashed, looked up through a short cache.

**Hash.** A stored key is kept as its plain SHA-256 (hex), never the key. The
keys this module makes carry 256 random bits, so a leaked table gives nothing
to guess from: no dictionary applies, and a preimage of SHA-256 is out of
reach. A keyed hash (HMAC with a server secret) would add nothing against
that, and would need the same secret on every replica, a second thing to copy
and keep apart from the database. A slow password hash (scrypt, argon2) is for
low-entropy secrets and would cost milliseconds on every cache miss. Keys
given by flag, file or environment may be anything a user typed: they are
never stored, only held in this process's memory.

**Revocation.** A key's row is read again once its cache entry is older than
``ttl`` seconds (2 by default), so a key revoked on any replica, or by
``sessiond keys revoke``, stops working everywhere within that time.

**Last use.** Recorded in memory and written in one batch every
``flush_seconds`` (5 by default), never once per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sessiond.core.ids import new_id
from sessiond.core.store import schema
from sessiond.core.store.store import Store
from sessiond.core.timeutil import now_us
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

KEY_PREFIX: Final = "sk-sessiond-"
ID_PREFIX: Final = "apikey"
DEFAULT_WORKSPACE: Final = "default"
# Cached verdicts: a bound, so that random keys cannot fill memory.
MAX_CACHED: Final = 10_000


def new_key() -> str:
    """A new key: 256 random bits, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A stored key as ``keys list`` shows it (never the key itself)."""

    id: str
    name: str
    workspace: str
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


def _record(row: object) -> KeyRecord:
    m = row._mapping  # type: ignore[attr-defined]
    return KeyRecord(
        m["id"], m["name"], m["workspace"], m["created_at"], m["last_used_at"], m["revoked_at"]
    )


def valid_workspace(name: str) -> bool:
    return 0 < len(name) <= 64 and all(c.isalnum() or c in "-_." for c in name) and name.isascii()


async def create_key(store: Store, workspace: str, name: str = "", key: str | None = None) -> str:
    """Stores a key (a new one unless ``key`` is given) and returns it."""
    if not valid_workspace(workspace):
        raise ValueError(f"{workspace!r} is not a workspace name: use 1-64 of A-Z a-z 0-9 - _ .")
    key = key or new_key()
    row = {
        "id": new_id(ID_PREFIX),
        "name": name,
        "workspace": workspace,
        "hash": digest(key),
        "created_at": now_us(),
    }

    def work(conn: Connection) -> None:
        conn.execute(schema.api_keys.insert().values(**row))

    await store._tx(work, write=True)
    return key


async def list_keys(store: Store) -> list[KeyRecord]:
    def work(conn: Connection) -> list[KeyRecord]:
        t = schema.api_keys
        return [_record(r) for r in conn.execute(select(t).order_by(t.c.created_at, t.c.id))]

    return await store._tx(work, write=False)


async def revoke_key(store: Store, key_id: str) -> bool:
    """Revokes a key; False if there is no such key (or it was revoked before)."""

    def work(conn: Connection) -> bool:
        t = schema.api_keys
        done = conn.execute(
            update(t).where(t.c.id == key_id, t.c.revoked_at.is_(None)).values(revoked_at=now_us())
        )
        return bool(done.rowcount)

    return await store._tx(work, write=True)


async def has_active_keys(store: Store) -> bool:
    def work(conn: Connection) -> bool:
        t = schema.api_keys
        found = conn.execute(select(t.c.id).where(t.c.revoked_at.is_(None)).limit(1)).first()
        return found is not None

    return await store._tx(work, write=False)


class KeyRing:
    """Resolves a presented key to its workspace: keys held in memory first,
    then the key table through a cache of ``ttl`` seconds."""

    def __init__(
        self,
        store: Store | None,
        memory: Mapping[str, str] | None = None,
        *,
        ttl: float = 2.0,
        flush_seconds: float = 5.0,
    ) -> None:
        self._store = store
        # digest -> workspace; compared by digest, so lookups take no time that
        # depends on how much of a key matched.
        self._memory = {digest(k): w for k, w in (memory or {}).items()}
        self._ttl = ttl
        self._flush_seconds = flush_seconds
        # digest -> (key id or None when unknown/revoked, workspace, read at)
        self._cache: dict[str, tuple[str | None, str, float]] = {}
        self._used: dict[str, int] = {}
        self._flusher: asyncio.Task[None] | None = None

    async def resolve(self, key: str) -> str | None:
        """The workspace of ``key``, or None if it is not a valid key."""
        h = digest(key)
        workspace = self._memory.get(h)
        if workspace is not None:
            return workspace
        if self._store is None:
            return None
        now = time.monotonic()
        hit = self._cache.get(h)
        if hit is None or now - hit[2] > self._ttl:
            hit = await self._lookup(h, now)
        key_id, workspace, _ = hit
        if key_id is None:
            return None
        self._used[key_id] = now_us()
        return workspace

    async def _lookup(self, h: str, now: float) -> tuple[str | None, str, float]:
        assert self._store is not None

        def work(conn: Connection) -> tuple[str, str] | None:
            t = schema.api_keys
            row = conn.execute(
                select(t.c.id, t.c.workspace).where(t.c.hash == h, t.c.revoked_at.is_(None))
            ).first()
            return None if row is None else (row[0], row[1])

        found = await self._store._tx(work, write=False)
        entry = (found[0], found[1], now) if found else (None, "", now)
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[h] = entry
        return entry

    def start(self) -> None:
        if self._store is not None and self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_every())

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        await self.flush()

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            try:
                await self.flush()
            except Exception:
                log.warning("recording the last use of API keys failed", exc_info=True)

    async def flush(self) -> None:
        """Writes the last use of every key used since the last flush, in one transaction."""
        if not self._used or self._store is None:
            return
        used, self._used = self._used, {}

        def work(conn: Connection) -> None:
            t = schema.api_keys
            for key_id, at in used.items():
                conn.execute(update(t).where(t.c.id == key_id).values(last_used_at=at))

        await self._store._tx(work, write=True)
