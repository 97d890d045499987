"""The web console in a real headless Chromium, against a real `sessiond serve`.

Chromium is Debian's (scripts/setup.sh installs it); Playwright for Python drives
it with that executable (it never downloads a browser). Screenshots go to the
test's temp dir, or to $SESSIOND_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import Server, start_server

CHROMIUM = "/usr/bin/chromium"
KEY = "sk-console-blackbox-2b7e4c"
DEADLINE_MS = 15_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
async def console_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    base = tmp_path_factory.mktemp("console")
    srv = await start_server(base / "data", api_key=KEY, log_dir=base / "logs")
    try:
        yield srv
    finally:
        assert await srv.stop() == 0, srv.describe()


@pytest.fixture
async def page(console_server: Server) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            pg = await context.new_page()
            pg.set_default_timeout(DEADLINE_MS)
            yield pg
        finally:
            await browser.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SESSIOND_SCREENSHOTS") or tmp_path / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


async def snap(page: Any, shots: Path, name: str) -> Path:
    path = shots / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000, f"{path}: no real picture"
    return path


async def setup_session(srv: Server) -> tuple[str, str]:
    """An agent whose built-in tools ask first, with a custom tool; its session."""
    async with srv.client() as c:
        agent = await c.beta.agents.create(
            name="console-helper",
            model="claude-sonnet-4-5",
            tools=[
                {
                    "type": "agent_toolset_20260401",
                    "default_config": {"permission_policy": {"type": "always_ask"}},
                },
                {
                    "type": "custom",
                    "name": "lookup",
                    "description": "Looks a query up in the caller's catalogue.",
                    "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
                },
            ],
        )
        env = await c.beta.environments.create(name="console-env")
        session = await c.beta.sessions.create(agent=agent.id, environment_id=env.id)
        return agent.id, session.id


async def send(page: Any, text: str) -> None:
    await page.fill("#message", text)
    await page.click("#send")


async def test_console_signs_in_lists_and_runs_a_live_session(
    console_server: Server, page: Any, shots: Path
) -> None:
    srv = console_server
    agent_id, session_id = await setup_session(srv)

    # The page and its files need no key; a wrong key is refused with a message.
    await page.goto(srv.base_url + "/console/")
    await page.wait_for_selector("#signin:not([hidden])")
    await snap(page, shots, "01-signin")
    await page.fill("#key", "not-a-key")
    await page.click("#signin-form button")
    await page.wait_for_selector("#signin-error:not([hidden])")
    assert "not accepted" in await page.inner_text("#signin-error")

    await page.fill("#key", KEY)
    await page.click("#signin-form button")
    sessions = page.locator("table[data-list=sessions]")
    await sessions.get_by_text(session_id).wait_for()
    assert "console-helper" in await sessions.inner_text()
    await snap(page, shots, "02-sessions")

    await page.click("[data-nav=agents]")
    agents = page.locator("table[data-list=agents]")
    await agents.get_by_text(agent_id).wait_for()
    assert "console-helper" in await agents.inner_text()
    await page.click("[data-nav=environments]")
    await page.locator("table[data-list=environments]").get_by_text("console-env").wait_for()
    await snap(page, shots, "03-environments")

    # A session page: a live turn arrives over the stream.
    await page.click("[data-nav=sessions]")
    await sessions.get_by_text(session_id).click()
    await page.wait_for_selector("#conn.live")
    await send(page, "hello from the console")
    agent_msg = page.locator(".ev.agent").filter(has_text="hello from the console")
    await agent_msg.wait_for()
    await page.locator(".span").filter(has_text="out tokens").first.wait_for()
    await page.locator("#status .badge.idle").wait_for()
    assert await page.locator(".ev.user").filter(has_text="hello from the console").count() == 1

    # A built-in tool under always_ask waits for approval; approving runs it.
    await send(page, '/think planning a shell call\n/tool bash {"command": "echo approved-run"}')
    approve = page.locator("[data-do=approve]")
    await approve.wait_for()
    await page.locator(".ev.thinking").first.wait_for()
    await snap(page, shots, "04-confirmation")
    await approve.click()
    await page.locator(".ev.result").filter(has_text="approved-run").wait_for()
    await page.locator(".marker").filter(has_text="Approved bash").wait_for()
    await page.locator("#status .badge.idle").wait_for()

    # A custom tool call is answered from the page.
    await send(page, '/tool lookup {"q": "catalogue"}')
    result_box = page.locator("textarea[data-result]")
    await result_box.wait_for()
    await result_box.fill("42 items")
    await page.click("[data-do=custom-result]")
    await page.locator(".ev.agent").filter(has_text="42 items").wait_for()

    # A long turn is interrupted from the page.
    await send(page, "/sleep 30\n/say never said")
    await page.locator("#status .badge.running").wait_for()
    await page.click("#interrupt")
    await page.locator(".marker").filter(has_text="Interrupted").wait_for()
    await page.locator("#status .badge.idle").wait_for()
    await snap(page, shots, "05-session")
    assert await page.locator(".ev.agent").filter(has_text="never said").count() == 0

    # Reloading replays the history once: no event is shown twice.
    await page.reload()
    await page.wait_for_selector("#conn.live")
    await agent_msg.wait_for()
    ids = await page.locator("#timeline [data-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.id)"
    )
    assert ids and len(ids) == len(set(ids)), ids
    usage = await page.inner_text("#usage")
    assert "input tokens" in usage and "output tokens" in usage

    # The page follows the system's dark preference.
    light_bg = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    await page.emulate_media(color_scheme="dark")
    dark_bg = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light_bg != dark_bg
    await snap(page, shots, "06-session-dark")
