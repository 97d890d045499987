from sessiond.v1 import session_pb2 as _session_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddSessionResourceRequest(_message.Message):
    __slots__ = ("session_id", "resource")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    resource: _session_pb2.SessionResource
    def __init__(self, session_id: _Optional[str] = ..., resource: _Optional[_Union[_session_pb2.SessionResource, _Mapping]] = ...) -> None: ...

class AddSessionResourceResponse(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: _session_pb2.SessionResource
    def __init__(self, resource: _Optional[_Union[_session_pb2.SessionResource, _Mapping]] = ...) -> None: ...

class GetSessionResourceRequest(_message.Message):
    __slots__ = ("session_id", "resource_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    resource_id: str
    def __init__(self, session_id: _Optional[str] = ..., resource_id: _Optional[str] = ...) -> None: ...

class GetSessionResourceResponse(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: _session_pb2.SessionResource
    def __init__(self, resource: _Optional[_Union[_session_pb2.SessionResource, _Mapping]] = ...) -> None: ...

class ListSessionResourcesRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "page_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    page_token: str
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSessionResourcesResponse(_message.Message):
    __slots__ = ("resources", "next_page_token")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[_session_pb2.SessionResource]
    next_page_token: str
    def __init__(self, resources: _Optional[_Iterable[_Union[_session_pb2.SessionResource, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSessionResourceRequest(_message.Message):
    __slots__ = ("session_id", "resource_id", "authorization_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    resource_id: str
    authorization_token: str
    def __init__(self, session_id: _Optional[str] = ..., resource_id: _Optional[str] = ..., authorization_token: _Optional[str] = ...) -> None: ...

class UpdateSessionResourceResponse(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: _session_pb2.SessionResource
    def __init__(self, resource: _Optional[_Union[_session_pb2.SessionResource, _Mapping]] = ...) -> None: ...

class DeleteSessionResourceRequest(_message.Message):
    __slots__ = ("session_id", "resource_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    resource_id: str
    def __init__(self, session_id: _Optional[str] = ..., resource_id: _Optional[str] = ...) -> None: ...

class DeleteSessionResourceResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...
