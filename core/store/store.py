"""The store: all SQL of sessiond, SQLAlchemy 2 Core on SQLite or PostgreSQL.

``Store`` gathers the parts, one module per concern:

- ``engine``: the URL check and one backend per database (transactions,
  the append's statements, fast reads, migrations);
- ``sql``: the hot statements, built once from ``schema``;
- ``resources``: agents, environments and sessions;
- ``events``: fenced appends and the reads of events;
- ``leases``: turn leases;
- ``vaults``: vaults and their sealed credentials;
- ``work``: the work queue of self-hosted environments;
- ``rows``: rows to messages;
- ``types``: what callers pass and get back (re-exported here).
"""

from __future__ import annotations

from sessiond.core.store.engine import UnsupportedDatabase, open_backend
from sessiond.core.store.events import EventStore
from sessiond.core.store.leases import LeaseStore
from sessiond.core.store.resources import AgentStore, EnvironmentStore, SessionStore
from sessiond.core.store.threads import ThreadStore
from sessiond.core.store.types import (
    EVENTS_CHANNEL,
    STATUS_NAMES,
    STATUS_VALUES,
    Append,
    LeaseLost,
    NewEvent,
    Page,
    RunningLimit,
    UsageDelta,
)
from sessiond.core.store.vaults import VaultStore
from sessiond.core.store.work import WorkStore

__all__ = [
    "EVENTS_CHANNEL",
    "STATUS_NAMES",
    "STATUS_VALUES",
    "Append",
    "LeaseLost",
    "NewEvent",
    "Page",
    "RunningLimit",
    "Store",
    "UnsupportedDatabase",
    "UsageDelta",
]


class Store(
    AgentStore,
    EnvironmentStore,
    SessionStore,
    EventStore,
    LeaseStore,
    VaultStore,
    WorkStore,
    ThreadStore,
):
    @classmethod
    async def open(cls, url: str) -> Store:
        """Opens and migrates the database of a ``sqlite+aiosqlite://`` or
        ``postgresql+asyncpg://`` URL; any other is :class:`UnsupportedDatabase`."""
        return cls(await open_backend(url))

    async def close(self) -> None:
        await self._db.close()
