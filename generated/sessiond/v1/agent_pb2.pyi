import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sessiond.v1 import common_pb2 as _common_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Agent(_message.Message):
    __slots__ = ("id", "version", "name", "description", "system", "model", "tools", "mcp_servers", "skills", "metadata", "execution_identity", "multiagent", "created_at", "updated_at", "archived_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    MULTIAGENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    name: str
    description: str
    system: str
    model: ModelConfig
    tools: _containers.RepeatedCompositeFieldContainer[AgentTool]
    mcp_servers: _containers.RepeatedCompositeFieldContainer[McpServer]
    skills: _containers.RepeatedCompositeFieldContainer[Skill]
    metadata: _containers.ScalarMap[str, str]
    execution_identity: ExecutionIdentity
    multiagent: Multiagent
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    archived_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., system: _Optional[str] = ..., model: _Optional[_Union[ModelConfig, _Mapping]] = ..., tools: _Optional[_Iterable[_Union[AgentTool, _Mapping]]] = ..., mcp_servers: _Optional[_Iterable[_Union[McpServer, _Mapping]]] = ..., skills: _Optional[_Iterable[_Union[Skill, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., execution_identity: _Optional[_Union[ExecutionIdentity, _Mapping]] = ..., multiagent: _Optional[_Union[Multiagent, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ModelConfig(_message.Message):
    __slots__ = ("id", "effort", "inference_geo", "speed")
    ID_FIELD_NUMBER: _ClassVar[int]
    EFFORT_FIELD_NUMBER: _ClassVar[int]
    INFERENCE_GEO_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    id: str
    effort: Effort
    inference_geo: str
    speed: _common_pb2.Speed
    def __init__(self, id: _Optional[str] = ..., effort: _Optional[_Union[Effort, _Mapping]] = ..., inference_geo: _Optional[str] = ..., speed: _Optional[_Union[_common_pb2.Speed, str]] = ...) -> None: ...

class Effort(_message.Message):
    __slots__ = ("low", "medium", "high", "xhigh", "max")
    LOW_FIELD_NUMBER: _ClassVar[int]
    MEDIUM_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    XHIGH_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    low: _empty_pb2.Empty
    medium: _empty_pb2.Empty
    high: _empty_pb2.Empty
    xhigh: _empty_pb2.Empty
    max: _empty_pb2.Empty
    def __init__(self, low: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., medium: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., high: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., xhigh: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., max: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class AgentTool(_message.Message):
    __slots__ = ("agent_toolset_20260401", "mcp_toolset", "custom")
    AGENT_TOOLSET_20260401_FIELD_NUMBER: _ClassVar[int]
    MCP_TOOLSET_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    agent_toolset_20260401: AgentToolset
    mcp_toolset: McpToolset
    custom: CustomTool
    def __init__(self, agent_toolset_20260401: _Optional[_Union[AgentToolset, _Mapping]] = ..., mcp_toolset: _Optional[_Union[McpToolset, _Mapping]] = ..., custom: _Optional[_Union[CustomTool, _Mapping]] = ...) -> None: ...

class AgentToolset(_message.Message):
    __slots__ = ("configs", "default_config")
    CONFIGS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CONFIG_FIELD_NUMBER: _ClassVar[int]
    configs: _containers.RepeatedCompositeFieldContainer[BuiltinToolConfig]
    default_config: ToolsetDefaultConfig
    def __init__(self, configs: _Optional[_Iterable[_Union[BuiltinToolConfig, _Mapping]]] = ..., default_config: _Optional[_Union[ToolsetDefaultConfig, _Mapping]] = ...) -> None: ...

class BuiltinToolConfig(_message.Message):
    __slots__ = ("bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search")
    BASH_FIELD_NUMBER: _ClassVar[int]
    EDIT_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    WRITE_FIELD_NUMBER: _ClassVar[int]
    GLOB_FIELD_NUMBER: _ClassVar[int]
    GREP_FIELD_NUMBER: _ClassVar[int]
    WEB_FETCH_FIELD_NUMBER: _ClassVar[int]
    WEB_SEARCH_FIELD_NUMBER: _ClassVar[int]
    bash: ToolConfig
    edit: ToolConfig
    read: ToolConfig
    write: ToolConfig
    glob: ToolConfig
    grep: ToolConfig
    web_fetch: WebFetchToolConfig
    web_search: WebSearchToolConfig
    def __init__(self, bash: _Optional[_Union[ToolConfig, _Mapping]] = ..., edit: _Optional[_Union[ToolConfig, _Mapping]] = ..., read: _Optional[_Union[ToolConfig, _Mapping]] = ..., write: _Optional[_Union[ToolConfig, _Mapping]] = ..., glob: _Optional[_Union[ToolConfig, _Mapping]] = ..., grep: _Optional[_Union[ToolConfig, _Mapping]] = ..., web_fetch: _Optional[_Union[WebFetchToolConfig, _Mapping]] = ..., web_search: _Optional[_Union[WebSearchToolConfig, _Mapping]] = ...) -> None: ...

class ToolConfig(_message.Message):
    __slots__ = ("name", "enabled", "permission_policy")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_POLICY_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    permission_policy: PermissionPolicy
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., permission_policy: _Optional[_Union[PermissionPolicy, _Mapping]] = ...) -> None: ...

class WebFetchToolConfig(_message.Message):
    __slots__ = ("name", "enabled", "permission_policy", "url_sources", "allowed_domains", "blocked_domains", "max_content_tokens")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_POLICY_FIELD_NUMBER: _ClassVar[int]
    URL_SOURCES_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONTENT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    permission_policy: PermissionPolicy
    url_sources: _struct_pb2.Struct
    allowed_domains: _containers.RepeatedScalarFieldContainer[str]
    blocked_domains: _containers.RepeatedScalarFieldContainer[str]
    max_content_tokens: int
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., permission_policy: _Optional[_Union[PermissionPolicy, _Mapping]] = ..., url_sources: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., allowed_domains: _Optional[_Iterable[str]] = ..., blocked_domains: _Optional[_Iterable[str]] = ..., max_content_tokens: _Optional[int] = ...) -> None: ...

class WebSearchToolConfig(_message.Message):
    __slots__ = ("name", "enabled", "permission_policy", "allowed_domains", "blocked_domains", "user_location")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_POLICY_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    USER_LOCATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    permission_policy: PermissionPolicy
    allowed_domains: _containers.RepeatedScalarFieldContainer[str]
    blocked_domains: _containers.RepeatedScalarFieldContainer[str]
    user_location: UserLocation
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., permission_policy: _Optional[_Union[PermissionPolicy, _Mapping]] = ..., allowed_domains: _Optional[_Iterable[str]] = ..., blocked_domains: _Optional[_Iterable[str]] = ..., user_location: _Optional[_Union[UserLocation, _Mapping]] = ...) -> None: ...

class UserLocation(_message.Message):
    __slots__ = ("city", "country", "region", "timezone")
    CITY_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    city: str
    country: str
    region: str
    timezone: str
    def __init__(self, city: _Optional[str] = ..., country: _Optional[str] = ..., region: _Optional[str] = ..., timezone: _Optional[str] = ...) -> None: ...

class ToolsetDefaultConfig(_message.Message):
    __slots__ = ("enabled", "permission_policy")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_POLICY_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    permission_policy: PermissionPolicy
    def __init__(self, enabled: _Optional[bool] = ..., permission_policy: _Optional[_Union[PermissionPolicy, _Mapping]] = ...) -> None: ...

class PermissionPolicy(_message.Message):
    __slots__ = ("always_allow", "always_ask", "auto")
    ALWAYS_ALLOW_FIELD_NUMBER: _ClassVar[int]
    ALWAYS_ASK_FIELD_NUMBER: _ClassVar[int]
    AUTO_FIELD_NUMBER: _ClassVar[int]
    always_allow: _empty_pb2.Empty
    always_ask: _empty_pb2.Empty
    auto: _empty_pb2.Empty
    def __init__(self, always_allow: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., always_ask: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., auto: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class McpToolset(_message.Message):
    __slots__ = ("mcp_server_name", "configs", "default_config")
    MCP_SERVER_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIGS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CONFIG_FIELD_NUMBER: _ClassVar[int]
    mcp_server_name: str
    configs: _containers.RepeatedCompositeFieldContainer[McpToolConfig]
    default_config: ToolsetDefaultConfig
    def __init__(self, mcp_server_name: _Optional[str] = ..., configs: _Optional[_Iterable[_Union[McpToolConfig, _Mapping]]] = ..., default_config: _Optional[_Union[ToolsetDefaultConfig, _Mapping]] = ...) -> None: ...

class McpToolConfig(_message.Message):
    __slots__ = ("name", "enabled", "permission_policy")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_POLICY_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    permission_policy: PermissionPolicy
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., permission_policy: _Optional[_Union[PermissionPolicy, _Mapping]] = ...) -> None: ...

class CustomTool(_message.Message):
    __slots__ = ("name", "description", "input_schema")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    input_schema: _struct_pb2.Struct
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., input_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class McpServer(_message.Message):
    __slots__ = ("name", "url")
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    name: str
    url: str
    def __init__(self, name: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class Skill(_message.Message):
    __slots__ = ("anthropic", "custom")
    ANTHROPIC_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    anthropic: SkillRef
    custom: SkillRef
    def __init__(self, anthropic: _Optional[_Union[SkillRef, _Mapping]] = ..., custom: _Optional[_Union[SkillRef, _Mapping]] = ...) -> None: ...

class SkillRef(_message.Message):
    __slots__ = ("skill_id", "version")
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    skill_id: str
    version: str
    def __init__(self, skill_id: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class ExecutionIdentity(_message.Message):
    __slots__ = ("aws_role", "service_account")
    AWS_ROLE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    aws_role: AwsRoleIdentity
    service_account: _empty_pb2.Empty
    def __init__(self, aws_role: _Optional[_Union[AwsRoleIdentity, _Mapping]] = ..., service_account: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class AwsRoleIdentity(_message.Message):
    __slots__ = ("role_arn",)
    ROLE_ARN_FIELD_NUMBER: _ClassVar[int]
    role_arn: str
    def __init__(self, role_arn: _Optional[str] = ...) -> None: ...

class SessionAgent(_message.Message):
    __slots__ = ("id", "version", "name", "description", "system", "model", "tools", "mcp_servers", "skills", "execution_identity", "multiagent")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    MULTIAGENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    name: str
    description: str
    system: str
    model: ModelConfig
    tools: _containers.RepeatedCompositeFieldContainer[AgentTool]
    mcp_servers: _containers.RepeatedCompositeFieldContainer[McpServer]
    skills: _containers.RepeatedCompositeFieldContainer[Skill]
    execution_identity: ExecutionIdentity
    multiagent: SessionMultiagent
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., system: _Optional[str] = ..., model: _Optional[_Union[ModelConfig, _Mapping]] = ..., tools: _Optional[_Iterable[_Union[AgentTool, _Mapping]]] = ..., mcp_servers: _Optional[_Iterable[_Union[McpServer, _Mapping]]] = ..., skills: _Optional[_Iterable[_Union[Skill, _Mapping]]] = ..., execution_identity: _Optional[_Union[ExecutionIdentity, _Mapping]] = ..., multiagent: _Optional[_Union[SessionMultiagent, _Mapping]] = ...) -> None: ...

class Multiagent(_message.Message):
    __slots__ = ("coordinator",)
    COORDINATOR_FIELD_NUMBER: _ClassVar[int]
    coordinator: MultiagentCoordinator
    def __init__(self, coordinator: _Optional[_Union[MultiagentCoordinator, _Mapping]] = ...) -> None: ...

class MultiagentCoordinator(_message.Message):
    __slots__ = ("agents",)
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[RosterEntry]
    def __init__(self, agents: _Optional[_Iterable[_Union[RosterEntry, _Mapping]]] = ...) -> None: ...

class RosterEntry(_message.Message):
    __slots__ = ("agent", "self")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    SELF_FIELD_NUMBER: _ClassVar[int]
    agent: RosterAgent
    self: _empty_pb2.Empty
    def __init__(self_, agent: _Optional[_Union[RosterAgent, _Mapping]] = ..., self: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class RosterAgent(_message.Message):
    __slots__ = ("id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class SessionMultiagent(_message.Message):
    __slots__ = ("coordinator",)
    COORDINATOR_FIELD_NUMBER: _ClassVar[int]
    coordinator: SessionMultiagentCoordinator
    def __init__(self, coordinator: _Optional[_Union[SessionMultiagentCoordinator, _Mapping]] = ...) -> None: ...

class SessionMultiagentCoordinator(_message.Message):
    __slots__ = ("agents",)
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[SessionThreadAgent]
    def __init__(self, agents: _Optional[_Iterable[_Union[SessionThreadAgent, _Mapping]]] = ...) -> None: ...

class SessionThreadAgent(_message.Message):
    __slots__ = ("id", "version", "name", "description", "system", "model", "tools", "mcp_servers", "skills", "execution_identity")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    name: str
    description: str
    system: str
    model: ModelConfig
    tools: _containers.RepeatedCompositeFieldContainer[AgentTool]
    mcp_servers: _containers.RepeatedCompositeFieldContainer[McpServer]
    skills: _containers.RepeatedCompositeFieldContainer[Skill]
    execution_identity: ExecutionIdentity
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., system: _Optional[str] = ..., model: _Optional[_Union[ModelConfig, _Mapping]] = ..., tools: _Optional[_Iterable[_Union[AgentTool, _Mapping]]] = ..., mcp_servers: _Optional[_Iterable[_Union[McpServer, _Mapping]]] = ..., skills: _Optional[_Iterable[_Union[Skill, _Mapping]]] = ..., execution_identity: _Optional[_Union[ExecutionIdentity, _Mapping]] = ...) -> None: ...

class CreateAgentRequest(_message.Message):
    __slots__ = ("name", "description", "system", "model", "tools", "mcp_servers", "skills", "metadata", "execution_identity", "multiagent")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    MULTIAGENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    system: str
    model: ModelConfig
    tools: _containers.RepeatedCompositeFieldContainer[AgentTool]
    mcp_servers: _containers.RepeatedCompositeFieldContainer[McpServer]
    skills: _containers.RepeatedCompositeFieldContainer[Skill]
    metadata: _containers.ScalarMap[str, str]
    execution_identity: ExecutionIdentity
    multiagent: Multiagent
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., system: _Optional[str] = ..., model: _Optional[_Union[ModelConfig, _Mapping]] = ..., tools: _Optional[_Iterable[_Union[AgentTool, _Mapping]]] = ..., mcp_servers: _Optional[_Iterable[_Union[McpServer, _Mapping]]] = ..., skills: _Optional[_Iterable[_Union[Skill, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., execution_identity: _Optional[_Union[ExecutionIdentity, _Mapping]] = ..., multiagent: _Optional[_Union[Multiagent, _Mapping]] = ...) -> None: ...

class CreateAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class GetAgentRequest(_message.Message):
    __slots__ = ("agent_id", "version")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    version: int
    def __init__(self, agent_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class UpdateAgentRequest(_message.Message):
    __slots__ = ("agent_id", "version", "update_mask", "name", "description", "system", "model", "tools", "mcp_servers", "skills", "metadata", "metadata_remove", "execution_identity", "multiagent")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_REMOVE_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    MULTIAGENT_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    version: int
    update_mask: _field_mask_pb2.FieldMask
    name: str
    description: str
    system: str
    model: ModelConfig
    tools: _containers.RepeatedCompositeFieldContainer[AgentTool]
    mcp_servers: _containers.RepeatedCompositeFieldContainer[McpServer]
    skills: _containers.RepeatedCompositeFieldContainer[Skill]
    metadata: _containers.ScalarMap[str, str]
    metadata_remove: _containers.RepeatedScalarFieldContainer[str]
    execution_identity: ExecutionIdentity
    multiagent: Multiagent
    def __init__(self, agent_id: _Optional[str] = ..., version: _Optional[int] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., system: _Optional[str] = ..., model: _Optional[_Union[ModelConfig, _Mapping]] = ..., tools: _Optional[_Iterable[_Union[AgentTool, _Mapping]]] = ..., mcp_servers: _Optional[_Iterable[_Union[McpServer, _Mapping]]] = ..., skills: _Optional[_Iterable[_Union[Skill, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., metadata_remove: _Optional[_Iterable[str]] = ..., execution_identity: _Optional[_Union[ExecutionIdentity, _Mapping]] = ..., multiagent: _Optional[_Union[Multiagent, _Mapping]] = ...) -> None: ...

class UpdateAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "include_archived", "created_at_gte", "created_at_lte")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_LTE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    include_archived: bool
    created_at_gte: _timestamp_pb2.Timestamp
    created_at_lte: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_archived: _Optional[bool] = ..., created_at_gte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_lte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ("agents", "next_page_token")
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[Agent]
    next_page_token: str
    def __init__(self, agents: _Optional[_Iterable[_Union[Agent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ArchiveAgentRequest(_message.Message):
    __slots__ = ("agent_id",)
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    def __init__(self, agent_id: _Optional[str] = ...) -> None: ...

class ArchiveAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class ListAgentVersionsRequest(_message.Message):
    __slots__ = ("agent_id", "page_size", "page_token")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    page_size: int
    page_token: str
    def __init__(self, agent_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAgentVersionsResponse(_message.Message):
    __slots__ = ("agents", "next_page_token")
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[Agent]
    next_page_token: str
    def __init__(self, agents: _Optional[_Iterable[_Union[Agent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
