"""Shared fixtures. No test may reach a real model or the network."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

# Like pydantic-ai's ALLOW_MODEL_REQUESTS: no test talks to a real model.
os.environ.pop("ANTHROPIC_API_KEY", None)
os.environ.pop("ANTHROPIC_BASE_URL", None)

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if not (host.startswith("127.") or host in ("localhost", "::1", "0.0.0.0")):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
