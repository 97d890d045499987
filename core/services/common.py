"""Rules shared by the services: metadata limits, page sizes and tokens."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from sessiond.core import errors
from sessiond.core.store.store import Page
from sessiond.core.timeutil import from_timestamp

MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512


def check_metadata(metadata: Mapping[str, str]) -> None:
    if len(metadata) > MAX_METADATA_PAIRS:
        raise errors.InvalidArgument(
            f"metadata: at most {MAX_METADATA_PAIRS} pairs are allowed, got {len(metadata)}."
        )
    for key, value in metadata.items():
        if not key:
            raise errors.InvalidArgument("metadata: keys must not be empty.")
        if len(key) > MAX_METADATA_KEY:
            raise errors.InvalidArgument(
                f"metadata: key {key[:20]!r}… is longer than {MAX_METADATA_KEY} characters."
            )
        if len(value) > MAX_METADATA_VALUE:
            raise errors.InvalidArgument(
                f"metadata: the value of {key!r} is longer than {MAX_METADATA_VALUE} characters."
            )


def patch_metadata(
    target: MutableMapping[str, str], upsert: Mapping[str, str], remove: Sequence[str]
) -> None:
    for key in remove:
        target.pop(key, None)
    target.update(upsert)
    check_metadata(target)


def page_size(requested: int, default: int, maximum: int) -> int:
    if requested < 0:
        raise errors.InvalidArgument(f"limit must not be negative, got {requested}.")
    if requested == 0:
        return default
    return min(requested, maximum)


def encode_page(key: Sequence[Any], backward: bool = False) -> str:
    raw = json.dumps({"k": list(key), "b": backward}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page(token: str) -> Page | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        key = tuple(data["k"])
        backward = bool(data.get("b", False))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise errors.InvalidArgument(
            "page: the page token is not valid; pass a next_page value unchanged."
        ) from None
    return Page(key=key, backward=backward)


def ts_or_none(msg: Any, field: str) -> int | None:
    if not msg.HasField(field):
        return None
    ts: Timestamp = getattr(msg, field)
    return from_timestamp(ts)


def require(value: str, name: str) -> str:
    if not value:
        raise errors.InvalidArgument(f"{name} is required.")
    return value


def is_set(msg: object, name: str) -> bool:
    field = msg.DESCRIPTOR.fields_by_name[name]  # type: ignore[attr-defined]
    if field.is_repeated:
        return len(getattr(msg, name)) > 0
    if field.has_presence:
        return bool(msg.HasField(name))  # type: ignore[attr-defined]
    return bool(getattr(msg, name))


def copy_field(src: object, dst: object, name: str) -> None:
    """Copies one field between messages that share its name and type."""
    field = src.DESCRIPTOR.fields_by_name[name]  # type: ignore[attr-defined]
    value = getattr(src, name)
    if field.is_repeated:
        getattr(dst, name).extend(value)
    elif field.message_type is not None:
        if src.HasField(name):  # type: ignore[attr-defined]
            getattr(dst, name).CopyFrom(value)
    elif field.has_presence:
        if src.HasField(name):  # type: ignore[attr-defined]
            setattr(dst, name, value)
    else:
        setattr(dst, name, value)
