"""The `sessiond` command explains itself: --version, help with defaults and
environment names, one-line errors, and one server per SQLite data dir."""

from __future__ import annotations

import asyncio
import re
import socket
import sys
from pathlib import Path

import pytest

from .helpers import ROOT, start_server

KEY = "sk-cli-blackbox-7c1e"


async def sessiond(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sessiond.cli.main", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(ROOT),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def one_line_error(rc: int, err: str) -> str:
    assert rc != 0
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("sessiond")]
    assert len(lines) == 1, err
    return lines[0]


async def test_version() -> None:
    rc, out, _ = await sessiond("--version")
    assert rc == 0
    assert re.fullmatch(r"sessiond \d+\.\d+\.\d+\S*\n", out), out


@pytest.mark.parametrize("command", ["serve", "core", "edge"])
async def test_every_flag_has_help_with_default_and_environment(command: str) -> None:
    rc, out, _ = await sessiond(command, "--help")
    assert rc == 0
    flags = set(re.findall(r"^  (--[a-z-]+)", out, re.M))
    assert flags, out
    text = " ".join(out.split("options:", 1)[1].split())
    for flag in flags:
        # Each flag's help (up to the next flag) names a default and an env variable.
        part = text.split(flag, 1)[1].split(" --", 1)[0]
        assert "default:" in part and "env SESSIOND_" in part, (flag, part)


async def test_bad_address_is_one_line(tmp_path: Path) -> None:
    rc, _, err = await sessiond("serve", "--http", "127.0.0.1:99999", "--data-dir", str(tmp_path))
    assert "99999" in one_line_error(rc, err)
    assert not (tmp_path / "api_key").exists()  # refused before anything started


async def test_unsupported_database_is_one_line(tmp_path: Path) -> None:
    rc, _, err = await sessiond(
        "serve", "--db", "mysql://u:secret@h/db", "--data-dir", str(tmp_path)
    )
    line = one_line_error(rc, err)
    assert "unsupported database" in line and "postgresql+asyncpg" in line
    assert "secret" not in err


async def test_busy_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        rc, _, err = await sessiond(
            "serve", "--http", f"127.0.0.1:{port}", "--grpc", "127.0.0.1:0",
            "--data-dir", str(tmp_path), "--api-key", KEY,
        )  # fmt: skip
    assert "already in use" in one_line_error(rc, err)


async def test_second_server_on_one_data_dir_refuses_to_start(tmp_path: Path) -> None:
    first = await start_server(tmp_path / "data", api_key=KEY, log_dir=tmp_path / "logs")
    try:
        rc, _, err = await sessiond(
            "serve", "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0",
            "--data-dir", str(tmp_path / "data"), "--api-key", KEY,
        )  # fmt: skip
        line = one_line_error(rc, err)
        assert "in use by a running sessiond" in line and str(first.proc.pid) in line
    finally:
        assert await first.stop() == 0
    # Once the first has stopped, the data dir is free again.
    again = await start_server(tmp_path / "data", api_key=KEY, log_dir=tmp_path / "logs")
    assert await again.stop() == 0
