"""A least-recently-used cache bounded by an estimate of its size in bytes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar

from google.protobuf.message import Message

K = TypeVar("K")
V = TypeVar("V")

# The default budget of each cache of the core (SESSIOND_CACHE_MB).
DEFAULT_CACHE_BYTES = 16 * 1024 * 1024
# A decoded session event takes about 4 x its encoded size + 200 bytes in
# memory (measured: 1.2 KiB for a 264-byte agent message, 0.5 KiB for an
# 89-byte status event).
DECODED_FACTOR = 4
DECODED_OVERHEAD = 200


def decoded_size(messages: Iterable[Message]) -> int:
    """The estimated memory of decoded messages, from their encoded size."""
    return sum(DECODED_FACTOR * m.ByteSize() + DECODED_OVERHEAD for m in messages)


class ByteLRU(Generic[K, V]):
    """Entries carry the size the caller estimates for them; when the total
    passes ``max_bytes`` the least recently used go first. An entry larger
    than the whole budget is not kept."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def pop(self, key: K) -> tuple[V, int] | None:
        """Takes an entry out (value and size), or None."""
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1]
        return entry

    def put(self, key: K, value: V, nbytes: int) -> None:
        """Keeps ``value`` as the most recently used entry."""
        self.pop(key)
        if nbytes > self.max_bytes:
            return
        self._entries[key] = (value, nbytes)
        self._bytes += nbytes
        while self._bytes > self.max_bytes:
            _, (_, size) = self._entries.popitem(last=False)
            self._bytes -= size

    def discard(self, key: K) -> None:
        self.pop(key)
