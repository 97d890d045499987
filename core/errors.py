"""The one hierarchy of domain errors, and its mapping to gRPC status codes."""

from __future__ import annotations

import grpc


class SessiondError(Exception):
    """Root of every error the core reports to a caller."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(SessiondError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class FailedPrecondition(SessiondError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Unauthenticated(SessiondError):
    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(SessiondError):
    code = grpc.StatusCode.PERMISSION_DENIED


class NotFound(SessiondError):
    code = grpc.StatusCode.NOT_FOUND


class Conflict(SessiondError):
    """The resource is in a state that forbids the call (archived, terminated, stale version)."""

    code = grpc.StatusCode.ABORTED


class RateLimited(SessiondError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        # Seconds until a retry can succeed (sent as `retry-after` trailing metadata).
        self.retry_after = retry_after


class Overloaded(SessiondError):
    code = grpc.StatusCode.UNAVAILABLE


class Timeout(SessiondError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


def grpc_status(err: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status a servicer aborts with for an error; internals never leak."""
    if isinstance(err, SessiondError):
        return err.code, err.message
    return grpc.StatusCode.INTERNAL, "internal error"
