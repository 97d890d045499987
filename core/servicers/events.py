from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from sessiond.core.eventlog import EventLog
from sessiond.core.servicers.base import streaming, unary
from sessiond.core.services.sessions import SessionService
from sessiond.v1 import event_pb2 as pb
from sessiond.v1 import event_pb2_grpc


class EventServicer(event_pb2_grpc.EventServiceServicer):
    def __init__(self, sessions: SessionService, log: EventLog) -> None:
        self._sessions = sessions
        self._log = log

    @unary
    async def SendEvents(
        self, request: pb.SendEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SendEventsResponse:
        return pb.SendEventsResponse(events=await self._sessions.send(request))

    @unary
    async def ListEvents(
        self, request: pb.ListEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEventsResponse:
        events, token = await self._log.list_events(request)
        return pb.ListEventsResponse(events=events, next_page_token=token)

    @streaming
    async def StreamEvents(
        self, request: pb.StreamEventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamEventsResponse]:
        async def opened() -> None:
            # Initial metadata tells the client the stream is attached.
            await context.send_initial_metadata(())

        async for item in self._log.stream(request, opened):
            yield item
