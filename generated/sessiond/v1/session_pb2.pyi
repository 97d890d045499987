import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sessiond.v1 import agent_pb2 as _agent_pb2
from sessiond.v1 import common_pb2 as _common_pb2
from sessiond.v1 import event_pb2 as _event_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SessionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_STATUS_UNSPECIFIED: _ClassVar[SessionStatus]
    SESSION_STATUS_RESCHEDULING: _ClassVar[SessionStatus]
    SESSION_STATUS_RUNNING: _ClassVar[SessionStatus]
    SESSION_STATUS_IDLE: _ClassVar[SessionStatus]
    SESSION_STATUS_TERMINATED: _ClassVar[SessionStatus]

class MemoryStoreAccess(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_STORE_ACCESS_UNSPECIFIED: _ClassVar[MemoryStoreAccess]
    MEMORY_STORE_ACCESS_READ_WRITE: _ClassVar[MemoryStoreAccess]
    MEMORY_STORE_ACCESS_READ_ONLY: _ClassVar[MemoryStoreAccess]
SESSION_STATUS_UNSPECIFIED: SessionStatus
SESSION_STATUS_RESCHEDULING: SessionStatus
SESSION_STATUS_RUNNING: SessionStatus
SESSION_STATUS_IDLE: SessionStatus
SESSION_STATUS_TERMINATED: SessionStatus
MEMORY_STORE_ACCESS_UNSPECIFIED: MemoryStoreAccess
MEMORY_STORE_ACCESS_READ_WRITE: MemoryStoreAccess
MEMORY_STORE_ACCESS_READ_ONLY: MemoryStoreAccess

class Session(_message.Message):
    __slots__ = ("id", "agent", "environment_id", "title", "metadata", "status", "usage", "stats", "budget", "resources", "vault_ids", "outcome_evaluations", "deployment_id", "created_at", "updated_at", "archived_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    VAULT_IDS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent: _agent_pb2.SessionAgent
    environment_id: str
    title: str
    metadata: _containers.ScalarMap[str, str]
    status: SessionStatus
    usage: _common_pb2.SessionUsage
    stats: SessionStats
    budget: _common_pb2.BudgetLimit
    resources: _containers.RepeatedCompositeFieldContainer[SessionResource]
    vault_ids: _containers.RepeatedScalarFieldContainer[str]
    outcome_evaluations: _containers.RepeatedCompositeFieldContainer[OutcomeEvaluation]
    deployment_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    archived_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., agent: _Optional[_Union[_agent_pb2.SessionAgent, _Mapping]] = ..., environment_id: _Optional[str] = ..., title: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., status: _Optional[_Union[SessionStatus, str]] = ..., usage: _Optional[_Union[_common_pb2.SessionUsage, _Mapping]] = ..., stats: _Optional[_Union[SessionStats, _Mapping]] = ..., budget: _Optional[_Union[_common_pb2.BudgetLimit, _Mapping]] = ..., resources: _Optional[_Iterable[_Union[SessionResource, _Mapping]]] = ..., vault_ids: _Optional[_Iterable[str]] = ..., outcome_evaluations: _Optional[_Iterable[_Union[OutcomeEvaluation, _Mapping]]] = ..., deployment_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionStats(_message.Message):
    __slots__ = ("active_seconds", "duration_seconds")
    ACTIVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    active_seconds: float
    duration_seconds: float
    def __init__(self, active_seconds: _Optional[float] = ..., duration_seconds: _Optional[float] = ...) -> None: ...

class SessionResource(_message.Message):
    __slots__ = ("github_repository", "file", "memory_store")
    GITHUB_REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_STORE_FIELD_NUMBER: _ClassVar[int]
    github_repository: GitHubRepositoryResource
    file: FileResource
    memory_store: MemoryStoreResource
    def __init__(self, github_repository: _Optional[_Union[GitHubRepositoryResource, _Mapping]] = ..., file: _Optional[_Union[FileResource, _Mapping]] = ..., memory_store: _Optional[_Union[MemoryStoreResource, _Mapping]] = ...) -> None: ...

class GitHubRepositoryResource(_message.Message):
    __slots__ = ("id", "url", "mount_path", "checkout", "authorization_token", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    MOUNT_PATH_FIELD_NUMBER: _ClassVar[int]
    CHECKOUT_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    url: str
    mount_path: str
    checkout: RepositoryCheckout
    authorization_token: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., url: _Optional[str] = ..., mount_path: _Optional[str] = ..., checkout: _Optional[_Union[RepositoryCheckout, _Mapping]] = ..., authorization_token: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RepositoryCheckout(_message.Message):
    __slots__ = ("branch", "commit")
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    branch: BranchCheckout
    commit: CommitCheckout
    def __init__(self, branch: _Optional[_Union[BranchCheckout, _Mapping]] = ..., commit: _Optional[_Union[CommitCheckout, _Mapping]] = ...) -> None: ...

class BranchCheckout(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CommitCheckout(_message.Message):
    __slots__ = ("sha",)
    SHA_FIELD_NUMBER: _ClassVar[int]
    sha: str
    def __init__(self, sha: _Optional[str] = ...) -> None: ...

class FileResource(_message.Message):
    __slots__ = ("id", "file_id", "mount_path", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    MOUNT_PATH_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    file_id: str
    mount_path: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., file_id: _Optional[str] = ..., mount_path: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MemoryStoreResource(_message.Message):
    __slots__ = ("memory_store_id", "access", "description", "instructions", "mount_path", "name")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    MOUNT_PATH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    access: MemoryStoreAccess
    description: str
    instructions: str
    mount_path: str
    name: str
    def __init__(self, memory_store_id: _Optional[str] = ..., access: _Optional[_Union[MemoryStoreAccess, str]] = ..., description: _Optional[str] = ..., instructions: _Optional[str] = ..., mount_path: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class OutcomeEvaluation(_message.Message):
    __slots__ = ("completed_at", "description", "explanation", "iteration", "outcome_id", "result")
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    completed_at: _timestamp_pb2.Timestamp
    description: str
    explanation: str
    iteration: int
    outcome_id: str
    result: str
    def __init__(self, completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., explanation: _Optional[str] = ..., iteration: _Optional[int] = ..., outcome_id: _Optional[str] = ..., result: _Optional[str] = ...) -> None: ...

class AgentSelector(_message.Message):
    __slots__ = ("agent", "agent_with_overrides")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    AGENT_WITH_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    agent: AgentVersionSelector
    agent_with_overrides: AgentWithOverrides
    def __init__(self, agent: _Optional[_Union[AgentVersionSelector, _Mapping]] = ..., agent_with_overrides: _Optional[_Union[AgentWithOverrides, _Mapping]] = ...) -> None: ...

class AgentVersionSelector(_message.Message):
    __slots__ = ("id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class AgentWithOverrides(_message.Message):
    __slots__ = ("id", "version", "model", "system", "tools", "mcp_servers", "skills")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    model: _agent_pb2.ModelConfig
    system: str
    tools: _containers.RepeatedCompositeFieldContainer[_agent_pb2.AgentTool]
    mcp_servers: _containers.RepeatedCompositeFieldContainer[_agent_pb2.McpServer]
    skills: _containers.RepeatedCompositeFieldContainer[_agent_pb2.Skill]
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., model: _Optional[_Union[_agent_pb2.ModelConfig, _Mapping]] = ..., system: _Optional[str] = ..., tools: _Optional[_Iterable[_Union[_agent_pb2.AgentTool, _Mapping]]] = ..., mcp_servers: _Optional[_Iterable[_Union[_agent_pb2.McpServer, _Mapping]]] = ..., skills: _Optional[_Iterable[_Union[_agent_pb2.Skill, _Mapping]]] = ...) -> None: ...

class SessionAgentUpdate(_message.Message):
    __slots__ = ("tools", "mcp_servers")
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    tools: _containers.RepeatedCompositeFieldContainer[_agent_pb2.AgentTool]
    mcp_servers: _containers.RepeatedCompositeFieldContainer[_agent_pb2.McpServer]
    def __init__(self, tools: _Optional[_Iterable[_Union[_agent_pb2.AgentTool, _Mapping]]] = ..., mcp_servers: _Optional[_Iterable[_Union[_agent_pb2.McpServer, _Mapping]]] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
    __slots__ = ("agent", "environment_id", "title", "metadata", "budget", "resources", "vault_ids", "initial_events")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGENT_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    VAULT_IDS_FIELD_NUMBER: _ClassVar[int]
    INITIAL_EVENTS_FIELD_NUMBER: _ClassVar[int]
    agent: AgentSelector
    environment_id: str
    title: str
    metadata: _containers.ScalarMap[str, str]
    budget: _common_pb2.BudgetLimit
    resources: _containers.RepeatedCompositeFieldContainer[SessionResource]
    vault_ids: _containers.RepeatedScalarFieldContainer[str]
    initial_events: _containers.RepeatedCompositeFieldContainer[_event_pb2.SessionEvent]
    def __init__(self, agent: _Optional[_Union[AgentSelector, _Mapping]] = ..., environment_id: _Optional[str] = ..., title: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., budget: _Optional[_Union[_common_pb2.BudgetLimit, _Mapping]] = ..., resources: _Optional[_Iterable[_Union[SessionResource, _Mapping]]] = ..., vault_ids: _Optional[_Iterable[str]] = ..., initial_events: _Optional[_Iterable[_Union[_event_pb2.SessionEvent, _Mapping]]] = ...) -> None: ...

class CreateSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class UpdateSessionRequest(_message.Message):
    __slots__ = ("session_id", "update_mask", "title", "metadata", "metadata_remove", "budget", "vault_ids", "agent")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_REMOVE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    VAULT_IDS_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    update_mask: _field_mask_pb2.FieldMask
    title: str
    metadata: _containers.ScalarMap[str, str]
    metadata_remove: _containers.RepeatedScalarFieldContainer[str]
    budget: _common_pb2.BudgetLimit
    vault_ids: _containers.RepeatedScalarFieldContainer[str]
    agent: SessionAgentUpdate
    def __init__(self, session_id: _Optional[str] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., title: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., metadata_remove: _Optional[_Iterable[str]] = ..., budget: _Optional[_Union[_common_pb2.BudgetLimit, _Mapping]] = ..., vault_ids: _Optional[_Iterable[str]] = ..., agent: _Optional[_Union[SessionAgentUpdate, _Mapping]] = ...) -> None: ...

class UpdateSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "order", "agent_id", "agent_version", "include_archived", "statuses", "created_at_gt", "created_at_gte", "created_at_lt", "created_at_lte", "deployment_id", "memory_store_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_GT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_LT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_LTE_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    order: _common_pb2.SortOrder
    agent_id: str
    agent_version: int
    include_archived: bool
    statuses: _containers.RepeatedScalarFieldContainer[SessionStatus]
    created_at_gt: _timestamp_pb2.Timestamp
    created_at_gte: _timestamp_pb2.Timestamp
    created_at_lt: _timestamp_pb2.Timestamp
    created_at_lte: _timestamp_pb2.Timestamp
    deployment_id: str
    memory_store_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ..., agent_id: _Optional[str] = ..., agent_version: _Optional[int] = ..., include_archived: _Optional[bool] = ..., statuses: _Optional[_Iterable[_Union[SessionStatus, str]]] = ..., created_at_gt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_gte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_lt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_lte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deployment_id: _Optional[str] = ..., memory_store_id: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token", "prev_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PREV_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    next_page_token: str
    prev_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., prev_page_token: _Optional[str] = ...) -> None: ...

class DeleteSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class DeleteSessionResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ArchiveSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ArchiveSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...
