"""Update bodies as ``Update…Request`` messages with a field mask (AIP-134).

The public API patches by presence: a key that is sent is changed, a key sent as
null is cleared, and ``metadata`` is itself a patch whose null values delete keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeVar

from google.protobuf.message import Message
from sessiond.edge.codec import from_json
from sessiond.edge.errors import invalid_request

M = TypeVar("M", bound=Message)

# Body keys that are request fields but not paths of the mask.
UNMASKED: Final = frozenset({"version"})
# Request fields the edge fills itself; a body may not name them.
_FILLED_BY_EDGE: Final = frozenset({"update_mask", "metadata_remove"})


def metadata_patch(patch: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """A ``metadata`` patch split into (keys to set, keys to delete): a string
    sets a key, null deletes it, anything else is a 400."""
    upsert: dict[str, str] = {}
    remove: list[str] = []
    for key, value in patch.items():
        if value is None:
            remove.append(key)
        elif isinstance(value, str):
            upsert[key] = value
        else:
            raise invalid_request(f"metadata.{key}: expected a string or null")
    return upsert, remove


def update_request(body: Mapping[str, Any], cls: type[M], id_field: str, id_value: str) -> M:
    """``cls`` for ``body``, updating the resource whose id goes in ``id_field``."""
    fields = cls.DESCRIPTOR.fields_by_name
    data: dict[str, Any] = {}
    paths: list[str] = []
    remove: list[str] = []
    for key, value in body.items():
        if key not in fields or key == id_field or key in _FILLED_BY_EDGE:
            raise invalid_request(f"{key}: unknown field")
        if key not in UNMASKED:
            paths.append(key)
        if key == "metadata" and isinstance(value, dict):
            data[key] = {k: v for k, v in value.items() if v is not None}
            remove = [k for k, v in value.items() if v is None]
        elif value is not None:
            data[key] = value
    request = from_json(data, cls)
    setattr(request, id_field, id_value)
    request.update_mask.paths.extend(paths)  # type: ignore[attr-defined]
    request.metadata_remove.extend(remove)  # type: ignore[attr-defined]
    return request
