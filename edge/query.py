"""Query-string parameters, parsed into the values of request messages.

Every parser returns None when the parameter is absent and raises a 400
``invalid_request_error`` that names the parameter when its value is malformed.
Range checks (page sizes, versions) belong to the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.timestamp_pb2 import Timestamp
from multidict import MultiMapping
from sessiond.edge.errors import invalid_request
from sessiond.v1 import common_pb2

Query = MultiMapping[str]

_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1

_TRUE: Final = frozenset({"true", "1"})
_FALSE: Final = frozenset({"false", "0"})

_ORDERS: Final[Mapping[str, int]] = {
    "asc": common_pb2.SORT_ORDER_ASC,
    "desc": common_pb2.SORT_ORDER_DESC,
}


def get_str(query: Query, name: str) -> str | None:
    """The first value of ``name``."""
    return query.get(name)


def get_int(query: Query, name: str) -> int | None:
    """An integer (int64); the core checks its range."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        value = int(raw.strip(), 10)
    except ValueError:
        raise invalid_request(f"{name}: expected an integer, got {raw!r}") from None
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise invalid_request(f"{name}: {raw} is out of range")
    return value


def get_bool(query: Query, name: str) -> bool | None:
    """``true``/``false`` (or ``1``/``0``)."""
    raw = query.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise invalid_request(f"{name}: expected true or false, got {raw!r}")


def get_timestamp(query: Query, name: str) -> Timestamp | None:
    """An ISO 8601 datetime; one without a zone is taken as UTC."""
    raw = query.get(name)
    if raw is None:
        return None
    text = raw.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # An unencoded "+" in a query string arrives as a space: "…T10:00:00 01:00".
        try:
            moment = datetime.fromisoformat(text.replace(" ", "+"))
        except ValueError:
            raise invalid_request(
                f"{name}: expected an ISO 8601 datetime such as 2026-04-01T12:00:00Z, got {raw!r}"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def get_list(query: Query, name: str) -> list[str]:
    """Every value of an array parameter, sent as ``name[]=v`` or ``name=v``, repeated."""
    return [*query.getall(f"{name}[]", ()), *query.getall(name, ())]


def get_enum_list(query: Query, name: str, enum: EnumTypeWrapper) -> list[int]:
    """Every value of an array parameter of public enum strings, as enum numbers."""
    return [enum_value(enum, value, name) for value in get_list(query, name)]


def enum_value(enum: EnumTypeWrapper, text: str, name: str) -> int:
    """The number of the enum value whose public string is ``text`` ("idle" for
    ``SESSION_STATUS_IDLE``); the zero value has none."""
    values = enum.DESCRIPTOR.values
    prefix = values[0].name.removesuffix("UNSPECIFIED")
    for value in values[1:]:
        if value.name.removeprefix(prefix).lower() == text:
            return int(value.number)
    choices = ", ".join(v.name.removeprefix(prefix).lower() for v in values[1:])
    raise invalid_request(f"{name}: {text!r} is not one of {choices}")


def get_order(query: Query) -> int | None:
    """``order=asc|desc`` as a SortOrder."""
    raw = query.get("order")
    if raw is None:
        return None
    order = _ORDERS.get(raw.strip().lower())
    if order is None:
        raise invalid_request(f"order: expected asc or desc, got {raw!r}")
    return order


def page_fields(query: Query) -> dict[str, Any]:
    """``limit`` and ``page`` as ``page_size`` and ``page_token``.

    A limit beyond int32 is pinned to its bound so that the core still sees it as too
    large (cut to the maximum) or negative (rejected).
    """
    fields: dict[str, Any] = {}
    limit = get_int(query, "limit")
    if limit is not None:
        fields["page_size"] = min(max(limit, _INT32_MIN), _INT32_MAX)
    page = query.get("page")
    if page is not None:
        fields["page_token"] = page
    return fields


def present(**fields: Any) -> dict[str, Any]:
    """The given fields without those that are None, to build a request message."""
    return {key: value for key, value in fields.items() if value is not None}
