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
import signal
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sessiond.cli.datalock import DataDirBusy, DataDirLock
from sessiond.cli.observability import setup_logging, setup_tracing
from sessiond.cli.tail import add_tail_command, run_tail
from sessiond.cli.webhooks import add_webhooks_command

if TYPE_CHECKING:
    from aiohttp import web
    from sessiond.cli.workers import EdgeWorkers
    from sessiond.core.server import CoreServer
    from sessiond.edge.rpc import Transport

log = logging.getLogger("sessiond")

DEFAULT_HTTP = "127.0.0.1:8080"
DEFAULT_GRPC = "127.0.0.1:50051"
# Processes answering HTTP in `serve` (cli/workers.py); what pays on 2 cores, see bench/results.md.
DEFAULT_WORKERS = 1


# (flag, environment variable, default, meaning) of each sandbox limit.
SANDBOX_LIMIT_FLAGS = (
    ("--sandbox-memory-mb", "SESSIOND_SANDBOX_MEMORY_MB", "1024", "memory of a session's sandbox"),
    ("--sandbox-pids", "SESSIOND_SANDBOX_PIDS", "256", "processes in a session's sandbox"),
    ("--sandbox-cpu-seconds", "SESSIOND_SANDBOX_CPU_SECONDS", "600", "CPU time per process"),
    ("--sandbox-file-size-mb", "SESSIOND_SANDBOX_FILE_SIZE_MB", "1024", "largest file written"),
    ("--sandbox-open-files", "SESSIOND_SANDBOX_OPEN_FILES", "1024", "open files per process"),
)


def _sandbox_env(args: argparse.Namespace) -> dict[str, str]:
    """The environment with the sandbox limits given as flags laid over it."""
    env = dict(os.environ)
    for flag, name, _default, _text in SANDBOX_LIMIT_FLAGS:
        value = getattr(args, flag.lstrip("-").replace("-", "_"), None)
        if value is not None:
            if value <= 0:
                raise SystemExit(f"sessiond: {flag} must be a positive number")
            env[name] = str(value)
    return env


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default


def _help(text: str, default: str, env: str) -> str:
    return f"{text} (default: {default}; env {env})"


TEST_CLOCK_EPILOG = """\
for tests only (never set them in production):
  SESSIOND_TEST_CLOCK_RATE=N    deployment schedules run N times faster than real time
  SESSIOND_TEST_CLOCK_START=T   Unix time at which that clock equals the real one
                                (default: start-up; give replicas the same T)
  SESSIOND_TEST_CLOCK_OFFSET=S  seconds added to the schedules' clock
"""


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
        # Keys: `[WORKSPACE=]KEY`; SESSIOND_API_KEYS and the file are read in cli/keys.py.
        p.add_argument(
            "--api-key",
            action="append",
            dest="api_keys",
            default=None,
            metavar="[WORKSPACE=]KEY",
            help=_help(
                "a key the server accepts, of workspace WORKSPACE (else default); repeatable; "
                "held in memory only",
                "none: serve makes one on first start, keeps it hashed and prints it once",
                "SESSIOND_API_KEYS, comma-separated",
            ),
        )
        p.add_argument(
            "--api-key-file",
            metavar="PATH",
            default=None,
            help=_help(
                "a file of keys, one KEY or WORKSPACE=KEY per line, # starts a comment",
                "none",
                "SESSIOND_API_KEY_FILE",
            ),
        )
        p.add_argument(
            "--grpc-tls-cert",
            metavar="PEM",
            default=_env("SESSIOND_GRPC_TLS_CERT"),
            help=_help(
                "certificate chain of the gRPC port (it then speaks TLS only)",
                "none: plain text",
                "SESSIOND_GRPC_TLS_CERT",
            ),
        )
        p.add_argument(
            "--grpc-tls-key",
            metavar="PEM",
            default=_env("SESSIOND_GRPC_TLS_KEY"),
            help=_help("private key of the TLS certificate", "none", "SESSIOND_GRPC_TLS_KEY"),
        )
        p.add_argument(
            "--requests-per-minute",
            metavar="N",
            type=int,
            default=int(_env("SESSIOND_REQUESTS_PER_MINUTE", "0") or 0),
            help=_help(
                "requests per minute per workspace, counted by each replica",
                "600000",
                "SESSIOND_REQUESTS_PER_MINUTE",
            ),
        )
        p.add_argument(
            "--events-per-send",
            metavar="N",
            type=int,
            default=int(_env("SESSIOND_EVENTS_PER_SEND", "0") or 0),
            help=_help("most events in one send", "10000", "SESSIOND_EVENTS_PER_SEND"),
        )
        p.add_argument(
            "--running-sessions",
            metavar="N",
            type=int,
            default=int(_env("SESSIOND_RUNNING_SESSIONS", "0") or 0),
            help=_help(
                "most sessions of one workspace running a turn at once",
                "10000",
                "SESSIOND_RUNNING_SESSIONS",
            ),
        )
        p.add_argument(
            "--cache-mb",
            metavar="MIB",
            type=float,
            default=float(_env("SESSIOND_CACHE_MB", "16") or 16),
            help=_help(
                "byte budget of each core cache (decoded histories, conversations)",
                "16",
                "SESSIOND_CACHE_MB",
            ),
        )
        p.add_argument(
            "--sandbox",
            choices=("auto", "bwrap", "none"),
            default=_env("SESSIOND_SANDBOX", "auto"),
            help=_help(
                "how built-in tools are isolated: bubblewrap where it works (auto), always "
                "(bwrap), or not at all, for development (none); limits: SESSIOND_SANDBOX_*",
                "auto",
                "SESSIOND_SANDBOX",
            ),
        )

        p.add_argument(
            "--webhook-allow-private",
            action="store_true",
            default=(_env("SESSIOND_WEBHOOK_ALLOW_PRIVATE", "") or "").lower()
            in ("1", "true", "yes"),
            help=_help(
                "let webhooks go to loopback, private and link-local addresses and to this "
                "host's own (refused otherwise)",
                "off",
                "SESSIOND_WEBHOOK_ALLOW_PRIVATE",
            ),
        )

        # Each session sandbox's limits (core/sandbox/settings.py has the defaults).
        for flag, env, default, text in SANDBOX_LIMIT_FLAGS:
            p.add_argument(
                flag,
                metavar="N",
                type=int,
                default=None,
                help=_help(text, default, env),
            )

    def edge_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--http",
            metavar="HOST:PORT",
            default=_env("SESSIOND_HTTP", DEFAULT_HTTP),
            help=_help("the HTTP address the edge listens on", DEFAULT_HTTP, "SESSIOND_HTTP"),
        )

    serve = sub.add_parser(
        "serve",
        help="core and edge in one process (start here)",
        allow_abbrev=False,
        epilog=TEST_CLOCK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(serve)
    core_flags(serve)
    edge_flags(serve)
    serve.add_argument(
        "--workers",
        metavar="N",
        default=_env("SESSIOND_WORKERS", "auto"),
        help=_help(
            "processes answering HTTP: this one (core and edge) and N-1 edge processes "
            "on the same port, reaching the core over a private Unix socket",
            f"auto = {DEFAULT_WORKERS}",
            "SESSIOND_WORKERS",
        ),
    )
    core = sub.add_parser(
        "core",
        help="the gRPC core alone",
        allow_abbrev=False,
        epilog=TEST_CLOCK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    edge = sub.add_parser("edge", help="the HTTP edge alone, talking to a core", allow_abbrev=False)
    common(edge)
    edge_flags(edge)
    edge.add_argument(
        "--core",
        metavar="HOST:PORT[,HOST:PORT…]",
        default=_env("SESSIOND_CORE", DEFAULT_GRPC),
        help=_help("the core(s) this edge talks to", DEFAULT_GRPC, "SESSIOND_CORE"),
    )
    edge.add_argument(
        "--core-tls-ca",
        metavar="PEM",
        default=_env("SESSIOND_CORE_TLS_CA"),
        help=_help(
            "CA certificate that signed the cores' TLS certificates",
            "none: plain text",
            "SESSIOND_CORE_TLS_CA",
        ),
    )
    keys = sub.add_parser("keys", help="create, list and revoke stored API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="make a key and print it once")
    create.add_argument("--workspace", required=True, help="the workspace of the new key")
    create.add_argument("--name", default="", help="a name to tell the key by (default: none)")
    keys_sub.add_parser("list", help="every stored key (never the key itself)")
    revoke = keys_sub.add_parser("revoke", help="end a key on every replica")
    revoke.add_argument("key_id", help="the id `sessiond keys list` shows")
    for p in (create, keys_sub.choices["list"], revoke):
        common(p)
        p.add_argument(
            "--db",
            metavar="URL",
            default=_env("SESSIOND_DB"),
            help=_help("the server's database", "the data dir's SQLite file", "SESSIOND_DB"),
        )
    add_tail_command(sub)
    add_webhooks_command(sub, common)
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


def settle_memory() -> None:
    """Once started: what was loaded lives as long as the process, so the
    collector stops rescanning it, and collects young objects less often (a
    server with many streams holds many; full scans showed as latency spikes)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    _release_free_heap()


def _release_free_heap() -> None:
    """Hands the C heap that starting freed (compiling, building tables) back to
    the system: about 1 MB resident, a few ms once. glibc only; elsewhere nothing."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def _signal_event() -> asyncio.Event:
    """Set on SIGINT/SIGTERM; installed before anything starts, so a signal that
    arrives right after the ``listening`` line still stops the server cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


def _read_pem(path: str | None, what: str) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise SystemExit(f"sessiond: cannot read the {what} {path}: {e}") from None


async def _start_core(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, data_dir: Path, also: Sequence[str] = ()
):
    from sessiond.cli.keys import ensure_key, memory_keys
    from sessiond.core.auth.keys import has_active_keys
    from sessiond.core.auth.limits import Limits
    from sessiond.core.clock import clock_from_env
    from sessiond.core.runtime.runtime import LeasePolicy
    from sessiond.core.runtime.turn import RetryPolicy
    from sessiond.core.sandbox.fsperm import secure_data_dir
    from sessiond.core.sandbox.manager import Sandboxes
    from sessiond.core.sandbox.settings import SandboxSettings
    from sessiond.core.server import CoreServer
    from sessiond.core.services.work import WorkPolicy
    from sessiond.core.webhookdelivery import DeliveryPolicy

    url = db_url(args, data_dir)
    if url.startswith("sqlite"):
        try:
            DataDirLock(data_dir).acquire()  # held until the process ends
        except DataDirBusy as e:
            raise SystemExit(f"sessiond: {e}") from None
    # What the server writes (database, keys, workspaces) is its own: 0700 / 0600.
    os.umask(0o077)
    secure_data_dir(data_dir)
    sandboxes = await Sandboxes.open(
        SandboxSettings.from_env(args.sandbox, _sandbox_env(args)), data_dir
    )

    model = make_model(args.model_backend)
    retry = RetryPolicy(
        max_retries=int(_env("SESSIOND_MAX_RETRIES", "5") or 5),
        base_seconds=float(_env("SESSIOND_RETRY_BASE_SECONDS", "1.0") or 1.0),
    )
    lease = LeasePolicy(ttl_seconds=float(_env("SESSIOND_LEASE_SECONDS", "10") or 10))
    keys = memory_keys(args)
    defaults = Limits()
    limits = Limits(
        requests_per_minute=args.requests_per_minute or defaults.requests_per_minute,
        events_per_send=args.events_per_send or defaults.events_per_send,
        running_sessions=args.running_sessions or defaults.running_sessions,
    )
    cert = _read_pem(args.grpc_tls_cert, "TLS certificate")
    key = _read_pem(args.grpc_tls_key, "TLS key")
    if (cert is None) != (key is None):
        raise SystemExit("sessiond: --grpc-tls-cert and --grpc-tls-key go together")
    try:
        # Deployment schedules run on this clock; SESSIOND_TEST_CLOCK_* speed it
        # up for tests only (see --help).
        clock = clock_from_env(os.environ)
    except ValueError as e:
        raise SystemExit(f"sessiond: {e}") from None
    core = await CoreServer.open(
        url,
        data_dir,
        model,  # type: ignore[arg-type]
        retry=retry,
        lease=lease,
        api_keys=keys,
        limits=limits,
        tls=(cert, key) if cert is not None and key is not None else None,
        cache_bytes=int(args.cache_mb * 1024 * 1024),
        sandboxes=sandboxes,
        # The lease a self-hosted worker's heartbeat grants (tests shorten it).
        work=WorkPolicy(ttl_seconds=int(_env("SESSIOND_WORK_LEASE_SECONDS", "60") or 60)),
        clock=clock,
        # SESSIOND_WEBHOOK_BACKOFF / _DISABLE_AFTER (test-only) shorten the schedule.
        webhooks=DeliveryPolicy.from_env(args.webhook_allow_private),
    )
    try:
        secure_data_dir(data_dir, files_only=True)
        if not keys and args.command == "serve":
            await ensure_key(core.store, data_dir)
        elif not keys and not await has_active_keys(core.store):
            log.warning("no API key configured: every call is refused (`sessiond keys create`)")
        port = await core.start(args.grpc, also=also)
    except BaseException:
        await core.stop()
        raise
    host, _ = split_address(args.grpc)
    return core, f"{host}:{port}"


async def start_edge(
    transport: Transport, *, http: str = "", sock: socket.socket | None = None
) -> tuple[web.AppRunner, str]:
    """The edge over ``transport`` (to cores over gRPC, or to the core in this
    process), listening on ``http`` or on the bound socket ``sock``."""
    from aiohttp import web
    from sessiond.edge.app import create_app
    from sessiond.edge.client import CoreClient
    from sessiond.edge.jsonio import BODY_TIMEOUT, DEFAULT_BODY_TIMEOUT
    from sessiond.edge.runner import EdgeRunner

    app = create_app(CoreClient(transport), own_core=True)
    app[BODY_TIMEOUT] = float(_env("SESSIOND_BODY_TIMEOUT", "") or DEFAULT_BODY_TIMEOUT)
    runner = EdgeRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=5.0, handler_cancellation=True
    )
    await runner.setup()
    site: web.BaseSite
    if sock is not None:
        site = web.SockSite(runner, sock)
        host, bound = sock.getsockname()[:2]
    else:
        host, port = split_address(http)
        site = web.TCPSite(runner, host, port, reuse_address=True)
        bound = port
    await site.start()
    server = getattr(site, "_server", None)
    if server is not None and server.sockets:
        bound = server.sockets[0].getsockname()[1]
    return runner, f"{host}:{bound}"


async def run(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir)
    if args.command == "keys":
        from sessiond.cli.keys import keys_command

        return await keys_command(args, db_url(args, data_dir))
    if args.command == "webhooks":
        from sessiond.cli.webhooks import webhooks_command

        return await webhooks_command(args, db_url(args, data_dir))
    stopping = _signal_event()
    if args.command == "core":
        core, grpc_addr = await _start_core(args, data_dir)
        if args.metrics:
            from prometheus_client import start_http_server

            metrics_host, metrics_port = split_address(args.metrics)
            start_http_server(metrics_port, metrics_host)
        settle_memory()
        print(f"sessiond core listening grpc={grpc_addr}", flush=True)
        try:
            await stopping.wait()
        finally:
            await core.stop()
        return 0
    if args.command == "edge":
        from sessiond.edge.grpc_transport import GrpcTransport

        transport = GrpcTransport(args.core, tls_ca=_read_pem(args.core_tls_ca, "CA certificate"))
        runner, http_addr = await start_edge(transport, http=args.http)
        settle_memory()
        print(f"sessiond edge listening http=http://{http_addr} core={args.core}", flush=True)
        try:
            await stopping.wait()
        finally:
            await runner.cleanup()
        return 0
    return await _serve(args, data_dir, stopping)


async def _serve(args: argparse.Namespace, data_dir: Path, stopping: asyncio.Event) -> int:
    """Core and edge in this process (the edge calls the core's servicers
    directly, with no socket), and ``--workers`` - 1 edge processes beside it on
    the same HTTP socket (cli/workers.py)."""
    from sessiond.cli.inprocess import InProcessTransport
    from sessiond.cli.workers import EdgeWorkers, listen_socket

    count = _worker_count(args.workers)
    sock: socket.socket | None = None
    workers: EdgeWorkers | None = None
    if count > 1:
        sock = listen_socket(*split_address(args.http))
        workers = EdgeWorkers(count - 1, sock)
    try:
        core, grpc_addr = await _start_core(
            args, data_dir, also=() if workers is None else (workers.core_address,)
        )
    except BaseException:
        if workers is not None:
            await workers.stop()
        if sock is not None:
            sock.close()
        raise
    runner: web.AppRunner | None = None
    try:
        runner, http_addr = await start_edge(InProcessTransport(core), http=args.http, sock=sock)
        if workers is not None:
            await workers.start(args.log_level, args.log_format)
    except BaseException:
        await _stop_serve(workers, runner, core)
        raise
    settle_memory()
    print(f"sessiond listening http=http://{http_addr} grpc={grpc_addr}", flush=True)
    try:
        await stopping.wait()
    finally:
        await _stop_serve(workers, runner, core)
    return 0


async def _stop_serve(
    workers: EdgeWorkers | None, runner: web.AppRunner | None, core: CoreServer
) -> None:
    # The workers first: their streams end before the core they read from.
    if workers is not None:
        await workers.stop()
    if runner is not None:
        await runner.cleanup()
    await core.stop()


def _worker_count(value: str) -> int:
    if value == "auto":
        return DEFAULT_WORKERS
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise SystemExit(f"sessiond: --workers {value!r} must be a whole number from 1, or auto")
    return count


def main(argv: Sequence[str] | None = None) -> None:
    if argv is None:
        from sessiond.cli.keys import hide_keys_from_cmdline

        hide_keys_from_cmdline()
    args = build_parser().parse_args(argv)
    if args.command == "tail":
        run_tail(args)
        return
    _check_addresses(args)
    setup_logging(args.log_level, args.log_format)
    flush_traces = setup_tracing(f"sessiond-{args.command}")
    code = 0
    try:
        code = asyncio.run(run(args))
    except KeyboardInterrupt:
        pass
    except OSError as e:
        raise SystemExit(f"sessiond: {_os_error(e)}") from None
    finally:
        flush_traces()
    if code:
        raise SystemExit(code)


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
    if getattr(args, "workers", None) is not None:
        _worker_count(str(args.workers))


def _os_error(e: OSError) -> str:
    if e.errno == errno.EADDRINUSE:
        return f"an address is already in use: {e.strerror or e}; choose another port"
    return str(e)


if __name__ == "__main__":
    main()
