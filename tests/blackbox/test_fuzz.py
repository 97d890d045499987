"""Fuzzes every route of /openapi.json against a live `sessiond serve` with
schemathesis: no 5xx and no hang, within a bounded number of cases and time.

The SSE route is left out (a stream that opened stays open by design); the
stream is covered by the SSE and resume suites.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .helpers import Server, start_server

KEY = "sk-fuzz-blackbox-41c0"
MAX_SECONDS = 75


@pytest.fixture(scope="module")
async def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    base = tmp_path_factory.mktemp("fuzz")
    srv = await start_server(base / "data", api_key=KEY, log_dir=base / "logs")
    try:
        yield srv
    finally:
        assert await srv.stop() == 0, srv.describe()


async def test_fuzzing_every_route_finds_no_server_error_and_no_hang(
    fuzz_server: Server, tmp_path: Path
) -> None:
    st = Path(sys.executable).parent / "schemathesis"
    proc = await asyncio.create_subprocess_exec(
        str(st), "run", f"{fuzz_server.base_url}/openapi.json",
        "--header", f"x-api-key: {KEY}",
        "--header", "anthropic-beta: managed-agents-2026-04-01",
        "--checks", "not_a_server_error",
        "--max-examples", "6",
        "--max-time", str(MAX_SECONDS),
        "--request-timeout", "10",
        "--max-response-time", "10",
        "--seed", "14",
        "--no-shrink",
        "--exclude-path-regex", "/stream$",
        "--report-dir", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(tmp_path)},
        cwd=str(tmp_path),  # schemathesis keeps a cache in its working directory
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), MAX_SECONDS + 60)
    text = out.decode(errors="replace")
    counts = re.search(r"(\d+) generated, (\d+) passed", text)
    print(counts.group(0) if counts else text[-2000:])
    assert proc.returncode == 0, text[-6000:]
    assert counts is not None, text[-3000:]
    generated, passed = int(counts.group(1)), int(counts.group(2))
    assert generated >= 100 and passed == generated, counts.group(0)
    tested = re.search(r"Tested: (\d+)", text)
    assert tested is not None and int(tested.group(1)) >= 19, text[-3000:]
    assert "unhandled error" not in fuzz_server.stderr_path.read_text()
