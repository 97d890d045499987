"""The webhook outbox on SQLite and PostgreSQL: leased claims that two workers
(two replicas) never share, leases that run out, stale workers that cannot
overwrite, auto-disable; and the signature, backoff and SSRF rules."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sessiond.core import errors
from sessiond.core.services.webhooks import WebhookService, new_secret, payload
from sessiond.core.store.store import Store
from sessiond.core.store.webhooks import Outcome, WebhookStore
from sessiond.core.timeutil import now_us
from sessiond.core.vaultkeys import Keyring
from sessiond.core.webhookdelivery import DeliveryPolicy, sign
from sessiond.core.webhookguard import check_destination
from sessiond.v1 import webhook_pb2
from standardwebhooks import Webhook

from tests.blackbox.cluster import create_database, drop_database, pg_url

S = 1_000_000


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
        try:
            yield s
        finally:
            await s.close()
        return
    base = pg_url()
    if base is None:
        pytest.skip("no PostgreSQL (scripts/test.sh starts one)")
    url = await create_database(base)
    s = await Store.open(url)
    try:
        yield s
    finally:
        await s.close()
        await drop_database(url)


@pytest.fixture
def service(store: Store) -> WebhookService:
    return WebhookService(WebhookStore(store), Keyring(b"k" * 32), allow_private=True)


async def _hook(svc: WebhookService, ws: str = "w", types: tuple[str, ...] = ()) -> str:
    req = webhook_pb2.CreateWebhookRequest(url="http://127.0.0.1:9/x", event_types=types)
    return (await svc.create(req, ws=ws)).id


async def test_two_workers_never_hold_the_same_delivery(
    store: Store, service: WebhookService
) -> None:
    await _hook(service)
    outbox = WebhookStore(store)
    at = now_us()
    payloads = {f"wevt_{i}": "{}" for i in range(20)}
    assert await outbox.enqueue("w", "agent.created", payloads, at) == 20
    a, b = await asyncio.gather(
        outbox.claim("a", at, 60 * S, 15), outbox.claim("b", at, 60 * S, 15)
    )
    ids_a, ids_b = {c.id for c in a}, {c.id for c in b}
    assert not ids_a & ids_b
    assert len(ids_a | ids_b) == 20
    # Nothing is due while the leases hold; all of it once they ran out.
    assert await outbox.claim("c", at + S, 60 * S, 50) == []
    assert len(await outbox.claim("c", at + 61 * S, 60 * S, 50)) == 20


async def test_a_stale_worker_cannot_record_an_attempt(
    store: Store, service: WebhookService
) -> None:
    await _hook(service)
    outbox = WebhookStore(store)
    at = now_us()
    await outbox.enqueue("w", "agent.created", {"wevt_1": "{}"}, at)
    (old,) = await outbox.claim("old", at, S, 1)
    (new,) = await outbox.claim("new", at + 2 * S, 60 * S, 1)
    assert old.id == new.id
    await outbox.finish(old, "old", Outcome(True, 200, "", None), at + 3 * S, 5)
    await outbox.finish(new, "new", Outcome(False, 500, "HTTP 500", at + 9 * S), at + 3 * S, 5)
    (d,), _ = await outbox.list_deliveries(new.webhook_id, 10, None, ws="w")
    assert d.status == "pending" and d.attempts == 1 and d.last_status_code == 500


async def test_failures_in_a_row_disable_the_webhook_and_events_filter_by_type(
    store: Store, service: WebhookService
) -> None:
    hook_id = await _hook(service, types=("agent.created",))
    outbox = WebhookStore(store)
    at = now_us()
    assert await outbox.enqueue("w", "session.created", {"wevt_0": "{}"}, at) == 0
    assert await outbox.enqueue("other", "agent.created", {"wevt_0": "{}"}, at) == 0
    await outbox.enqueue("w", "agent.created", {"wevt_1": "{}", "wevt_2": "{}"}, at)
    disabled = []
    for n in range(3):
        for c in await outbox.claim("me", at + n, S, 10):
            fail = Outcome(False, 500, "HTTP 500", at + n + 1)
            disabled.append(await outbox.finish(c, "me", fail, at + n, 3))
    assert disabled.count(True) == 1
    hook = await service.get(hook_id, ws="w")
    assert hook.status == "disabled" and hook.disabled_reason == "consecutive_failures"
    # A disabled webhook's deliveries wait; enabling it resets the count.
    assert await outbox.claim("me", at + 10 * S, S, 10) == []
    upd = webhook_pb2.UpdateWebhookRequest(webhook_id=hook_id, status="enabled")
    assert (await service.update(upd, ws="w")).consecutive_failures == 0
    assert len(await outbox.claim("me", at + 10 * S, S, 10)) == 2


async def test_the_secret_is_sealed_and_never_read_back(
    store: Store, service: WebhookService
) -> None:
    req = webhook_pb2.CreateWebhookRequest(url="http://127.0.0.1:9/x")
    created = await service.create(req, ws="w")
    assert created.secret.startswith("whsec_")
    assert not (await service.get(created.id, ws="w")).HasField("secret")
    with pytest.raises(errors.NotFound):
        await service.get(created.id, ws="someone-else")
    rotated = await service.rotate(created.id, ws="w")
    assert rotated.secret != created.secret
    assert not (await service.get(created.id, ws="w")).HasField("secret")


def test_the_signature_verifies_with_standard_webhooks() -> None:
    secret = new_secret()
    body = payload("wevt_1", "agent.created", "w", {"id": "agent_1"}, now_us())
    ts = now_us() // S
    headers = {
        "webhook-id": "wevt_1",
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, "wevt_1", ts, body),
    }
    assert Webhook(secret).verify(body, headers)["data"]["id"] == "agent_1"
    assert json.loads(body)["data"]["organization_id"]


def test_backoff_grows_with_bounded_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    p = DeliveryPolicy()
    waits = [p.next_wait(n, rand=lambda: 0.5) for n in range(1, 12)]
    assert waits == sorted(waits) and waits[-1] == p.schedule[-1]
    assert p.next_wait(1, rand=lambda: 0.0) == pytest.approx(p.schedule[0] * (1 - p.jitter))
    assert p.next_wait(1, rand=lambda: 1.0) == pytest.approx(p.schedule[0] * (1 + p.jitter))
    monkeypatch.setenv("SESSIOND_WEBHOOK_BACKOFF", "0.1,0.3")
    fast = DeliveryPolicy.from_env()
    assert [fast.next_wait(n) for n in (1, 2, 3)] == [0.1, 0.3, 0.3]
    assert not fast.allow_private and DeliveryPolicy.from_env(True).allow_private


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://[::1]/x",
        "http://10.0.0.8/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://localhost/x",
    ],
)
async def test_private_and_local_destinations_are_refused(url: str) -> None:
    with pytest.raises(errors.InvalidArgument, match="webhook-allow-private"):
        await check_destination(url, allow_private=False)
    await check_destination(url, allow_private=True)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "http:///x", "http://u:p@example.com/x", "not a url"]
)
async def test_malformed_destinations_are_refused(url: str) -> None:
    with pytest.raises(errors.InvalidArgument, match="url"):
        await check_destination(url, allow_private=True)
