"""``/v1/sessions/{session_id}/events``: send, list and stream a session's events."""

from __future__ import annotations

import contextlib
from collections import OrderedDict

from aiohttp import web
from sessiond.edge import sse
from sessiond.edge.codec import event_from_json, event_to_json, stream_item_to_json
from sessiond.edge.errors import error_body, from_exception, invalid_request
from sessiond.edge.jsonio import dumps, json_response, read_object, text_value
from sessiond.edge.query import get_list, get_order, get_timestamp, page_fields, present
from sessiond.edge.state import PING_INTERVAL, REQUEST_ID, SSE_STREAMS, core
from sessiond.v1 import event_pb2

routes = web.RouteTableDef()


@routes.post("/v1/sessions/{session_id}/events")
async def send_events(request: web.Request) -> web.Response:
    body = await read_object(request)
    events = body.get("events")
    if not isinstance(events, list):
        raise invalid_request("events: expected an array of events")
    unknown = sorted(set(body) - {"events"})
    if unknown:
        raise invalid_request(f"{unknown[0]}: unknown field")
    message = event_pb2.SendEventsRequest(
        session_id=request.match_info["session_id"],
        events=[event_from_json(event, f"events[{i}]") for i, event in enumerate(events)],
    )
    reply = await core(request).events.send_events(message)
    return json_response({"data": [event_to_json(event) for event in reply.events]})


@routes.get("/v1/sessions/{session_id}/events")
async def list_events(request: web.Request) -> web.Response:
    return await list_thread_events(request, "")


async def list_thread_events(request: web.Request, thread_id: str) -> web.Response:
    """A page of the session's events, or of one of its threads' (``thread_id``)."""
    q = request.query
    message = event_pb2.ListEventsRequest(
        session_id=request.match_info["session_id"],
        session_thread_id=thread_id,
        types=get_list(q, "types"),
        **page_fields(q),
        **present(
            order=get_order(q),
            created_at_gt=get_timestamp(q, "created_at[gt]"),
            created_at_gte=get_timestamp(q, "created_at[gte]"),
            created_at_lt=get_timestamp(q, "created_at[lt]"),
            created_at_lte=get_timestamp(q, "created_at[lte]"),
        ),
    )
    reply = await core(request).events.list_events(message)
    return json_response(
        {
            "data": [event_to_json(event) for event in reply.events],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get("/v1/sessions/{session_id}/events/stream")
async def stream_events(request: web.Request) -> web.StreamResponse:
    return await stream_thread_events(request, "")


async def stream_thread_events(request: web.Request, thread_id: str) -> web.StreamResponse:
    """The session's stream, or one of its threads' (``thread_id``)."""
    session_id = request.match_info["session_id"]
    message = event_pb2.StreamEventsRequest(
        session_id=session_id,
        session_thread_id=thread_id,
        after_event_id=text_value(request.headers.get("Last-Event-ID"), "The Last-Event-ID header")
        or text_value(request.query.get("after"), "The after parameter")
        or "",
        event_deltas=get_list(request.query, "event_deltas"),
    )
    # The 200 goes out only once the core has attached the stream, so every event
    # committed after the client sees it is delivered; an unknown session is a
    # plain JSON 404 answered before the stream starts.
    stream = await core(request).events.stream_events(message)
    async with contextlib.aclosing(stream):
        resp = web.StreamResponse(headers=sse.HEADERS)
        await resp.prepare(request)
        request_id = request.get(REQUEST_ID)

        def render_error(exc: Exception) -> bytes:
            return sse.frame("error", dumps(error_body(from_exception(exc, request), request_id)))

        await sse.pump(
            request,
            resp,
            lambda: stream,
            render=_render,
            render_error=render_error,
            stream=request.app[SSE_STREAMS].open(),
            ping_interval=request.app[PING_INTERVAL],
        )
    with contextlib.suppress(ConnectionError):
        await resp.write_eof()
    return resp


# Frames of recent events, shared by every stream that sends them (a session
# with many subscribers encodes each event once). An event is keyed by its id
# and processing time, the one field that differs between live and replay.
_FRAMES: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
MAX_FRAMES = 4096


# The frames of the items rendered last, by identity: the broker hands the same
# item to every stream of a session, so each stream after the first finds its
# frame without reading the item's fields. The entry holds the item, so its id
# is not reused while it is here.
_BY_ITEM: OrderedDict[int, tuple[event_pb2.StreamEventsResponse, bytes]] = OrderedDict()
MAX_BY_ITEM = 256


def _render(item: event_pb2.StreamEventsResponse) -> bytes:
    hit = _BY_ITEM.get(id(item))
    if hit is not None and hit[0] is item:
        return hit[1]
    frame = _render_item(item)
    _BY_ITEM[id(item)] = (item, frame)
    if len(_BY_ITEM) > MAX_BY_ITEM:
        _BY_ITEM.popitem(last=False)
    return frame


def _render_item(item: event_pb2.StreamEventsResponse) -> bytes:
    if item.WhichOneof("item") != "event":
        name, data = stream_item_to_json(item)
        return sse.frame(name, dumps(data))
    ev = item.event
    key = (ev.id, ev.processed_at.seconds, ev.processed_at.nanos)
    cached = _FRAMES.get(key)
    if cached is not None:
        return cached
    name, data = stream_item_to_json(item)
    frame = sse.frame(name, dumps(data), ev.id)
    _FRAMES[key] = frame
    if len(_FRAMES) > MAX_FRAMES:
        _FRAMES.popitem(last=False)
    return frame
