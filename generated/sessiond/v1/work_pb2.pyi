import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WorkState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORK_STATE_UNSPECIFIED: _ClassVar[WorkState]
    WORK_STATE_QUEUED: _ClassVar[WorkState]
    WORK_STATE_STARTING: _ClassVar[WorkState]
    WORK_STATE_ACTIVE: _ClassVar[WorkState]
    WORK_STATE_STOPPING: _ClassVar[WorkState]
    WORK_STATE_STOPPED: _ClassVar[WorkState]
WORK_STATE_UNSPECIFIED: WorkState
WORK_STATE_QUEUED: WorkState
WORK_STATE_STARTING: WorkState
WORK_STATE_ACTIVE: WorkState
WORK_STATE_STOPPING: WorkState
WORK_STATE_STOPPED: WorkState

class Work(_message.Message):
    __slots__ = ("id", "environment_id", "data", "state", "metadata", "created_at", "acknowledged_at", "started_at", "latest_heartbeat_at", "stop_requested_at", "stopped_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    LATEST_HEARTBEAT_AT_FIELD_NUMBER: _ClassVar[int]
    STOP_REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    STOPPED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    environment_id: str
    data: SessionWorkData
    state: WorkState
    metadata: _containers.ScalarMap[str, str]
    created_at: _timestamp_pb2.Timestamp
    acknowledged_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    latest_heartbeat_at: _timestamp_pb2.Timestamp
    stop_requested_at: _timestamp_pb2.Timestamp
    stopped_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., environment_id: _Optional[str] = ..., data: _Optional[_Union[SessionWorkData, _Mapping]] = ..., state: _Optional[_Union[WorkState, str]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., latest_heartbeat_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stop_requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stopped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionWorkData(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WorkLease(_message.Message):
    __slots__ = ("state", "last_heartbeat", "lease_extended", "ttl_seconds")
    STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXTENDED_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    state: WorkState
    last_heartbeat: str
    lease_extended: bool
    ttl_seconds: int
    def __init__(self, state: _Optional[_Union[WorkState, str]] = ..., last_heartbeat: _Optional[str] = ..., lease_extended: _Optional[bool] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class ListWorkRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "environment_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    environment_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., environment_id: _Optional[str] = ...) -> None: ...

class ListWorkResponse(_message.Message):
    __slots__ = ("work", "next_page_token")
    WORK_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    work: _containers.RepeatedCompositeFieldContainer[Work]
    next_page_token: str
    def __init__(self, work: _Optional[_Iterable[_Union[Work, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PollWorkRequest(_message.Message):
    __slots__ = ("environment_id", "block_ms", "reclaim_older_than_ms", "worker_id")
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCK_MS_FIELD_NUMBER: _ClassVar[int]
    RECLAIM_OLDER_THAN_MS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    block_ms: int
    reclaim_older_than_ms: int
    worker_id: str
    def __init__(self, environment_id: _Optional[str] = ..., block_ms: _Optional[int] = ..., reclaim_older_than_ms: _Optional[int] = ..., worker_id: _Optional[str] = ...) -> None: ...

class PollWorkResponse(_message.Message):
    __slots__ = ("work",)
    WORK_FIELD_NUMBER: _ClassVar[int]
    work: Work
    def __init__(self, work: _Optional[_Union[Work, _Mapping]] = ...) -> None: ...

class GetWorkRequest(_message.Message):
    __slots__ = ("environment_id", "work_id")
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    WORK_ID_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    work_id: str
    def __init__(self, environment_id: _Optional[str] = ..., work_id: _Optional[str] = ...) -> None: ...

class GetWorkResponse(_message.Message):
    __slots__ = ("work",)
    WORK_FIELD_NUMBER: _ClassVar[int]
    work: Work
    def __init__(self, work: _Optional[_Union[Work, _Mapping]] = ...) -> None: ...

class UpdateWorkRequest(_message.Message):
    __slots__ = ("environment_id", "work_id", "metadata", "metadata_remove")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    WORK_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_REMOVE_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    work_id: str
    metadata: _containers.ScalarMap[str, str]
    metadata_remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, environment_id: _Optional[str] = ..., work_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., metadata_remove: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateWorkResponse(_message.Message):
    __slots__ = ("work",)
    WORK_FIELD_NUMBER: _ClassVar[int]
    work: Work
    def __init__(self, work: _Optional[_Union[Work, _Mapping]] = ...) -> None: ...

class AckWorkRequest(_message.Message):
    __slots__ = ("environment_id", "work_id")
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    WORK_ID_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    work_id: str
    def __init__(self, environment_id: _Optional[str] = ..., work_id: _Optional[str] = ...) -> None: ...

class AckWorkResponse(_message.Message):
    __slots__ = ("work",)
    WORK_FIELD_NUMBER: _ClassVar[int]
    work: Work
    def __init__(self, work: _Optional[_Union[Work, _Mapping]] = ...) -> None: ...

class HeartbeatWorkRequest(_message.Message):
    __slots__ = ("environment_id", "work_id", "expected_last_heartbeat", "desired_ttl_seconds")
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    WORK_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_LAST_HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    DESIRED_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    work_id: str
    expected_last_heartbeat: str
    desired_ttl_seconds: int
    def __init__(self, environment_id: _Optional[str] = ..., work_id: _Optional[str] = ..., expected_last_heartbeat: _Optional[str] = ..., desired_ttl_seconds: _Optional[int] = ...) -> None: ...

class HeartbeatWorkResponse(_message.Message):
    __slots__ = ("lease", "precondition_failed")
    LEASE_FIELD_NUMBER: _ClassVar[int]
    PRECONDITION_FAILED_FIELD_NUMBER: _ClassVar[int]
    lease: WorkLease
    precondition_failed: bool
    def __init__(self, lease: _Optional[_Union[WorkLease, _Mapping]] = ..., precondition_failed: _Optional[bool] = ...) -> None: ...

class StopWorkRequest(_message.Message):
    __slots__ = ("environment_id", "work_id", "force")
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    WORK_ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    work_id: str
    force: bool
    def __init__(self, environment_id: _Optional[str] = ..., work_id: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class StopWorkResponse(_message.Message):
    __slots__ = ("work",)
    WORK_FIELD_NUMBER: _ClassVar[int]
    work: Work
    def __init__(self, work: _Optional[_Union[Work, _Mapping]] = ...) -> None: ...

class GetWorkQueueStatsRequest(_message.Message):
    __slots__ = ("environment_id",)
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    def __init__(self, environment_id: _Optional[str] = ...) -> None: ...

class GetWorkQueueStatsResponse(_message.Message):
    __slots__ = ("depth", "pending", "oldest_queued_at", "workers_polling")
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    OLDEST_QUEUED_AT_FIELD_NUMBER: _ClassVar[int]
    WORKERS_POLLING_FIELD_NUMBER: _ClassVar[int]
    depth: int
    pending: int
    oldest_queued_at: _timestamp_pb2.Timestamp
    workers_polling: int
    def __init__(self, depth: _Optional[int] = ..., pending: _Optional[int] = ..., oldest_queued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., workers_polling: _Optional[int] = ...) -> None: ...
