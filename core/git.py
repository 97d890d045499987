"""Cloning a repository for a session: git as an asyncio subprocess, the token
given to git through its environment (an ``http.extraHeader``), never argv."""

from __future__ import annotations

import asyncio
import base64
import os
import tempfile
from pathlib import Path

from sessiond.core import errors

GITHUB = "https://github.com/"
CLONE_TIMEOUT = 300.0


def remote_url(url: str, github_base: str) -> str:
    """The URL git fetches: ``https://github.com/…`` on ``github_base`` when one is
    set (``SESSIOND_GITHUB_BASE_URL``, for tests and mirrors)."""
    if github_base and url.startswith(GITHUB):
        return github_base.rstrip("/") + "/" + url[len(GITHUB) :]
    return url


def _env(token: str | None, home: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": home,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LANG": "C",
    }
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env |= {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        }
    return env


async def _git(args: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    proc = await asyncio.create_subprocess_exec(
        "git",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), CLONE_TIMEOUT)
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise errors.FailedPrecondition(_reason(text))
    return text


def _reason(output: str) -> str:
    lowered = output.lower()
    if "authentication failed" in lowered or "403" in lowered or "401" in lowered:
        return "Cloning the repository failed: the authorization_token was refused."
    if "not found" in lowered or "404" in lowered:
        return "Cloning the repository failed: the repository was not found."
    if "did not match" in lowered or "reference is not a tree" in lowered:
        return "Cloning the repository failed: the checkout names no branch or commit of it."
    return "Cloning the repository failed."


async def clone(
    url: str, dest: Path, token: str | None, *, branch: str = "", commit: str = ""
) -> None:
    """Clones ``url`` into ``dest`` at ``branch`` or ``commit`` (default branch else)."""
    with tempfile.TemporaryDirectory(prefix="sessiond-git-") as home:
        env = _env(token, home)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if commit:
            await _git(["clone", "--no-checkout", "--quiet", "--", url, str(dest)], env)
            await _git(["checkout", "--quiet", "--detach", commit], env, cwd=dest)
        elif branch:
            await _git(
                ["clone", "--quiet", "--depth", "1", "--branch", branch, "--", url, str(dest)], env
            )
        else:
            await _git(["clone", "--quiet", "--depth", "1", "--", url, str(dest)], env)
