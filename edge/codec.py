"""Translation between protobuf messages and the public JSON shapes of the API.

The codec is driven by the message descriptors and the conventions stated at the top of
proto/sessiond/v1/common.proto:

- A message with the ``json_type`` option is a JSON object whose "type" is that value.
- A message whose only fields form one ``oneof type`` is a union: its JSON is the chosen
  member's fields plus "type" set to the member's name (or the member message's
  ``json_type``). ``google.protobuf.Empty`` members carry nothing but their type.
- Enum values are their names without the enum's prefix, lower-cased; zero is null.
- Unset message fields and unset ``optional`` scalars are null; every field is emitted.

For speed, every message descriptor is compiled once into a plan: a list of per-field
writer closures for output and a table of per-key reader closures for input. The plans of
every message of the ``sessiond.v1`` package are built at import.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any, TypeVar

from google.protobuf import struct_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from sessiond.v1 import (
    agent_pb2,
    common_pb2,
    environment_pb2,
    event_pb2,
    options_pb2,
    session_pb2,
)

__all__ = [
    "EVENT_TYPES",
    "CodecError",
    "event_from_json",
    "event_to_json",
    "event_type",
    "from_json",
    "stream_item_to_json",
    "to_json",
]

M = TypeVar("M", bound=Message)

# Fields that are read from JSON but never written to it (secrets and the like).
_INPUT_ONLY_FIELDS: frozenset[str] = frozenset(
    {
        "sessiond.v1.GitHubRepositoryResource.authorization_token",
    }
)

# Message types the codec neither emits nor accepts (update masks are built by the edge).
_IGNORED_TYPES: frozenset[str] = frozenset({"google.protobuf.FieldMask"})

_TIMESTAMP = "google.protobuf.Timestamp"
_STRUCT = "google.protobuf.Struct"
_VALUE = "google.protobuf.Value"
_LIST_VALUE = "google.protobuf.ListValue"
_EMPTY = "google.protobuf.Empty"

_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_TIMESTAMP_SECONDS = -62_135_596_800  # 0001-01-01T00:00:00Z
_MAX_TIMESTAMP_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
_MAX_EXACT_FLOAT_INT = 2**53

_INT_RANGES: dict[int, tuple[int, int, str]] = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1, "int32"),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1, "int32"),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1, "int32"),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1, "int64"),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1, "int64"),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1, "int64"),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1, "uint32"),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1, "uint32"),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1, "uint64"),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1, "uint64"),
}


class CodecError(ValueError):
    """Bad JSON input. ``str(err)`` is ``"<path>: <detail>"`` (just the detail at the root)."""

    def __init__(self, detail: str, *, path: str = "") -> None:
        super().__init__(f"{path}: {detail}" if path else detail)
        self.path = path
        self.detail = detail


# A writer turns a message into the JSON value of one of its fields.
_Writer = Callable[[Any], Any]
# A reader sets one field of a message from a JSON value found at a path.
_Reader = Callable[[Any, Any, str], None]
# A filler fills an empty message (field or list element) from a non-null JSON value.
_Filler = Callable[[Any, Any, str], None]
# A converter turns one JSON value into a protobuf scalar.
_Converter = Callable[[Any, str], Any]


@dataclass(slots=True, eq=False)
class _Member:
    """One member of a union message."""

    field_name: str
    public_type: str
    plan: _Plan | None  # None for google.protobuf.Empty


@dataclass(slots=True, eq=False)
class _Plan:
    """How one message type is written to and read from JSON."""

    full_name: str
    json_type: str | None = None
    union_by_field: dict[str, _Member] | None = None
    union_by_type: dict[str, _Member] | None = None
    writers: list[tuple[str, _Writer]] = field(default_factory=list)
    readers: dict[str, _Reader] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class _EnumTable:
    names: dict[int, str | None]  # number -> public name; the zero value maps to None
    numbers: dict[str, int]  # public name -> number; the zero value is not accepted
    choices: str  # "allow, deny", for error messages


# --------------------------------------------------------------------------- helpers


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _expected(path: str, what: str, value: Any) -> CodecError:
    return CodecError(f"expected {what}, got {_json_kind(value)}", path=path)


def _upper_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).upper()


def _json_type_option(desc: Descriptor) -> str | None:
    value: str = desc.GetOptions().Extensions[options_pb2.json_type]
    return value or None


def _is_map(fd: FieldDescriptor) -> bool:
    return fd.message_type is not None and fd.message_type.GetOptions().map_entry


def _is_ignored(fd: FieldDescriptor) -> bool:
    return fd.message_type is not None and fd.message_type.full_name in _IGNORED_TYPES


# --------------------------------------------------------------------------- enums

_ENUMS: dict[str, _EnumTable] = {}


def _enum_table(desc: EnumDescriptor) -> _EnumTable:
    table = _ENUMS.get(desc.full_name)
    if table is None:
        prefix = _upper_snake(desc.name) + "_"
        names: dict[int, str | None] = {}
        numbers: dict[str, int] = {}
        for value in desc.values:
            if value.number == 0:
                names[0] = None
                continue
            name = value.name.removeprefix(prefix).lower()
            names.setdefault(value.number, name)
            numbers[name] = value.number
        table = _EnumTable(names, numbers, ", ".join(numbers))
        _ENUMS[desc.full_name] = table
    return table


# --------------------------------------------------------------------------- well-known types


def _timestamp_to_json(ts: Any) -> str:
    moment = _EPOCH + timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000)
    return moment.isoformat(timespec="microseconds") + "Z"


def _fill_timestamp(ts: Any, value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise _expected(path, "an RFC 3339 timestamp string", value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CodecError(
            f"invalid timestamp {value!r}; expected RFC 3339 such as 2026-11-21T12:00:00Z",
            path=path,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH_UTC
    seconds = delta.days * 86_400 + delta.seconds
    if not _MIN_TIMESTAMP_SECONDS <= seconds <= _MAX_TIMESTAMP_SECONDS:
        raise CodecError(f"timestamp {value!r} is out of range", path=path)
    ts.seconds = seconds
    ts.nanos = delta.microseconds * 1000


def _value_to_json(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number: float = value.number_value
        # JSON has one number type; integral values read back as ints ({"limit": 10}).
        if number.is_integer() and abs(number) <= _MAX_EXACT_FLOAT_INT:
            return int(number)
        return number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return _struct_to_json(value.struct_value)
    if kind == "list_value":
        return _list_value_to_json(value.list_value)
    return None


def _struct_to_json(struct: Any) -> dict[str, Any]:
    return {key: _value_to_json(item) for key, item in struct.fields.items()}


def _list_value_to_json(list_value: Any) -> list[Any]:
    return [_value_to_json(item) for item in list_value.values]


def _fill_value(target: Any, value: Any, path: str) -> None:
    if value is None:
        target.null_value = struct_pb2.NULL_VALUE
    elif isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int | float):
        try:
            target.number_value = float(value)
        except OverflowError:
            raise CodecError("number is too large", path=path) from None
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, dict):
        target.struct_value.SetInParent()
        _fill_struct(target.struct_value, value, path)
    elif isinstance(value, list | tuple):
        target.list_value.SetInParent()
        _fill_list_value(target.list_value, value, path)
    else:
        raise _expected(path, "a JSON value", value)


def _fill_struct(struct: Any, value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise _expected(path, "an object", value)
    fields = struct.fields
    for key, item in value.items():
        if not isinstance(key, str):
            raise CodecError(f"object key {key!r} is not a string", path=path)
        _fill_value(fields[key], item, _join(path, key))


def _fill_list_value(list_value: Any, value: Any, path: str) -> None:
    if not isinstance(value, list | tuple):
        raise _expected(path, "an array", value)
    for index, item in enumerate(value):
        _fill_value(list_value.values.add(), item, f"{path}[{index}]")


def _empty_to_json(_: Any) -> dict[str, Any]:
    return {}


def _fill_empty(_: Any, value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise _expected(path, "an object", value)
    for key in value:
        raise CodecError("unknown field", path=_join(path, str(key)))


_WKT_WRITERS: dict[str, _Writer] = {
    _TIMESTAMP: _timestamp_to_json,
    _STRUCT: _struct_to_json,
    _VALUE: _value_to_json,
    _LIST_VALUE: _list_value_to_json,
    _EMPTY: _empty_to_json,
}

_WKT_FILLERS: dict[str, _Filler] = {
    _TIMESTAMP: _fill_timestamp,
    _STRUCT: _fill_struct,
    _VALUE: _fill_value,
    _LIST_VALUE: _fill_list_value,
    _EMPTY: _fill_empty,
}


# --------------------------------------------------------------------------- plans

_PLANS: dict[str, _Plan] = {}  # complete plans only: read without the lock
_BUILDING: dict[str, _Plan] = {}  # plans of the build in progress, under _LOCK
_LOCK = threading.RLock()


def _plan(desc: Descriptor) -> _Plan:
    plan = _PLANS.get(desc.full_name)
    if plan is not None:
        return plan
    with _LOCK:
        plan = _PLANS.get(desc.full_name) or _BUILDING.get(desc.full_name)
        if plan is not None:
            return plan  # complete, or being built further up this thread's stack
        outermost = not _BUILDING
        plan = _Plan(desc.full_name)
        _BUILDING[desc.full_name] = plan
        try:
            _build_plan(plan, desc)
        except BaseException:
            if outermost:
                _BUILDING.clear()
            raise
        if outermost:
            _PLANS.update(_BUILDING)
            _BUILDING.clear()
        return plan


def _union_oneof(desc: Descriptor) -> bool:
    oneof = desc.oneofs_by_name.get("type")
    return (
        oneof is not None
        and len(desc.fields) > 0
        and all(fd.containing_oneof is oneof for fd in desc.fields)
    )


def _build_plan(plan: _Plan, desc: Descriptor) -> None:
    plan.json_type = _json_type_option(desc)
    if _union_oneof(desc):
        if plan.json_type is not None:
            raise TypeError(f"{desc.full_name}: a union cannot have a json_type")
        _build_union(plan, desc)
        return
    if plan.json_type is not None and "type" in desc.fields_by_name:
        raise TypeError(f"{desc.full_name}: json_type clashes with the field 'type'")
    for fd in desc.fields:
        if _is_ignored(fd):
            continue
        plan.readers[fd.name] = _make_reader(fd)
        if fd.full_name not in _INPUT_ONLY_FIELDS:
            plan.writers.append((fd.name, _make_writer(fd)))


def _build_union(plan: _Plan, desc: Descriptor) -> None:
    by_field: dict[str, _Member] = {}
    by_type: dict[str, _Member] = {}
    for fd in desc.fields:
        mt = fd.message_type
        if mt is None:
            raise TypeError(f"{fd.full_name}: union members must be messages")
        if mt.full_name == _EMPTY:
            member = _Member(fd.name, fd.name, None)
        elif mt.full_name in _WKT_WRITERS or mt.full_name in _IGNORED_TYPES:
            raise TypeError(f"{fd.full_name}: unsupported union member type {mt.full_name}")
        else:
            if _union_oneof(mt):
                raise TypeError(f"{fd.full_name}: a union cannot be a union member")
            if "type" in mt.fields_by_name:
                raise TypeError(f"{fd.full_name}: member has a field named 'type'")
            member = _Member(fd.name, _json_type_option(mt) or fd.name, _plan(mt))
        if member.public_type in by_type:
            raise TypeError(f"{desc.full_name}: two members are typed {member.public_type!r}")
        by_field[fd.name] = member
        by_type[member.public_type] = member
    plan.union_by_field = by_field
    plan.union_by_type = by_type


# --------------------------------------------------------------------------- output


def _write_fields(msg: Any, plan: _Plan, out: dict[str, Any]) -> None:
    for key, writer in plan.writers:
        out[key] = writer(msg)


def _write_object(msg: Any, plan: _Plan) -> dict[str, Any] | None:
    """The JSON object of a message, or None for a union with no member set."""
    by_field = plan.union_by_field
    if by_field is not None:
        which = msg.WhichOneof("type")
        if which is None:
            return None
        member = by_field[which]
        out: dict[str, Any] = {"type": member.public_type}
        if member.plan is not None:
            _write_fields(getattr(msg, which), member.plan, out)
        return out
    out = {"type": plan.json_type} if plan.json_type is not None else {}
    _write_fields(msg, plan, out)
    return out


def _element_writer(fd: FieldDescriptor) -> _Writer | None:
    """How one value of the field becomes JSON; None when it is already JSON."""
    if fd.type == FieldDescriptor.TYPE_MESSAGE:
        mt = fd.message_type
        wkt = _WKT_WRITERS.get(mt.full_name)
        if wkt is not None:
            return wkt
        sub = _plan(mt)
        return lambda value: _write_object(value, sub)
    if fd.type == FieldDescriptor.TYPE_ENUM:
        return _enum_table(fd.enum_type).names.get
    if fd.type == FieldDescriptor.TYPE_BYTES:
        return lambda value: base64.b64encode(value).decode("ascii")
    return None


def _make_writer(fd: FieldDescriptor) -> _Writer:
    name = fd.name
    get = attrgetter(name)
    if _is_map(fd):
        convert_value = _element_writer(fd.message_type.fields_by_name["value"])
        if convert_value is None:
            return lambda msg: {str(k): v for k, v in get(msg).items()}
        return lambda msg: {str(k): convert_value(v) for k, v in get(msg).items()}
    convert = _element_writer(fd)
    if fd.is_repeated:
        if convert is None:
            return lambda msg: list(get(msg))
        return lambda msg: [convert(v) for v in get(msg)]
    if fd.has_presence:
        if convert is None:
            return lambda msg: get(msg) if msg.HasField(name) else None
        return lambda msg: convert(get(msg)) if msg.HasField(name) else None
    if convert is None:
        return get
    return lambda msg: convert(get(msg))


# --------------------------------------------------------------------------- input


def _read_fields(msg: Any, data: dict[Any, Any], plan: _Plan, path: str, type_read: bool) -> None:
    readers = plan.readers
    for key, value in data.items():
        if key == "type" and type_read:
            continue
        reader = readers.get(key)
        if reader is None:
            raise CodecError("unknown field", path=_join(path, str(key)))
        reader(msg, value, _join(path, key))


def _fill_message(msg: Any, data: Any, plan: _Plan, path: str) -> None:
    if not isinstance(data, dict):
        raise _expected(path, "an object", data)
    by_type = plan.union_by_type
    if by_type is not None:
        _fill_union(msg, data, by_type, path)
        return
    json_type = plan.json_type
    if json_type is not None:
        given = data.get("type")
        if given is not None and given != json_type:
            shown = repr(given) if isinstance(given, str) else _json_kind(given)
            raise CodecError(f"expected '{json_type}', got {shown}", path=_join(path, "type"))
    _read_fields(msg, data, plan, path, type_read=json_type is not None)


def _fill_union(msg: Any, data: dict[Any, Any], by_type: dict[str, _Member], path: str) -> None:
    given = data.get("type")
    member = by_type.get(given) if isinstance(given, str) else None
    if member is None:
        problem = "required" if given is None else f"unknown type {given!r}"
        raise CodecError(
            f"{problem}; expected one of: {', '.join(by_type)}", path=_join(path, "type")
        )
    target = getattr(msg, member.field_name)
    target.SetInParent()
    if member.plan is None:
        for key in data:
            if key != "type":
                raise CodecError("unknown field", path=_join(path, str(key)))
        return
    _read_fields(target, data, member.plan, path, type_read=True)


def _message_filler(mt: Descriptor) -> _Filler:
    wkt = _WKT_FILLERS.get(mt.full_name)
    if wkt is not None:
        return wkt
    sub = _plan(mt)
    return lambda msg, value, path: _fill_message(msg, value, sub, path)


def _scalar_converter(fd: FieldDescriptor) -> _Converter:
    kind = fd.type
    if kind == FieldDescriptor.TYPE_STRING:
        return _to_string
    if kind == FieldDescriptor.TYPE_BOOL:
        return _to_bool
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return _to_float
    if kind == FieldDescriptor.TYPE_BYTES:
        return _to_bytes
    if kind == FieldDescriptor.TYPE_ENUM:
        return _enum_converter(_enum_table(fd.enum_type))
    int_range = _INT_RANGES.get(kind)
    if int_range is not None:
        return _int_converter(*int_range)
    raise TypeError(f"{fd.full_name}: unsupported field type {kind}")


def _to_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _expected(path, "a string", value)
    return value


def _to_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _expected(path, "a boolean", value)
    return value


def _to_float(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _expected(path, "a number", value)
    try:
        return float(value)
    except OverflowError:
        raise CodecError("number is too large", path=path) from None


def _to_bytes(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise _expected(path, "a base64 string", value)
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise CodecError("invalid base64", path=path) from None


def _int_converter(low: int, high: int, type_name: str) -> _Converter:
    def convert(value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _expected(path, "an integer", value)
        if isinstance(value, float):
            if not value.is_integer():
                raise CodecError(f"expected an integer, got {value!r}", path=path)
            value = int(value)
        if not low <= value <= high:
            raise CodecError(f"{value} is out of range for {type_name}", path=path)
        return value

    return convert


def _enum_converter(table: _EnumTable) -> _Converter:
    def convert(value: Any, path: str) -> int:
        number = table.numbers.get(value) if isinstance(value, str) else None
        if number is None:
            shown = repr(value) if isinstance(value, str) else _json_kind(value)
            raise CodecError(f"unknown value {shown}; expected one of: {table.choices}", path=path)
        return number

    return convert


def _make_reader(fd: FieldDescriptor) -> _Reader:
    name = fd.name
    if _is_map(fd):
        return _map_reader(fd)
    if fd.is_repeated:
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            fill_element = _message_filler(fd.message_type)

            def read_messages(msg: Any, value: Any, path: str) -> None:
                if value is None:
                    return
                if not isinstance(value, list | tuple):
                    raise _expected(path, "an array", value)
                target = getattr(msg, name)
                for index, item in enumerate(value):
                    fill_element(target.add(), item, f"{path}[{index}]")

            return read_messages
        convert_element = _scalar_converter(fd)

        def read_scalars(msg: Any, value: Any, path: str) -> None:
            if value is None:
                return
            if not isinstance(value, list | tuple):
                raise _expected(path, "an array", value)
            getattr(msg, name).extend(
                [convert_element(item, f"{path}[{index}]") for index, item in enumerate(value)]
            )

        return read_scalars
    if fd.type == FieldDescriptor.TYPE_MESSAGE:
        fill = _message_filler(fd.message_type)

        def read_message(msg: Any, value: Any, path: str) -> None:
            if value is None:
                return
            target = getattr(msg, name)
            fill(target, value, path)
            target.SetInParent()

        return read_message
    convert = _scalar_converter(fd)

    def read_scalar(msg: Any, value: Any, path: str) -> None:
        if value is not None:
            setattr(msg, name, convert(value, path))

    return read_scalar


def _map_reader(fd: FieldDescriptor) -> _Reader:
    name = fd.name
    entry = fd.message_type
    key_fd = entry.fields_by_name["key"]
    value_fd = entry.fields_by_name["value"]
    convert_key = _map_key_converter(key_fd)
    if value_fd.type == FieldDescriptor.TYPE_MESSAGE:
        fill_value = _message_filler(value_fd.message_type)

        def read_message_map(msg: Any, value: Any, path: str) -> None:
            if value is None:
                return
            if not isinstance(value, dict):
                raise _expected(path, "an object", value)
            target = getattr(msg, name)
            for key, item in value.items():
                item_path = _join(path, str(key))
                fill_value(target[convert_key(key, item_path)], item, item_path)

        return read_message_map
    convert_value = _scalar_converter(value_fd)

    def read_scalar_map(msg: Any, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            raise _expected(path, "an object", value)
        target = getattr(msg, name)
        for key, item in value.items():
            item_path = _join(path, str(key))
            target[convert_key(key, item_path)] = convert_value(item, item_path)

    return read_scalar_map


def _map_key_converter(key_fd: FieldDescriptor) -> _Converter:
    if key_fd.type == FieldDescriptor.TYPE_STRING:
        return _to_string
    if key_fd.type == FieldDescriptor.TYPE_BOOL:
        return lambda key, path: {"true": True, "false": False}[_to_string(key, path)]
    check_range = _scalar_converter(key_fd)

    def convert(key: Any, path: str) -> int:
        try:
            number = int(_to_string(key, path))
        except ValueError:
            raise CodecError(f"map key {key!r} is not an integer", path=path) from None
        result: int = check_range(number, path)
        return result

    return convert


# --------------------------------------------------------------------------- events


def _build_event_payloads() -> dict[str, tuple[str, _Plan]]:
    payloads: dict[str, tuple[str, _Plan]] = {}
    seen: set[str] = set()
    for fd in event_pb2.SessionEvent.DESCRIPTOR.oneofs_by_name["payload"].fields:
        json_type = _json_type_option(fd.message_type)
        if json_type is None:
            raise TypeError(f"{fd.message_type.full_name} has no json_type option")
        if json_type in seen:
            raise TypeError(f"two event payloads are typed {json_type!r}")
        clash = {"id", "type", "processed_at"} & set(fd.message_type.fields_by_name)
        if clash:
            raise TypeError(f"{fd.message_type.full_name} has reserved fields {sorted(clash)}")
        seen.add(json_type)
        payloads[fd.name] = (json_type, _plan(fd.message_type))
    return payloads


def _warm_up() -> None:
    """Builds the plan of every message of the package so that no request pays for it."""

    def visit(desc: Descriptor) -> None:
        if not desc.GetOptions().map_entry:
            _plan(desc)
        for nested in desc.nested_types:
            visit(nested)

    for module in (common_pb2, agent_pb2, environment_pb2, event_pb2, session_pb2):
        for desc in module.DESCRIPTOR.message_types_by_name.values():
            visit(desc)


_warm_up()
_EVENT_PAYLOADS: dict[str, tuple[str, _Plan]] = _build_event_payloads()

#: Public event type ("agent.tool_use") -> SessionEvent payload field ("agent_tool_use").
EVENT_TYPES: dict[str, str] = {jt: name for name, (jt, _) in _EVENT_PAYLOADS.items()}
_EVENT_TYPE_CHOICES = ", ".join(EVENT_TYPES)


# --------------------------------------------------------------------------- public API


def to_json(msg: Message) -> dict[str, Any]:
    """The JSON object of a message (``{}`` for a union with no member set)."""
    desc = msg.DESCRIPTOR
    if desc.full_name in _WKT_WRITERS:
        value = _WKT_WRITERS[desc.full_name](msg)
        if not isinstance(value, dict):
            raise TypeError(f"{desc.full_name} is not a JSON object")
        return value
    return _write_object(msg, _plan(desc)) or {}


def from_json(data: Any, cls: type[M], path: str = "") -> M:
    """A new message of class ``cls`` read from JSON; raises CodecError for bad input."""
    msg = cls()
    _message_filler(msg.DESCRIPTOR)(msg, data, path)
    return msg


def event_type(ev: event_pb2.SessionEvent) -> str:
    """The public type of an event, such as "agent.message"."""
    which = ev.WhichOneof("payload")
    if which is None:
        raise ValueError(f"event {ev.id!r} has no payload")
    return _EVENT_PAYLOADS[which][0]


def event_to_json(ev: event_pb2.SessionEvent) -> dict[str, Any]:
    """The public JSON of a stored event: id, type, processed_at and the payload's fields."""
    which = ev.WhichOneof("payload")
    if which is None:
        raise ValueError(f"event {ev.id!r} has no payload")
    json_type, plan = _EVENT_PAYLOADS[which]
    processed = ev.processed_at if ev.HasField("processed_at") else None
    if processed is None and which == "user_define_outcome" and ev.HasField("created_at"):
        # The SDK's echo of an outcome requires a time: when it was accepted.
        processed = ev.created_at
    out: dict[str, Any] = {
        "id": ev.id,
        "type": json_type,
        "processed_at": None if processed is None else _timestamp_to_json(processed),
    }
    _write_fields(getattr(ev, which), plan, out)
    return out


def event_from_json(data: Any, path: str = "") -> event_pb2.SessionEvent:
    """An event sent by a client, with only its payload set."""
    if not isinstance(data, dict):
        raise _expected(path, "an object", data)
    given = data.get("type")
    payload_field = EVENT_TYPES.get(given) if isinstance(given, str) else None
    if payload_field is None:
        problem = "required" if given is None else f"unknown type {given!r}"
        raise CodecError(
            f"{problem}; expected one of: {_EVENT_TYPE_CHOICES}", path=_join(path, "type")
        )
    ev = event_pb2.SessionEvent()
    payload = getattr(ev, payload_field)
    payload.SetInParent()
    _read_fields(payload, data, _EVENT_PAYLOADS[payload_field][1], path, type_read=True)
    return ev


def stream_item_to_json(item: event_pb2.StreamEventsResponse) -> tuple[str, dict[str, Any]]:
    """The SSE event name and JSON of a stream item: an event, an event_start or a delta."""
    which = item.WhichOneof("item")
    if which is None:
        raise ValueError("stream item has nothing set")
    if which == "event":
        out = event_to_json(item.event)
        return out["type"], out
    msg = getattr(item, which)
    plan = _plan(msg.DESCRIPTOR)
    if plan.json_type is None:
        raise TypeError(f"{plan.full_name} has no json_type to name its SSE event")
    return plan.json_type, _write_object(msg, plan) or {}
