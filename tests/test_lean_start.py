"""What a plain ``sessiond serve`` loads at start: the libraries only some
features use load when a feature first needs them (RSS at start, bench figure 6),
and those features still work once they do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sessiond.core.secrets import SecretBox
from sessiond.core.store.store import Store
from sessiond.core.vaultkeys import Keyring
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.blackbox.cluster import create_database, drop_database, pg_url

# Loaded on first use only; each is a few MB resident (bench figure 6).
DEFERRED = (
    "cryptography",  # vault, webhook and repository secrets (core/secrets.py, core/vaultkeys.py)
    "grpc_reflection.v1alpha.reflection",  # the first reflection call (core/server.py)
    "sqlalchemy.dialects.postgresql",  # a PostgreSQL database (core/store/schema.py, sql.py)
    "anthropic",  # --model-backend anthropic only
    "mcp",  # a session with MCP servers
    "opentelemetry.sdk",  # an exporter configured
)

# Runs `serve` through cli.main; once started (where it would print its
# listening line) it reports the modules loaded so far and stops itself.
_PROBE = """
import json, os, signal, sys
import sessiond.cli.main as m

settle = m.settle_memory

def report() -> None:
    settle()
    print("LOADED " + json.dumps(sorted(sys.modules)), flush=True)
    os.kill(os.getpid(), signal.SIGTERM)

m.settle_memory = report
m.main(sys.argv[1:])
"""


def test_serve_starts_without_the_libraries_of_unused_features(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIOND_", "OTEL_"))}
    env.pop("ANTHROPIC_API_KEY", None)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, "serve", "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0",
         "--data-dir", str(tmp_path / "data"), "--api-key", "sk-test-lean-0123456789",
         "--model-backend", "offline", "--sandbox", "none", "--log-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    lines = [line for line in out.stdout.splitlines() if line.startswith("LOADED ")]
    assert lines, f"serve did not start: {out.stderr[-2000:]}"
    loaded = set(json.loads(lines[0].removeprefix("LOADED ")))
    early = sorted(
        name for name in loaded for lib in DEFERRED if name == lib or name.startswith(lib + ".")
    )
    assert not early, f"loaded at start, though no feature used them yet: {early}"
    assert out.returncode == 0, out.stderr[-2000:]


def test_secret_box_seals_and_opens_once_loaded(tmp_path: Path) -> None:
    box = SecretBox.in_dir(tmp_path)
    sealed = box.seal("ghp_token", "sesrsc_1")
    assert box.open(sealed, "sesrsc_1") == "ghp_token"
    # Another label, another key or a damaged blob: None, never an exception.
    assert box.open(sealed, "sesrsc_2") is None
    assert SecretBox(b"k" * 32).open(sealed, "sesrsc_1") is None
    assert box.open(sealed[:5], "sesrsc_1") is None
    # The key file is made once and reused: a second box opens the first one's secrets.
    assert SecretBox.in_dir(tmp_path).open(sealed, "sesrsc_1") == "ghp_token"


def test_vault_keyring_seals_and_opens(tmp_path: Path) -> None:
    ring = Keyring.load(tmp_path, env="")
    kid, blob = ring.seal(b'{"token":"x"}', "vcrd_1")
    assert ring.open(kid, blob, "vcrd_1") == b'{"token":"x"}'
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        ring.open(kid, blob, "vcrd_2")


async def test_a_new_postgresql_database_gets_the_partial_queue_index() -> None:
    """The PostgreSQL option of ``events_unprocessed`` is set only once a PostgreSQL
    database is opened (core/store/schema.py): a new one must still get it."""
    base = pg_url()
    if base is None:
        pytest.skip("no PostgreSQL (scripts/test.sh starts one)")
    url = await create_database(base)
    try:
        store = await Store.open(url)
        await store.close()
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                indexdef = await conn.scalar(
                    text("SELECT indexdef FROM pg_indexes WHERE indexname = 'events_unprocessed'")
                )
        finally:
            await engine.dispose()
    finally:
        await drop_database(url)
    assert indexdef is not None and "WHERE (processed_at IS NULL)" in indexdef, indexdef
