"""The `sessiond` command: serve, core, edge (CONTRACT.md §2)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import secrets
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("sessiond")

DEFAULT_HTTP = "127.0.0.1:8080"
DEFAULT_GRPC = "127.0.0.1:50051"
KEY_FILE = "api_key"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sessiond", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", default=_env("SESSIOND_DATA_DIR", "./.sessiond"))
        p.add_argument("--log-level", default=_env("SESSIOND_LOG_LEVEL", "INFO"))

    def core_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--grpc", default=_env("SESSIOND_GRPC", DEFAULT_GRPC))
        p.add_argument("--db", default=_env("SESSIOND_DB"))
        p.add_argument(
            "--model-backend",
            choices=("auto", "anthropic", "offline"),
            default=_env("SESSIOND_MODEL_BACKEND", "auto"),
        )

    def edge_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--http", default=_env("SESSIOND_HTTP", DEFAULT_HTTP))
        env_keys = [
            k.strip() for k in (_env("SESSIOND_API_KEYS", "") or "").split(",") if k.strip()
        ]
        p.add_argument("--api-key", action="append", dest="api_keys", default=None)
        p.set_defaults(env_api_keys=env_keys)

    serve = sub.add_parser("serve", help="core and edge in one process")
    common(serve)
    core_flags(serve)
    edge_flags(serve)
    core = sub.add_parser("core", help="the gRPC core alone")
    common(core)
    core_flags(core)
    edge = sub.add_parser("edge", help="the HTTP edge alone, talking to a core")
    common(edge)
    edge_flags(edge)
    edge.add_argument("--core", default=_env("SESSIOND_CORE", DEFAULT_GRPC))
    return parser


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"sessiond: {address!r} is not HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def api_keys(args: argparse.Namespace, data_dir: Path) -> list[str]:
    keys = list(args.api_keys or []) or list(args.env_api_keys)
    if keys:
        return keys
    path = data_dir / KEY_FILE
    if path.exists():
        stored = path.read_text().strip()
        if stored:
            print(f"sessiond: using the API key stored in {path}", flush=True)
            return [stored]
    key = "sk-sessiond-" + secrets.token_urlsafe(32)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    print(f"sessiond: created an API key (kept in {path}): {key}", flush=True)
    return [key]


def db_url(args: argparse.Namespace, data_dir: Path) -> str:
    if args.db:
        return str(args.db)
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{(data_dir / 'sessiond.db').resolve()}"


def make_model(backend: str) -> object | None:
    """None means the offline model."""
    if backend == "offline" or (backend == "auto" and not os.environ.get("ANTHROPIC_API_KEY")):
        return None
    try:
        from sessiond.core.runtime.anthropic_model import AnthropicModel  # type: ignore[import-not-found]
    except ImportError:
        if backend == "anthropic":
            raise SystemExit("sessiond: the anthropic model backend is not available") from None
        log.warning("the anthropic model backend is not available; using the offline model")
        return None
    return AnthropicModel()


def _settle_memory() -> None:
    """Once started: what was loaded lives as long as the process, so the
    collector stops rescanning it, and collects young objects less often (a
    server with many streams holds many; full scans showed as latency spikes)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _start_core(args: argparse.Namespace, data_dir: Path):  # type: ignore[no-untyped-def]
    from sessiond.core.runtime.runtime import LeasePolicy
    from sessiond.core.runtime.turn import RetryPolicy
    from sessiond.core.server import CoreServer
    from sessiond.core.services.work import WorkPolicy

    model = make_model(args.model_backend)
    retry = RetryPolicy(
        max_retries=int(_env("SESSIOND_MAX_RETRIES", "5") or 5),
        base_seconds=float(_env("SESSIOND_RETRY_BASE_SECONDS", "1.0") or 1.0),
    )
    lease = LeasePolicy(ttl_seconds=float(_env("SESSIOND_LEASE_SECONDS", "10") or 10))
    core = await CoreServer.open(
        db_url(args, data_dir),
        data_dir,
        model,  # type: ignore[arg-type]
        retry=retry,
        lease=lease,
        # The lease a self-hosted worker's heartbeat grants (tests shorten it).
        work=WorkPolicy(ttl_seconds=int(_env("SESSIOND_WORK_LEASE_SECONDS", "60") or 60)),
    )
    port = await core.start(args.grpc)
    host, _ = split_address(args.grpc)
    return core, f"{host}:{port}"


async def _start_edge(args: argparse.Namespace, data_dir: Path, core: object):  # type: ignore[no-untyped-def]
    """The edge over ``core``: a Core object, or the address(es) of cores to reach by gRPC."""
    from aiohttp import web
    from sessiond.edge.app import create_app
    from sessiond.edge.client import GrpcCore

    keys = api_keys(args, data_dir)
    app = create_app(GrpcCore(core) if isinstance(core, str) else core, keys, own_core=True)  # type: ignore[arg-type]
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=5.0, handler_cancellation=True
    )
    await runner.setup()
    host, port = split_address(args.http)
    site = web.TCPSite(runner, host, port, reuse_address=True)
    await site.start()
    bound = port
    server = getattr(site, "_server", None)
    if server is not None and server.sockets:
        bound = server.sockets[0].getsockname()[1]
    return runner, f"{host}:{bound}"


async def run(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir)
    if args.command == "core":
        core, grpc_addr = await _start_core(args, data_dir)
        _settle_memory()
        print(f"sessiond core listening grpc={grpc_addr}", flush=True)
        try:
            await _wait_for_signal()
        finally:
            await core.stop()
        return
    if args.command == "edge":
        runner, http_addr = await _start_edge(args, data_dir, args.core)
        _settle_memory()
        print(f"sessiond edge listening http=http://{http_addr} core={args.core}", flush=True)
        try:
            await _wait_for_signal()
        finally:
            await runner.cleanup()
        return
    core, grpc_addr = await _start_core(args, data_dir)
    try:
        # One process: the edge calls the core's services directly, with no socket.
        from sessiond.edge.inprocess import InProcessCore

        runner, http_addr = await _start_edge(args, data_dir, InProcessCore.for_server(core))
    except BaseException:
        await core.stop()
        raise
    _settle_memory()
    print(f"sessiond listening http=http://{http_addr} grpc={grpc_addr}", flush=True)
    try:
        await _wait_for_signal()
    finally:
        await runner.cleanup()
        await core.stop()


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Alembic narrates every start; only its warnings matter here.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass
    except OSError as e:
        raise SystemExit(f"sessiond: {e}") from None


if __name__ == "__main__":
    main()
