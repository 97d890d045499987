"""API keys on the command line: `--api-key`, `--api-key-file`, `SESSIOND_API_KEYS`,
the `sessiond keys` command, and the key `serve` makes when none is configured.

**Keys never stay in the command line.** ``/proc/<pid>/cmdline`` is readable by
every local user. When ``--api-key`` is given, :func:`hide_keys_from_cmdline`
re-executes the same command (same pid) without those arguments, and hands the
keys to the new image through an inherited pipe whose descriptor number is in
``SESSIOND_API_KEYS_FD``; the new image reads and closes it at once. Between
the start and that ``exec`` (a few milliseconds) the keys are visible, as
they are to anyone who sees the shell command. Prefer ``--api-key-file`` (a
file only the server's user reads) or ``SESSIOND_API_KEYS`` (the environment
of a process is readable only by its user).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sessiond.core.store.store import Store

DEFAULT_WORKSPACE = "default"
# Where sessiond before 0.2 kept the key it made, in plain text.
LEGACY_KEY_FILE = "api_key"
FD_ENV = "SESSIOND_API_KEYS_FD"
_SEP = "\0"
_COMMENT = re.compile(r"(?:^|\s)#")


def _is_key_flag(arg: str) -> bool:
    return arg == "--api-key" or arg.startswith("--api-key=")


def strip_key_args(args: list[str]) -> tuple[list[str], list[str]]:
    """``args`` without ``--api-key`` values, and those values."""
    out: list[str] = []
    keys: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out.extend(args[i:])
            break
        if arg == "--api-key" and i + 1 < len(args):
            keys.append(args[i + 1])
            i += 2
            continue
        if arg.startswith("--api-key="):
            keys.append(arg.partition("=")[2])
        else:
            out.append(arg)
        i += 1
    return out, keys


def hide_keys_from_cmdline() -> None:
    """Re-executes this process without ``--api-key`` arguments (see the module doc)."""
    args = sys.argv[1:]
    # Only the server commands hold keys; `tail` sends its own key as a client.
    if not args or args[0] not in ("serve", "core", "edge"):
        return
    if not any(_is_key_flag(a) for a in args) or FD_ENV in os.environ:
        return
    kept, keys = strip_key_args(args)
    prefix = sys.orig_argv[: len(sys.orig_argv) - len(args)]
    data = _SEP.join(keys).encode("utf-8", "surrogateescape")
    read_fd, write_fd = os.pipe()
    if len(data) > 60_000:
        raise SystemExit("sessiond: too many --api-key values; use --api-key-file")
    os.write(write_fd, data)
    os.close(write_fd)
    os.set_inheritable(read_fd, True)
    os.environ[FD_ENV] = str(read_fd)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [*prefix, *kept])


def keys_from_pipe() -> list[str]:
    """The keys :func:`hide_keys_from_cmdline` passed on (the pipe is then closed)."""
    fd_text = os.environ.pop(FD_ENV, None)
    if not fd_text:
        return []
    fd = int(fd_text)
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks).decode("utf-8", "surrogateescape")
    return [k for k in data.split(_SEP) if k]


def parse_spec(spec: str) -> tuple[str, str]:
    """``[WORKSPACE=]KEY`` -> (key, workspace)."""
    from sessiond.core.auth.keys import valid_workspace

    spec = spec.strip()
    workspace, sep, key = spec.partition("=")
    if sep and key and valid_workspace(workspace):
        return key, workspace
    return spec, DEFAULT_WORKSPACE


def read_key_file(path: Path) -> list[str]:
    """One ``KEY`` or ``WORKSPACE=KEY`` per line; ``#`` starts a comment."""
    try:
        text = path.read_text()
    except OSError as e:
        raise SystemExit(f"sessiond: cannot read the API key file {path}: {e}") from None
    specs = []
    for line in text.splitlines():
        line = _COMMENT.split(line, maxsplit=1)[0].strip()
        if line:
            specs.append(line)
    return specs


def memory_keys(args: argparse.Namespace) -> dict[str, str]:
    """Every key given by flag, pipe, file or environment: key -> workspace."""
    specs: list[str] = [*(args.api_keys or []), *keys_from_pipe()]
    if not specs:
        specs = [k for k in (os.environ.get("SESSIOND_API_KEYS") or "").split(",") if k.strip()]
    key_file = args.api_key_file or os.environ.get("SESSIOND_API_KEY_FILE")
    if key_file:
        specs += read_key_file(Path(key_file))
    return dict(parse_spec(s) for s in specs)


async def ensure_key(store: Store, data_dir: Path) -> None:
    """With no key configured: moves a legacy plain-text key into the table, or
    makes one and prints it once (when the table holds no usable key)."""
    from sessiond.core.auth.keys import create_key, digest, has_active_keys, list_keys

    legacy = data_dir / LEGACY_KEY_FILE
    if legacy.exists():
        key = legacy.read_text().strip()
        if key and not await _stored(store, digest(key)):
            await create_key(store, DEFAULT_WORKSPACE, "moved from the api_key file", key)
        legacy.unlink()
        print(
            f"sessiond: moved the API key of {legacy} into the key table (kept hashed); "
            "the file is removed and the key works as before",
            flush=True,
        )
        return
    if await has_active_keys(store):
        count = sum(1 for k in await list_keys(store) if k.revoked_at is None)
        print(
            f"sessiond: {count} stored API key(s) accepted; `sessiond keys create` makes another",
            flush=True,
        )
        return
    key = await create_key(store, DEFAULT_WORKSPACE, "made by serve")
    print(
        f"sessiond: created an API key for workspace {DEFAULT_WORKSPACE} "
        f"(shown only now; it is kept hashed): {key}",
        flush=True,
    )


async def _stored(store: Store, h: str) -> bool:
    from sessiond.core.store import schema
    from sqlalchemy import select
    from sqlalchemy.engine import Connection

    def work(conn: Connection) -> bool:
        t = schema.api_keys
        return conn.execute(select(t.c.id).where(t.c.hash == h)).first() is not None

    return await store._tx(work, write=False)


def _when(us: int | None) -> str:
    if us is None:
        return "-"
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(rows: Iterable[list[str]]) -> str:
    rows = list(rows)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
    return "\n".join(line.rstrip() for line in lines)


async def keys_command(args: argparse.Namespace, db_url: str) -> int:
    """`sessiond keys create|list|revoke`."""
    from sessiond.core.auth.keys import create_key, list_keys, revoke_key, valid_workspace
    from sessiond.core.store.store import Store

    store = await Store.open(db_url)
    try:
        if args.keys_command == "create":
            if not valid_workspace(args.workspace):
                print(
                    f"sessiond: {args.workspace!r} is not a workspace name: "
                    "use 1-64 of A-Z a-z 0-9 - _ .",
                    file=sys.stderr,
                )
                return 2
            key = await create_key(store, args.workspace, args.name or "")
            print(key)
            print(
                f"sessiond: the key above (workspace {args.workspace}) is shown only now",
                file=sys.stderr,
            )
            return 0
        if args.keys_command == "list":
            header = ["ID", "NAME", "WORKSPACE", "CREATED", "LAST USED", "REVOKED"]
            rows = [
                [k.id, k.name or "-", k.workspace, _when(k.created_at), _when(k.last_used_at),
                 _when(k.revoked_at)]
                for k in await list_keys(store)
            ]  # fmt: skip
            print(_table([header, *rows]))
            return 0
        if await revoke_key(store, args.key_id):
            print(f"sessiond: revoked {args.key_id}")
            return 0
        print(f"sessiond: no active key {args.key_id}", file=sys.stderr)
        return 1
    finally:
        await store.close()
