"""Time to create a session with a 10 MB file and a small repository mounted,
beside a bare session create, in the same run against one `sessiond serve`
(SQLite, offline model) and a git http-backend on loopback.

Usage: .venv/bin/python bench/session_inputs.py [ROUNDS]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.blackbox.helpers import start_server  # noqa: E402
from tests.fixtures.git_server import make_repo, start_git_server  # noqa: E402

KEY = "sk-bench-inputs"
TOKEN = "ghp_bench_token"


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        make_repo(base / "git", "small", {f"src/f{i}.py": f"x = {i}\n" for i in range(50)})
        git = await start_git_server(base / "git", TOKEN)
        srv = await start_server(
            base / "data",
            api_key=KEY,
            log_dir=base,
            env={"SESSIOND_GITHUB_BASE_URL": git.base_url, "SESSIOND_SANDBOX": "none"},
        )
        try:
            async with srv.client() as c:
                agent = (await c.beta.agents.create(model="claude-sonnet-4-5", name="b")).id
                env = (await c.beta.environments.create(name="b")).id
                big = await c.beta.files.upload(
                    file=("big.bin", os.urandom(10 * 1024 * 1024), "application/octet-stream")
                )
                bare: list[float] = []
                mounted: list[float] = []
                for _ in range(rounds):
                    t = time.perf_counter()
                    await c.beta.sessions.create(agent=agent, environment_id=env)
                    bare.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    await c.beta.sessions.create(
                        agent=agent,
                        environment_id=env,
                        resources=[
                            {"type": "file", "file_id": big.id},
                            {
                                "type": "github_repository",
                                "url": "https://github.com/acme/small",
                                "authorization_token": TOKEN,
                            },
                        ],
                    )
                    mounted.append(time.perf_counter() - t)
            b, m = statistics.median(bare), statistics.median(mounted)
            print(f"rounds: {rounds}")
            print(f"bare session create:                  median {b * 1000:8.1f} ms")
            print(f"create with 10 MB file + small repo:  median {m * 1000:8.1f} ms")
            print(f"ratio: {m / b:.1f}x")
        finally:
            await srv.stop()
            await git.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
