import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Vault(_message.Message):
    __slots__ = ("id", "display_name", "metadata", "created_at", "updated_at", "archived_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    metadata: _containers.ScalarMap[str, str]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    archived_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Credential(_message.Message):
    __slots__ = ("id", "vault_id", "display_name", "metadata", "auth", "created_at", "updated_at", "archived_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    vault_id: str
    display_name: str
    metadata: _containers.ScalarMap[str, str]
    auth: CredentialAuth
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    archived_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., vault_id: _Optional[str] = ..., display_name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., auth: _Optional[_Union[CredentialAuth, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CredentialAuth(_message.Message):
    __slots__ = ("static_bearer", "mcp_oauth")
    STATIC_BEARER_FIELD_NUMBER: _ClassVar[int]
    MCP_OAUTH_FIELD_NUMBER: _ClassVar[int]
    static_bearer: StaticBearerAuth
    mcp_oauth: McpOAuthAuth
    def __init__(self, static_bearer: _Optional[_Union[StaticBearerAuth, _Mapping]] = ..., mcp_oauth: _Optional[_Union[McpOAuthAuth, _Mapping]] = ...) -> None: ...

class StaticBearerAuth(_message.Message):
    __slots__ = ("mcp_server_url", "token")
    MCP_SERVER_URL_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    mcp_server_url: str
    token: str
    def __init__(self, mcp_server_url: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class McpOAuthAuth(_message.Message):
    __slots__ = ("mcp_server_url", "expires_at", "refresh", "access_token")
    MCP_SERVER_URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    mcp_server_url: str
    expires_at: _timestamp_pb2.Timestamp
    refresh: McpOAuthRefresh
    access_token: str
    def __init__(self, mcp_server_url: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh: _Optional[_Union[McpOAuthRefresh, _Mapping]] = ..., access_token: _Optional[str] = ...) -> None: ...

class McpOAuthRefresh(_message.Message):
    __slots__ = ("client_id", "token_endpoint", "token_endpoint_auth", "resource", "scope", "refresh_token")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ENDPOINT_AUTH_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    token_endpoint: str
    token_endpoint_auth: TokenEndpointAuth
    resource: str
    scope: str
    refresh_token: str
    def __init__(self, client_id: _Optional[str] = ..., token_endpoint: _Optional[str] = ..., token_endpoint_auth: _Optional[_Union[TokenEndpointAuth, _Mapping]] = ..., resource: _Optional[str] = ..., scope: _Optional[str] = ..., refresh_token: _Optional[str] = ...) -> None: ...

class TokenEndpointAuth(_message.Message):
    __slots__ = ("none", "client_secret_basic", "client_secret_post")
    NONE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_BASIC_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_POST_FIELD_NUMBER: _ClassVar[int]
    none: _empty_pb2.Empty
    client_secret_basic: ClientSecret
    client_secret_post: ClientSecret
    def __init__(self, none: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., client_secret_basic: _Optional[_Union[ClientSecret, _Mapping]] = ..., client_secret_post: _Optional[_Union[ClientSecret, _Mapping]] = ...) -> None: ...

class ClientSecret(_message.Message):
    __slots__ = ("client_secret",)
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    client_secret: str
    def __init__(self, client_secret: _Optional[str] = ...) -> None: ...

class CredentialValidation(_message.Message):
    __slots__ = ("credential_id", "vault_id", "status", "has_refresh_token", "validated_at", "refresh_status", "probe_status_code")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HAS_REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_AT_FIELD_NUMBER: _ClassVar[int]
    REFRESH_STATUS_FIELD_NUMBER: _ClassVar[int]
    PROBE_STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    vault_id: str
    status: str
    has_refresh_token: bool
    validated_at: _timestamp_pb2.Timestamp
    refresh_status: str
    probe_status_code: int
    def __init__(self, credential_id: _Optional[str] = ..., vault_id: _Optional[str] = ..., status: _Optional[str] = ..., has_refresh_token: _Optional[bool] = ..., validated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh_status: _Optional[str] = ..., probe_status_code: _Optional[int] = ...) -> None: ...

class CreateVaultRequest(_message.Message):
    __slots__ = ("display_name", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, display_name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateVaultResponse(_message.Message):
    __slots__ = ("vault",)
    VAULT_FIELD_NUMBER: _ClassVar[int]
    vault: Vault
    def __init__(self, vault: _Optional[_Union[Vault, _Mapping]] = ...) -> None: ...

class GetVaultRequest(_message.Message):
    __slots__ = ("vault_id",)
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ...) -> None: ...

class GetVaultResponse(_message.Message):
    __slots__ = ("vault",)
    VAULT_FIELD_NUMBER: _ClassVar[int]
    vault: Vault
    def __init__(self, vault: _Optional[_Union[Vault, _Mapping]] = ...) -> None: ...

class UpdateVaultRequest(_message.Message):
    __slots__ = ("vault_id", "display_name", "metadata", "metadata_remove")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_REMOVE_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    display_name: str
    metadata: _containers.ScalarMap[str, str]
    metadata_remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, vault_id: _Optional[str] = ..., display_name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., metadata_remove: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateVaultResponse(_message.Message):
    __slots__ = ("vault",)
    VAULT_FIELD_NUMBER: _ClassVar[int]
    vault: Vault
    def __init__(self, vault: _Optional[_Union[Vault, _Mapping]] = ...) -> None: ...

class ListVaultsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "include_archived")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    include_archived: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_archived: _Optional[bool] = ...) -> None: ...

class ListVaultsResponse(_message.Message):
    __slots__ = ("vaults", "next_page_token")
    VAULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    vaults: _containers.RepeatedCompositeFieldContainer[Vault]
    next_page_token: str
    def __init__(self, vaults: _Optional[_Iterable[_Union[Vault, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteVaultRequest(_message.Message):
    __slots__ = ("vault_id",)
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ...) -> None: ...

class DeleteVaultResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ArchiveVaultRequest(_message.Message):
    __slots__ = ("vault_id",)
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    def __init__(self, vault_id: _Optional[str] = ...) -> None: ...

class ArchiveVaultResponse(_message.Message):
    __slots__ = ("vault",)
    VAULT_FIELD_NUMBER: _ClassVar[int]
    vault: Vault
    def __init__(self, vault: _Optional[_Union[Vault, _Mapping]] = ...) -> None: ...

class CreateCredentialRequest(_message.Message):
    __slots__ = ("vault_id", "display_name", "metadata", "auth")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    display_name: str
    metadata: _containers.ScalarMap[str, str]
    auth: CredentialAuth
    def __init__(self, vault_id: _Optional[str] = ..., display_name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., auth: _Optional[_Union[CredentialAuth, _Mapping]] = ...) -> None: ...

class CreateCredentialResponse(_message.Message):
    __slots__ = ("credential",)
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class GetCredentialRequest(_message.Message):
    __slots__ = ("vault_id", "credential_id")
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    credential_id: str
    def __init__(self, vault_id: _Optional[str] = ..., credential_id: _Optional[str] = ...) -> None: ...

class GetCredentialResponse(_message.Message):
    __slots__ = ("credential",)
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class UpdateCredentialRequest(_message.Message):
    __slots__ = ("vault_id", "credential_id", "display_name", "metadata", "metadata_remove", "auth")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_REMOVE_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    credential_id: str
    display_name: str
    metadata: _containers.ScalarMap[str, str]
    metadata_remove: _containers.RepeatedScalarFieldContainer[str]
    auth: CredentialAuth
    def __init__(self, vault_id: _Optional[str] = ..., credential_id: _Optional[str] = ..., display_name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., metadata_remove: _Optional[_Iterable[str]] = ..., auth: _Optional[_Union[CredentialAuth, _Mapping]] = ...) -> None: ...

class UpdateCredentialResponse(_message.Message):
    __slots__ = ("credential",)
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class ListCredentialsRequest(_message.Message):
    __slots__ = ("vault_id", "page_size", "page_token", "include_archived")
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    page_size: int
    page_token: str
    include_archived: bool
    def __init__(self, vault_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_archived: _Optional[bool] = ...) -> None: ...

class ListCredentialsResponse(_message.Message):
    __slots__ = ("credentials", "next_page_token")
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    credentials: _containers.RepeatedCompositeFieldContainer[Credential]
    next_page_token: str
    def __init__(self, credentials: _Optional[_Iterable[_Union[Credential, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteCredentialRequest(_message.Message):
    __slots__ = ("vault_id", "credential_id")
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    credential_id: str
    def __init__(self, vault_id: _Optional[str] = ..., credential_id: _Optional[str] = ...) -> None: ...

class DeleteCredentialResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ArchiveCredentialRequest(_message.Message):
    __slots__ = ("vault_id", "credential_id")
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    credential_id: str
    def __init__(self, vault_id: _Optional[str] = ..., credential_id: _Optional[str] = ...) -> None: ...

class ArchiveCredentialResponse(_message.Message):
    __slots__ = ("credential",)
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class ValidateCredentialRequest(_message.Message):
    __slots__ = ("vault_id", "credential_id")
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    vault_id: str
    credential_id: str
    def __init__(self, vault_id: _Optional[str] = ..., credential_id: _Optional[str] = ...) -> None: ...

class ValidateCredentialResponse(_message.Message):
    __slots__ = ("validation",)
    VALIDATION_FIELD_NUMBER: _ClassVar[int]
    validation: CredentialValidation
    def __init__(self, validation: _Optional[_Union[CredentialValidation, _Mapping]] = ...) -> None: ...
