"""Public IDs: a prefix and a URL-safe, time-ordered suffix.

The suffix is 26 lower-case Crockford base32 characters: 48 bits of
milliseconds since the epoch, then 80 bits that are random for the first ID of
a millisecond and counted up after it, so that IDs made by one process sort in
the order they were made.
"""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_lock = threading.Lock()
_last_ms = 0
_last_rand = 0

AGENT = "agent"
ENVIRONMENT = "env"
SESSION = "sesn"
THREAD = "sthr"
EVENT = "sevt"
RESOURCE = "sesrsc"
OUTCOME = "outc"
REQUEST = "req"
# Webhooks (an extension): endpoints, their deliveries, and the events sent.
WEBHOOK = "whep"
WEBHOOK_DELIVERY = "whdl"
WEBHOOK_EVENT = "wevt"


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    global _last_ms, _last_rand
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            _last_rand += 1
        else:
            _last_rand = secrets.randbits(79)
        _last_ms = ms
        value = (ms << 80) | (_last_rand & ((1 << 80) - 1))
    return f"{prefix}_{_encode(value, 26)}"


def has_prefix(value: str, prefix: str) -> bool:
    return value.startswith(prefix + "_") and len(value) > len(prefix) + 1
