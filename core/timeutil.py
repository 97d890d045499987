"""Time as integer microseconds since the epoch, and its protobuf form."""

from __future__ import annotations

import time

from google.protobuf.timestamp_pb2 import Timestamp


def now_us() -> int:
    return time.time_ns() // 1000


def to_timestamp(us: int) -> Timestamp:
    return Timestamp(seconds=us // 1_000_000, nanos=(us % 1_000_000) * 1000)


def from_timestamp(ts: Timestamp) -> int:
    return ts.seconds * 1_000_000 + ts.nanos // 1000
