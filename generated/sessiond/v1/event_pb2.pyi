import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sessiond.v1 import agent_pb2 as _agent_pb2
from sessiond.v1 import common_pb2 as _common_pb2
from sessiond.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ToolConfirmationResult(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_CONFIRMATION_RESULT_UNSPECIFIED: _ClassVar[ToolConfirmationResult]
    TOOL_CONFIRMATION_RESULT_ALLOW: _ClassVar[ToolConfirmationResult]
    TOOL_CONFIRMATION_RESULT_DENY: _ClassVar[ToolConfirmationResult]

class Permission(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERMISSION_UNSPECIFIED: _ClassVar[Permission]
    PERMISSION_ALLOW: _ClassVar[Permission]
    PERMISSION_ASK: _ClassVar[Permission]
    PERMISSION_DENY: _ClassVar[Permission]

class RefusalCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFUSAL_CATEGORY_UNSPECIFIED: _ClassVar[RefusalCategory]
    REFUSAL_CATEGORY_CYBER: _ClassVar[RefusalCategory]
    REFUSAL_CATEGORY_BIO: _ClassVar[RefusalCategory]
    REFUSAL_CATEGORY_FRONTIER_LLM: _ClassVar[RefusalCategory]
    REFUSAL_CATEGORY_REASONING_EXTRACTION: _ClassVar[RefusalCategory]
    REFUSAL_CATEGORY_GENERAL_HARMS: _ClassVar[RefusalCategory]
TOOL_CONFIRMATION_RESULT_UNSPECIFIED: ToolConfirmationResult
TOOL_CONFIRMATION_RESULT_ALLOW: ToolConfirmationResult
TOOL_CONFIRMATION_RESULT_DENY: ToolConfirmationResult
PERMISSION_UNSPECIFIED: Permission
PERMISSION_ALLOW: Permission
PERMISSION_ASK: Permission
PERMISSION_DENY: Permission
REFUSAL_CATEGORY_UNSPECIFIED: RefusalCategory
REFUSAL_CATEGORY_CYBER: RefusalCategory
REFUSAL_CATEGORY_BIO: RefusalCategory
REFUSAL_CATEGORY_FRONTIER_LLM: RefusalCategory
REFUSAL_CATEGORY_REASONING_EXTRACTION: RefusalCategory
REFUSAL_CATEGORY_GENERAL_HARMS: RefusalCategory

class SessionEvent(_message.Message):
    __slots__ = ("id", "session_id", "sequence", "processed_at", "created_at", "user_message", "user_interrupt", "user_tool_confirmation", "user_custom_tool_result", "user_tool_result", "user_define_outcome", "system_message", "agent_message", "agent_thinking", "agent_tool_use", "agent_tool_result", "agent_custom_tool_use", "agent_mcp_tool_use", "agent_mcp_tool_result", "agent_thread_message_received", "agent_thread_message_sent", "agent_thread_context_compacted", "session_status_running", "session_status_idle", "session_status_rescheduled", "session_status_terminated", "session_error", "session_deleted", "session_updated", "session_usage", "session_thread_created", "session_thread_status_running", "session_thread_status_idle", "session_thread_status_rescheduled", "session_thread_status_terminated", "span_model_request_start", "span_model_request_end", "span_outcome_evaluation_start", "span_outcome_evaluation_ongoing", "span_outcome_evaluation_end", "workflow_run_created", "workflow_run_status_running", "workflow_run_status_idle", "workflow_run_status_ended", "workflow_run_error", "workflow_run_phase_started", "workflow_run_phase_ended")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    USER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    USER_INTERRUPT_FIELD_NUMBER: _ClassVar[int]
    USER_TOOL_CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    USER_CUSTOM_TOOL_RESULT_FIELD_NUMBER: _ClassVar[int]
    USER_TOOL_RESULT_FIELD_NUMBER: _ClassVar[int]
    USER_DEFINE_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    AGENT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    AGENT_THINKING_FIELD_NUMBER: _ClassVar[int]
    AGENT_TOOL_USE_FIELD_NUMBER: _ClassVar[int]
    AGENT_TOOL_RESULT_FIELD_NUMBER: _ClassVar[int]
    AGENT_CUSTOM_TOOL_USE_FIELD_NUMBER: _ClassVar[int]
    AGENT_MCP_TOOL_USE_FIELD_NUMBER: _ClassVar[int]
    AGENT_MCP_TOOL_RESULT_FIELD_NUMBER: _ClassVar[int]
    AGENT_THREAD_MESSAGE_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    AGENT_THREAD_MESSAGE_SENT_FIELD_NUMBER: _ClassVar[int]
    AGENT_THREAD_CONTEXT_COMPACTED_FIELD_NUMBER: _ClassVar[int]
    SESSION_STATUS_RUNNING_FIELD_NUMBER: _ClassVar[int]
    SESSION_STATUS_IDLE_FIELD_NUMBER: _ClassVar[int]
    SESSION_STATUS_RESCHEDULED_FIELD_NUMBER: _ClassVar[int]
    SESSION_STATUS_TERMINATED_FIELD_NUMBER: _ClassVar[int]
    SESSION_ERROR_FIELD_NUMBER: _ClassVar[int]
    SESSION_DELETED_FIELD_NUMBER: _ClassVar[int]
    SESSION_UPDATED_FIELD_NUMBER: _ClassVar[int]
    SESSION_USAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_CREATED_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_STATUS_RUNNING_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_STATUS_IDLE_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_STATUS_RESCHEDULED_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_STATUS_TERMINATED_FIELD_NUMBER: _ClassVar[int]
    SPAN_MODEL_REQUEST_START_FIELD_NUMBER: _ClassVar[int]
    SPAN_MODEL_REQUEST_END_FIELD_NUMBER: _ClassVar[int]
    SPAN_OUTCOME_EVALUATION_START_FIELD_NUMBER: _ClassVar[int]
    SPAN_OUTCOME_EVALUATION_ONGOING_FIELD_NUMBER: _ClassVar[int]
    SPAN_OUTCOME_EVALUATION_END_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_CREATED_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_STATUS_RUNNING_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_STATUS_IDLE_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_STATUS_ENDED_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ERROR_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_PHASE_STARTED_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_PHASE_ENDED_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    sequence: int
    processed_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    user_message: UserMessageEvent
    user_interrupt: UserInterruptEvent
    user_tool_confirmation: UserToolConfirmationEvent
    user_custom_tool_result: UserCustomToolResultEvent
    user_tool_result: UserToolResultEvent
    user_define_outcome: UserDefineOutcomeEvent
    system_message: SystemMessageEvent
    agent_message: AgentMessageEvent
    agent_thinking: AgentThinkingEvent
    agent_tool_use: AgentToolUseEvent
    agent_tool_result: AgentToolResultEvent
    agent_custom_tool_use: AgentCustomToolUseEvent
    agent_mcp_tool_use: AgentMcpToolUseEvent
    agent_mcp_tool_result: AgentMcpToolResultEvent
    agent_thread_message_received: AgentThreadMessageReceivedEvent
    agent_thread_message_sent: AgentThreadMessageSentEvent
    agent_thread_context_compacted: AgentThreadContextCompactedEvent
    session_status_running: SessionStatusRunningEvent
    session_status_idle: SessionStatusIdleEvent
    session_status_rescheduled: SessionStatusRescheduledEvent
    session_status_terminated: SessionStatusTerminatedEvent
    session_error: SessionErrorEvent
    session_deleted: SessionDeletedEvent
    session_updated: SessionUpdatedEvent
    session_usage: SessionUsageEvent
    session_thread_created: SessionThreadCreatedEvent
    session_thread_status_running: SessionThreadStatusRunningEvent
    session_thread_status_idle: SessionThreadStatusIdleEvent
    session_thread_status_rescheduled: SessionThreadStatusRescheduledEvent
    session_thread_status_terminated: SessionThreadStatusTerminatedEvent
    span_model_request_start: SpanModelRequestStartEvent
    span_model_request_end: SpanModelRequestEndEvent
    span_outcome_evaluation_start: SpanOutcomeEvaluationStartEvent
    span_outcome_evaluation_ongoing: SpanOutcomeEvaluationOngoingEvent
    span_outcome_evaluation_end: SpanOutcomeEvaluationEndEvent
    workflow_run_created: WorkflowRunCreatedEvent
    workflow_run_status_running: WorkflowRunStatusRunningEvent
    workflow_run_status_idle: WorkflowRunStatusIdleEvent
    workflow_run_status_ended: WorkflowRunStatusEndedEvent
    workflow_run_error: WorkflowRunErrorEvent
    workflow_run_phase_started: WorkflowRunPhaseStartedEvent
    workflow_run_phase_ended: WorkflowRunPhaseEndedEvent
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., sequence: _Optional[int] = ..., processed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_message: _Optional[_Union[UserMessageEvent, _Mapping]] = ..., user_interrupt: _Optional[_Union[UserInterruptEvent, _Mapping]] = ..., user_tool_confirmation: _Optional[_Union[UserToolConfirmationEvent, _Mapping]] = ..., user_custom_tool_result: _Optional[_Union[UserCustomToolResultEvent, _Mapping]] = ..., user_tool_result: _Optional[_Union[UserToolResultEvent, _Mapping]] = ..., user_define_outcome: _Optional[_Union[UserDefineOutcomeEvent, _Mapping]] = ..., system_message: _Optional[_Union[SystemMessageEvent, _Mapping]] = ..., agent_message: _Optional[_Union[AgentMessageEvent, _Mapping]] = ..., agent_thinking: _Optional[_Union[AgentThinkingEvent, _Mapping]] = ..., agent_tool_use: _Optional[_Union[AgentToolUseEvent, _Mapping]] = ..., agent_tool_result: _Optional[_Union[AgentToolResultEvent, _Mapping]] = ..., agent_custom_tool_use: _Optional[_Union[AgentCustomToolUseEvent, _Mapping]] = ..., agent_mcp_tool_use: _Optional[_Union[AgentMcpToolUseEvent, _Mapping]] = ..., agent_mcp_tool_result: _Optional[_Union[AgentMcpToolResultEvent, _Mapping]] = ..., agent_thread_message_received: _Optional[_Union[AgentThreadMessageReceivedEvent, _Mapping]] = ..., agent_thread_message_sent: _Optional[_Union[AgentThreadMessageSentEvent, _Mapping]] = ..., agent_thread_context_compacted: _Optional[_Union[AgentThreadContextCompactedEvent, _Mapping]] = ..., session_status_running: _Optional[_Union[SessionStatusRunningEvent, _Mapping]] = ..., session_status_idle: _Optional[_Union[SessionStatusIdleEvent, _Mapping]] = ..., session_status_rescheduled: _Optional[_Union[SessionStatusRescheduledEvent, _Mapping]] = ..., session_status_terminated: _Optional[_Union[SessionStatusTerminatedEvent, _Mapping]] = ..., session_error: _Optional[_Union[SessionErrorEvent, _Mapping]] = ..., session_deleted: _Optional[_Union[SessionDeletedEvent, _Mapping]] = ..., session_updated: _Optional[_Union[SessionUpdatedEvent, _Mapping]] = ..., session_usage: _Optional[_Union[SessionUsageEvent, _Mapping]] = ..., session_thread_created: _Optional[_Union[SessionThreadCreatedEvent, _Mapping]] = ..., session_thread_status_running: _Optional[_Union[SessionThreadStatusRunningEvent, _Mapping]] = ..., session_thread_status_idle: _Optional[_Union[SessionThreadStatusIdleEvent, _Mapping]] = ..., session_thread_status_rescheduled: _Optional[_Union[SessionThreadStatusRescheduledEvent, _Mapping]] = ..., session_thread_status_terminated: _Optional[_Union[SessionThreadStatusTerminatedEvent, _Mapping]] = ..., span_model_request_start: _Optional[_Union[SpanModelRequestStartEvent, _Mapping]] = ..., span_model_request_end: _Optional[_Union[SpanModelRequestEndEvent, _Mapping]] = ..., span_outcome_evaluation_start: _Optional[_Union[SpanOutcomeEvaluationStartEvent, _Mapping]] = ..., span_outcome_evaluation_ongoing: _Optional[_Union[SpanOutcomeEvaluationOngoingEvent, _Mapping]] = ..., span_outcome_evaluation_end: _Optional[_Union[SpanOutcomeEvaluationEndEvent, _Mapping]] = ..., workflow_run_created: _Optional[_Union[WorkflowRunCreatedEvent, _Mapping]] = ..., workflow_run_status_running: _Optional[_Union[WorkflowRunStatusRunningEvent, _Mapping]] = ..., workflow_run_status_idle: _Optional[_Union[WorkflowRunStatusIdleEvent, _Mapping]] = ..., workflow_run_status_ended: _Optional[_Union[WorkflowRunStatusEndedEvent, _Mapping]] = ..., workflow_run_error: _Optional[_Union[WorkflowRunErrorEvent, _Mapping]] = ..., workflow_run_phase_started: _Optional[_Union[WorkflowRunPhaseStartedEvent, _Mapping]] = ..., workflow_run_phase_ended: _Optional[_Union[WorkflowRunPhaseEndedEvent, _Mapping]] = ...) -> None: ...

class UserMessageEvent(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.ContentBlock]
    def __init__(self, content: _Optional[_Iterable[_Union[_common_pb2.ContentBlock, _Mapping]]] = ...) -> None: ...

class UserInterruptEvent(_message.Message):
    __slots__ = ("session_thread_id",)
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    session_thread_id: str
    def __init__(self, session_thread_id: _Optional[str] = ...) -> None: ...

class UserToolConfirmationEvent(_message.Message):
    __slots__ = ("result", "tool_use_id", "deny_message", "session_thread_id")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TOOL_USE_ID_FIELD_NUMBER: _ClassVar[int]
    DENY_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    result: ToolConfirmationResult
    tool_use_id: str
    deny_message: str
    session_thread_id: str
    def __init__(self, result: _Optional[_Union[ToolConfirmationResult, str]] = ..., tool_use_id: _Optional[str] = ..., deny_message: _Optional[str] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class UserCustomToolResultEvent(_message.Message):
    __slots__ = ("custom_tool_use_id", "content", "is_error", "session_thread_id")
    CUSTOM_TOOL_USE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    custom_tool_use_id: str
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.ContentBlock]
    is_error: bool
    session_thread_id: str
    def __init__(self, custom_tool_use_id: _Optional[str] = ..., content: _Optional[_Iterable[_Union[_common_pb2.ContentBlock, _Mapping]]] = ..., is_error: _Optional[bool] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class UserToolResultEvent(_message.Message):
    __slots__ = ("tool_use_id", "content", "is_error", "session_thread_id")
    TOOL_USE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    tool_use_id: str
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.ContentBlock]
    is_error: bool
    session_thread_id: str
    def __init__(self, tool_use_id: _Optional[str] = ..., content: _Optional[_Iterable[_Union[_common_pb2.ContentBlock, _Mapping]]] = ..., is_error: _Optional[bool] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class UserDefineOutcomeEvent(_message.Message):
    __slots__ = ("description", "max_iterations", "outcome_id", "rubric")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MAX_ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_ID_FIELD_NUMBER: _ClassVar[int]
    RUBRIC_FIELD_NUMBER: _ClassVar[int]
    description: str
    max_iterations: int
    outcome_id: str
    rubric: Rubric
    def __init__(self, description: _Optional[str] = ..., max_iterations: _Optional[int] = ..., outcome_id: _Optional[str] = ..., rubric: _Optional[_Union[Rubric, _Mapping]] = ...) -> None: ...

class Rubric(_message.Message):
    __slots__ = ("file", "text")
    FILE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    file: FileRubric
    text: TextRubric
    def __init__(self, file: _Optional[_Union[FileRubric, _Mapping]] = ..., text: _Optional[_Union[TextRubric, _Mapping]] = ...) -> None: ...

class FileRubric(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class TextRubric(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: str
    def __init__(self, content: _Optional[str] = ...) -> None: ...

class SystemMessageEvent(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.SystemContentBlock]
    def __init__(self, content: _Optional[_Iterable[_Union[_common_pb2.SystemContentBlock, _Mapping]]] = ...) -> None: ...

class AgentMessageEvent(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.ContentBlock]
    def __init__(self, content: _Optional[_Iterable[_Union[_common_pb2.ContentBlock, _Mapping]]] = ...) -> None: ...

class AgentThinkingEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ToolEvaluation(_message.Message):
    __slots__ = ("always_allow", "always_ask", "auto")
    ALWAYS_ALLOW_FIELD_NUMBER: _ClassVar[int]
    ALWAYS_ASK_FIELD_NUMBER: _ClassVar[int]
    AUTO_FIELD_NUMBER: _ClassVar[int]
    always_allow: _empty_pb2.Empty
    always_ask: _empty_pb2.Empty
    auto: AutoEvaluation
    def __init__(self, always_allow: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., always_ask: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., auto: _Optional[_Union[AutoEvaluation, _Mapping]] = ...) -> None: ...

class AutoEvaluation(_message.Message):
    __slots__ = ("evaluated_permission",)
    EVALUATED_PERMISSION_FIELD_NUMBER: _ClassVar[int]
    evaluated_permission: AutoEvaluatedPermission
    def __init__(self, evaluated_permission: _Optional[_Union[AutoEvaluatedPermission, _Mapping]] = ...) -> None: ...

class AutoEvaluatedPermission(_message.Message):
    __slots__ = ("allow", "ask", "deny")
    ALLOW_FIELD_NUMBER: _ClassVar[int]
    ASK_FIELD_NUMBER: _ClassVar[int]
    DENY_FIELD_NUMBER: _ClassVar[int]
    allow: _empty_pb2.Empty
    ask: ReasonCode
    deny: ReasonCode
    def __init__(self, allow: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., ask: _Optional[_Union[ReasonCode, _Mapping]] = ..., deny: _Optional[_Union[ReasonCode, _Mapping]] = ...) -> None: ...

class ReasonCode(_message.Message):
    __slots__ = ("reason_code",)
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    reason_code: str
    def __init__(self, reason_code: _Optional[str] = ...) -> None: ...

class AgentToolUseEvent(_message.Message):
    __slots__ = ("name", "input", "evaluated_permission", "evaluation", "session_thread_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_PERMISSION_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    input: _struct_pb2.Struct
    evaluated_permission: Permission
    evaluation: ToolEvaluation
    session_thread_id: str
    def __init__(self, name: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., evaluated_permission: _Optional[_Union[Permission, str]] = ..., evaluation: _Optional[_Union[ToolEvaluation, _Mapping]] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class AgentToolResultEvent(_message.Message):
    __slots__ = ("tool_use_id", "content", "is_error")
    TOOL_USE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    tool_use_id: str
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.ContentBlock]
    is_error: bool
    def __init__(self, tool_use_id: _Optional[str] = ..., content: _Optional[_Iterable[_Union[_common_pb2.ContentBlock, _Mapping]]] = ..., is_error: _Optional[bool] = ...) -> None: ...

class AgentCustomToolUseEvent(_message.Message):
    __slots__ = ("name", "input", "session_thread_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    input: _struct_pb2.Struct
    session_thread_id: str
    def __init__(self, name: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class AgentMcpToolUseEvent(_message.Message):
    __slots__ = ("name", "mcp_server_name", "input", "evaluated_permission", "evaluation", "session_thread_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVER_NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_PERMISSION_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    mcp_server_name: str
    input: _struct_pb2.Struct
    evaluated_permission: Permission
    evaluation: ToolEvaluation
    session_thread_id: str
    def __init__(self, name: _Optional[str] = ..., mcp_server_name: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., evaluated_permission: _Optional[_Union[Permission, str]] = ..., evaluation: _Optional[_Union[ToolEvaluation, _Mapping]] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class AgentMcpToolResultEvent(_message.Message):
    __slots__ = ("mcp_tool_use_id", "content", "is_error")
    MCP_TOOL_USE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    mcp_tool_use_id: str
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.ContentBlock]
    is_error: bool
    def __init__(self, mcp_tool_use_id: _Optional[str] = ..., content: _Optional[_Iterable[_Union[_common_pb2.ContentBlock, _Mapping]]] = ..., is_error: _Optional[bool] = ...) -> None: ...

class AgentThreadMessageReceivedEvent(_message.Message):
    __slots__ = ("content", "from_session_thread_id", "from_agent_name")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FROM_SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.ContentBlock]
    from_session_thread_id: str
    from_agent_name: str
    def __init__(self, content: _Optional[_Iterable[_Union[_common_pb2.ContentBlock, _Mapping]]] = ..., from_session_thread_id: _Optional[str] = ..., from_agent_name: _Optional[str] = ...) -> None: ...

class AgentThreadMessageSentEvent(_message.Message):
    __slots__ = ("content", "to_session_thread_id", "to_agent_name")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    TO_SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    TO_AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    content: _containers.RepeatedCompositeFieldContainer[_common_pb2.ContentBlock]
    to_session_thread_id: str
    to_agent_name: str
    def __init__(self, content: _Optional[_Iterable[_Union[_common_pb2.ContentBlock, _Mapping]]] = ..., to_session_thread_id: _Optional[str] = ..., to_agent_name: _Optional[str] = ...) -> None: ...

class AgentThreadContextCompactedEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SessionStatusRunningEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SessionStatusIdleEvent(_message.Message):
    __slots__ = ("stop_reason", "stop_details")
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    STOP_DETAILS_FIELD_NUMBER: _ClassVar[int]
    stop_reason: StopReason
    stop_details: RefusalStopDetails
    def __init__(self, stop_reason: _Optional[_Union[StopReason, _Mapping]] = ..., stop_details: _Optional[_Union[RefusalStopDetails, _Mapping]] = ...) -> None: ...

class StopReason(_message.Message):
    __slots__ = ("end_turn", "requires_action", "retries_exhausted", "budget_reached", "refusal")
    END_TURN_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_ACTION_FIELD_NUMBER: _ClassVar[int]
    RETRIES_EXHAUSTED_FIELD_NUMBER: _ClassVar[int]
    BUDGET_REACHED_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    end_turn: _empty_pb2.Empty
    requires_action: RequiresAction
    retries_exhausted: _empty_pb2.Empty
    budget_reached: _empty_pb2.Empty
    refusal: _empty_pb2.Empty
    def __init__(self, end_turn: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., requires_action: _Optional[_Union[RequiresAction, _Mapping]] = ..., retries_exhausted: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., budget_reached: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., refusal: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class RequiresAction(_message.Message):
    __slots__ = ("event_ids",)
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RefusalStopDetails(_message.Message):
    __slots__ = ("category", "explanation")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    category: RefusalCategory
    explanation: str
    def __init__(self, category: _Optional[_Union[RefusalCategory, str]] = ..., explanation: _Optional[str] = ...) -> None: ...

class SessionStatusRescheduledEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SessionStatusTerminatedEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SessionErrorEvent(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: SessionError
    def __init__(self, error: _Optional[_Union[SessionError, _Mapping]] = ...) -> None: ...

class SessionError(_message.Message):
    __slots__ = ("unknown_error", "model_overloaded_error", "model_rate_limited_error", "model_request_failed_error", "mcp_connection_failed_error", "mcp_authentication_failed_error", "billing_error", "credential_host_unreachable_error", "tool_use_limit_reached_error", "compaction_limit_reached_error", "repository_authentication_error", "repository_forbidden_error", "repository_not_found_error", "repository_checkout_error", "repository_clone_error")
    UNKNOWN_ERROR_FIELD_NUMBER: _ClassVar[int]
    MODEL_OVERLOADED_ERROR_FIELD_NUMBER: _ClassVar[int]
    MODEL_RATE_LIMITED_ERROR_FIELD_NUMBER: _ClassVar[int]
    MODEL_REQUEST_FAILED_ERROR_FIELD_NUMBER: _ClassVar[int]
    MCP_CONNECTION_FAILED_ERROR_FIELD_NUMBER: _ClassVar[int]
    MCP_AUTHENTICATION_FAILED_ERROR_FIELD_NUMBER: _ClassVar[int]
    BILLING_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_HOST_UNREACHABLE_ERROR_FIELD_NUMBER: _ClassVar[int]
    TOOL_USE_LIMIT_REACHED_ERROR_FIELD_NUMBER: _ClassVar[int]
    COMPACTION_LIMIT_REACHED_ERROR_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_AUTHENTICATION_ERROR_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_FORBIDDEN_ERROR_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_NOT_FOUND_ERROR_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_CHECKOUT_ERROR_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_CLONE_ERROR_FIELD_NUMBER: _ClassVar[int]
    unknown_error: ErrorDetail
    model_overloaded_error: ErrorDetail
    model_rate_limited_error: ErrorDetail
    model_request_failed_error: ErrorDetail
    mcp_connection_failed_error: McpErrorDetail
    mcp_authentication_failed_error: McpErrorDetail
    billing_error: ErrorDetail
    credential_host_unreachable_error: CredentialErrorDetail
    tool_use_limit_reached_error: ErrorDetail
    compaction_limit_reached_error: ErrorDetail
    repository_authentication_error: RepositoryErrorDetail
    repository_forbidden_error: RepositoryErrorDetail
    repository_not_found_error: RepositoryErrorDetail
    repository_checkout_error: RepositoryErrorDetail
    repository_clone_error: RepositoryErrorDetail
    def __init__(self, unknown_error: _Optional[_Union[ErrorDetail, _Mapping]] = ..., model_overloaded_error: _Optional[_Union[ErrorDetail, _Mapping]] = ..., model_rate_limited_error: _Optional[_Union[ErrorDetail, _Mapping]] = ..., model_request_failed_error: _Optional[_Union[ErrorDetail, _Mapping]] = ..., mcp_connection_failed_error: _Optional[_Union[McpErrorDetail, _Mapping]] = ..., mcp_authentication_failed_error: _Optional[_Union[McpErrorDetail, _Mapping]] = ..., billing_error: _Optional[_Union[ErrorDetail, _Mapping]] = ..., credential_host_unreachable_error: _Optional[_Union[CredentialErrorDetail, _Mapping]] = ..., tool_use_limit_reached_error: _Optional[_Union[ErrorDetail, _Mapping]] = ..., compaction_limit_reached_error: _Optional[_Union[ErrorDetail, _Mapping]] = ..., repository_authentication_error: _Optional[_Union[RepositoryErrorDetail, _Mapping]] = ..., repository_forbidden_error: _Optional[_Union[RepositoryErrorDetail, _Mapping]] = ..., repository_not_found_error: _Optional[_Union[RepositoryErrorDetail, _Mapping]] = ..., repository_checkout_error: _Optional[_Union[RepositoryErrorDetail, _Mapping]] = ..., repository_clone_error: _Optional[_Union[RepositoryErrorDetail, _Mapping]] = ...) -> None: ...

class RetryStatus(_message.Message):
    __slots__ = ("retrying", "exhausted", "terminal")
    RETRYING_FIELD_NUMBER: _ClassVar[int]
    EXHAUSTED_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_FIELD_NUMBER: _ClassVar[int]
    retrying: _empty_pb2.Empty
    exhausted: _empty_pb2.Empty
    terminal: _empty_pb2.Empty
    def __init__(self, retrying: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., exhausted: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., terminal: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class ErrorDetail(_message.Message):
    __slots__ = ("message", "retry_status")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRY_STATUS_FIELD_NUMBER: _ClassVar[int]
    message: str
    retry_status: RetryStatus
    def __init__(self, message: _Optional[str] = ..., retry_status: _Optional[_Union[RetryStatus, _Mapping]] = ...) -> None: ...

class McpErrorDetail(_message.Message):
    __slots__ = ("message", "retry_status", "mcp_server_name")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRY_STATUS_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVER_NAME_FIELD_NUMBER: _ClassVar[int]
    message: str
    retry_status: RetryStatus
    mcp_server_name: str
    def __init__(self, message: _Optional[str] = ..., retry_status: _Optional[_Union[RetryStatus, _Mapping]] = ..., mcp_server_name: _Optional[str] = ...) -> None: ...

class CredentialErrorDetail(_message.Message):
    __slots__ = ("message", "retry_status", "credential_id", "vault_id")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRY_STATUS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_ID_FIELD_NUMBER: _ClassVar[int]
    message: str
    retry_status: RetryStatus
    credential_id: str
    vault_id: str
    def __init__(self, message: _Optional[str] = ..., retry_status: _Optional[_Union[RetryStatus, _Mapping]] = ..., credential_id: _Optional[str] = ..., vault_id: _Optional[str] = ...) -> None: ...

class RepositoryErrorDetail(_message.Message):
    __slots__ = ("message", "retry_status", "repository_url")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRY_STATUS_FIELD_NUMBER: _ClassVar[int]
    REPOSITORY_URL_FIELD_NUMBER: _ClassVar[int]
    message: str
    retry_status: RetryStatus
    repository_url: str
    def __init__(self, message: _Optional[str] = ..., retry_status: _Optional[_Union[RetryStatus, _Mapping]] = ..., repository_url: _Optional[str] = ...) -> None: ...

class SessionDeletedEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SessionUpdatedEvent(_message.Message):
    __slots__ = ("agent", "budget", "metadata", "title")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGENT_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    agent: _agent_pb2.SessionAgent
    budget: _common_pb2.BudgetLimit
    metadata: _containers.ScalarMap[str, str]
    title: str
    def __init__(self, agent: _Optional[_Union[_agent_pb2.SessionAgent, _Mapping]] = ..., budget: _Optional[_Union[_common_pb2.BudgetLimit, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., title: _Optional[str] = ...) -> None: ...

class SessionUsageEvent(_message.Message):
    __slots__ = ("usage", "budget")
    USAGE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    usage: _common_pb2.SessionUsage
    budget: _common_pb2.BudgetLimit
    def __init__(self, usage: _Optional[_Union[_common_pb2.SessionUsage, _Mapping]] = ..., budget: _Optional[_Union[_common_pb2.BudgetLimit, _Mapping]] = ...) -> None: ...

class SessionThreadCreatedEvent(_message.Message):
    __slots__ = ("agent_name", "session_thread_id", "workflow_run_id")
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    session_thread_id: str
    workflow_run_id: str
    def __init__(self, agent_name: _Optional[str] = ..., session_thread_id: _Optional[str] = ..., workflow_run_id: _Optional[str] = ...) -> None: ...

class SessionThreadStatusRunningEvent(_message.Message):
    __slots__ = ("agent_name", "session_thread_id")
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    session_thread_id: str
    def __init__(self, agent_name: _Optional[str] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class SessionThreadStatusIdleEvent(_message.Message):
    __slots__ = ("agent_name", "session_thread_id", "stop_reason", "stop_details")
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    STOP_DETAILS_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    session_thread_id: str
    stop_reason: StopReason
    stop_details: RefusalStopDetails
    def __init__(self, agent_name: _Optional[str] = ..., session_thread_id: _Optional[str] = ..., stop_reason: _Optional[_Union[StopReason, _Mapping]] = ..., stop_details: _Optional[_Union[RefusalStopDetails, _Mapping]] = ...) -> None: ...

class SessionThreadStatusRescheduledEvent(_message.Message):
    __slots__ = ("agent_name", "session_thread_id")
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    session_thread_id: str
    def __init__(self, agent_name: _Optional[str] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class SessionThreadStatusTerminatedEvent(_message.Message):
    __slots__ = ("agent_name", "session_thread_id")
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    session_thread_id: str
    def __init__(self, agent_name: _Optional[str] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class SpanModelRequestStartEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SpanModelRequestEndEvent(_message.Message):
    __slots__ = ("model_request_start_id", "model_usage", "is_error")
    MODEL_REQUEST_START_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_USAGE_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    model_request_start_id: str
    model_usage: _common_pb2.ModelUsage
    is_error: bool
    def __init__(self, model_request_start_id: _Optional[str] = ..., model_usage: _Optional[_Union[_common_pb2.ModelUsage, _Mapping]] = ..., is_error: _Optional[bool] = ...) -> None: ...

class SpanOutcomeEvaluationStartEvent(_message.Message):
    __slots__ = ("iteration", "outcome_id")
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_ID_FIELD_NUMBER: _ClassVar[int]
    iteration: int
    outcome_id: str
    def __init__(self, iteration: _Optional[int] = ..., outcome_id: _Optional[str] = ...) -> None: ...

class SpanOutcomeEvaluationOngoingEvent(_message.Message):
    __slots__ = ("iteration", "outcome_id")
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_ID_FIELD_NUMBER: _ClassVar[int]
    iteration: int
    outcome_id: str
    def __init__(self, iteration: _Optional[int] = ..., outcome_id: _Optional[str] = ...) -> None: ...

class SpanOutcomeEvaluationEndEvent(_message.Message):
    __slots__ = ("explanation", "iteration", "outcome_evaluation_start_id", "outcome_id", "result", "usage")
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_EVALUATION_START_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    explanation: str
    iteration: int
    outcome_evaluation_start_id: str
    outcome_id: str
    result: str
    usage: _common_pb2.ModelUsage
    def __init__(self, explanation: _Optional[str] = ..., iteration: _Optional[int] = ..., outcome_evaluation_start_id: _Optional[str] = ..., outcome_id: _Optional[str] = ..., result: _Optional[str] = ..., usage: _Optional[_Union[_common_pb2.ModelUsage, _Mapping]] = ...) -> None: ...

class WorkflowRunCreatedEvent(_message.Message):
    __slots__ = ("description", "name", "phases", "workflow_run_id")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    description: str
    name: str
    phases: _containers.RepeatedCompositeFieldContainer[WorkflowRunPhase]
    workflow_run_id: str
    def __init__(self, description: _Optional[str] = ..., name: _Optional[str] = ..., phases: _Optional[_Iterable[_Union[WorkflowRunPhase, _Mapping]]] = ..., workflow_run_id: _Optional[str] = ...) -> None: ...

class WorkflowRunPhase(_message.Message):
    __slots__ = ("id", "description", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    name: str
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class WorkflowRunStatusRunningEvent(_message.Message):
    __slots__ = ("workflow_run_id",)
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_run_id: str
    def __init__(self, workflow_run_id: _Optional[str] = ...) -> None: ...

class WorkflowRunStatusIdleEvent(_message.Message):
    __slots__ = ("workflow_run_id",)
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_run_id: str
    def __init__(self, workflow_run_id: _Optional[str] = ...) -> None: ...

class WorkflowRunStatusEndedEvent(_message.Message):
    __slots__ = ("result", "workflow_run_id")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    result: WorkflowRunResult
    workflow_run_id: str
    def __init__(self, result: _Optional[_Union[WorkflowRunResult, _Mapping]] = ..., workflow_run_id: _Optional[str] = ...) -> None: ...

class WorkflowRunResult(_message.Message):
    __slots__ = ("completed", "error", "stopped")
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STOPPED_FIELD_NUMBER: _ClassVar[int]
    completed: _empty_pb2.Empty
    error: WorkflowRunFailure
    stopped: _empty_pb2.Empty
    def __init__(self, completed: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., error: _Optional[_Union[WorkflowRunFailure, _Mapping]] = ..., stopped: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class WorkflowRunFailure(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: WorkflowRunError
    def __init__(self, error: _Optional[_Union[WorkflowRunError, _Mapping]] = ...) -> None: ...

class WorkflowRunError(_message.Message):
    __slots__ = ("timeout_error", "program_error", "unknown_error", "thread_limit_error", "max_workflow_runs_error")
    TIMEOUT_ERROR_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_ERROR_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_ERROR_FIELD_NUMBER: _ClassVar[int]
    THREAD_LIMIT_ERROR_FIELD_NUMBER: _ClassVar[int]
    MAX_WORKFLOW_RUNS_ERROR_FIELD_NUMBER: _ClassVar[int]
    timeout_error: WorkflowRunErrorDetail
    program_error: WorkflowRunErrorDetail
    unknown_error: WorkflowRunErrorDetail
    thread_limit_error: WorkflowRunErrorDetail
    max_workflow_runs_error: WorkflowRunErrorDetail
    def __init__(self, timeout_error: _Optional[_Union[WorkflowRunErrorDetail, _Mapping]] = ..., program_error: _Optional[_Union[WorkflowRunErrorDetail, _Mapping]] = ..., unknown_error: _Optional[_Union[WorkflowRunErrorDetail, _Mapping]] = ..., thread_limit_error: _Optional[_Union[WorkflowRunErrorDetail, _Mapping]] = ..., max_workflow_runs_error: _Optional[_Union[WorkflowRunErrorDetail, _Mapping]] = ...) -> None: ...

class WorkflowRunErrorDetail(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: str
    def __init__(self, message: _Optional[str] = ...) -> None: ...

class WorkflowRunErrorEvent(_message.Message):
    __slots__ = ("error", "workflow_run_id")
    ERROR_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    error: WorkflowRunError
    workflow_run_id: str
    def __init__(self, error: _Optional[_Union[WorkflowRunError, _Mapping]] = ..., workflow_run_id: _Optional[str] = ...) -> None: ...

class WorkflowRunPhaseStartedEvent(_message.Message):
    __slots__ = ("workflow_run_id", "workflow_run_phase_id")
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_PHASE_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_run_id: str
    workflow_run_phase_id: str
    def __init__(self, workflow_run_id: _Optional[str] = ..., workflow_run_phase_id: _Optional[str] = ...) -> None: ...

class WorkflowRunPhaseEndedEvent(_message.Message):
    __slots__ = ("phase_started_id", "workflow_run_id", "workflow_run_phase_id")
    PHASE_STARTED_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_PHASE_ID_FIELD_NUMBER: _ClassVar[int]
    phase_started_id: str
    workflow_run_id: str
    workflow_run_phase_id: str
    def __init__(self, phase_started_id: _Optional[str] = ..., workflow_run_id: _Optional[str] = ..., workflow_run_phase_id: _Optional[str] = ...) -> None: ...

class EventStart(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: EventPreview
    def __init__(self, event: _Optional[_Union[EventPreview, _Mapping]] = ...) -> None: ...

class EventPreview(_message.Message):
    __slots__ = ("id", "type")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class EventDelta(_message.Message):
    __slots__ = ("event_id", "delta")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    delta: DeltaContent
    def __init__(self, event_id: _Optional[str] = ..., delta: _Optional[_Union[DeltaContent, _Mapping]] = ...) -> None: ...

class DeltaContent(_message.Message):
    __slots__ = ("content", "index")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    content: DeltaText
    index: int
    def __init__(self, content: _Optional[_Union[DeltaText, _Mapping]] = ..., index: _Optional[int] = ...) -> None: ...

class DeltaText(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class SendEventsRequest(_message.Message):
    __slots__ = ("session_id", "events")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    events: _containers.RepeatedCompositeFieldContainer[SessionEvent]
    def __init__(self, session_id: _Optional[str] = ..., events: _Optional[_Iterable[_Union[SessionEvent, _Mapping]]] = ...) -> None: ...

class SendEventsResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SessionEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[SessionEvent, _Mapping]]] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "page_token", "order", "types", "created_at_gt", "created_at_gte", "created_at_lt", "created_at_lte", "session_thread_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_GT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_LT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_LTE_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    page_token: str
    order: _common_pb2.SortOrder
    types: _containers.RepeatedScalarFieldContainer[str]
    created_at_gt: _timestamp_pb2.Timestamp
    created_at_gte: _timestamp_pb2.Timestamp
    created_at_lt: _timestamp_pb2.Timestamp
    created_at_lte: _timestamp_pb2.Timestamp
    session_thread_id: str
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ..., types: _Optional[_Iterable[str]] = ..., created_at_gt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_gte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_lt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at_lte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SessionEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[SessionEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StreamEventsRequest(_message.Message):
    __slots__ = ("session_id", "after_event_id", "event_deltas", "session_thread_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_DELTAS_FIELD_NUMBER: _ClassVar[int]
    SESSION_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    after_event_id: str
    event_deltas: _containers.RepeatedScalarFieldContainer[str]
    session_thread_id: str
    def __init__(self, session_id: _Optional[str] = ..., after_event_id: _Optional[str] = ..., event_deltas: _Optional[_Iterable[str]] = ..., session_thread_id: _Optional[str] = ...) -> None: ...

class StreamEventsResponse(_message.Message):
    __slots__ = ("event", "start", "delta")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    start: EventStart
    delta: EventDelta
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ..., start: _Optional[_Union[EventStart, _Mapping]] = ..., delta: _Optional[_Union[EventDelta, _Mapping]] = ...) -> None: ...
