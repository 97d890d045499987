"""Tests of edge.codec against the public JSON shapes: the anthropic SDK's pydantic models."""

from __future__ import annotations

import time
import typing
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import pydantic
import pytest
from anthropic.types.beta import (
    BetaEnvironment,
    BetaManagedAgentsAgent,
    BetaManagedAgentsDeltaEvent,
    BetaManagedAgentsSession,
    BetaManagedAgentsStartEvent,
)
from anthropic.types.beta.sessions import (
    BetaManagedAgentsEventParams,
    BetaManagedAgentsSessionEvent,
    BetaManagedAgentsSessionEventType,
)
from google.protobuf import struct_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from sessiond.edge.codec import (
    EVENT_TYPES,
    CodecError,
    event_from_json,
    event_to_json,
    event_type,
    from_json,
    stream_item_to_json,
    to_json,
)
from sessiond.v1 import (
    agent_pb2,
    common_pb2,
    environment_pb2,
    event_pb2,
    options_pb2,
    session_pb2,
)

M = TypeVar("M", bound=Message)

EMPTY = "google.protobuf.Empty"
FIELD_MASK = "google.protobuf.FieldMask"
TIMESTAMP_TEXT = "2026-11-21T12:00:00.123456Z"
INPUT_ONLY = {"sessiond.v1.GitHubRepositoryResource.authorization_token"}
# Union members a request may use but a response never holds (the core resolves them).
INPUT_ONLY_VARIANTS = {("sessiond.v1.RosterEntry", "self")}

EVENT_ADAPTER: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(BetaManagedAgentsSessionEvent)
PARAMS_ADAPTER: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(BetaManagedAgentsEventParams)
PAYLOAD_FIELDS: list[FieldDescriptor] = list(
    event_pb2.SessionEvent.DESCRIPTOR.oneofs_by_name["payload"].fields
)


def json_type_of(desc: Descriptor) -> str:
    value: str = desc.GetOptions().Extensions[options_pb2.json_type]
    return value


# --------------------------------------------------------------------------- example builder

# Struct fields whose content the SDK types precisely.
STRUCT_VALUES: dict[str, dict[str, Any]] = {
    "sessiond.v1.CustomTool.input_schema": {
        "type": "object",
        "properties": {"query": {"type": "string"}},
        "required": ["query"],
    },
    "sessiond.v1.WebFetchToolConfig.url_sources": {
        "client_tool_results": {"type": "all"},
        "server_tool_results": {
            "type": "only",
            "tools": [{"type": "tool_reference", "name": "web_search"}],
        },
        "user_input": {"type": "none"},
    },
}
# Tool inputs and other free-form objects.
DEFAULT_STRUCT: dict[str, Any] = {
    "command": "ls -la",
    "limit": 10,
    "ratio": 0.5,
    "flags": [True, None, "x"],
    "nested": {"key": "value"},
}
# String fields whose values the SDK constrains.
STRING_VALUES: dict[str, str] = {
    "sessiond.v1.MonetaryAmount.currency": "USD",
    "sessiond.v1.MonetaryAmount.amount": "12.50",
    "sessiond.v1.PlainTextSource.media_type": "text/plain",
    "sessiond.v1.Base64Source.media_type": "image/png",
    "sessiond.v1.EventPreview.type": "agent.message",
}
# Fields that must repeat the name of the union member holding them ("bash" for bash).
MEMBER_NAMED_FIELDS = {
    "sessiond.v1.ToolConfig.name",
    "sessiond.v1.WebFetchToolConfig.name",
    "sessiond.v1.WebSearchToolConfig.name",
}
INT_TYPES = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
}


def is_union(desc: Descriptor) -> bool:
    oneof = desc.oneofs_by_name.get("type")
    return oneof is not None and all(fd.containing_oneof is oneof for fd in desc.fields)


def is_map(fd: FieldDescriptor) -> bool:
    return fd.message_type is not None and fd.message_type.GetOptions().map_entry


def in_real_oneof(fd: FieldDescriptor) -> bool:
    oneof = fd.containing_oneof
    return oneof is not None and oneof.name != f"_{fd.name}"


def scalar_example(fd: FieldDescriptor, member: str | None) -> Any:
    if fd.type == FieldDescriptor.TYPE_STRING:
        if fd.full_name in MEMBER_NAMED_FIELDS and member is not None:
            return member
        return STRING_VALUES.get(fd.full_name, f"{fd.name}-1")
    if fd.type in INT_TYPES:
        return 7
    if fd.type == FieldDescriptor.TYPE_DOUBLE:
        return 2.5
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return True
    if fd.type == FieldDescriptor.TYPE_ENUM:
        return next(v.number for v in fd.enum_type.values if v.number != 0)
    raise AssertionError(f"no example for {fd.full_name}")


def fill_message(fd: FieldDescriptor, target: Message, choices: Mapping[str, str]) -> None:
    name = fd.message_type.full_name
    if name == "google.protobuf.Timestamp":
        target.FromJsonString(TIMESTAMP_TEXT)  # type: ignore[attr-defined]
    elif name == "google.protobuf.Struct":
        assert isinstance(target, struct_pb2.Struct)
        target.update(STRUCT_VALUES.get(fd.full_name, DEFAULT_STRUCT))
    else:
        populate(target, choices)
    target.SetInParent()


def populate(msg: M, choices: Mapping[str, str] | None = None, member: str | None = None) -> M:
    """Fills every field of msg with plausible values; unions get their first member, or
    the member named in choices (by union full name)."""
    choices = choices or {}
    desc = msg.DESCRIPTOR
    if is_union(desc):
        chosen = choices.get(desc.full_name, desc.fields[0].name)
        target = getattr(msg, chosen)
        target.SetInParent()
        if target.DESCRIPTOR.full_name != EMPTY:
            populate(target, choices, member=chosen)
        return msg
    for fd in desc.fields:
        if fd.message_type is not None and fd.message_type.full_name == FIELD_MASK:
            continue
        assert not in_real_oneof(fd), f"populate cannot choose for {fd.full_name}"
        if is_map(fd):
            getattr(msg, fd.name)["key-1"] = "value-1"
        elif fd.type == FieldDescriptor.TYPE_MESSAGE:
            if fd.is_repeated:
                fill_message(fd, getattr(msg, fd.name).add(), choices)
            else:
                fill_message(fd, getattr(msg, fd.name), choices)
        elif fd.is_repeated:
            getattr(msg, fd.name).append(scalar_example(fd, member))
        else:
            setattr(msg, fd.name, scalar_example(fd, member))
    return msg


def full_event(payload_field: str, choices: Mapping[str, str] | None = None) -> Any:
    ev = event_pb2.SessionEvent(id="sevt_x", session_id="sesn_x", sequence=3)
    ev.processed_at.FromJsonString(TIMESTAMP_TEXT)
    ev.created_at.FromJsonString("2026-11-21T11:59:59Z")
    payload = getattr(ev, payload_field)
    payload.SetInParent()
    populate(payload, choices)
    return ev


def union_variants(desc: Descriptor) -> list[tuple[str, str]]:
    """Every (union, member) reachable from desc, except the first members."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def visit(d: Descriptor) -> None:
        if d.full_name in seen:
            return
        seen.add(d.full_name)
        if is_union(d):
            found.extend((d.full_name, fd.name) for fd in d.fields[1:])
        for fd in d.fields:
            if fd.message_type is not None and not is_map(fd):
                visit(fd.message_type)

    visit(desc)
    return found


def strip_input_only(msg: Message) -> None:
    for fd, value in msg.ListFields():
        if fd.full_name in INPUT_ONLY:
            msg.ClearField(fd.name)
        elif fd.type == FieldDescriptor.TYPE_MESSAGE and not is_map(fd):
            for item in value if fd.is_repeated else [value]:
                strip_input_only(item)


# --------------------------------------------------------------------------- SDK checks


def assert_matches_sdk(data: Any, obj: Any, path: str = "$") -> None:
    """data (our JSON) has exactly the fields of the parsed SDK object, recursively, with
    equal values: catches misspelled, missing and mistyped fields despite extra="allow"."""
    if isinstance(obj, pydantic.BaseModel):
        assert isinstance(data, dict), f"{path}: expected an object, got {data!r}"
        cls = type(obj)
        keys = {name: info.alias or name for name, info in cls.model_fields.items()}
        unknown = set(data) - set(keys.values())
        assert not unknown, f"{path}: {cls.__name__} has no fields {sorted(unknown)}"
        missing = set(keys.values()) - set(data)
        assert not missing, f"{path}: we do not emit {cls.__name__} fields {sorted(missing)}"
        assert not obj.model_extra, f"{path}: extra fields {obj.model_extra}"
        for name, key in keys.items():
            assert_matches_sdk(data[key], getattr(obj, name), f"{path}.{key}")
    elif isinstance(obj, list):
        assert isinstance(data, list) and len(data) == len(obj), f"{path}: {data!r}"
        for index, (item, parsed) in enumerate(zip(data, obj, strict=True)):
            assert_matches_sdk(item, parsed, f"{path}[{index}]")
    elif isinstance(obj, dict):
        assert isinstance(data, dict) and set(data) == set(obj), f"{path}: {data!r}"
        for key in obj:
            assert_matches_sdk(data[key], obj[key], f"{path}.{key}")
    elif isinstance(obj, datetime):
        assert isinstance(data, str) and datetime.fromisoformat(data) == obj, path
    else:
        # No lax coercion: "7" for 7 or 1 for True would be a bug of ours.
        assert type(data) is type(obj) and data == obj, f"{path}: {data!r} != {obj!r}"


def assert_keys_kept(sent: Any, dumped: Any, path: str = "$") -> None:
    if isinstance(sent, dict):
        assert isinstance(dumped, dict), path
        lost = set(sent) - set(dumped)
        assert not lost, f"{path}: the SDK dropped {sorted(lost)}"
        for key, value in sent.items():
            assert_keys_kept(value, dumped[key], f"{path}.{key}")
    elif isinstance(sent, list):
        assert isinstance(dumped, list) and len(dumped) == len(sent), path
        for index, (a, b) in enumerate(zip(sent, dumped, strict=True)):
            assert_keys_kept(a, b, f"{path}[{index}]")


def check_sdk(data: dict[str, Any], model: Any) -> Any:
    """Validates data with the SDK type (a model or a union) as strictly as we can."""
    parsed = pydantic.TypeAdapter(model).validate_python(data)
    assert_matches_sdk(data, parsed)
    assert_keys_kept(data, parsed.model_dump(mode="json", exclude_unset=False))
    return parsed


def check_event(data: dict[str, Any]) -> Any:
    parsed = check_sdk(data, BetaManagedAgentsSessionEvent)
    assert parsed.type == data["type"]
    return parsed


# --------------------------------------------------------------------------- event types


def sdk_union_types() -> set[str]:
    members = typing.get_args(typing.get_args(BetaManagedAgentsSessionEvent)[0])
    types: set[str] = set()
    for member in members:
        types.update(typing.get_args(member.model_fields["type"].annotation))
    return types


def test_event_types_match_the_sdk_union() -> None:
    assert len(EVENT_TYPES) == 42
    assert set(EVENT_TYPES) == sdk_union_types()


def test_event_types_match_the_sdk_event_type_literal() -> None:
    literal = set(typing.get_args(BetaManagedAgentsSessionEventType))
    # The SDK's BetaManagedAgentsSessionEventType (anthropic 2.12.0) lists 41 types: it lacks
    # "session.deleted", which its BetaManagedAgentsSessionEvent union does have.
    assert len(literal) == 41
    assert literal <= set(EVENT_TYPES)
    assert set(EVENT_TYPES) - literal == {"session.deleted"}


def test_event_types_map_to_payload_fields() -> None:
    by_name = {fd.name: fd for fd in PAYLOAD_FIELDS}
    assert set(EVENT_TYPES.values()) == set(by_name)
    for public_type, field_name in EVENT_TYPES.items():
        assert json_type_of(by_name[field_name].message_type) == public_type
        ev = event_pb2.SessionEvent()
        getattr(ev, field_name).SetInParent()
        assert event_type(ev) == public_type


def test_event_type_without_payload_is_an_error() -> None:
    with pytest.raises(ValueError):
        event_type(event_pb2.SessionEvent(id="sevt_1"))
    with pytest.raises(ValueError):
        event_to_json(event_pb2.SessionEvent(id="sevt_1"))


# --------------------------------------------------------------------------- events vs the SDK


@pytest.mark.parametrize("payload_field", [fd.name for fd in PAYLOAD_FIELDS])
def test_full_event_validates_with_the_sdk(payload_field: str) -> None:
    ev = full_event(payload_field)
    data = event_to_json(ev)
    assert list(data)[:3] == ["id", "type", "processed_at"]
    assert data["id"] == "sevt_x"
    assert data["processed_at"] == TIMESTAMP_TEXT
    assert not {"session_id", "sequence", "created_at"} & set(data)
    check_event(data)


@pytest.mark.parametrize("payload_field", [fd.name for fd in PAYLOAD_FIELDS])
def test_full_event_payload_round_trips(payload_field: str) -> None:
    ev = full_event(payload_field)
    payload = getattr(ev, payload_field)
    assert from_json(to_json(payload), type(payload)) == payload
    data = event_to_json(ev)
    del data["id"], data["processed_at"]
    back = event_from_json(data)
    assert back.WhichOneof("payload") == payload_field
    assert getattr(back, payload_field) == payload
    assert not back.id and not back.HasField("processed_at")


# Content blocks that the SDK does not allow in some events, though the proto shares one
# ContentBlock type for all of them: the core must not produce these.
SDK_REJECTS: set[tuple[str, str]] = {
    ("agent.message", "image"),
    ("agent.message", "document"),
    ("agent.message", "search_result"),
    ("user.message", "search_result"),
    ("agent.thread_message_received", "search_result"),
    ("agent.thread_message_sent", "search_result"),
    ("user.custom_tool_result", "redacted"),
    ("user.tool_result", "redacted"),
    ("agent.tool_result", "redacted"),
    ("agent.mcp_tool_result", "redacted"),
}


def event_variant_cases() -> Iterator[Any]:
    for fd in PAYLOAD_FIELDS:
        public_type = json_type_of(fd.message_type)
        for union, member in union_variants(fd.message_type):
            short = union.removeprefix("sessiond.v1.")
            yield pytest.param(fd.name, union, member, id=f"{public_type}-{short}.{member}")


@pytest.mark.parametrize(("payload_field", "union", "member"), list(event_variant_cases()))
def test_event_union_variants_validate_with_the_sdk(
    payload_field: str, union: str, member: str
) -> None:
    ev = full_event(payload_field, {union: member})
    data = event_to_json(ev)
    rejected = union == "sessiond.v1.ContentBlock" and (data["type"], member) in SDK_REJECTS
    if rejected:
        with pytest.raises(pydantic.ValidationError):
            EVENT_ADAPTER.validate_python(data)
    else:
        check_event(data)
    payload = getattr(ev, payload_field)
    assert from_json(to_json(payload), type(payload)) == payload


# --------------------------------------------------------------------------- resources vs the SDK

RESOURCES: list[tuple[type[Message], Any]] = [
    (agent_pb2.Agent, BetaManagedAgentsAgent),
    (session_pb2.Session, BetaManagedAgentsSession),
    (environment_pb2.Environment, BetaEnvironment),
]


@pytest.mark.parametrize(("cls", "model"), RESOURCES, ids=lambda x: getattr(x, "__name__", ""))
def test_full_resource_validates_with_the_sdk(cls: type[Message], model: Any) -> None:
    msg = populate(cls())
    data = to_json(msg)
    assert data["type"] == json_type_of(cls.DESCRIPTOR)
    assert list(data)[0] == "type"
    check_sdk(data, model)


@pytest.mark.parametrize(("cls", "model"), RESOURCES, ids=lambda x: getattr(x, "__name__", ""))
def test_full_resource_round_trips(cls: type[Message], model: Any) -> None:
    msg = populate(cls())
    back = from_json(to_json(msg), cls)
    strip_input_only(msg)
    assert back == msg


def resource_variant_cases() -> Iterator[Any]:
    for cls, model in RESOURCES:
        for union, member in union_variants(cls.DESCRIPTOR):
            if (union, member) in INPUT_ONLY_VARIANTS:
                continue
            short = union.removeprefix("sessiond.v1.")
            yield pytest.param(cls, model, union, member, id=f"{cls.__name__}-{short}.{member}")


@pytest.mark.parametrize(("cls", "model", "union", "member"), list(resource_variant_cases()))
def test_resource_union_variants_validate_with_the_sdk(
    cls: type[Message], model: Any, union: str, member: str
) -> None:
    msg = populate(cls(), {union: member})
    check_sdk(to_json(msg), model)
    back = from_json(to_json(msg), cls)
    strip_input_only(msg)
    assert back == msg


def set_time(ts: Any, text: str = TIMESTAMP_TEXT) -> None:
    ts.FromJsonString(text)


def minimal_session_agent() -> agent_pb2.SessionAgent:
    agent = agent_pb2.SessionAgent(id="agent_1", version=1, name="helper")
    agent.model.id = "claude-opus-4-8"
    agent.execution_identity.service_account.SetInParent()
    return agent


def test_minimal_agent_validates_with_the_sdk() -> None:
    agent = agent_pb2.Agent(id="agent_1", version=1, name="helper")
    agent.model.id = "claude-opus-4-8"
    agent.execution_identity.service_account.SetInParent()
    set_time(agent.created_at)
    set_time(agent.updated_at)
    data = to_json(agent)
    parsed = check_sdk(data, BetaManagedAgentsAgent)
    assert data["description"] is None and data["system"] is None
    assert data["multiagent"] is None and data["archived_at"] is None
    assert data["model"] == {
        "id": "claude-opus-4-8",
        "effort": None,
        "inference_geo": None,
        "speed": None,
    }
    assert data["tools"] == [] and data["metadata"] == {}
    assert data["execution_identity"] == {"type": "service_account"}
    assert parsed.version == 1


def test_minimal_session_validates_with_the_sdk() -> None:
    session = session_pb2.Session(
        id="sesn_1", environment_id="env_1", status=session_pb2.SESSION_STATUS_IDLE
    )
    session.agent.CopyFrom(minimal_session_agent())
    session.usage.SetInParent()
    session.stats.SetInParent()
    set_time(session.created_at)
    set_time(session.updated_at)
    data = to_json(session)
    check_sdk(data, BetaManagedAgentsSession)
    assert data["status"] == "idle"
    assert data["agent"]["type"] == "agent"
    assert data["budget"] is None and data["title"] is None
    assert data["resources"] == [] and data["vault_ids"] == []
    assert data["usage"]["cache_creation"] is None
    assert data["usage"]["input_tokens"] == 0


@pytest.mark.parametrize("cloud", [False, True])
def test_minimal_environment_validates_with_the_sdk(cloud: bool) -> None:
    env = environment_pb2.Environment(id="env_1", name="default")
    if cloud:
        env.config.cloud.networking.unrestricted.SetInParent()
        env.config.cloud.packages.SetInParent()
    else:
        env.config.self_hosted.SetInParent()
    set_time(env.created_at)
    set_time(env.updated_at)
    data = to_json(env)
    check_sdk(data, BetaEnvironment)
    assert data["scope"] is None
    if cloud:
        assert data["config"] == {
            "type": "cloud",
            "networking": {"type": "unrestricted"},
            "packages": {
                "type": "packages",
                "apt": [],
                "cargo": [],
                "gem": [],
                "go": [],
                "npm": [],
                "pip": [],
            },
        }
    else:
        assert data["config"] == {"type": "self_hosted"}


def test_minimal_events_validate_with_the_sdk() -> None:
    ev = event_pb2.SessionEvent(id="sevt_1")
    ev.session_status_idle.stop_reason.end_turn.SetInParent()
    set_time(ev.processed_at)
    data = event_to_json(ev)
    assert data == {
        "id": "sevt_1",
        "type": "session.status_idle",
        "processed_at": TIMESTAMP_TEXT,
        "stop_reason": {"type": "end_turn"},
        "stop_details": None,
    }
    check_event(data)
    queued = event_pb2.SessionEvent(id="sevt_2")
    queued.user_message.content.add().text.text = "hi"
    data = event_to_json(queued)
    assert data["processed_at"] is None
    check_event(data)


# --------------------------------------------------------------------------- output rules


def test_output_scalars_keep_their_json_types() -> None:
    ev = full_event("span_model_request_end")
    data = event_to_json(ev)
    usage = data["model_usage"]
    assert type(usage["input_tokens"]) is int and usage["input_tokens"] == 7
    assert usage["speed"] == "standard"
    stats = to_json(session_pb2.SessionStats(active_seconds=3, duration_seconds=1.25))
    assert stats == {"active_seconds": 3.0, "duration_seconds": 1.25}
    assert type(stats["active_seconds"]) is float
    big = to_json(common_pb2.ModelUsage(input_tokens=2**62))
    assert big["input_tokens"] == 2**62


def test_output_emits_every_field_with_nulls_and_empty_strings() -> None:
    data = to_json(event_pb2.UserToolConfirmationEvent())
    assert data == {
        "type": "user.tool_confirmation",
        "result": None,
        "tool_use_id": "",
        "deny_message": None,
        "session_thread_id": None,
    }
    assert to_json(agent_pb2.ModelConfig()) == {
        "id": "",
        "effort": None,
        "inference_geo": None,
        "speed": None,
    }


def test_output_unions() -> None:
    block = common_pb2.ContentBlock()
    block.image.source.url.url = "https://example.com/a.png"
    assert to_json(block) == {
        "type": "image",
        "source": {"type": "url", "url": "https://example.com/a.png"},
    }
    block = common_pb2.ContentBlock()
    block.redacted.SetInParent()
    assert to_json(block) == {"type": "redacted"}
    assert to_json(common_pb2.ContentBlock()) == {}
    agent = agent_pb2.SessionAgent()
    agent.execution_identity.SetInParent()  # present but no member: still null
    assert to_json(agent)["execution_identity"] is None


def test_output_enums() -> None:
    assert to_json(session_pb2.Session(status=session_pb2.SESSION_STATUS_RESCHEDULING))[
        "status"
    ] == ("rescheduling")
    confirmation = event_pb2.UserToolConfirmationEvent(
        result=event_pb2.TOOL_CONFIRMATION_RESULT_ALLOW
    )
    assert to_json(confirmation)["result"] == "allow"
    details = event_pb2.RefusalStopDetails(category=event_pb2.REFUSAL_CATEGORY_FRONTIER_LLM)
    assert to_json(details) == {"type": "refusal", "category": "frontier_llm", "explanation": None}
    request = session_pb2.ListSessionsRequest(
        statuses=[session_pb2.SESSION_STATUS_IDLE, session_pb2.SESSION_STATUS_RUNNING]
    )
    assert to_json(request)["statuses"] == ["idle", "running"]


ALL_ENUMS = [
    enum
    for module in (common_pb2, agent_pb2, environment_pb2, event_pb2, session_pb2)
    for enum in module.DESCRIPTOR.enum_types_by_name.values()
]


@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: e.name)
def test_every_enum_has_the_prefix_convention(enum: Any) -> None:
    prefix = "".join("_" + c if c.isupper() else c.upper() for c in enum.name).lstrip("_") + "_"
    assert enum.values[0].number == 0 and enum.values[0].name == prefix + "UNSPECIFIED"
    for value in enum.values[1:]:
        assert value.name.startswith(prefix), value.name


def test_output_timestamps() -> None:
    agent = agent_pb2.Agent()
    agent.created_at.seconds = 1_795_262_400  # 2026-11-21T12:00:00Z
    agent.created_at.nanos = 123_456_789
    agent.updated_at.seconds = -1
    data = to_json(agent)
    assert data["created_at"] == "2026-11-21T12:00:00.123456Z"
    assert data["updated_at"] == "1969-12-31T23:59:59.000000Z"
    assert data["archived_at"] is None


def test_output_struct_values() -> None:
    ev = event_pb2.AgentToolUseEvent(name="bash")
    ev.input.update({"n": 3, "x": 0.25, "ok": False, "none": None, "list": [1, "a"], "o": {}})
    data = to_json(ev)
    assert data["input"] == {
        "n": 3,
        "x": 0.25,
        "ok": False,
        "none": None,
        "list": [1, "a"],
        "o": {},
    }
    assert type(data["input"]["n"]) is int
    assert to_json(agent_pb2.CustomTool())["input_schema"] is None


def test_input_only_and_field_mask_fields_are_never_emitted() -> None:
    repo = session_pb2.GitHubRepositoryResource(url="https://github.com/a/b", mount_path="/w")
    repo.authorization_token = "ghp_secret"
    assert "authorization_token" not in to_json(repo)
    resource = session_pb2.SessionResource()
    resource.github_repository.CopyFrom(repo)
    assert "ghp_secret" not in repr(to_json(resource))
    request = agent_pb2.UpdateAgentRequest(agent_id="agent_1")
    request.update_mask.paths.append("name")
    assert "update_mask" not in to_json(request)
    # Input-only fields are read.
    read = from_json(
        {"url": "https://github.com/a/b", "authorization_token": "ghp_secret"},
        session_pb2.GitHubRepositoryResource,
    )
    assert read.authorization_token == "ghp_secret"


def test_maps_and_repeated() -> None:
    agent = agent_pb2.Agent(metadata={"team": "infra", "env": "prod"})
    agent.skills.add().anthropic.skill_id = "xlsx"
    data = to_json(agent)
    assert data["metadata"] == {"team": "infra", "env": "prod"}
    assert data["skills"] == [{"type": "anthropic", "skill_id": "xlsx", "version": ""}]
    assert from_json({"metadata": {"a": "b"}}, agent_pb2.Agent).metadata == {"a": "b"}


# --------------------------------------------------------------------------- stream items


def test_stream_event_start() -> None:
    for preview in ("agent.message", "agent.thinking"):
        item = event_pb2.StreamEventsResponse()
        item.start.event.id = "sevt_9"
        item.start.event.type = preview
        name, data = stream_item_to_json(item)
        assert name == "event_start"
        assert data == {"type": "event_start", "event": {"id": "sevt_9", "type": preview}}
        parsed = check_sdk(data, BetaManagedAgentsStartEvent)
        assert parsed.event.type == preview


def delta_item(index: int | None = None) -> Any:
    item = event_pb2.StreamEventsResponse()
    item.delta.event_id = "sevt_9"
    item.delta.delta.content.text = "Hel"
    if index is not None:
        item.delta.delta.index = index
    return item


def test_stream_event_delta() -> None:
    name, data = stream_item_to_json(delta_item())
    assert name == "event_delta"
    assert data == {
        "type": "event_delta",
        "event_id": "sevt_9",
        "delta": {
            "type": "content_delta",
            "content": {"type": "text", "text": "Hel"},
            "index": None,
        },
    }
    check_sdk(data, BetaManagedAgentsDeltaEvent)
    name, data = stream_item_to_json(delta_item(2))
    assert name == "event_delta"
    assert check_sdk(data, BetaManagedAgentsDeltaEvent).delta.index == 2


def test_stream_event_item() -> None:
    item = event_pb2.StreamEventsResponse()
    item.event.CopyFrom(full_event("agent_message"))
    name, data = stream_item_to_json(item)
    assert name == "agent.message"
    assert data == event_to_json(item.event)
    with pytest.raises(ValueError):
        stream_item_to_json(event_pb2.StreamEventsResponse())


# --------------------------------------------------------------------------- client events

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ"

PARAM_EXAMPLES: dict[str, dict[str, Any]] = {
    "message-text": {"type": "user.message", "content": [{"type": "text", "text": "Hello"}]},
    "message-image-base64": {
        "type": "user.message",
        "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        ],
    },
    "message-image-url": {
        "type": "user.message",
        "content": [
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}
        ],
    },
    "message-image-file": {
        "type": "user.message",
        "content": [{"type": "image", "source": {"type": "file", "file_id": "file_011"}}],
    },
    "message-document-base64": {
        "type": "user.message",
        "content": [
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
            }
        ],
    },
    "message-document-text": {
        "type": "user.message",
        "content": [
            {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": "Some notes."},
                "title": "Notes",
                "context": "Meeting of Monday",
            }
        ],
    },
    "message-document-url": {
        "type": "user.message",
        "content": [
            {
                "type": "document",
                "source": {"type": "url", "url": "https://example.com/spec.pdf"},
                "title": None,
                "context": None,
            }
        ],
    },
    "message-document-file": {
        "type": "user.message",
        "content": [{"type": "document", "source": {"type": "file", "file_id": "file_012"}}],
    },
    "message-redacted": {"type": "user.message", "content": [{"type": "redacted"}]},
    "interrupt": {"type": "user.interrupt"},
    "interrupt-thread": {"type": "user.interrupt", "session_thread_id": "sthr_1"},
    "confirmation-allow": {
        "type": "user.tool_confirmation",
        "result": "allow",
        "tool_use_id": "sevt_7",
    },
    "confirmation-deny": {
        "type": "user.tool_confirmation",
        "result": "deny",
        "tool_use_id": "sevt_7",
        "deny_message": "Not on production.",
    },
    "custom-tool-result": {
        "type": "user.custom_tool_result",
        "custom_tool_use_id": "sevt_8",
        "content": [
            {"type": "text", "text": "42"},
            {
                "type": "search_result",
                "source": "https://example.com",
                "title": "Example",
                "citations": {"enabled": True},
                "content": [{"type": "text", "text": "Example text"}],
            },
        ],
        "is_error": False,
    },
    "custom-tool-result-bare": {"type": "user.custom_tool_result", "custom_tool_use_id": "sevt_8"},
    "tool-result": {
        "type": "user.tool_result",
        "tool_use_id": "sevt_9",
        "content": [{"type": "text", "text": "permission denied"}],
        "is_error": True,
    },
    "define-outcome-text": {
        "type": "user.define_outcome",
        "description": "A working fizzbuzz in Rust.",
        "rubric": {"type": "text", "content": "Compiles; prints 1..100 correctly."},
        "max_iterations": 5,
    },
    "define-outcome-file": {
        "type": "user.define_outcome",
        "description": "A report.",
        "rubric": {"type": "file", "file_id": "file_013"},
        "max_iterations": None,
    },
    "system-message": {
        "type": "system.message",
        "content": [{"type": "text", "text": "The user is on mobile."}],
    },
}


def materialize(value: Any) -> Any:
    """Forces the lazy validation pydantic applies to Iterable fields of TypedDicts."""
    if isinstance(value, dict):
        return {key: materialize(item) for key, item in value.items()}
    if isinstance(value, list | tuple | Iterator):
        return [materialize(item) for item in value]
    return value


def assert_sent_values_kept(sent: Any, out: Any, path: str = "$") -> None:
    if isinstance(sent, dict):
        assert isinstance(out, dict), path
        for key, value in sent.items():
            assert key in out, f"{path}.{key} was lost"
            assert_sent_values_kept(value, out[key], f"{path}.{key}")
    elif isinstance(sent, list):
        assert isinstance(out, list) and len(out) == len(sent), path
        for index, (a, b) in enumerate(zip(sent, out, strict=True)):
            assert_sent_values_kept(a, b, f"{path}[{index}]")
    else:
        assert sent == out and type(sent) is type(out), f"{path}: {sent!r} != {out!r}"


@pytest.mark.parametrize("name", list(PARAM_EXAMPLES))
def test_client_events_are_read(name: str) -> None:
    sent = PARAM_EXAMPLES[name]
    assert materialize(PARAMS_ADAPTER.validate_python(sent)) is not None  # valid SDK params
    ev = event_from_json(sent, path="events[0]")
    assert event_type(ev) == sent["type"]
    assert not ev.id and not ev.session_id and not ev.HasField("processed_at")
    ev.id = "sevt_x"
    set_time(ev.processed_at)
    out = event_to_json(ev)
    if sent["type"] == "user.define_outcome":
        out["outcome_id"] = "outc_1"  # output only: the core fills it
    check_event(out)
    assert_sent_values_kept(sent, out)


def test_client_event_examples_cover_every_sdk_param() -> None:
    declared: dict[str, set[str]] = {}
    for params in typing.get_args(BetaManagedAgentsEventParams):
        hints = typing.get_type_hints(params)
        (public_type,) = typing.get_args(hints["type"])
        declared[public_type] = set(hints)
    used: dict[str, set[str]] = {}
    for example in PARAM_EXAMPLES.values():
        used.setdefault(example["type"], set()).update(example)
    assert used == declared


def test_client_event_fields_land_in_the_payload() -> None:
    ev = event_from_json(PARAM_EXAMPLES["confirmation-deny"])
    confirmation = ev.user_tool_confirmation
    assert confirmation.result == event_pb2.TOOL_CONFIRMATION_RESULT_DENY
    assert confirmation.tool_use_id == "sevt_7"
    assert confirmation.deny_message == "Not on production."
    assert not confirmation.HasField("session_thread_id")

    ev = event_from_json(PARAM_EXAMPLES["message-image-base64"])
    blocks = ev.user_message.content
    assert blocks[0].text.text == "What is this?"
    assert blocks[1].image.source.base64.media_type == "image/png"
    assert blocks[1].image.source.base64.data == PNG

    ev = event_from_json(PARAM_EXAMPLES["message-document-text"])
    document = ev.user_message.content[0].document
    assert document.source.text.data == "Some notes."
    assert document.title == "Notes" and document.context == "Meeting of Monday"

    ev = event_from_json(PARAM_EXAMPLES["message-document-url"])
    document = ev.user_message.content[0].document
    assert not document.HasField("title") and not document.HasField("context")

    ev = event_from_json(PARAM_EXAMPLES["define-outcome-text"])
    outcome = ev.user_define_outcome
    assert outcome.rubric.text.content == "Compiles; prints 1..100 correctly."
    assert outcome.max_iterations == 5
    assert not event_from_json(PARAM_EXAMPLES["define-outcome-file"]).user_define_outcome.HasField(
        "max_iterations"
    )

    ev = event_from_json(PARAM_EXAMPLES["interrupt"])
    assert ev.WhichOneof("payload") == "user_interrupt"

    ev = event_from_json(PARAM_EXAMPLES["custom-tool-result"])
    result = ev.user_custom_tool_result
    assert result.HasField("is_error") and result.is_error is False
    assert result.content[1].search_result.content[0].text == "Example text"
    assert result.content[1].search_result.citations.enabled is True

    ev = event_from_json(PARAM_EXAMPLES["message-redacted"])
    assert ev.user_message.content[0].WhichOneof("type") == "redacted"


# --------------------------------------------------------------------------- input errors


def error_of(call: Any) -> str:
    with pytest.raises(CodecError) as info:
        call()
    return str(info.value)


def user_message(*blocks: Any) -> dict[str, Any]:
    return {"type": "user.message", "content": list(blocks)}


TEXT = {"type": "text", "text": "hi"}

ERROR_CASES: list[tuple[str, Any, str]] = [
    (
        "unknown-union-type",
        lambda: event_from_json(user_message(TEXT, {"type": "vid"}), "events[0]"),
        "events[0].content[1].type: unknown type 'vid'; expected one of: "
        "text, image, document, redacted, search_result",
    ),
    (
        "missing-union-type",
        lambda: event_from_json(user_message({"text": "hi"}), "events[0]"),
        "events[0].content[0].type: required; expected one of: "
        "text, image, document, redacted, search_result",
    ),
    (
        "nested-union-type",
        lambda: event_from_json(
            user_message({"type": "image", "source": {"type": "s3", "url": "x"}})
        ),
        "content[0].source.type: unknown type 's3'; expected one of: base64, url, file",
    ),
    (
        "unknown-field",
        lambda: from_json({"name": "a", "foo": 1}, agent_pb2.Agent),
        "foo: unknown field",
    ),
    (
        "unknown-nested-field",
        lambda: event_from_json(user_message({"type": "text", "text": "hi", "cache": 1}), "e"),
        "e.content[0].cache: unknown field",
    ),
    (
        "unknown-field-in-empty-member",
        lambda: from_json(
            {"stop_reason": {"type": "end_turn", "why": 1}}, event_pb2.SessionStatusIdleEvent
        ),
        "stop_reason.why: unknown field",
    ),
    (
        "event-id-not-accepted",
        lambda: event_from_json({"type": "user.interrupt", "id": "sevt_1"}, "events[2]"),
        "events[2].id: unknown field",
    ),
    (
        "event-processed-at-not-accepted",
        lambda: event_from_json({"type": "user.interrupt", "processed_at": TIMESTAMP_TEXT}),
        "processed_at: unknown field",
    ),
    (
        "field-mask-not-accepted",
        lambda: from_json({"update_mask": "name"}, agent_pb2.UpdateAgentRequest),
        "update_mask: unknown field",
    ),
    (
        "string-expected",
        lambda: from_json({"name": 5}, agent_pb2.Agent),
        "name: expected a string, got number",
    ),
    (
        "string-in-list",
        lambda: from_json({"vault_ids": ["v", None]}, session_pb2.Session),
        "vault_ids[1]: expected a string, got null",
    ),
    (
        "bool-is-not-an-int",
        lambda: from_json({"version": True}, agent_pb2.Agent),
        "version: expected an integer, got boolean",
    ),
    (
        "fractional-int",
        lambda: from_json({"version": 2.5}, agent_pb2.Agent),
        "version: expected an integer, got 2.5",
    ),
    (
        "int-string",
        lambda: from_json({"version": "2"}, agent_pb2.Agent),
        "version: expected an integer, got string",
    ),
    (
        "int-out-of-range",
        lambda: from_json({"version": 2**63}, agent_pb2.Agent),
        f"version: {2**63} is out of range for int64",
    ),
    (
        "bool-expected",
        lambda: from_json({"is_error": 1}, event_pb2.UserToolResultEvent),
        "is_error: expected a boolean, got number",
    ),
    (
        "number-expected",
        lambda: from_json({"active_seconds": "1"}, session_pb2.SessionStats),
        "active_seconds: expected a number, got string",
    ),
    (
        "object-expected",
        lambda: event_from_json(user_message("hi"), "events[0]"),
        "events[0].content[0]: expected an object, got string",
    ),
    (
        "array-expected",
        lambda: event_from_json({"type": "user.message", "content": {"type": "text"}}),
        "content: expected an array, got object",
    ),
    (
        "root-object-expected",
        lambda: from_json([], agent_pb2.Agent),
        "expected an object, got array",
    ),
    (
        "root-event-object-expected",
        lambda: event_from_json("user.message", "events[3]"),
        "events[3]: expected an object, got string",
    ),
    (
        "map-value",
        lambda: from_json({"metadata": {"a": 1}}, agent_pb2.Agent),
        "metadata.a: expected a string, got number",
    ),
    (
        "struct-expected",
        lambda: from_json({"input": [1]}, event_pb2.AgentToolUseEvent),
        "input: expected an object, got array",
    ),
    (
        "unknown-enum-value",
        lambda: event_from_json(
            {"type": "user.tool_confirmation", "result": "maybe", "tool_use_id": "t"}, "events[0]"
        ),
        "events[0].result: unknown value 'maybe'; expected one of: allow, deny",
    ),
    (
        "unspecified-enum-value",
        lambda: from_json({"status": "unspecified"}, session_pb2.Session),
        "status: unknown value 'unspecified'; expected one of: "
        "rescheduling, running, idle, terminated",
    ),
    (
        "upper-case-enum-value",
        lambda: from_json({"status": "IDLE"}, session_pb2.Session),
        "status: unknown value 'IDLE'; expected one of: rescheduling, running, idle, terminated",
    ),
    (
        "non-string-enum-value",
        lambda: from_json({"statuses": ["idle", 3]}, session_pb2.ListSessionsRequest),
        "statuses[1]: unknown value number; expected one of: "
        "rescheduling, running, idle, terminated",
    ),
    (
        "bad-timestamp",
        lambda: from_json({"created_at": "yesterday"}, agent_pb2.Agent),
        "created_at: invalid timestamp 'yesterday'; expected RFC 3339 such as 2026-11-21T12:00:00Z",
    ),
    (
        "timestamp-not-a-string",
        lambda: from_json({"created_at": 1700000000}, agent_pb2.Agent),
        "created_at: expected an RFC 3339 timestamp string, got number",
    ),
    (
        "json-type-mismatch",
        lambda: from_json({"type": "session"}, agent_pb2.Agent),
        "type: expected 'agent', got 'session'",
    ),
    (
        "nested-json-type-mismatch",
        lambda: from_json(
            {"content": [{"type": "image", "text": "x"}]}, event_pb2.SystemMessageEvent
        ),
        "content[0].type: expected 'text', got 'image'",
    ),
    (
        "unknown-event-type",
        lambda: event_from_json({"type": "user.shout"}, "events[1]"),
        "events[1].type: unknown type 'user.shout'; expected one of: " + ", ".join(EVENT_TYPES),
    ),
    (
        "missing-event-type",
        lambda: event_from_json({"content": []}),
        "type: required; expected one of: " + ", ".join(EVENT_TYPES),
    ),
    (
        "non-string-event-type",
        lambda: event_from_json({"type": 3}),
        "type: unknown type 3; expected one of: " + ", ".join(EVENT_TYPES),
    ),
]


@pytest.mark.parametrize(
    ("call", "message"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_input_errors(call: Any, message: str) -> None:
    assert error_of(call) == message


def test_codec_error_is_a_value_error_with_its_path() -> None:
    with pytest.raises(ValueError) as info:
        from_json({"model": {"speed": "warp"}}, agent_pb2.Agent, path="body")
    assert isinstance(info.value, CodecError)
    assert info.value.path == "body.model.speed"
    assert info.value.detail == "unknown value 'warp'; expected one of: standard, fast"


def test_input_nulls_leave_fields_unset() -> None:
    data = {
        "name": None,
        "description": None,
        "version": None,
        "model": None,
        "tools": None,
        "metadata": None,
        "execution_identity": None,
        "multiagent": None,
        "created_at": None,
        "type": None,
    }
    assert from_json(data, agent_pb2.Agent) == agent_pb2.Agent()
    request = from_json(
        {"order": None, "statuses": None, "created_at_gt": None}, session_pb2.ListSessionsRequest
    )
    assert request == session_pb2.ListSessionsRequest()
    confirmation = event_from_json(
        {"type": "user.tool_confirmation", "result": None, "deny_message": None}
    ).user_tool_confirmation
    assert confirmation.result == 0 and not confirmation.HasField("deny_message")


def test_input_present_but_empty_values_are_kept() -> None:
    agent = from_json(
        {"description": "", "model": {}, "execution_identity": {"type": "service_account"}},
        agent_pb2.Agent,
    )
    assert agent.HasField("description") and agent.description == ""
    assert agent.HasField("model")
    assert agent.execution_identity.HasField("service_account")
    ev = event_from_json({"type": "user.tool_result", "tool_use_id": "t", "is_error": False})
    assert ev.user_tool_result.HasField("is_error")
    assert event_from_json({"type": "user.interrupt"}).HasField("user_interrupt")


def test_input_numbers() -> None:
    agent = from_json({"version": 3.0}, agent_pb2.Agent)
    assert agent.version == 3
    stats = from_json({"active_seconds": 3, "duration_seconds": 1.5}, session_pb2.SessionStats)
    assert stats.active_seconds == 3.0 and stats.duration_seconds == 1.5
    assert from_json({"version": -(2**63)}, agent_pb2.Agent).version == -(2**63)


def test_input_json_type_may_be_given_or_omitted() -> None:
    with_type = from_json({"type": "agent", "name": "a"}, agent_pb2.Agent)
    assert with_type == from_json({"name": "a"}, agent_pb2.Agent)
    system = event_from_json({"type": "system.message", "content": [{"text": "x"}]})
    assert system.system_message.content[0].text == "x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21T12:00:00Z", "2026-11-21T12:00:00.000000Z"),
        ("2026-11-21T12:00:00.123456Z", "2026-11-21T12:00:00.123456Z"),
        ("2026-11-21T14:30:00+02:30", "2026-11-21T12:00:00.000000Z"),
        ("2026-11-21T12:00:00", "2026-11-21T12:00:00.000000Z"),
        ("2026-11-21T12:00:00.5+00:00", "2026-11-21T12:00:00.500000Z"),
        ("2026-11-21", "2026-11-21T00:00:00.000000Z"),
    ],
)
def test_input_timestamps(text: str, expected: str) -> None:
    agent = from_json({"created_at": text}, agent_pb2.Agent)
    assert to_json(agent)["created_at"] == expected
    moment = datetime.fromisoformat(expected)
    assert agent.created_at.ToDatetime(tzinfo=UTC) == moment


def test_input_naive_timestamps_are_utc_whatever_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        agent = from_json({"created_at": "2026-11-21T12:00:00"}, agent_pb2.Agent)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert to_json(agent)["created_at"] == "2026-11-21T12:00:00.000000Z"


def test_input_struct_values() -> None:
    payload = {"a": 1, "b": [True, None, {"c": "d"}], "e": {}, "f": 0.5}
    ev = from_json({"name": "t", "input": payload}, event_pb2.AgentCustomToolUseEvent)
    assert ev.input["a"] == 1
    assert to_json(ev)["input"] == payload
    assert from_json({"input": {}}, event_pb2.AgentCustomToolUseEvent).HasField("input")


def test_from_json_returns_new_messages_of_the_class() -> None:
    first = from_json({"name": "a"}, agent_pb2.Agent)
    second = from_json({"name": "b"}, agent_pb2.Agent)
    assert isinstance(first, agent_pb2.Agent)
    assert (first.name, second.name) == ("a", "b")


def test_a_queued_outcome_echo_carries_the_time_it_was_accepted() -> None:
    # The SDK's user.define_outcome requires processed_at; one still queued
    # (not yet processed) gives the time it was accepted.
    ev = event_from_json(PARAM_EXAMPLES["define-outcome-text"])
    ev.id = "sevt_x"
    ev.user_define_outcome.outcome_id = "outc_1"
    ev.created_at.FromSeconds(1_700_000_000)
    out = event_to_json(ev)
    assert out["processed_at"] == "2023-11-14T22:13:20.000000Z"
    check_event(out)
    # A queued message keeps its null: the SDK allows it there.
    msg = event_from_json(PARAM_EXAMPLES["interrupt"])
    msg.id = "sevt_y"
    msg.created_at.FromSeconds(1_700_000_000)
    assert event_to_json(msg)["processed_at"] is None
