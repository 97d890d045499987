"""Public event types, read from the proto's json_type options."""

from __future__ import annotations

from sessiond.v1 import event_pb2, options_pb2

_PAYLOAD = event_pb2.SessionEvent.DESCRIPTOR.oneofs_by_name["payload"]

# Public type ("agent.message") -> payload field ("agent_message"), and back.
FIELD_BY_TYPE: dict[str, str] = {
    f.message_type.GetOptions().Extensions[options_pb2.json_type]: f.name for f in _PAYLOAD.fields
}
TYPE_BY_FIELD: dict[str, str] = {v: k for k, v in FIELD_BY_TYPE.items()}

# What clients may send.
USER_TYPES = frozenset(
    {
        "user.message",
        "user.interrupt",
        "user.tool_confirmation",
        "user.custom_tool_result",
        "user.tool_result",
        "user.define_outcome",
        "system.message",
    }
)
DELTA_TYPES = frozenset({"agent.message", "agent.thinking"})


def type_of(ev: event_pb2.SessionEvent) -> str:
    field = ev.WhichOneof("payload")
    if field is None:
        return ""
    return TYPE_BY_FIELD[field]
