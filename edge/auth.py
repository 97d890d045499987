"""The caller's key, passed on to the core with every call.

The edge keeps no list of keys: it takes the key the client presented
(``x-api-key: KEY`` or ``Authorization: Bearer KEY``) and the core decides
(a refused key comes back as UNAUTHENTICATED, answered 401). Requests that
present no key at all are answered 401 here, without a call. The key travels
as call metadata: over a gRPC channel, or handed to the servicer in-process.
"""

from __future__ import annotations

from sessiond.edge.rpc import Metadata


def key_metadata(x_api_key: str | None, authorization: str | None) -> Metadata:
    """Call metadata for the keys presented in these two headers (only well-formed ones:
    printable ASCII, as gRPC metadata requires)."""
    out: list[tuple[str, str]] = []
    if x_api_key and _printable(x_api_key.strip()):
        out.append(("x-api-key", x_api_key.strip()))
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer" and _printable(token.strip()):
        out.append(("authorization", "Bearer " + token.strip()))
    return tuple(out)


def _printable(value: str) -> bool:
    return bool(value) and value.isascii() and value.isprintable()
