import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sessiond.v1 import common_pb2 as _common_pb2
from sessiond.v1 import event_pb2 as _event_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from sessiond.v1 import session_pb2 as _session_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeploymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEPLOYMENT_STATUS_UNSPECIFIED: _ClassVar[DeploymentStatus]
    DEPLOYMENT_STATUS_ACTIVE: _ClassVar[DeploymentStatus]
    DEPLOYMENT_STATUS_PAUSED: _ClassVar[DeploymentStatus]
DEPLOYMENT_STATUS_UNSPECIFIED: DeploymentStatus
DEPLOYMENT_STATUS_ACTIVE: DeploymentStatus
DEPLOYMENT_STATUS_PAUSED: DeploymentStatus

class Deployment(_message.Message):
    __slots__ = ("id", "agent", "archived_at", "created_at", "description", "environment_id", "initial_events", "metadata", "name", "paused_reason", "resources", "schedule", "status", "updated_at", "vault_ids", "budget")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INITIAL_EVENTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAUSED_REASON_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VAULT_IDS_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent: DeploymentAgent
    archived_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    description: str
    environment_id: str
    initial_events: _containers.RepeatedCompositeFieldContainer[_event_pb2.SessionEvent]
    metadata: _containers.ScalarMap[str, str]
    name: str
    paused_reason: DeploymentPausedReason
    resources: _containers.RepeatedCompositeFieldContainer[_session_pb2.SessionResource]
    schedule: CronSchedule
    status: DeploymentStatus
    updated_at: _timestamp_pb2.Timestamp
    vault_ids: _containers.RepeatedScalarFieldContainer[str]
    budget: _common_pb2.BudgetLimit
    def __init__(self, id: _Optional[str] = ..., agent: _Optional[_Union[DeploymentAgent, _Mapping]] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., environment_id: _Optional[str] = ..., initial_events: _Optional[_Iterable[_Union[_event_pb2.SessionEvent, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., name: _Optional[str] = ..., paused_reason: _Optional[_Union[DeploymentPausedReason, _Mapping]] = ..., resources: _Optional[_Iterable[_Union[_session_pb2.SessionResource, _Mapping]]] = ..., schedule: _Optional[_Union[CronSchedule, _Mapping]] = ..., status: _Optional[_Union[DeploymentStatus, str]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., vault_ids: _Optional[_Iterable[str]] = ..., budget: _Optional[_Union[_common_pb2.BudgetLimit, _Mapping]] = ...) -> None: ...

class DeploymentAgent(_message.Message):
    __slots__ = ("id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class CronSchedule(_message.Message):
    __slots__ = ("expression", "timezone", "last_run_at", "upcoming_runs_at")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    LAST_RUN_AT_FIELD_NUMBER: _ClassVar[int]
    UPCOMING_RUNS_AT_FIELD_NUMBER: _ClassVar[int]
    expression: str
    timezone: str
    last_run_at: _timestamp_pb2.Timestamp
    upcoming_runs_at: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, expression: _Optional[str] = ..., timezone: _Optional[str] = ..., last_run_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., upcoming_runs_at: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class DeploymentPausedReason(_message.Message):
    __slots__ = ("manual", "error")
    MANUAL_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    manual: _empty_pb2.Empty
    error: DeploymentPausedByError
    def __init__(self, manual: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., error: _Optional[_Union[DeploymentPausedByError, _Mapping]] = ...) -> None: ...

class DeploymentPausedByError(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: DeploymentErrorKind
    def __init__(self, error: _Optional[_Union[DeploymentErrorKind, _Mapping]] = ...) -> None: ...

class DeploymentErrorKind(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: str
    def __init__(self, type: _Optional[str] = ...) -> None: ...

class DeploymentRun(_message.Message):
    __slots__ = ("id", "agent", "created_at", "deployment_id", "error", "session_id", "trigger_context")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent: DeploymentAgent
    created_at: _timestamp_pb2.Timestamp
    deployment_id: str
    error: DeploymentRunError
    session_id: str
    trigger_context: DeploymentTrigger
    def __init__(self, id: _Optional[str] = ..., agent: _Optional[_Union[DeploymentAgent, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deployment_id: _Optional[str] = ..., error: _Optional[_Union[DeploymentRunError, _Mapping]] = ..., session_id: _Optional[str] = ..., trigger_context: _Optional[_Union[DeploymentTrigger, _Mapping]] = ...) -> None: ...

class DeploymentRunError(_message.Message):
    __slots__ = ("type", "message")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    type: str
    message: str
    def __init__(self, type: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class DeploymentTrigger(_message.Message):
    __slots__ = ("schedule", "manual")
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_FIELD_NUMBER: _ClassVar[int]
    schedule: ScheduleTrigger
    manual: _empty_pb2.Empty
    def __init__(self, schedule: _Optional[_Union[ScheduleTrigger, _Mapping]] = ..., manual: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class ScheduleTrigger(_message.Message):
    __slots__ = ("scheduled_at",)
    SCHEDULED_AT_FIELD_NUMBER: _ClassVar[int]
    scheduled_at: _timestamp_pb2.Timestamp
    def __init__(self, scheduled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateDeploymentRequest(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: Deployment
    def __init__(self, deployment: _Optional[_Union[Deployment, _Mapping]] = ...) -> None: ...

class CreateDeploymentResponse(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: Deployment
    def __init__(self, deployment: _Optional[_Union[Deployment, _Mapping]] = ...) -> None: ...

class GetDeploymentRequest(_message.Message):
    __slots__ = ("deployment_id",)
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    def __init__(self, deployment_id: _Optional[str] = ...) -> None: ...

class GetDeploymentResponse(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: Deployment
    def __init__(self, deployment: _Optional[_Union[Deployment, _Mapping]] = ...) -> None: ...

class UpdateDeploymentRequest(_message.Message):
    __slots__ = ("deployment_id", "update_mask", "deployment", "metadata_remove")
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    METADATA_REMOVE_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    update_mask: _field_mask_pb2.FieldMask
    deployment: Deployment
    metadata_remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, deployment_id: _Optional[str] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., deployment: _Optional[_Union[Deployment, _Mapping]] = ..., metadata_remove: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateDeploymentResponse(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: Deployment
    def __init__(self, deployment: _Optional[_Union[Deployment, _Mapping]] = ...) -> None: ...

class ListDeploymentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "agent_id", "include_archived", "status", "created_at_gte", "created_at_lte")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_LTE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    agent_id: str
    include_archived: bool
    status: DeploymentStatus
    created_at_gte: _timestamp_pb2.Timestamp
    created_at_lte: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., agent_id: _Optional[str] = ..., include_archived: _Optional[bool] = ..., status: _Optional[_Union[DeploymentStatus, str]] = ..., created_at_gte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_lte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeploymentsResponse(_message.Message):
    __slots__ = ("deployments", "next_page_token")
    DEPLOYMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deployments: _containers.RepeatedCompositeFieldContainer[Deployment]
    next_page_token: str
    def __init__(self, deployments: _Optional[_Iterable[_Union[Deployment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ArchiveDeploymentRequest(_message.Message):
    __slots__ = ("deployment_id",)
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    def __init__(self, deployment_id: _Optional[str] = ...) -> None: ...

class ArchiveDeploymentResponse(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: Deployment
    def __init__(self, deployment: _Optional[_Union[Deployment, _Mapping]] = ...) -> None: ...

class PauseDeploymentRequest(_message.Message):
    __slots__ = ("deployment_id",)
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    def __init__(self, deployment_id: _Optional[str] = ...) -> None: ...

class PauseDeploymentResponse(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: Deployment
    def __init__(self, deployment: _Optional[_Union[Deployment, _Mapping]] = ...) -> None: ...

class UnpauseDeploymentRequest(_message.Message):
    __slots__ = ("deployment_id",)
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    def __init__(self, deployment_id: _Optional[str] = ...) -> None: ...

class UnpauseDeploymentResponse(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: Deployment
    def __init__(self, deployment: _Optional[_Union[Deployment, _Mapping]] = ...) -> None: ...

class RunDeploymentRequest(_message.Message):
    __slots__ = ("deployment_id",)
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    def __init__(self, deployment_id: _Optional[str] = ...) -> None: ...

class RunDeploymentResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: DeploymentRun
    def __init__(self, run: _Optional[_Union[DeploymentRun, _Mapping]] = ...) -> None: ...

class GetDeploymentRunRequest(_message.Message):
    __slots__ = ("deployment_run_id",)
    DEPLOYMENT_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    deployment_run_id: str
    def __init__(self, deployment_run_id: _Optional[str] = ...) -> None: ...

class GetDeploymentRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: DeploymentRun
    def __init__(self, run: _Optional[_Union[DeploymentRun, _Mapping]] = ...) -> None: ...

class ListDeploymentRunsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "deployment_id", "has_error", "trigger_type", "created_at_gt", "created_at_gte", "created_at_lt", "created_at_lte")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_ERROR_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_GT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_LT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_LTE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    deployment_id: str
    has_error: bool
    trigger_type: str
    created_at_gt: _timestamp_pb2.Timestamp
    created_at_gte: _timestamp_pb2.Timestamp
    created_at_lt: _timestamp_pb2.Timestamp
    created_at_lte: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., deployment_id: _Optional[str] = ..., has_error: _Optional[bool] = ..., trigger_type: _Optional[str] = ..., created_at_gt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_gte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_lt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_lte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeploymentRunsResponse(_message.Message):
    __slots__ = ("runs", "next_page_token")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[DeploymentRun]
    next_page_token: str
    def __init__(self, runs: _Optional[_Iterable[_Union[DeploymentRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
