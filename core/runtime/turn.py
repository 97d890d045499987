"""The turn loop: model requests until the model ends its turn.

It persists every step as an event through the event log and sees the model
only through :class:`core.runtime.model.Model`.
"""

from __future__ import annotations

import asyncio
import logging

from google.protobuf import empty_pb2
from sessiond.v1 import common_pb2, event_pb2, session_pb2

from core import ids
from core.runtime import conversation
from core.runtime.model import (
    Finish,
    Model,
    ModelError,
    ModelRequest,
    TextDelta,
    TextDone,
    ThinkingDone,
    ThinkingStart,
    ToolCall,
    Usage,
)
from core.services.events import EventLog
from core.store.store import NewEvent, UsageDelta

log = logging.getLogger(__name__)


def new_event(**payload: object) -> NewEvent:
    """An agent/session event: ``new_event(agent_message=...)``."""
    ((field, value),) = payload.items()
    ev = event_pb2.SessionEvent(**{field: value})
    from core.eventtypes import TYPE_BY_FIELD

    return NewEvent(ids.new_id(ids.EVENT), TYPE_BY_FIELD[field], ev)


def idle(stop: str = "end_turn") -> NewEvent:
    reason = event_pb2.StopReason(**{stop: empty_pb2.Empty()})
    return new_event(session_status_idle=event_pb2.SessionStatusIdleEvent(stop_reason=reason))


def text_content(text: str) -> list[common_pb2.ContentBlock]:
    return [common_pb2.ContentBlock(text=common_pb2.TextBlock(text=text))]


class Turn:
    """One turn of one session, started by a user message."""

    def __init__(
        self,
        log_: EventLog,
        model: Model,
        session: session_pb2.Session,
        trigger_ids: list[str],
    ) -> None:
        self._log = log_
        self._model = model
        self._session = session
        self._sid = session.id
        self._trigger_ids = trigger_ids

    async def run(self) -> None:
        await self._log.append(
            self._sid,
            [new_event(session_status_running=event_pb2.SessionStatusRunningEvent())],
            status="running",
            turn="start",
            mark_processed=self._trigger_ids,
        )
        try:
            while True:
                stop = await self._model_request()
                if stop != "tool_use":
                    break
            await self._log.append(self._sid, [idle()], status="idle", turn="end")
        except asyncio.CancelledError:
            await self._log.append(self._sid, [idle()], status="idle", turn="end")
            raise
        except ModelError as e:
            await self._log.append(
                self._sid,
                [_error(e.kind, e.message, "terminal"), idle()],
                status="idle",
                turn="end",
            )

    async def _model_request(self) -> str:
        events = await self._log.store.conversation(self._sid)
        agent = self._session.agent
        request = ModelRequest(
            model=agent.model.id,
            system=agent.system if agent.HasField("system") else None,
            messages=conversation.build(events),
            turn_key=self._trigger_ids[0] if self._trigger_ids else self._sid,
        )
        start = new_event(span_model_request_start=event_pb2.SpanModelRequestStartEvent())
        await self._log.append(self._sid, [start])
        usage = Usage()
        stop = "end_turn"
        preview_id = ""
        try:
            async for chunk in self._model.stream(request):
                if isinstance(chunk, TextDelta):
                    if not preview_id:
                        preview_id = ids.new_id(ids.EVENT)
                        self._preview_start(preview_id, "agent.message")
                    self._preview_delta(preview_id, chunk.text)
                elif isinstance(chunk, TextDone):
                    event_id = preview_id or ids.new_id(ids.EVENT)
                    preview_id = ""
                    msg = event_pb2.AgentMessageEvent(content=text_content(chunk.text))
                    await self._log.append(
                        self._sid,
                        [
                            NewEvent(
                                event_id,
                                "agent.message",
                                event_pb2.SessionEvent(agent_message=msg),
                            )
                        ],
                    )
                elif isinstance(chunk, ThinkingStart):
                    preview_id = ids.new_id(ids.EVENT)
                    self._preview_start(preview_id, "agent.thinking")
                elif isinstance(chunk, ThinkingDone):
                    event_id = preview_id or ids.new_id(ids.EVENT)
                    preview_id = ""
                    await self._log.append(
                        self._sid,
                        [
                            NewEvent(
                                event_id,
                                "agent.thinking",
                                event_pb2.SessionEvent(
                                    agent_thinking=event_pb2.AgentThinkingEvent()
                                ),
                            )
                        ],
                    )
                elif isinstance(chunk, ToolCall):
                    stop = "tool_use"
                elif isinstance(chunk, Finish):
                    usage = chunk.usage
                    stop = chunk.stop_reason
        except asyncio.CancelledError:
            await self._end_span(start.id, usage, is_error=False)
            raise
        except ModelError:
            await self._end_span(start.id, usage, is_error=True)
            raise
        await self._end_span(start.id, usage, is_error=False)
        return stop

    async def _end_span(self, start_id: str, usage: Usage, is_error: bool) -> None:
        end = event_pb2.SpanModelRequestEndEvent(
            model_request_start_id=start_id,
            model_usage=common_pb2.ModelUsage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_creation_input_tokens=usage.cache_creation_input_tokens,
                cache_read_input_tokens=usage.cache_read_input_tokens,
                speed=common_pb2.SPEED_STANDARD,
            ),
            is_error=is_error,
        )
        await self._log.append(
            self._sid,
            [new_event(span_model_request_end=end)],
            usage=UsageDelta(
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_creation_input_tokens,
                usage.cache_read_input_tokens,
            ),
        )

    def _preview_start(self, event_id: str, event_type: str) -> None:
        item = event_pb2.StreamEventsResponse(
            start=event_pb2.EventStart(event=event_pb2.EventPreview(id=event_id, type=event_type))
        )
        self._log.preview(self._sid, event_type, item)

    def _preview_delta(self, event_id: str, text: str) -> None:
        item = event_pb2.StreamEventsResponse(
            delta=event_pb2.EventDelta(
                event_id=event_id,
                delta=event_pb2.DeltaContent(content=common_pb2.TextBlock(text=text)),
            )
        )
        self._log.preview(self._sid, "agent.message", item)


def _error(kind: str, message: str, retry: str) -> NewEvent:
    detail = event_pb2.ErrorDetail(
        message=message, retry_status=event_pb2.RetryStatus(**{retry: empty_pb2.Empty()})
    )
    return new_event(
        session_error=event_pb2.SessionErrorEvent(error=event_pb2.SessionError(**{kind: detail}))
    )
