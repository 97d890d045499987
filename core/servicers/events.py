from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.eventlog import EventLog
from sessiond.core.eventstream import EventStreams
from sessiond.core.servicers.base import streaming, unary
from sessiond.core.services.sessions import SessionService
from sessiond.core.services.threads import ThreadService
from sessiond.v1 import event_pb2 as pb
from sessiond.v1 import event_pb2_grpc


class EventServicer(event_pb2_grpc.EventServiceServicer):
    def __init__(
        self,
        sessions: SessionService,
        log: EventLog,
        streams: EventStreams,
        threads: ThreadService | None = None,
    ) -> None:
        self._sessions = sessions
        self._log = log
        self._streams = streams
        self._threads = threads

    @unary
    async def SendEvents(
        self, request: pb.SendEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SendEventsResponse:
        return pb.SendEventsResponse(
            events=await self._sessions.send(request, ws=current_caller().workspace)
        )

    @unary
    async def ListEvents(
        self, request: pb.ListEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEventsResponse:
        ws = current_caller().workspace
        if request.session_thread_id and self._threads is not None:
            events, token = await self._threads.list_events(request, ws=ws)
            return pb.ListEventsResponse(events=events, next_page_token=token)
        events, token = await self._log.list_events(request, ws=ws)
        return pb.ListEventsResponse(events=events, next_page_token=token)

    @streaming
    async def StreamEvents(
        self, request: pb.StreamEventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamEventsResponse]:
        ws = current_caller().workspace
        if request.session_thread_id and self._threads is not None:
            opened = self._threads.open_stream(request, ws=ws)
        else:
            opened = self._streams.open_stream(request, ws=ws)
        async with opened as stream:
            # Initial metadata tells the client the stream is attached.
            await context.send_initial_metadata(())
            async for item in stream:
                yield item
