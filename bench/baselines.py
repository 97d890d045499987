"""Bare servers the bench measures sessiond against, each run as its own process.

    python bench/baselines.py echo      --port N   POST /echo answers the body it got (JSON);
                                                   PUT /blob stores a body, GET /blob answers it
    python bench/baselines.py sse       --port N   GET /stream?ch=C is a text/event-stream;
                                                   POST /post?ch=C writes the body as one frame
                                                   ("event: message") to every open stream of C
    python bench/baselines.py standin   --port N   the docs' turn routes, doing nothing else:
                                                   GET /v1/sessions/{id}/events/stream is an SSE
                                                   stream; POST /v1/sessions/{id}/events writes
                                                   the four frames of a turn (user.message,
                                                   status_running, agent.message, status_idle)
                                                   to every open stream of that session
    python bench/baselines.py grpc-echo --port N   a grpc.aio unary echo, /bench.Echo/Echo, bytes
    python bench/baselines.py forwarder --port N --target HOST:PORT
                                                   POST /echo forwards the body to grpc-echo and
                                                   answers its reply

--port 0 picks a free port. Each prints "baseline KIND listening port=N" once up and
exits on SIGTERM. Nothing here parses or validates: these are the floors.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections import defaultdict

from aiohttp import web

ECHO_METHOD = "/bench.Echo/Echo"
SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


def _echo_app() -> web.Application:
    blob = {"body": b"{}"}

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read(), content_type="application/json")

    async def put_blob(request: web.Request) -> web.Response:
        blob["body"] = await request.read()
        return web.Response(body=b"{}", content_type="application/json")

    async def get_blob(_: web.Request) -> web.Response:
        return web.Response(body=blob["body"], content_type="application/json")

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/echo", echo)
    app.router.add_put("/blob", put_blob)
    app.router.add_get("/blob", get_blob)
    return app


def _sse_app() -> web.Application:
    channels: dict[str, set[web.StreamResponse]] = defaultdict(set)

    async def stream(request: web.Request) -> web.StreamResponse:
        ch = request.query.get("ch", "0")
        resp = web.StreamResponse(headers=SSE_HEADERS)
        await resp.prepare(request)
        channels[ch].add(resp)
        try:
            # Held open until the client leaves or the server stops.
            await asyncio.Event().wait()
        finally:
            channels[ch].discard(resp)
        return resp

    async def post(request: web.Request) -> web.Response:
        body = await request.read()
        frame = b"event: message\ndata: " + body + b"\n\n"
        streams = channels.get(request.query.get("ch", "0"), set())
        for resp in list(streams):
            try:
                await resp.write(frame)
            except ConnectionError:
                streams.discard(resp)
        return web.Response(body=b"{}", content_type="application/json")

    app = web.Application()
    app.router.add_get("/stream", stream)
    app.router.add_post("/post", post)
    return app


def _standin_app() -> web.Application:
    """sessiond's turn as seen by a client, with no store and no turn behind it."""
    streams: dict[str, set[web.StreamResponse]] = defaultdict(set)
    counter = [0]

    def frame(kind: str, session_id: str, extra: str) -> tuple[str, bytes]:
        counter[0] += 1
        event_id = f"sevt_{counter[0]:026d}"
        data = (
            f'{{"id":"{event_id}","type":"{kind}","session_id":"{session_id}",'
            f'"processed_at":"2026-11-30T00:00:00.000000Z"{extra}}}'
        )
        return event_id, f"id: {event_id}\nevent: {kind}\ndata: {data}\n\n".encode()

    async def stream(request: web.Request) -> web.StreamResponse:
        sid = request.match_info["sid"]
        resp = web.StreamResponse(headers=SSE_HEADERS)
        await resp.prepare(request)
        streams[sid].add(resp)
        try:
            await asyncio.Event().wait()
        finally:
            streams[sid].discard(resp)
        return resp

    async def send(request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        body = await request.read()
        start, end = body.find(b'"content":'), body.rfind(b"}", 0, body.rfind(b"]"))
        content = body[start + 10 : end].decode() if start >= 0 else "[]"
        user_id, user = frame("user.message", sid, f',"content":{content}')
        frames = [
            user,
            frame("session.status_running", sid, "")[1],
            frame("agent.message", sid, f',"content":{content}')[1],
            frame("session.status_idle", sid, ',"stop_reason":{"type":"end_turn"}')[1],
        ]
        for resp in list(streams.get(sid, ())):
            try:
                for f in frames:
                    await resp.write(f)
            except ConnectionError:
                streams[sid].discard(resp)
        return web.Response(
            text=f'{{"data":[{{"id":"{user_id}","type":"user.message"}}]}}',
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_get("/v1/sessions/{sid}/events/stream", stream)
    app.router.add_post("/v1/sessions/{sid}/events", send)
    return app


def _forwarder_app(target: str) -> web.Application:
    import grpc  # only where used: the bare aiohttp processes stay bare

    state: dict[str, object] = {}

    async def start(app: web.Application) -> None:
        channel = grpc.aio.insecure_channel(target)
        state["channel"] = channel
        state["call"] = channel.unary_unary(ECHO_METHOD)  # bytes in, bytes out

    async def stop(app: web.Application) -> None:
        channel = state.get("channel")
        if isinstance(channel, grpc.aio.Channel):
            await channel.close()

    async def echo(request: web.Request) -> web.Response:
        reply = await state["call"](await request.read())  # type: ignore[operator]
        return web.Response(body=reply, content_type="application/json")

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_post("/echo", echo)
    return app


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _serve_http(kind: str, app: web.Application, port: int) -> None:
    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=1.0,
        handler_cancellation=True,  # a client that leaves ends its stream handler
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=2048)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"baseline {kind} listening port={bound}", flush=True)
    try:
        await _until_signal()
    finally:
        await runner.cleanup()


async def _serve_grpc_echo(port: int) -> None:
    import grpc

    async def echo(request: bytes, _context: object) -> bytes:
        return request

    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    server.add_generic_rpc_handlers((handler,))
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print(f"baseline grpc-echo listening port={bound}", flush=True)
    try:
        await _until_signal()
    finally:
        await server.stop(1.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=("echo", "sse", "standin", "forwarder", "grpc-echo"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--target", help="grpc-echo HOST:PORT (forwarder)")
    args = parser.parse_args(argv)
    if args.kind == "grpc-echo":
        asyncio.run(_serve_grpc_echo(args.port))
        return
    if args.kind == "echo":
        app = _echo_app()
    elif args.kind == "sse":
        app = _sse_app()
    elif args.kind == "standin":
        app = _standin_app()
    else:
        if not args.target:
            sys.exit("baselines.py forwarder: --target HOST:PORT is required")
        app = _forwarder_app(args.target)
    asyncio.run(_serve_http(args.kind, app, args.port))


if __name__ == "__main__":
    main()
