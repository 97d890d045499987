"""sessiond: a self-hosted server for agent sessions (the Sessions/Events API of
Claude Managed Agents, over HTTP for the SDKs and over gRPC for services).

Every flag can also be set by the environment variable named in its help.
See README.md for a quickstart."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import importlib.metadata
import logging
import os
import secrets
import signal
from collections.abc import Sequence
from pathlib import Path

from sessiond.cli.datalock import DataDirBusy, DataDirLock
from sessiond.cli.observability import setup_logging, setup_tracing
from sessiond.cli.tail import add_tail_command, run_tail

log = logging.getLogger("sessiond")

DEFAULT_HTTP = "127.0.0.1:8080"
DEFAULT_GRPC = "127.0.0.1:50051"
KEY_FILE = "api_key"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default


def _help(text: str, default: str, env: str) -> str:
    return f"{text} (default: {default}; env {env})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sessiond", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data-dir",
            metavar="DIR",
            default=_env("SESSIOND_DATA_DIR", "./.sessiond"),
            help=_help(
                "where the SQLite database, the stored key and the sessions' workspaces live",
                "./.sessiond",
                "SESSIOND_DATA_DIR",
            ),
        )
        p.add_argument(
            "--log-level",
            metavar="LEVEL",
            default=_env("SESSIOND_LOG_LEVEL", "INFO"),
            help=_help("DEBUG, INFO, WARNING or ERROR", "INFO", "SESSIOND_LOG_LEVEL"),
        )
        p.add_argument(
            "--log-format",
            choices=("text", "json"),
            default=_env("SESSIOND_LOG_FORMAT", "text"),
            help=_help("log lines as text or as JSON objects", "text", "SESSIOND_LOG_FORMAT"),
        )

    def core_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--grpc",
            metavar="HOST:PORT",
            default=_env("SESSIOND_GRPC", DEFAULT_GRPC),
            help=_help("the gRPC address the core listens on", DEFAULT_GRPC, "SESSIOND_GRPC"),
        )
        p.add_argument(
            "--db",
            metavar="URL",
            default=_env("SESSIOND_DB"),
            help=_help(
                "SQLAlchemy URL of the database: sqlite+aiosqlite:///FILE, or "
                "postgresql+asyncpg://USER@HOST:PORT/DB for several replicas",
                "sqlite+aiosqlite:///<data-dir>/sessiond.db",
                "SESSIOND_DB",
            ),
        )
        p.add_argument(
            "--model-backend",
            choices=("auto", "anthropic", "offline"),
            default=_env("SESSIOND_MODEL_BACKEND", "auto"),
            help=_help(
                "auto: Anthropic when ANTHROPIC_API_KEY is set on the server, else the "
                "offline model",
                "auto",
                "SESSIOND_MODEL_BACKEND",
            ),
        )

    def edge_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--http",
            metavar="HOST:PORT",
            default=_env("SESSIOND_HTTP", DEFAULT_HTTP),
            help=_help("the HTTP address the edge listens on", DEFAULT_HTTP, "SESSIOND_HTTP"),
        )
        env_keys = [
            k.strip() for k in (_env("SESSIOND_API_KEYS", "") or "").split(",") if k.strip()
        ]
        p.add_argument(
            "--api-key",
            action="append",
            dest="api_keys",
            default=None,
            metavar="KEY",
            help=_help(
                "a key the server accepts; repeatable",
                "none: serve makes one on first start and keeps it in the data dir",
                "SESSIOND_API_KEYS, comma-separated",
            ),
        )
        p.set_defaults(env_api_keys=env_keys)

    serve = sub.add_parser("serve", help="core and edge in one process (start here)")
    common(serve)
    core_flags(serve)
    edge_flags(serve)
    core = sub.add_parser("core", help="the gRPC core alone")
    common(core)
    core_flags(core)
    core.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        default=_env("SESSIOND_METRICS"),
        help=_help(
            "serve the core's Prometheus metrics on this address", "off", "SESSIOND_METRICS"
        ),
    )
    edge = sub.add_parser("edge", help="the HTTP edge alone, talking to a core")
    common(edge)
    edge_flags(edge)
    edge.add_argument(
        "--core",
        metavar="HOST:PORT[,HOST:PORT…]",
        default=_env("SESSIOND_CORE", DEFAULT_GRPC),
        help=_help("the core(s) this edge talks to", DEFAULT_GRPC, "SESSIOND_CORE"),
    )
    add_tail_command(sub)
    return parser


def _version() -> str:
    try:
        return importlib.metadata.version("sessiond")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"sessiond: {address!r} is not HOST:PORT")
    if int(port) > 65535:
        raise SystemExit(f"sessiond: {address!r}: the port must be between 0 and 65535")
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


SUPPORTED_DATABASES = ("sqlite+aiosqlite", "postgresql+asyncpg")


def db_url(args: argparse.Namespace, data_dir: Path) -> str:
    if args.db:
        scheme = str(args.db).partition("://")[0]
        if scheme not in SUPPORTED_DATABASES:
            raise SystemExit(
                f"sessiond: unsupported database URL {scheme + '://…'!r}: use "
                "sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST:PORT/DB"
            )
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


def _signal_event() -> asyncio.Event:
    """Set on SIGINT/SIGTERM; installed before anything starts, so a signal that
    arrives right after the ``listening`` line still stops the server cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def _start_core(args: argparse.Namespace, data_dir: Path):  # type: ignore[no-untyped-def]
    from sessiond.core.runtime.runtime import LeasePolicy
    from sessiond.core.runtime.turn import RetryPolicy
    from sessiond.core.server import CoreServer

    url = db_url(args, data_dir)
    if url.startswith("sqlite"):
        try:
            DataDirLock(data_dir).acquire()  # held until the process ends
        except DataDirBusy as e:
            raise SystemExit(f"sessiond: {e}") from None
    model = make_model(args.model_backend)
    retry = RetryPolicy(
        max_retries=int(_env("SESSIOND_MAX_RETRIES", "5") or 5),
        base_seconds=float(_env("SESSIOND_RETRY_BASE_SECONDS", "1.0") or 1.0),
    )
    lease = LeasePolicy(ttl_seconds=float(_env("SESSIOND_LEASE_SECONDS", "10") or 10))
    core = await CoreServer.open(
        url,
        data_dir,
        model,  # type: ignore[arg-type]
        retry=retry,
        lease=lease,
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
    stopping = _signal_event()
    data_dir = Path(args.data_dir)
    if args.command == "core":
        core, grpc_addr = await _start_core(args, data_dir)
        if args.metrics:
            from prometheus_client import start_http_server

            metrics_host, metrics_port = split_address(args.metrics)
            start_http_server(metrics_port, metrics_host)
        _settle_memory()
        print(f"sessiond core listening grpc={grpc_addr}", flush=True)
        try:
            await stopping.wait()
        finally:
            await core.stop()
        return
    if args.command == "edge":
        runner, http_addr = await _start_edge(args, data_dir, args.core)
        _settle_memory()
        print(f"sessiond edge listening http=http://{http_addr} core={args.core}", flush=True)
        try:
            await stopping.wait()
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
        await stopping.wait()
    finally:
        await runner.cleanup()
        await core.stop()


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "tail":
        run_tail(args)
        return
    _check_addresses(args)
    setup_logging(args.log_level, args.log_format)
    flush_traces = setup_tracing(f"sessiond-{args.command}")
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass
    except OSError as e:
        raise SystemExit(f"sessiond: {_os_error(e)}") from None
    finally:
        flush_traces()


def _check_addresses(args: argparse.Namespace) -> None:
    """Bad addresses and database URLs end the command before anything starts."""
    for name in ("http", "grpc", "metrics"):
        value = getattr(args, name, None)
        if value:
            split_address(str(value))
    for target in str(getattr(args, "core", "") or "").split(","):
        if target.strip():
            split_address(target.strip())
    if getattr(args, "db", None):
        db_url(args, Path(args.data_dir))


def _os_error(e: OSError) -> str:
    if e.errno == errno.EADDRINUSE:
        return f"an address is already in use: {e.strerror or e}; choose another port"
    return str(e)


if __name__ == "__main__":
    main()
