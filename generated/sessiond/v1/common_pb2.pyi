from google.protobuf import empty_pb2 as _empty_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SortOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SORT_ORDER_UNSPECIFIED: _ClassVar[SortOrder]
    SORT_ORDER_ASC: _ClassVar[SortOrder]
    SORT_ORDER_DESC: _ClassVar[SortOrder]

class Speed(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPEED_UNSPECIFIED: _ClassVar[Speed]
    SPEED_STANDARD: _ClassVar[Speed]
    SPEED_FAST: _ClassVar[Speed]
SORT_ORDER_UNSPECIFIED: SortOrder
SORT_ORDER_ASC: SortOrder
SORT_ORDER_DESC: SortOrder
SPEED_UNSPECIFIED: Speed
SPEED_STANDARD: Speed
SPEED_FAST: Speed

class ContentBlock(_message.Message):
    __slots__ = ("text", "image", "document", "redacted", "search_result")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    REDACTED_FIELD_NUMBER: _ClassVar[int]
    SEARCH_RESULT_FIELD_NUMBER: _ClassVar[int]
    text: TextBlock
    image: ImageBlock
    document: DocumentBlock
    redacted: _empty_pb2.Empty
    search_result: SearchResultBlock
    def __init__(self, text: _Optional[_Union[TextBlock, _Mapping]] = ..., image: _Optional[_Union[ImageBlock, _Mapping]] = ..., document: _Optional[_Union[DocumentBlock, _Mapping]] = ..., redacted: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., search_result: _Optional[_Union[SearchResultBlock, _Mapping]] = ...) -> None: ...

class TextBlock(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class ImageBlock(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: ImageSource
    def __init__(self, source: _Optional[_Union[ImageSource, _Mapping]] = ...) -> None: ...

class ImageSource(_message.Message):
    __slots__ = ("base64", "url", "file")
    BASE64_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    base64: Base64Source
    url: UrlSource
    file: FileSource
    def __init__(self, base64: _Optional[_Union[Base64Source, _Mapping]] = ..., url: _Optional[_Union[UrlSource, _Mapping]] = ..., file: _Optional[_Union[FileSource, _Mapping]] = ...) -> None: ...

class DocumentBlock(_message.Message):
    __slots__ = ("source", "context", "title")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    source: DocumentSource
    context: str
    title: str
    def __init__(self, source: _Optional[_Union[DocumentSource, _Mapping]] = ..., context: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class DocumentSource(_message.Message):
    __slots__ = ("base64", "text", "url", "file")
    BASE64_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    base64: Base64Source
    text: PlainTextSource
    url: UrlSource
    file: FileSource
    def __init__(self, base64: _Optional[_Union[Base64Source, _Mapping]] = ..., text: _Optional[_Union[PlainTextSource, _Mapping]] = ..., url: _Optional[_Union[UrlSource, _Mapping]] = ..., file: _Optional[_Union[FileSource, _Mapping]] = ...) -> None: ...

class Base64Source(_message.Message):
    __slots__ = ("data", "media_type")
    DATA_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    data: str
    media_type: str
    def __init__(self, data: _Optional[str] = ..., media_type: _Optional[str] = ...) -> None: ...

class PlainTextSource(_message.Message):
    __slots__ = ("data", "media_type")
    DATA_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    data: str
    media_type: str
    def __init__(self, data: _Optional[str] = ..., media_type: _Optional[str] = ...) -> None: ...

class UrlSource(_message.Message):
    __slots__ = ("url",)
    URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    def __init__(self, url: _Optional[str] = ...) -> None: ...

class FileSource(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class SearchResultBlock(_message.Message):
    __slots__ = ("citations", "content", "source", "title")
    CITATIONS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    citations: SearchResultCitations
    content: _containers.RepeatedCompositeFieldContainer[SearchResultContent]
    source: str
    title: str
    def __init__(self, citations: _Optional[_Union[SearchResultCitations, _Mapping]] = ..., content: _Optional[_Iterable[_Union[SearchResultContent, _Mapping]]] = ..., source: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class SearchResultCitations(_message.Message):
    __slots__ = ("enabled",)
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    def __init__(self, enabled: _Optional[bool] = ...) -> None: ...

class SearchResultContent(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class SystemContentBlock(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class ModelUsage(_message.Message):
    __slots__ = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "speed")
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHE_CREATION_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHE_READ_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    speed: Speed
    def __init__(self, input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cache_creation_input_tokens: _Optional[int] = ..., cache_read_input_tokens: _Optional[int] = ..., speed: _Optional[_Union[Speed, str]] = ...) -> None: ...

class MonetaryAmount(_message.Message):
    __slots__ = ("amount", "currency")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    amount: str
    currency: str
    def __init__(self, amount: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class BudgetLimit(_message.Message):
    __slots__ = ("max_list_cost",)
    MAX_LIST_COST_FIELD_NUMBER: _ClassVar[int]
    max_list_cost: MonetaryAmount
    def __init__(self, max_list_cost: _Optional[_Union[MonetaryAmount, _Mapping]] = ...) -> None: ...

class CacheCreationUsage(_message.Message):
    __slots__ = ("ephemeral_1h_input_tokens", "ephemeral_5m_input_tokens")
    EPHEMERAL_1H_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    EPHEMERAL_5M_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    ephemeral_1h_input_tokens: int
    ephemeral_5m_input_tokens: int
    def __init__(self, ephemeral_1h_input_tokens: _Optional[int] = ..., ephemeral_5m_input_tokens: _Optional[int] = ...) -> None: ...

class ServerToolUsage(_message.Message):
    __slots__ = ("web_fetch_requests", "web_search_requests")
    WEB_FETCH_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    WEB_SEARCH_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    web_fetch_requests: int
    web_search_requests: int
    def __init__(self, web_fetch_requests: _Optional[int] = ..., web_search_requests: _Optional[int] = ...) -> None: ...

class SessionUsage(_message.Message):
    __slots__ = ("active_seconds", "cache_creation", "cache_read_input_tokens", "input_tokens", "list_cost", "output_tokens", "server_tool_use")
    ACTIVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CACHE_CREATION_FIELD_NUMBER: _ClassVar[int]
    CACHE_READ_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LIST_COST_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SERVER_TOOL_USE_FIELD_NUMBER: _ClassVar[int]
    active_seconds: float
    cache_creation: CacheCreationUsage
    cache_read_input_tokens: int
    input_tokens: int
    list_cost: MonetaryAmount
    output_tokens: int
    server_tool_use: ServerToolUsage
    def __init__(self, active_seconds: _Optional[float] = ..., cache_creation: _Optional[_Union[CacheCreationUsage, _Mapping]] = ..., cache_read_input_tokens: _Optional[int] = ..., input_tokens: _Optional[int] = ..., list_cost: _Optional[_Union[MonetaryAmount, _Mapping]] = ..., output_tokens: _Optional[int] = ..., server_tool_use: _Optional[_Union[ServerToolUsage, _Mapping]] = ...) -> None: ...
