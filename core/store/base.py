"""What every part of the store shares: the backend, and keyset pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sessiond.core.store.engine import Backend
from sessiond.core.store.types import Page
from sqlalchemy import and_, or_
from sqlalchemy.engine import Connection, Row

R = TypeVar("R")


class StoreBase:
    """Every statement of a method runs in one unit of work of the backend."""

    def __init__(self, backend: Backend) -> None:
        self._db = backend
        self.shared = backend.shared

    def owns(self, server_pid: int) -> bool:
        """Whether a database server process serves this store (a notification
        it sent reports this process's own write)."""
        return self._db.owns(server_pid)

    async def _tx(self, work: Callable[[Connection], R], *, write: bool) -> R:
        return await self._db.tx(work, write=write)

    async def _keyset(
        self,
        query: Any,
        conds: list[Any],
        key: tuple[Any, ...],
        descending: bool,
        limit: int,
        page: Page | None,
    ) -> tuple[list[Row[Any]], bool]:
        """One page in key order; ``more`` says whether rows remain beyond it."""
        if page is not None:
            descending = descending != page.backward
            conds = [*conds, _after(key, page.key, descending)]
        order = [k.desc() if descending else k.asc() for k in key]
        stmt = query.where(and_(*conds)) if conds else query
        stmt = stmt.order_by(*order).limit(limit + 1)
        rows = await self._tx(lambda conn: list(conn.execute(stmt)), write=False)
        more = len(rows) > limit
        rows = rows[:limit]
        if page is not None and page.backward:
            rows.reverse()
        return rows, more


def _after(key: tuple[Any, ...], values: tuple[Any, ...], descending: bool) -> Any:
    """Row-value comparison (key) > values, written portably."""
    clauses = []
    for i in range(len(key)):
        eqs = [key[j] == values[j] for j in range(i)]
        cmp = key[i] < values[i] if descending else key[i] > values[i]
        clauses.append(and_(*eqs, cmp))
    return or_(*clauses)


# Whose objects a call may see: a workspace name, or ``INTERNAL`` for the
# server's own work (the runtime, recovery), which sees every workspace. Every
# method a caller reaches takes it explicitly, and scopes its SQL with it.
Scope = str | None
INTERNAL: Scope = None


def in_scope(column: Any, ws: Scope) -> list[Any]:
    """The condition that keeps a query inside ``ws`` (none for INTERNAL)."""
    return [] if ws is None else [column == ws]


def time_range(
    col: Any, bounds: tuple[int | None, int | None, int | None, int | None]
) -> list[Any]:
    """Conditions for (gt, gte, lt, lte) bounds, the unset ones left out."""
    gt, gte, lt, lte = bounds
    out = []
    if gt is not None:
        out.append(col > gt)
    if gte is not None:
        out.append(col >= gte)
    if lt is not None:
        out.append(col < lt)
    if lte is not None:
        out.append(col <= lte)
    return out
