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

class MemoryVersionOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_VERSION_OPERATION_UNSPECIFIED: _ClassVar[MemoryVersionOperation]
    MEMORY_VERSION_OPERATION_CREATED: _ClassVar[MemoryVersionOperation]
    MEMORY_VERSION_OPERATION_MODIFIED: _ClassVar[MemoryVersionOperation]
    MEMORY_VERSION_OPERATION_DELETED: _ClassVar[MemoryVersionOperation]

class MemoryView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_VIEW_UNSPECIFIED: _ClassVar[MemoryView]
    MEMORY_VIEW_BASIC: _ClassVar[MemoryView]
    MEMORY_VIEW_FULL: _ClassVar[MemoryView]
MEMORY_VERSION_OPERATION_UNSPECIFIED: MemoryVersionOperation
MEMORY_VERSION_OPERATION_CREATED: MemoryVersionOperation
MEMORY_VERSION_OPERATION_MODIFIED: MemoryVersionOperation
MEMORY_VERSION_OPERATION_DELETED: MemoryVersionOperation
MEMORY_VIEW_UNSPECIFIED: MemoryView
MEMORY_VIEW_BASIC: MemoryView
MEMORY_VIEW_FULL: MemoryView

class MemoryStore(_message.Message):
    __slots__ = ("id", "archived_at", "created_at", "description", "metadata", "name", "updated_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    archived_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    description: str
    metadata: _containers.ScalarMap[str, str]
    name: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., name: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Memory(_message.Message):
    __slots__ = ("id", "content_sha256", "content_size_bytes", "created_at", "memory_store_id", "memory_version_id", "path", "updated_at", "content")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    content_sha256: str
    content_size_bytes: int
    created_at: _timestamp_pb2.Timestamp
    memory_store_id: str
    memory_version_id: str
    path: str
    updated_at: _timestamp_pb2.Timestamp
    content: str
    def __init__(self, id: _Optional[str] = ..., content_sha256: _Optional[str] = ..., content_size_bytes: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., memory_store_id: _Optional[str] = ..., memory_version_id: _Optional[str] = ..., path: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., content: _Optional[str] = ...) -> None: ...

class MemoryPrefix(_message.Message):
    __slots__ = ("path",)
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class MemoryListItem(_message.Message):
    __slots__ = ("memory", "memory_prefix")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    MEMORY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    memory: Memory
    memory_prefix: MemoryPrefix
    def __init__(self, memory: _Optional[_Union[Memory, _Mapping]] = ..., memory_prefix: _Optional[_Union[MemoryPrefix, _Mapping]] = ...) -> None: ...

class MemoryActor(_message.Message):
    __slots__ = ("session_actor", "api_actor")
    SESSION_ACTOR_FIELD_NUMBER: _ClassVar[int]
    API_ACTOR_FIELD_NUMBER: _ClassVar[int]
    session_actor: MemorySessionActor
    api_actor: MemoryApiActor
    def __init__(self, session_actor: _Optional[_Union[MemorySessionActor, _Mapping]] = ..., api_actor: _Optional[_Union[MemoryApiActor, _Mapping]] = ...) -> None: ...

class MemorySessionActor(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class MemoryApiActor(_message.Message):
    __slots__ = ("api_key_id",)
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    api_key_id: str
    def __init__(self, api_key_id: _Optional[str] = ...) -> None: ...

class MemoryVersion(_message.Message):
    __slots__ = ("id", "created_at", "memory_id", "memory_store_id", "operation", "content", "content_sha256", "content_size_bytes", "created_by", "path", "redacted_at", "redacted_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    REDACTED_AT_FIELD_NUMBER: _ClassVar[int]
    REDACTED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    created_at: _timestamp_pb2.Timestamp
    memory_id: str
    memory_store_id: str
    operation: MemoryVersionOperation
    content: str
    content_sha256: str
    content_size_bytes: int
    created_by: MemoryActor
    path: str
    redacted_at: _timestamp_pb2.Timestamp
    redacted_by: MemoryActor
    def __init__(self, id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., memory_id: _Optional[str] = ..., memory_store_id: _Optional[str] = ..., operation: _Optional[_Union[MemoryVersionOperation, str]] = ..., content: _Optional[str] = ..., content_sha256: _Optional[str] = ..., content_size_bytes: _Optional[int] = ..., created_by: _Optional[_Union[MemoryActor, _Mapping]] = ..., path: _Optional[str] = ..., redacted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., redacted_by: _Optional[_Union[MemoryActor, _Mapping]] = ...) -> None: ...

class CreateMemoryStoreRequest(_message.Message):
    __slots__ = ("name", "description", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateMemoryStoreResponse(_message.Message):
    __slots__ = ("memory_store",)
    MEMORY_STORE_FIELD_NUMBER: _ClassVar[int]
    memory_store: MemoryStore
    def __init__(self, memory_store: _Optional[_Union[MemoryStore, _Mapping]] = ...) -> None: ...

class GetMemoryStoreRequest(_message.Message):
    __slots__ = ("memory_store_id",)
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    def __init__(self, memory_store_id: _Optional[str] = ...) -> None: ...

class GetMemoryStoreResponse(_message.Message):
    __slots__ = ("memory_store",)
    MEMORY_STORE_FIELD_NUMBER: _ClassVar[int]
    memory_store: MemoryStore
    def __init__(self, memory_store: _Optional[_Union[MemoryStore, _Mapping]] = ...) -> None: ...

class UpdateMemoryStoreRequest(_message.Message):
    __slots__ = ("memory_store_id", "name", "description", "metadata", "metadata_remove")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_REMOVE_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    name: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    metadata_remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, memory_store_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., metadata_remove: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateMemoryStoreResponse(_message.Message):
    __slots__ = ("memory_store",)
    MEMORY_STORE_FIELD_NUMBER: _ClassVar[int]
    memory_store: MemoryStore
    def __init__(self, memory_store: _Optional[_Union[MemoryStore, _Mapping]] = ...) -> None: ...

class ListMemoryStoresRequest(_message.Message):
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

class ListMemoryStoresResponse(_message.Message):
    __slots__ = ("memory_stores", "next_page_token")
    MEMORY_STORES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    memory_stores: _containers.RepeatedCompositeFieldContainer[MemoryStore]
    next_page_token: str
    def __init__(self, memory_stores: _Optional[_Iterable[_Union[MemoryStore, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteMemoryStoreRequest(_message.Message):
    __slots__ = ("memory_store_id",)
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    def __init__(self, memory_store_id: _Optional[str] = ...) -> None: ...

class DeleteMemoryStoreResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ArchiveMemoryStoreRequest(_message.Message):
    __slots__ = ("memory_store_id",)
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    def __init__(self, memory_store_id: _Optional[str] = ...) -> None: ...

class ArchiveMemoryStoreResponse(_message.Message):
    __slots__ = ("memory_store",)
    MEMORY_STORE_FIELD_NUMBER: _ClassVar[int]
    memory_store: MemoryStore
    def __init__(self, memory_store: _Optional[_Union[MemoryStore, _Mapping]] = ...) -> None: ...

class CreateMemoryRequest(_message.Message):
    __slots__ = ("memory_store_id", "path", "content", "view")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    path: str
    content: str
    view: MemoryView
    def __init__(self, memory_store_id: _Optional[str] = ..., path: _Optional[str] = ..., content: _Optional[str] = ..., view: _Optional[_Union[MemoryView, str]] = ...) -> None: ...

class CreateMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: Memory
    def __init__(self, memory: _Optional[_Union[Memory, _Mapping]] = ...) -> None: ...

class GetMemoryRequest(_message.Message):
    __slots__ = ("memory_store_id", "memory_id", "view")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    memory_id: str
    view: MemoryView
    def __init__(self, memory_store_id: _Optional[str] = ..., memory_id: _Optional[str] = ..., view: _Optional[_Union[MemoryView, str]] = ...) -> None: ...

class GetMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: Memory
    def __init__(self, memory: _Optional[_Union[Memory, _Mapping]] = ...) -> None: ...

class UpdateMemoryRequest(_message.Message):
    __slots__ = ("memory_store_id", "memory_id", "content", "path", "precondition_content_sha256", "view")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    PRECONDITION_CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    memory_id: str
    content: str
    path: str
    precondition_content_sha256: str
    view: MemoryView
    def __init__(self, memory_store_id: _Optional[str] = ..., memory_id: _Optional[str] = ..., content: _Optional[str] = ..., path: _Optional[str] = ..., precondition_content_sha256: _Optional[str] = ..., view: _Optional[_Union[MemoryView, str]] = ...) -> None: ...

class UpdateMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: Memory
    def __init__(self, memory: _Optional[_Union[Memory, _Mapping]] = ...) -> None: ...

class ListMemoriesRequest(_message.Message):
    __slots__ = ("memory_store_id", "page_size", "page_token", "path_prefix", "depth", "view")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PATH_PREFIX_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    page_size: int
    page_token: str
    path_prefix: str
    depth: int
    view: MemoryView
    def __init__(self, memory_store_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., path_prefix: _Optional[str] = ..., depth: _Optional[int] = ..., view: _Optional[_Union[MemoryView, str]] = ...) -> None: ...

class ListMemoriesResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[MemoryListItem]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[MemoryListItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteMemoryRequest(_message.Message):
    __slots__ = ("memory_store_id", "memory_id", "expected_content_sha256")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    memory_id: str
    expected_content_sha256: str
    def __init__(self, memory_store_id: _Optional[str] = ..., memory_id: _Optional[str] = ..., expected_content_sha256: _Optional[str] = ...) -> None: ...

class DeleteMemoryResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetMemoryVersionRequest(_message.Message):
    __slots__ = ("memory_store_id", "memory_version_id", "view")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    memory_version_id: str
    view: MemoryView
    def __init__(self, memory_store_id: _Optional[str] = ..., memory_version_id: _Optional[str] = ..., view: _Optional[_Union[MemoryView, str]] = ...) -> None: ...

class GetMemoryVersionResponse(_message.Message):
    __slots__ = ("memory_version",)
    MEMORY_VERSION_FIELD_NUMBER: _ClassVar[int]
    memory_version: MemoryVersion
    def __init__(self, memory_version: _Optional[_Union[MemoryVersion, _Mapping]] = ...) -> None: ...

class ListMemoryVersionsRequest(_message.Message):
    __slots__ = ("memory_store_id", "page_size", "page_token", "memory_id", "session_id", "operation", "view")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    page_size: int
    page_token: str
    memory_id: str
    session_id: str
    operation: MemoryVersionOperation
    view: MemoryView
    def __init__(self, memory_store_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., memory_id: _Optional[str] = ..., session_id: _Optional[str] = ..., operation: _Optional[_Union[MemoryVersionOperation, str]] = ..., view: _Optional[_Union[MemoryView, str]] = ...) -> None: ...

class ListMemoryVersionsResponse(_message.Message):
    __slots__ = ("memory_versions", "next_page_token")
    MEMORY_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    memory_versions: _containers.RepeatedCompositeFieldContainer[MemoryVersion]
    next_page_token: str
    def __init__(self, memory_versions: _Optional[_Iterable[_Union[MemoryVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RedactMemoryVersionRequest(_message.Message):
    __slots__ = ("memory_store_id", "memory_version_id")
    MEMORY_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    memory_store_id: str
    memory_version_id: str
    def __init__(self, memory_store_id: _Optional[str] = ..., memory_version_id: _Optional[str] = ...) -> None: ...

class RedactMemoryVersionResponse(_message.Message):
    __slots__ = ("memory_version",)
    MEMORY_VERSION_FIELD_NUMBER: _ClassVar[int]
    memory_version: MemoryVersion
    def __init__(self, memory_version: _Optional[_Union[MemoryVersion, _Mapping]] = ...) -> None: ...
