import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sessiond.v1 import agent_pb2 as _agent_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SessionThreadStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_THREAD_STATUS_UNSPECIFIED: _ClassVar[SessionThreadStatus]
    SESSION_THREAD_STATUS_RUNNING: _ClassVar[SessionThreadStatus]
    SESSION_THREAD_STATUS_IDLE: _ClassVar[SessionThreadStatus]
    SESSION_THREAD_STATUS_RESCHEDULING: _ClassVar[SessionThreadStatus]
    SESSION_THREAD_STATUS_TERMINATED: _ClassVar[SessionThreadStatus]
SESSION_THREAD_STATUS_UNSPECIFIED: SessionThreadStatus
SESSION_THREAD_STATUS_RUNNING: SessionThreadStatus
SESSION_THREAD_STATUS_IDLE: SessionThreadStatus
SESSION_THREAD_STATUS_RESCHEDULING: SessionThreadStatus
SESSION_THREAD_STATUS_TERMINATED: SessionThreadStatus

class SessionThread(_message.Message):
    __slots__ = ("id", "session_id", "agent", "parent_thread_id", "status", "stats", "usage", "workflow_run_id", "created_at", "updated_at", "archived_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    PARENT_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    agent: _agent_pb2.SessionThreadAgent
    parent_thread_id: str
    status: SessionThreadStatus
    stats: SessionThreadStats
    usage: SessionThreadUsage
    workflow_run_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    archived_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., agent: _Optional[_Union[_agent_pb2.SessionThreadAgent, _Mapping]] = ..., parent_thread_id: _Optional[str] = ..., status: _Optional[_Union[SessionThreadStatus, str]] = ..., stats: _Optional[_Union[SessionThreadStats, _Mapping]] = ..., usage: _Optional[_Union[SessionThreadUsage, _Mapping]] = ..., workflow_run_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionThreadStats(_message.Message):
    __slots__ = ("active_seconds", "duration_seconds", "startup_seconds")
    ACTIVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STARTUP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    active_seconds: float
    duration_seconds: float
    startup_seconds: float
    def __init__(self, active_seconds: _Optional[float] = ..., duration_seconds: _Optional[float] = ..., startup_seconds: _Optional[float] = ...) -> None: ...

class SessionThreadUsage(_message.Message):
    __slots__ = ("active_seconds", "input_tokens", "output_tokens", "cache_read_input_tokens")
    ACTIVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHE_READ_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    active_seconds: float
    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int
    def __init__(self, active_seconds: _Optional[float] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cache_read_input_tokens: _Optional[int] = ...) -> None: ...

class ListSessionThreadsRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "page_token", "statuses")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    page_token: str
    statuses: _containers.RepeatedScalarFieldContainer[SessionThreadStatus]
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[SessionThreadStatus, str]]] = ...) -> None: ...

class ListSessionThreadsResponse(_message.Message):
    __slots__ = ("threads", "next_page_token")
    THREADS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    threads: _containers.RepeatedCompositeFieldContainer[SessionThread]
    next_page_token: str
    def __init__(self, threads: _Optional[_Iterable[_Union[SessionThread, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSessionThreadRequest(_message.Message):
    __slots__ = ("session_id", "thread_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    thread_id: str
    def __init__(self, session_id: _Optional[str] = ..., thread_id: _Optional[str] = ...) -> None: ...

class GetSessionThreadResponse(_message.Message):
    __slots__ = ("thread",)
    THREAD_FIELD_NUMBER: _ClassVar[int]
    thread: SessionThread
    def __init__(self, thread: _Optional[_Union[SessionThread, _Mapping]] = ...) -> None: ...

class ArchiveSessionThreadRequest(_message.Message):
    __slots__ = ("session_id", "thread_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    thread_id: str
    def __init__(self, session_id: _Optional[str] = ..., thread_id: _Optional[str] = ...) -> None: ...

class ArchiveSessionThreadResponse(_message.Message):
    __slots__ = ("thread",)
    THREAD_FIELD_NUMBER: _ClassVar[int]
    thread: SessionThread
    def __init__(self, thread: _Optional[_Union[SessionThread, _Mapping]] = ...) -> None: ...
