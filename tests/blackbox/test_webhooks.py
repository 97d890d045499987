"""Webhooks (an extension: ``/v1/webhooks``), through a real ``sessiond serve``
and a real receiver on 127.0.0.1: payloads verified by the SDK's
``client.beta.webhooks.unwrap`` (Standard Webhooks), retries with the same
``webhook-id``, an outbox that survives a restart, auto-disable, the SSRF
guard, and secrets shown once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from anthropic import AsyncAnthropic
from anthropic.types.beta import BetaWebhookEvent
from standardwebhooks import WebhookVerificationError

from tests.blackbox.helpers import (
    Server,
    assert_error,
    free_ports,
    start_server,
    user_message,
)

KEY = "sk-webhooks-test-0123456789"
# Test-only settings (core/webhookdelivery.py): retry after 0.2 s, disable after 3 failures.
FAST = {"SESSIOND_WEBHOOK_BACKOFF": "0.2", "SESSIOND_WEBHOOK_DISABLE_AFTER": "3"}
WAIT = 20.0


@dataclass
class Received:
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """An HTTP endpoint that answers each POST with the next scripted status
    (then 200), and queues what it got."""

    statuses: list[int] = field(default_factory=list)
    got: asyncio.Queue[Received] = field(default_factory=asyncio.Queue)
    runner: web.AppRunner | None = None
    url: str = ""

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        await self.got.put(Received({k.lower(): v for k, v in request.headers.items()}, body))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok")

    async def start(self, port: int = 0) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        await site.start()
        bound = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{bound}/hook"
        return self

    async def next(self, within: float = WAIT) -> Received:
        return await asyncio.wait_for(self.got.get(), within)

    async def next_of(self, event_type: str, within: float = WAIT) -> Received:
        deadline = time.monotonic() + within
        while True:
            r = await self.next(max(0.1, deadline - time.monotonic()))
            if json.loads(r.body)["data"]["type"] == event_type:
                return r

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    try:
        yield r
    finally:
        await r.close()


@pytest.fixture(scope="module")
async def hook_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    base = tmp_path_factory.mktemp("webhooks")
    srv = await start_server(
        base / "data",
        api_key=KEY,
        log_dir=base / "logs",
        env=FAST,
        args=["--webhook-allow-private"],
    )
    try:
        yield srv
    finally:
        rc = await srv.stop()
        assert rc == 0, srv.describe()


@pytest.fixture
async def hc(hook_server: Server) -> AsyncIterator[AsyncAnthropic]:
    async with hook_server.client() as c:
        yield c


async def create_hook(srv: Server, url: str, types: list[str]) -> dict[str, Any]:
    async with srv.http() as h:
        resp = await h.post("/v1/webhooks", json={"url": url, "event_types": types})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def get_hook(srv: Server, hook_id: str) -> dict[str, Any]:
    async with srv.http() as h:
        resp = await h.get(f"/v1/webhooks/{hook_id}")
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def delete_hook(srv: Server, hook_id: str) -> None:
    async with srv.http() as h:
        resp = await h.delete(f"/v1/webhooks/{hook_id}")
    assert resp.status_code == 200, resp.text


def verified(client: AsyncAnthropic, r: Received, secret: str) -> BetaWebhookEvent:
    event = client.beta.webhooks.unwrap(r.body, headers=r.headers, key=secret)
    assert isinstance(event, BetaWebhookEvent)
    # Strictly the SDK's type, not just what construct_type let through.
    BetaWebhookEvent.model_validate(json.loads(r.body), strict=False)
    return event


async def test_event_is_verified_with_the_sdk_unwrap(
    hook_server: Server, hc: AsyncAnthropic, receiver: Receiver
) -> None:
    types = ["agent.created", "session.created", "session.status_idled"]
    hook = await create_hook(hook_server, receiver.url, types)
    secret = hook["secret"]
    try:
        assert hook["type"] == "webhook" and hook["id"].startswith("whep_")
        assert secret.startswith("whsec_") and hook["status"] == "enabled"
        assert hook["event_types"] == types

        agent = await hc.beta.agents.create(name="hooked", model="claude-sonnet-4-5")
        got = await receiver.next_of("agent.created")
        event = verified(hc, got, secret)
        assert event.type == "event" and event.id == got.headers["webhook-id"]
        assert event.data.type == "agent.created" and event.data.id == agent.id
        assert event.data.workspace_id == "default"

        # A changed body fails verification.
        with pytest.raises(WebhookVerificationError):
            hc.beta.webhooks.unwrap(
                got.body.replace(agent.id, "agent_x"), headers=got.headers, key=secret
            )

        env = await hc.beta.environments.create(name="hooked-env")
        session = await hc.beta.sessions.create(agent=agent.id, environment_id=env.id)
        created = verified(hc, await receiver.next_of("session.created"), secret)
        assert created.data.type == "session.created" and created.data.id == session.id
        await hc.beta.sessions.events.send(session.id, events=[user_message("hello")])
        idled = verified(hc, await receiver.next_of("session.status_idled"), secret)
        assert idled.data.type == "session.status_idled" and idled.data.id == session.id

        # The secret is shown once: never in retrieve or list.
        again = await get_hook(hook_server, hook["id"])
        assert "secret" not in again and secret not in json.dumps(again)
        async with hook_server.http() as h:
            listed = (await h.get("/v1/webhooks")).json()
            deliveries = (await h.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()
        assert any(w["id"] == hook["id"] for w in listed["data"])
        assert secret not in json.dumps(listed)
        assert {d["event_type"] for d in deliveries["data"]} >= set(types)
        assert secret not in hook_server.all_output()
        assert secret.removeprefix("whsec_") not in hook_server.all_output()
    finally:
        await delete_hook(hook_server, hook["id"])


async def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    hook_server: Server, hc: AsyncAnthropic
) -> None:
    receiver = await Receiver(statuses=[500, 500]).start()
    hook = await create_hook(hook_server, receiver.url, ["agent.created"])
    try:
        agent = await hc.beta.agents.create(name="retried", model="claude-sonnet-4-5")
        attempts = [await receiver.next() for _ in range(3)]
        assert len({a.headers["webhook-id"] for a in attempts}) == 1
        assert len({a.body for a in attempts}) == 1
        event = verified(hc, attempts[2], hook["secret"])
        assert event.data.id == agent.id

        # The delivery is recorded as delivered on the third attempt.
        deadline = time.monotonic() + WAIT
        while True:
            async with hook_server.http() as h:
                page = (await h.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()
            d = page["data"][0]
            if d["status"] == "delivered" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert d["status"] == "delivered" and d["attempts"] == 3, d
        assert d["event_id"] == attempts[0].headers["webhook-id"]
        assert (await get_hook(hook_server, hook["id"]))["consecutive_failures"] == 0
    finally:
        await delete_hook(hook_server, hook["id"])
        await receiver.close()


async def test_a_webhook_that_keeps_failing_is_disabled(
    hook_server: Server, hc: AsyncAnthropic
) -> None:
    receiver = await Receiver(statuses=[500] * 50).start()
    hook = await create_hook(hook_server, receiver.url, ["agent.created"])
    try:
        await hc.beta.agents.create(name="failing", model="claude-sonnet-4-5")
        for _ in range(3):
            await receiver.next()
        deadline = time.monotonic() + WAIT
        while True:
            state = await get_hook(hook_server, hook["id"])
            if state["status"] == "disabled" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert state["status"] == "disabled", state
        assert state["disabled_reason"] == "consecutive_failures"
        assert state["consecutive_failures"] >= 3

        # Enabling it again resets the count, and the waiting delivery goes on.
        receiver.statuses.clear()
        async with hook_server.http() as h:
            resp = await h.post(f"/v1/webhooks/{hook['id']}", json={"status": "enabled"})
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "enabled" and resp.json()["disabled_reason"] is None
        got = await receiver.next()
        verified(hc, got, hook["secret"])
    finally:
        await delete_hook(hook_server, hook["id"])
        await receiver.close()


async def test_the_outbox_survives_a_restart(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    url = f"http://127.0.0.1:{port}/hook"  # nothing listens there yet
    env = {"SESSIOND_WEBHOOK_BACKOFF": "0.5"}
    args = ["--webhook-allow-private"]
    data = tmp_path / "data"
    srv = await start_server(data, api_key=KEY, log_dir=tmp_path / "logs", env=env, args=args)
    try:
        hook = await create_hook(srv, url, ["agent.created"])
        async with srv.client() as c:
            agent = await c.beta.agents.create(name="durable", model="claude-sonnet-4-5")
        # At least one attempt failed before the stop.
        deadline = time.monotonic() + WAIT
        while True:
            async with srv.http() as h:
                page = (await h.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()
            if (page["data"] and page["data"][0]["attempts"] >= 1) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert page["data"][0]["status"] == "pending", page
        assert page["data"][0]["last_error"], page
    finally:
        assert await srv.stop() == 0, srv.describe()

    receiver = await Receiver().start(port)
    srv = await start_server(data, api_key=KEY, log_dir=tmp_path / "logs", env=env, args=args)
    try:
        got = await receiver.next()
        async with srv.client() as c:
            event = verified(c, got, hook["secret"])
        assert event.data.type == "agent.created" and event.data.id == agent.id
        assert got.headers["webhook-id"] == page["data"][0]["event_id"]
    finally:
        assert await srv.stop() == 0, srv.describe()
        await receiver.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest",
        "http://[::1]:9/hook",
    ],
)
async def test_a_private_destination_is_refused_without_the_allow_flag(
    server: Server, url: str
) -> None:
    async with server.http() as h:
        resp = await h.post("/v1/webhooks", json={"url": url})
    body = assert_error(resp, 400, "invalid_request_error")
    assert "webhook-allow-private" in body["error"]["message"]


async def test_bad_webhook_input_is_a_clear_400(hook_server: Server) -> None:
    async with hook_server.http() as h:
        for payload in (
            {},
            {"url": "ftp://example.com/x"},
            {"url": "http://127.0.0.1:9/x", "event_types": ["nope.created"]},
            {"url": "http://127.0.0.1:9/x", "event_types": "agent.created"},
            {"url": "http://127.0.0.1:9/x", "bogus": 1},
        ):
            assert_error(await h.post("/v1/webhooks", json=payload), 400, "invalid_request_error")
        assert_error(await h.get("/v1/webhooks/whep_missing"), 404, "not_found_error")


async def test_webhooks_are_scoped_to_the_workspace(tmp_path: Path, receiver: Receiver) -> None:
    srv = await start_server(
        tmp_path / "data",
        api_key=None,
        log_dir=tmp_path / "logs",
        args=["--api-key", f"a={KEY}", "--api-key", "b=sk-webhooks-other-0123456789",
              "--webhook-allow-private"],
    )  # fmt: skip
    try:
        srv.key = KEY
        hook = await create_hook(srv, receiver.url, [])
        async with srv.http(api_key="sk-webhooks-other-0123456789") as other:
            assert_error(await other.get(f"/v1/webhooks/{hook['id']}"), 404, "not_found_error")
            assert (await other.get("/v1/webhooks")).json()["data"] == []
            await other.post("/v1/agents", json={"name": "b", "model": "claude-sonnet-4-5"})
        async with srv.client() as c:
            agent = await c.beta.agents.create(name="a", model="claude-sonnet-4-5")
            got = verified(c, await receiver.next_of("agent.created"), hook["secret"])
        # Only workspace a's agent reached a's webhook.
        assert got.data.id == agent.id and got.data.workspace_id == "a"
    finally:
        assert await srv.stop() == 0, srv.describe()


async def test_the_cli_manages_webhooks_of_a_running_server(
    tmp_path: Path, receiver: Receiver
) -> None:
    from tests.blackbox.test_keys import sessiond

    data = tmp_path / "data"
    srv = await start_server(
        data, api_key=KEY, log_dir=tmp_path / "logs", args=["--webhook-allow-private"]
    )
    try:
        rc, out, err = await sessiond(
            data, "webhooks", "create", receiver.url, "--event-type", "agent.created",
            "--webhook-allow-private",
        )  # fmt: skip
        assert rc == 0, err
        hook_id, secret = out.split()
        assert hook_id.startswith("whep_") and secret.startswith("whsec_")
        assert "shown only now" in err

        async with srv.client() as c:
            agent = await c.beta.agents.create(name="cli", model="claude-sonnet-4-5")
            event = verified(c, await receiver.next(), secret)
        assert event.data.id == agent.id

        rc, listing, err = await sessiond(data, "webhooks", "list")
        assert rc == 0, err
        assert hook_id in listing and "agent.created" in listing and secret not in listing
        rc, out, err = await sessiond(data, "webhooks", "disable", hook_id)
        assert rc == 0 and "disabled" in out, err
        rc, out, err = await sessiond(data, "webhooks", "deliveries", hook_id)
        assert rc == 0 and "agent.created" in out, err
        rc, _, err = await sessiond(data, "webhooks", "delete", hook_id)
        assert rc == 0, err
        rc, listing, _ = await sessiond(data, "webhooks", "list")
        assert hook_id not in listing
        rc, _, err = await sessiond(data, "webhooks", "delete", hook_id)
        assert rc == 1 and "No webhook" in err
        rc, _, err = await sessiond(data, "webhooks", "create", "http://127.0.0.1:9/x")
        assert rc == 1 and "webhook-allow-private" in err
    finally:
        assert await srv.stop() == 0, srv.describe()


async def test_a_rotated_secret_signs_the_next_events(
    hook_server: Server, hc: AsyncAnthropic, receiver: Receiver
) -> None:
    hook = await create_hook(hook_server, receiver.url, ["agent.created"])
    try:
        async with hook_server.http() as h:
            resp = await h.post(f"/v1/webhooks/{hook['id']}/rotate_secret")
        assert resp.status_code == 200, resp.text
        new = resp.json()["secret"]
        assert new.startswith("whsec_") and new != hook["secret"]
        assert "secret" not in await get_hook(hook_server, hook["id"])
        await hc.beta.agents.create(name="rotated", model="claude-sonnet-4-5")
        got = await receiver.next()
        verified(hc, got, new)
        with pytest.raises(WebhookVerificationError):
            hc.beta.webhooks.unwrap(got.body, headers=got.headers, key=hook["secret"])
    finally:
        await delete_hook(hook_server, hook["id"])


async def test_deployment_events_are_delivered_and_verified(
    hook_server: Server, hc: AsyncAnthropic, receiver: Receiver
) -> None:
    types = [
        "deployment.created",
        "deployment.paused",
        "deployment_run.started",
        "deployment_run.succeeded",
    ]
    hook = await create_hook(hook_server, receiver.url, types)
    try:
        agent = await hc.beta.agents.create(name="deployed", model="claude-sonnet-4-5")
        env = await hc.beta.environments.create(name="deployed-env")
        deployment = await hc.beta.deployments.create(
            agent=agent.id,
            environment_id=env.id,
            name="hooked",
            initial_events=[user_message("from the deployment")],
        )
        created = verified(hc, await receiver.next_of("deployment.created"), hook["secret"])
        assert created.data.type == "deployment.created" and created.data.id == deployment.id

        run = await hc.beta.deployments.run(deployment.id)
        started = verified(hc, await receiver.next_of("deployment_run.started"), hook["secret"])
        assert started.data.type == "deployment_run.started" and started.data.id == run.id
        done = verified(hc, await receiver.next_of("deployment_run.succeeded"), hook["secret"])
        assert done.data.type == "deployment_run.succeeded" and done.data.id == run.id

        await hc.beta.deployments.pause(deployment.id)
        paused = verified(hc, await receiver.next_of("deployment.paused"), hook["secret"])
        assert paused.data.type == "deployment.paused" and paused.data.id == deployment.id
    finally:
        await delete_hook(hook_server, hook["id"])
