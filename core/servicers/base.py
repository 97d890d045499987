"""Maps domain errors to gRPC status for every servicer method."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from sessiond.core.errors import SessiondError, grpc_status

log = logging.getLogger(__name__)
R = TypeVar("R")


def _trailing(err: SessiondError) -> tuple[tuple[str, str], ...]:
    """A limit's wait, as the `retry-after` the edge turns into its header."""
    wait = getattr(err, "retry_after", None)
    return () if wait is None else (("retry-after", str(wait)),)


def unary(
    fn: Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[R]],
) -> Callable[..., Awaitable[R]]:
    @functools.wraps(fn)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> R:
        try:
            return await fn(self, request, context)
        except SessiondError as e:
            code, message = grpc_status(e)
            await context.abort(code, message, trailing_metadata=_trailing(e))
        except Exception:
            log.exception("%s failed", fn.__name__)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")
        raise AssertionError("unreachable")

    return wrapper


def streaming(
    fn: Callable[[Any, Any, grpc.aio.ServicerContext], AsyncIterator[R]],
) -> Callable[..., AsyncIterator[R]]:
    @functools.wraps(fn)
    async def wrapper(
        self: Any, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[R]:
        try:
            async for item in fn(self, request, context):
                yield item
        except SessiondError as e:
            code, message = grpc_status(e)
            await context.abort(code, message)
        except Exception:
            log.exception("%s failed", fn.__name__)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")

    return wrapper
