"""Caches bounded in bytes: the history cache keeps within its budget and
evicting never changes what a history reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sessiond.core import ids
from sessiond.core.bytecache import ByteLRU
from sessiond.core.eventlog import EventLog
from sessiond.core.fanout import Broker
from sessiond.core.store.store import NewEvent, Store
from sessiond.v1 import common_pb2, event_pb2, session_pb2


def test_least_recently_used_go_first_once_over_budget() -> None:
    cache: ByteLRU[str, str] = ByteLRU(100)
    cache.put("a", "A", 40)
    cache.put("b", "B", 40)
    assert cache.pop("a") == ("A", 40)
    cache.put("a", "A", 40)  # "b" is now the least recently used
    cache.put("c", "C", 40)
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.nbytes == 80
    cache.put("huge", "H", 101)  # larger than the budget: not kept
    assert "huge" not in cache and cache.nbytes == 80


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        yield s
    finally:
        await s.close()


async def _session(store: Store) -> str:
    sid = ids.new_id(ids.SESSION)
    await store.insert_session(
        session_pb2.Session(id=sid, environment_id="env", status=session_pb2.SESSION_STATUS_IDLE),
        ws="default",
    )
    return sid


def _message(text: str) -> NewEvent:
    block = common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text))
    payload = event_pb2.SessionEvent(agent_message=event_pb2.AgentMessageEvent(content=[block]))
    return NewEvent(ids.new_id(ids.EVENT), "agent.message", payload)


async def test_history_cache_stays_within_its_byte_budget(store: Store) -> None:
    budget = 40_000
    log = EventLog(store, Broker(), cache_bytes=budget)
    sessions = [await _session(store) for _ in range(6)]
    try:
        for round_ in range(10):
            for sid in sessions:
                await log.append(sid, [_message(f"{round_} " + "x" * 200)])
                history = await log.history(sid)
                assert len(history) == round_ + 1
                assert log._histories.nbytes <= budget
        # The budget holds a few sessions, never all six.
        assert 0 < len(log._histories) < len(sessions)
        for sid in sessions:
            assert [e.agent_message.content[0].text.text[:1] for e in await log.history(sid)] == [
                str(r) for r in range(10)
            ]
    finally:
        await log.drain()
