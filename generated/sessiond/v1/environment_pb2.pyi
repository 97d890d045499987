import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EnvironmentScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENVIRONMENT_SCOPE_UNSPECIFIED: _ClassVar[EnvironmentScope]
    ENVIRONMENT_SCOPE_ORGANIZATION: _ClassVar[EnvironmentScope]
    ENVIRONMENT_SCOPE_ACCOUNT: _ClassVar[EnvironmentScope]
ENVIRONMENT_SCOPE_UNSPECIFIED: EnvironmentScope
ENVIRONMENT_SCOPE_ORGANIZATION: EnvironmentScope
ENVIRONMENT_SCOPE_ACCOUNT: EnvironmentScope

class Environment(_message.Message):
    __slots__ = ("id", "name", "description", "config", "metadata", "scope", "created_at", "updated_at", "archived_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    config: EnvironmentConfig
    metadata: _containers.ScalarMap[str, str]
    scope: EnvironmentScope
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    archived_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., config: _Optional[_Union[EnvironmentConfig, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., scope: _Optional[_Union[EnvironmentScope, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EnvironmentConfig(_message.Message):
    __slots__ = ("cloud", "self_hosted")
    CLOUD_FIELD_NUMBER: _ClassVar[int]
    SELF_HOSTED_FIELD_NUMBER: _ClassVar[int]
    cloud: CloudConfig
    self_hosted: _empty_pb2.Empty
    def __init__(self, cloud: _Optional[_Union[CloudConfig, _Mapping]] = ..., self_hosted: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class CloudConfig(_message.Message):
    __slots__ = ("networking", "packages")
    NETWORKING_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    networking: Networking
    packages: Packages
    def __init__(self, networking: _Optional[_Union[Networking, _Mapping]] = ..., packages: _Optional[_Union[Packages, _Mapping]] = ...) -> None: ...

class Networking(_message.Message):
    __slots__ = ("unrestricted", "limited")
    UNRESTRICTED_FIELD_NUMBER: _ClassVar[int]
    LIMITED_FIELD_NUMBER: _ClassVar[int]
    unrestricted: _empty_pb2.Empty
    limited: LimitedNetwork
    def __init__(self, unrestricted: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., limited: _Optional[_Union[LimitedNetwork, _Mapping]] = ...) -> None: ...

class LimitedNetwork(_message.Message):
    __slots__ = ("allow_mcp_servers", "allow_package_managers", "allowed_hosts")
    ALLOW_MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_PACKAGE_MANAGERS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_HOSTS_FIELD_NUMBER: _ClassVar[int]
    allow_mcp_servers: bool
    allow_package_managers: bool
    allowed_hosts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, allow_mcp_servers: _Optional[bool] = ..., allow_package_managers: _Optional[bool] = ..., allowed_hosts: _Optional[_Iterable[str]] = ...) -> None: ...

class Packages(_message.Message):
    __slots__ = ("apt", "cargo", "gem", "go", "npm", "pip")
    APT_FIELD_NUMBER: _ClassVar[int]
    CARGO_FIELD_NUMBER: _ClassVar[int]
    GEM_FIELD_NUMBER: _ClassVar[int]
    GO_FIELD_NUMBER: _ClassVar[int]
    NPM_FIELD_NUMBER: _ClassVar[int]
    PIP_FIELD_NUMBER: _ClassVar[int]
    apt: _containers.RepeatedScalarFieldContainer[str]
    cargo: _containers.RepeatedScalarFieldContainer[str]
    gem: _containers.RepeatedScalarFieldContainer[str]
    go: _containers.RepeatedScalarFieldContainer[str]
    npm: _containers.RepeatedScalarFieldContainer[str]
    pip: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, apt: _Optional[_Iterable[str]] = ..., cargo: _Optional[_Iterable[str]] = ..., gem: _Optional[_Iterable[str]] = ..., go: _Optional[_Iterable[str]] = ..., npm: _Optional[_Iterable[str]] = ..., pip: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateEnvironmentRequest(_message.Message):
    __slots__ = ("name", "description", "config", "metadata", "scope")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    config: EnvironmentConfig
    metadata: _containers.ScalarMap[str, str]
    scope: EnvironmentScope
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., config: _Optional[_Union[EnvironmentConfig, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., scope: _Optional[_Union[EnvironmentScope, str]] = ...) -> None: ...

class CreateEnvironmentResponse(_message.Message):
    __slots__ = ("environment",)
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    environment: Environment
    def __init__(self, environment: _Optional[_Union[Environment, _Mapping]] = ...) -> None: ...

class GetEnvironmentRequest(_message.Message):
    __slots__ = ("environment_id",)
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    def __init__(self, environment_id: _Optional[str] = ...) -> None: ...

class GetEnvironmentResponse(_message.Message):
    __slots__ = ("environment",)
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    environment: Environment
    def __init__(self, environment: _Optional[_Union[Environment, _Mapping]] = ...) -> None: ...

class UpdateEnvironmentRequest(_message.Message):
    __slots__ = ("environment_id", "update_mask", "name", "description", "config", "metadata", "metadata_remove", "scope")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_REMOVE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    update_mask: _field_mask_pb2.FieldMask
    name: str
    description: str
    config: EnvironmentConfig
    metadata: _containers.ScalarMap[str, str]
    metadata_remove: _containers.RepeatedScalarFieldContainer[str]
    scope: EnvironmentScope
    def __init__(self, environment_id: _Optional[str] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., config: _Optional[_Union[EnvironmentConfig, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., metadata_remove: _Optional[_Iterable[str]] = ..., scope: _Optional[_Union[EnvironmentScope, str]] = ...) -> None: ...

class UpdateEnvironmentResponse(_message.Message):
    __slots__ = ("environment",)
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    environment: Environment
    def __init__(self, environment: _Optional[_Union[Environment, _Mapping]] = ...) -> None: ...

class ListEnvironmentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "include_archived")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    include_archived: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_archived: _Optional[bool] = ...) -> None: ...

class ListEnvironmentsResponse(_message.Message):
    __slots__ = ("environments", "next_page_token")
    ENVIRONMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    environments: _containers.RepeatedCompositeFieldContainer[Environment]
    next_page_token: str
    def __init__(self, environments: _Optional[_Iterable[_Union[Environment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteEnvironmentRequest(_message.Message):
    __slots__ = ("environment_id",)
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    def __init__(self, environment_id: _Optional[str] = ...) -> None: ...

class DeleteEnvironmentResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ArchiveEnvironmentRequest(_message.Message):
    __slots__ = ("environment_id",)
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    def __init__(self, environment_id: _Optional[str] = ...) -> None: ...

class ArchiveEnvironmentResponse(_message.Message):
    __slots__ = ("environment",)
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    environment: Environment
    def __init__(self, environment: _Optional[_Union[Environment, _Mapping]] = ...) -> None: ...
