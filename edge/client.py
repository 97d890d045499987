"""Typed clients of the core's services, one per service, over one transport.

Every RPC is a typed method: request message in, response message out
(``EventClient.stream_events`` returns an opened :class:`Stream`). Each client
sends through :meth:`Transport.unary` / :meth:`Transport.open_stream` with the
RPC's :class:`Method`, which carries its message types and its retry safety
(read from the proto's ``idempotency_level``). ``CoreClient.with_metadata``
binds per-call metadata (say, a caller's credentials) to every call.
"""

from __future__ import annotations

from sessiond.edge.rpc import (
    CoreError,
    Metadata,
    Stream,
    Transport,
    stream_method,
    unary_method,
)
from sessiond.v1 import (
    agent_pb2,
    deployment_pb2,
    environment_pb2,
    event_pb2,
    file_pb2,
    memory_pb2,
    session_pb2,
    session_resource_pb2,
    skill_pb2,
    thread_pb2,
    vault_pb2,
    webhook_pb2,
    work_pb2,
)

__all__ = [
    "AgentClient",
    "CoreClient",
    "CoreError",
    "EnvironmentClient",
    "EventClient",
    "FileClient",
    "MemoryStoreClient",
    "SessionResourceClient",
    "SessionThreadClient",
    "SkillClient",
    "SessionClient",
    "STREAM_EVENTS",
    "VaultClient",
    "WebhookClient",
    "WorkClient",
]

_A, _E, _S, _V = agent_pb2, environment_pb2, session_pb2, event_pb2
_AF, _EF, _SF, _VF = _A.DESCRIPTOR, _E.DESCRIPTOR, _S.DESCRIPTOR, _V.DESCRIPTOR
# Issue 12: files, memory stores, session resources, skills.
_F, _M, _R, _K = file_pb2, memory_pb2, session_resource_pb2, skill_pb2
_FF, _MF, _RF, _KF = _F.DESCRIPTOR, _M.DESCRIPTOR, _R.DESCRIPTOR, _K.DESCRIPTOR
AGENTS, ENVIRONMENTS, SESSIONS, EVENTS = (
    "AgentService",
    "EnvironmentService",
    "SessionService",
    "EventService",
)

CREATE_AGENT = unary_method(
    _AF, AGENTS, "CreateAgent", _A.CreateAgentRequest, _A.CreateAgentResponse
)
GET_AGENT = unary_method(_AF, AGENTS, "GetAgent", _A.GetAgentRequest, _A.GetAgentResponse)
UPDATE_AGENT = unary_method(
    _AF, AGENTS, "UpdateAgent", _A.UpdateAgentRequest, _A.UpdateAgentResponse
)
LIST_AGENTS = unary_method(_AF, AGENTS, "ListAgents", _A.ListAgentsRequest, _A.ListAgentsResponse)
ARCHIVE_AGENT = unary_method(
    _AF, AGENTS, "ArchiveAgent", _A.ArchiveAgentRequest, _A.ArchiveAgentResponse
)
LIST_AGENT_VERSIONS = unary_method(
    _AF, AGENTS, "ListAgentVersions", _A.ListAgentVersionsRequest, _A.ListAgentVersionsResponse
)

CREATE_ENVIRONMENT = unary_method(
    _EF,
    ENVIRONMENTS,
    "CreateEnvironment",
    _E.CreateEnvironmentRequest,
    _E.CreateEnvironmentResponse,
)
GET_ENVIRONMENT = unary_method(
    _EF, ENVIRONMENTS, "GetEnvironment", _E.GetEnvironmentRequest, _E.GetEnvironmentResponse
)
UPDATE_ENVIRONMENT = unary_method(
    _EF,
    ENVIRONMENTS,
    "UpdateEnvironment",
    _E.UpdateEnvironmentRequest,
    _E.UpdateEnvironmentResponse,
)
LIST_ENVIRONMENTS = unary_method(
    _EF, ENVIRONMENTS, "ListEnvironments", _E.ListEnvironmentsRequest, _E.ListEnvironmentsResponse
)
DELETE_ENVIRONMENT = unary_method(
    _EF,
    ENVIRONMENTS,
    "DeleteEnvironment",
    _E.DeleteEnvironmentRequest,
    _E.DeleteEnvironmentResponse,
)
ARCHIVE_ENVIRONMENT = unary_method(
    _EF,
    ENVIRONMENTS,
    "ArchiveEnvironment",
    _E.ArchiveEnvironmentRequest,
    _E.ArchiveEnvironmentResponse,
)

CREATE_SESSION = unary_method(
    _SF, SESSIONS, "CreateSession", _S.CreateSessionRequest, _S.CreateSessionResponse
)
GET_SESSION = unary_method(_SF, SESSIONS, "GetSession", _S.GetSessionRequest, _S.GetSessionResponse)
UPDATE_SESSION = unary_method(
    _SF, SESSIONS, "UpdateSession", _S.UpdateSessionRequest, _S.UpdateSessionResponse
)
LIST_SESSIONS = unary_method(
    _SF, SESSIONS, "ListSessions", _S.ListSessionsRequest, _S.ListSessionsResponse
)
DELETE_SESSION = unary_method(
    _SF, SESSIONS, "DeleteSession", _S.DeleteSessionRequest, _S.DeleteSessionResponse
)
ARCHIVE_SESSION = unary_method(
    _SF, SESSIONS, "ArchiveSession", _S.ArchiveSessionRequest, _S.ArchiveSessionResponse
)

SEND_EVENTS = unary_method(_VF, EVENTS, "SendEvents", _V.SendEventsRequest, _V.SendEventsResponse)
LIST_EVENTS = unary_method(_VF, EVENTS, "ListEvents", _V.ListEventsRequest, _V.ListEventsResponse)

FILES = "FileService"
UPLOAD_FILE = unary_method(_FF, FILES, "UploadFile", _F.UploadFileRequest, _F.UploadFileResponse)
GET_FILE = unary_method(_FF, FILES, "GetFile", _F.GetFileRequest, _F.GetFileResponse)
LIST_FILES = unary_method(_FF, FILES, "ListFiles", _F.ListFilesRequest, _F.ListFilesResponse)
DOWNLOAD_FILE = unary_method(
    _FF, FILES, "DownloadFile", _F.DownloadFileRequest, _F.DownloadFileResponse
)
DELETE_FILE = unary_method(_FF, FILES, "DeleteFile", _F.DeleteFileRequest, _F.DeleteFileResponse)

MEMORY_STORES = "MemoryStoreService"
CREATE_MEMORY_STORE = unary_method(
    _MF,
    MEMORY_STORES,
    "CreateMemoryStore",
    _M.CreateMemoryStoreRequest,
    _M.CreateMemoryStoreResponse,
)
GET_MEMORY_STORE = unary_method(
    _MF, MEMORY_STORES, "GetMemoryStore", _M.GetMemoryStoreRequest, _M.GetMemoryStoreResponse
)
UPDATE_MEMORY_STORE = unary_method(
    _MF,
    MEMORY_STORES,
    "UpdateMemoryStore",
    _M.UpdateMemoryStoreRequest,
    _M.UpdateMemoryStoreResponse,
)
LIST_MEMORY_STORES = unary_method(
    _MF, MEMORY_STORES, "ListMemoryStores", _M.ListMemoryStoresRequest, _M.ListMemoryStoresResponse
)
DELETE_MEMORY_STORE = unary_method(
    _MF,
    MEMORY_STORES,
    "DeleteMemoryStore",
    _M.DeleteMemoryStoreRequest,
    _M.DeleteMemoryStoreResponse,
)
ARCHIVE_MEMORY_STORE = unary_method(
    _MF,
    MEMORY_STORES,
    "ArchiveMemoryStore",
    _M.ArchiveMemoryStoreRequest,
    _M.ArchiveMemoryStoreResponse,
)
CREATE_MEMORY = unary_method(
    _MF, MEMORY_STORES, "CreateMemory", _M.CreateMemoryRequest, _M.CreateMemoryResponse
)
GET_MEMORY = unary_method(
    _MF, MEMORY_STORES, "GetMemory", _M.GetMemoryRequest, _M.GetMemoryResponse
)
UPDATE_MEMORY = unary_method(
    _MF, MEMORY_STORES, "UpdateMemory", _M.UpdateMemoryRequest, _M.UpdateMemoryResponse
)
LIST_MEMORIES = unary_method(
    _MF, MEMORY_STORES, "ListMemories", _M.ListMemoriesRequest, _M.ListMemoriesResponse
)
DELETE_MEMORY = unary_method(
    _MF, MEMORY_STORES, "DeleteMemory", _M.DeleteMemoryRequest, _M.DeleteMemoryResponse
)
GET_MEMORY_VERSION = unary_method(
    _MF, MEMORY_STORES, "GetMemoryVersion", _M.GetMemoryVersionRequest, _M.GetMemoryVersionResponse
)
LIST_MEMORY_VERSIONS = unary_method(
    _MF,
    MEMORY_STORES,
    "ListMemoryVersions",
    _M.ListMemoryVersionsRequest,
    _M.ListMemoryVersionsResponse,
)
REDACT_MEMORY_VERSION = unary_method(
    _MF,
    MEMORY_STORES,
    "RedactMemoryVersion",
    _M.RedactMemoryVersionRequest,
    _M.RedactMemoryVersionResponse,
)

SESSION_RESOURCES = "SessionResourceService"
ADD_SESSION_RESOURCE = unary_method(
    _RF,
    SESSION_RESOURCES,
    "AddSessionResource",
    _R.AddSessionResourceRequest,
    _R.AddSessionResourceResponse,
)
GET_SESSION_RESOURCE = unary_method(
    _RF,
    SESSION_RESOURCES,
    "GetSessionResource",
    _R.GetSessionResourceRequest,
    _R.GetSessionResourceResponse,
)
LIST_SESSION_RESOURCES = unary_method(
    _RF,
    SESSION_RESOURCES,
    "ListSessionResources",
    _R.ListSessionResourcesRequest,
    _R.ListSessionResourcesResponse,
)
UPDATE_SESSION_RESOURCE = unary_method(
    _RF,
    SESSION_RESOURCES,
    "UpdateSessionResource",
    _R.UpdateSessionResourceRequest,
    _R.UpdateSessionResourceResponse,
)
DELETE_SESSION_RESOURCE = unary_method(
    _RF,
    SESSION_RESOURCES,
    "DeleteSessionResource",
    _R.DeleteSessionResourceRequest,
    _R.DeleteSessionResourceResponse,
)

SKILLS = "SkillService"
CREATE_SKILL = unary_method(
    _KF, SKILLS, "CreateSkill", _K.CreateSkillRequest, _K.CreateSkillResponse
)
GET_SKILL = unary_method(_KF, SKILLS, "GetSkill", _K.GetSkillRequest, _K.GetSkillResponse)
LIST_SKILLS = unary_method(_KF, SKILLS, "ListSkills", _K.ListSkillsRequest, _K.ListSkillsResponse)
DELETE_SKILL = unary_method(
    _KF, SKILLS, "DeleteSkill", _K.DeleteSkillRequest, _K.DeleteSkillResponse
)
CREATE_SKILL_VERSION = unary_method(
    _KF, SKILLS, "CreateSkillVersion", _K.CreateSkillVersionRequest, _K.CreateSkillVersionResponse
)
GET_SKILL_VERSION = unary_method(
    _KF, SKILLS, "GetSkillVersion", _K.GetSkillVersionRequest, _K.GetSkillVersionResponse
)
LIST_SKILL_VERSIONS = unary_method(
    _KF, SKILLS, "ListSkillVersions", _K.ListSkillVersionsRequest, _K.ListSkillVersionsResponse
)
DELETE_SKILL_VERSION = unary_method(
    _KF, SKILLS, "DeleteSkillVersion", _K.DeleteSkillVersionRequest, _K.DeleteSkillVersionResponse
)
DOWNLOAD_SKILL_VERSION = unary_method(
    _KF,
    SKILLS,
    "DownloadSkillVersion",
    _K.DownloadSkillVersionRequest,
    _K.DownloadSkillVersionResponse,
)


_W, _VT = work_pb2, vault_pb2
_WF, _VTF = _W.DESCRIPTOR, _VT.DESCRIPTOR
WORK, VAULTS = "WorkService", "VaultService"

LIST_WORK = unary_method(_WF, WORK, "ListWork", _W.ListWorkRequest, _W.ListWorkResponse)
POLL_WORK = unary_method(_WF, WORK, "PollWork", _W.PollWorkRequest, _W.PollWorkResponse)
GET_WORK = unary_method(_WF, WORK, "GetWork", _W.GetWorkRequest, _W.GetWorkResponse)
UPDATE_WORK = unary_method(_WF, WORK, "UpdateWork", _W.UpdateWorkRequest, _W.UpdateWorkResponse)
ACK_WORK = unary_method(_WF, WORK, "AckWork", _W.AckWorkRequest, _W.AckWorkResponse)
HEARTBEAT_WORK = unary_method(
    _WF, WORK, "HeartbeatWork", _W.HeartbeatWorkRequest, _W.HeartbeatWorkResponse
)
STOP_WORK = unary_method(_WF, WORK, "StopWork", _W.StopWorkRequest, _W.StopWorkResponse)
GET_WORK_QUEUE_STATS = unary_method(
    _WF, WORK, "GetWorkQueueStats", _W.GetWorkQueueStatsRequest, _W.GetWorkQueueStatsResponse
)

CREATE_VAULT = unary_method(
    _VTF, VAULTS, "CreateVault", _VT.CreateVaultRequest, _VT.CreateVaultResponse
)
GET_VAULT = unary_method(_VTF, VAULTS, "GetVault", _VT.GetVaultRequest, _VT.GetVaultResponse)
UPDATE_VAULT = unary_method(
    _VTF, VAULTS, "UpdateVault", _VT.UpdateVaultRequest, _VT.UpdateVaultResponse
)
LIST_VAULTS = unary_method(
    _VTF, VAULTS, "ListVaults", _VT.ListVaultsRequest, _VT.ListVaultsResponse
)
DELETE_VAULT = unary_method(
    _VTF, VAULTS, "DeleteVault", _VT.DeleteVaultRequest, _VT.DeleteVaultResponse
)
ARCHIVE_VAULT = unary_method(
    _VTF, VAULTS, "ArchiveVault", _VT.ArchiveVaultRequest, _VT.ArchiveVaultResponse
)
CREATE_CREDENTIAL = unary_method(
    _VTF, VAULTS, "CreateCredential", _VT.CreateCredentialRequest, _VT.CreateCredentialResponse
)
GET_CREDENTIAL = unary_method(
    _VTF, VAULTS, "GetCredential", _VT.GetCredentialRequest, _VT.GetCredentialResponse
)
UPDATE_CREDENTIAL = unary_method(
    _VTF, VAULTS, "UpdateCredential", _VT.UpdateCredentialRequest, _VT.UpdateCredentialResponse
)
LIST_CREDENTIALS = unary_method(
    _VTF, VAULTS, "ListCredentials", _VT.ListCredentialsRequest, _VT.ListCredentialsResponse
)
DELETE_CREDENTIAL = unary_method(
    _VTF, VAULTS, "DeleteCredential", _VT.DeleteCredentialRequest, _VT.DeleteCredentialResponse
)
ARCHIVE_CREDENTIAL = unary_method(
    _VTF, VAULTS, "ArchiveCredential", _VT.ArchiveCredentialRequest, _VT.ArchiveCredentialResponse
)
VALIDATE_CREDENTIAL = unary_method(
    _VTF,
    VAULTS,
    "ValidateCredential",
    _VT.ValidateCredentialRequest,
    _VT.ValidateCredentialResponse,
)

# Webhooks (an extension of the public API).
_WH = webhook_pb2
_WHF = _WH.DESCRIPTOR
WEBHOOKS = "WebhookService"
CREATE_WEBHOOK = unary_method(
    _WHF, WEBHOOKS, "CreateWebhook", _WH.CreateWebhookRequest, _WH.CreateWebhookResponse
)
GET_WEBHOOK = unary_method(
    _WHF, WEBHOOKS, "GetWebhook", _WH.GetWebhookRequest, _WH.GetWebhookResponse
)
LIST_WEBHOOKS = unary_method(
    _WHF, WEBHOOKS, "ListWebhooks", _WH.ListWebhooksRequest, _WH.ListWebhooksResponse
)
UPDATE_WEBHOOK = unary_method(
    _WHF, WEBHOOKS, "UpdateWebhook", _WH.UpdateWebhookRequest, _WH.UpdateWebhookResponse
)
DELETE_WEBHOOK = unary_method(
    _WHF, WEBHOOKS, "DeleteWebhook", _WH.DeleteWebhookRequest, _WH.DeleteWebhookResponse
)
ROTATE_WEBHOOK_SECRET = unary_method(
    _WHF,
    WEBHOOKS,
    "RotateWebhookSecret",
    _WH.RotateWebhookSecretRequest,
    _WH.RotateWebhookSecretResponse,
)
LIST_WEBHOOK_DELIVERIES = unary_method(
    _WHF,
    WEBHOOKS,
    "ListWebhookDeliveries",
    _WH.ListWebhookDeliveriesRequest,
    _WH.ListWebhookDeliveriesResponse,
)


_D = deployment_pb2
_DF = _D.DESCRIPTOR
DEPLOYMENTS = "DeploymentService"
CREATE_DEPLOYMENT = unary_method(
    _DF, DEPLOYMENTS, "CreateDeployment", _D.CreateDeploymentRequest, _D.CreateDeploymentResponse
)
GET_DEPLOYMENT = unary_method(
    _DF, DEPLOYMENTS, "GetDeployment", _D.GetDeploymentRequest, _D.GetDeploymentResponse
)
UPDATE_DEPLOYMENT = unary_method(
    _DF, DEPLOYMENTS, "UpdateDeployment", _D.UpdateDeploymentRequest, _D.UpdateDeploymentResponse
)
LIST_DEPLOYMENTS = unary_method(
    _DF, DEPLOYMENTS, "ListDeployments", _D.ListDeploymentsRequest, _D.ListDeploymentsResponse
)
ARCHIVE_DEPLOYMENT = unary_method(
    _DF, DEPLOYMENTS, "ArchiveDeployment", _D.ArchiveDeploymentRequest, _D.ArchiveDeploymentResponse
)
PAUSE_DEPLOYMENT = unary_method(
    _DF, DEPLOYMENTS, "PauseDeployment", _D.PauseDeploymentRequest, _D.PauseDeploymentResponse
)
UNPAUSE_DEPLOYMENT = unary_method(
    _DF, DEPLOYMENTS, "UnpauseDeployment", _D.UnpauseDeploymentRequest, _D.UnpauseDeploymentResponse
)
RUN_DEPLOYMENT = unary_method(
    _DF, DEPLOYMENTS, "RunDeployment", _D.RunDeploymentRequest, _D.RunDeploymentResponse
)
GET_DEPLOYMENT_RUN = unary_method(
    _DF, DEPLOYMENTS, "GetDeploymentRun", _D.GetDeploymentRunRequest, _D.GetDeploymentRunResponse
)
LIST_DEPLOYMENT_RUNS = unary_method(
    _DF,
    DEPLOYMENTS,
    "ListDeploymentRuns",
    _D.ListDeploymentRunsRequest,
    _D.ListDeploymentRunsResponse,
)


def _start(request: event_pb2.StreamEventsRequest) -> str:
    return request.after_event_id


def _position(item: event_pb2.StreamEventsResponse) -> str:
    """The id of a stored event ("" for a preview, which has no place in the log)."""
    return item.event.id if item.HasField("event") else ""


def _resume(request: event_pb2.StreamEventsRequest, after: str) -> event_pb2.StreamEventsRequest:
    resumed = event_pb2.StreamEventsRequest()
    resumed.CopyFrom(request)
    resumed.after_event_id = after
    return resumed


STREAM_EVENTS = stream_method(
    _VF,
    EVENTS,
    "StreamEvents",
    _V.StreamEventsRequest,
    _V.StreamEventsResponse,
    start=_start,
    position=_position,
    resume=_resume,
)


class _Client:
    def __init__(self, transport: Transport, metadata: Metadata) -> None:
        self._transport = transport
        self._metadata = metadata


class AgentClient(_Client):
    """``sessiond.v1.AgentService``."""

    async def create_agent(self, request: _A.CreateAgentRequest) -> _A.CreateAgentResponse:
        return await self._transport.unary(CREATE_AGENT, request, self._metadata)

    async def get_agent(self, request: _A.GetAgentRequest) -> _A.GetAgentResponse:
        return await self._transport.unary(GET_AGENT, request, self._metadata)

    async def update_agent(self, request: _A.UpdateAgentRequest) -> _A.UpdateAgentResponse:
        return await self._transport.unary(UPDATE_AGENT, request, self._metadata)

    async def list_agents(self, request: _A.ListAgentsRequest) -> _A.ListAgentsResponse:
        return await self._transport.unary(LIST_AGENTS, request, self._metadata)

    async def archive_agent(self, request: _A.ArchiveAgentRequest) -> _A.ArchiveAgentResponse:
        return await self._transport.unary(ARCHIVE_AGENT, request, self._metadata)

    async def list_agent_versions(
        self, request: _A.ListAgentVersionsRequest
    ) -> _A.ListAgentVersionsResponse:
        return await self._transport.unary(LIST_AGENT_VERSIONS, request, self._metadata)


class EnvironmentClient(_Client):
    """``sessiond.v1.EnvironmentService``."""

    async def create_environment(
        self, request: _E.CreateEnvironmentRequest
    ) -> _E.CreateEnvironmentResponse:
        return await self._transport.unary(CREATE_ENVIRONMENT, request, self._metadata)

    async def get_environment(self, request: _E.GetEnvironmentRequest) -> _E.GetEnvironmentResponse:
        return await self._transport.unary(GET_ENVIRONMENT, request, self._metadata)

    async def update_environment(
        self, request: _E.UpdateEnvironmentRequest
    ) -> _E.UpdateEnvironmentResponse:
        return await self._transport.unary(UPDATE_ENVIRONMENT, request, self._metadata)

    async def list_environments(
        self, request: _E.ListEnvironmentsRequest
    ) -> _E.ListEnvironmentsResponse:
        return await self._transport.unary(LIST_ENVIRONMENTS, request, self._metadata)

    async def delete_environment(
        self, request: _E.DeleteEnvironmentRequest
    ) -> _E.DeleteEnvironmentResponse:
        return await self._transport.unary(DELETE_ENVIRONMENT, request, self._metadata)

    async def archive_environment(
        self, request: _E.ArchiveEnvironmentRequest
    ) -> _E.ArchiveEnvironmentResponse:
        return await self._transport.unary(ARCHIVE_ENVIRONMENT, request, self._metadata)


class SessionClient(_Client):
    """``sessiond.v1.SessionService``."""

    async def create_session(self, request: _S.CreateSessionRequest) -> _S.CreateSessionResponse:
        return await self._transport.unary(CREATE_SESSION, request, self._metadata)

    async def get_session(self, request: _S.GetSessionRequest) -> _S.GetSessionResponse:
        return await self._transport.unary(GET_SESSION, request, self._metadata)

    async def update_session(self, request: _S.UpdateSessionRequest) -> _S.UpdateSessionResponse:
        return await self._transport.unary(UPDATE_SESSION, request, self._metadata)

    async def list_sessions(self, request: _S.ListSessionsRequest) -> _S.ListSessionsResponse:
        return await self._transport.unary(LIST_SESSIONS, request, self._metadata)

    async def delete_session(self, request: _S.DeleteSessionRequest) -> _S.DeleteSessionResponse:
        return await self._transport.unary(DELETE_SESSION, request, self._metadata)

    async def archive_session(self, request: _S.ArchiveSessionRequest) -> _S.ArchiveSessionResponse:
        return await self._transport.unary(ARCHIVE_SESSION, request, self._metadata)


class EventClient(_Client):
    """``sessiond.v1.EventService``."""

    async def send_events(self, request: _V.SendEventsRequest) -> _V.SendEventsResponse:
        return await self._transport.unary(SEND_EVENTS, request, self._metadata)

    async def list_events(self, request: _V.ListEventsRequest) -> _V.ListEventsResponse:
        return await self._transport.unary(LIST_EVENTS, request, self._metadata)

    async def stream_events(
        self, request: _V.StreamEventsRequest
    ) -> Stream[_V.StreamEventsResponse]:
        """Returns once a core has attached the stream; ``aclose`` it when done."""
        return await self._transport.open_stream(STREAM_EVENTS, request, self._metadata)


class FileClient(_Client):
    """``sessiond.v1.FileService``."""

    async def upload_file(self, request: _F.UploadFileRequest) -> _F.UploadFileResponse:
        return await self._transport.unary(UPLOAD_FILE, request, self._metadata)

    async def get_file(self, request: _F.GetFileRequest) -> _F.GetFileResponse:
        return await self._transport.unary(GET_FILE, request, self._metadata)

    async def list_files(self, request: _F.ListFilesRequest) -> _F.ListFilesResponse:
        return await self._transport.unary(LIST_FILES, request, self._metadata)

    async def download_file(self, request: _F.DownloadFileRequest) -> _F.DownloadFileResponse:
        return await self._transport.unary(DOWNLOAD_FILE, request, self._metadata)

    async def delete_file(self, request: _F.DeleteFileRequest) -> _F.DeleteFileResponse:
        return await self._transport.unary(DELETE_FILE, request, self._metadata)


class MemoryStoreClient(_Client):
    """``sessiond.v1.MemoryStoreService``."""

    async def create_memory_store(
        self, request: _M.CreateMemoryStoreRequest
    ) -> _M.CreateMemoryStoreResponse:
        return await self._transport.unary(CREATE_MEMORY_STORE, request, self._metadata)

    async def get_memory_store(
        self, request: _M.GetMemoryStoreRequest
    ) -> _M.GetMemoryStoreResponse:
        return await self._transport.unary(GET_MEMORY_STORE, request, self._metadata)

    async def update_memory_store(
        self, request: _M.UpdateMemoryStoreRequest
    ) -> _M.UpdateMemoryStoreResponse:
        return await self._transport.unary(UPDATE_MEMORY_STORE, request, self._metadata)

    async def list_memory_stores(
        self, request: _M.ListMemoryStoresRequest
    ) -> _M.ListMemoryStoresResponse:
        return await self._transport.unary(LIST_MEMORY_STORES, request, self._metadata)

    async def delete_memory_store(
        self, request: _M.DeleteMemoryStoreRequest
    ) -> _M.DeleteMemoryStoreResponse:
        return await self._transport.unary(DELETE_MEMORY_STORE, request, self._metadata)

    async def archive_memory_store(
        self, request: _M.ArchiveMemoryStoreRequest
    ) -> _M.ArchiveMemoryStoreResponse:
        return await self._transport.unary(ARCHIVE_MEMORY_STORE, request, self._metadata)

    async def create_memory(self, request: _M.CreateMemoryRequest) -> _M.CreateMemoryResponse:
        return await self._transport.unary(CREATE_MEMORY, request, self._metadata)

    async def get_memory(self, request: _M.GetMemoryRequest) -> _M.GetMemoryResponse:
        return await self._transport.unary(GET_MEMORY, request, self._metadata)

    async def update_memory(self, request: _M.UpdateMemoryRequest) -> _M.UpdateMemoryResponse:
        return await self._transport.unary(UPDATE_MEMORY, request, self._metadata)

    async def list_memories(self, request: _M.ListMemoriesRequest) -> _M.ListMemoriesResponse:
        return await self._transport.unary(LIST_MEMORIES, request, self._metadata)

    async def delete_memory(self, request: _M.DeleteMemoryRequest) -> _M.DeleteMemoryResponse:
        return await self._transport.unary(DELETE_MEMORY, request, self._metadata)

    async def get_memory_version(
        self, request: _M.GetMemoryVersionRequest
    ) -> _M.GetMemoryVersionResponse:
        return await self._transport.unary(GET_MEMORY_VERSION, request, self._metadata)

    async def list_memory_versions(
        self, request: _M.ListMemoryVersionsRequest
    ) -> _M.ListMemoryVersionsResponse:
        return await self._transport.unary(LIST_MEMORY_VERSIONS, request, self._metadata)

    async def redact_memory_version(
        self, request: _M.RedactMemoryVersionRequest
    ) -> _M.RedactMemoryVersionResponse:
        return await self._transport.unary(REDACT_MEMORY_VERSION, request, self._metadata)


class SessionResourceClient(_Client):
    """``sessiond.v1.SessionResourceService``."""

    async def add_session_resource(
        self, request: _R.AddSessionResourceRequest
    ) -> _R.AddSessionResourceResponse:
        return await self._transport.unary(ADD_SESSION_RESOURCE, request, self._metadata)

    async def get_session_resource(
        self, request: _R.GetSessionResourceRequest
    ) -> _R.GetSessionResourceResponse:
        return await self._transport.unary(GET_SESSION_RESOURCE, request, self._metadata)

    async def list_session_resources(
        self, request: _R.ListSessionResourcesRequest
    ) -> _R.ListSessionResourcesResponse:
        return await self._transport.unary(LIST_SESSION_RESOURCES, request, self._metadata)

    async def update_session_resource(
        self, request: _R.UpdateSessionResourceRequest
    ) -> _R.UpdateSessionResourceResponse:
        return await self._transport.unary(UPDATE_SESSION_RESOURCE, request, self._metadata)

    async def delete_session_resource(
        self, request: _R.DeleteSessionResourceRequest
    ) -> _R.DeleteSessionResourceResponse:
        return await self._transport.unary(DELETE_SESSION_RESOURCE, request, self._metadata)


class SkillClient(_Client):
    """``sessiond.v1.SkillService``."""

    async def create_skill(self, request: _K.CreateSkillRequest) -> _K.CreateSkillResponse:
        return await self._transport.unary(CREATE_SKILL, request, self._metadata)

    async def get_skill(self, request: _K.GetSkillRequest) -> _K.GetSkillResponse:
        return await self._transport.unary(GET_SKILL, request, self._metadata)

    async def list_skills(self, request: _K.ListSkillsRequest) -> _K.ListSkillsResponse:
        return await self._transport.unary(LIST_SKILLS, request, self._metadata)

    async def delete_skill(self, request: _K.DeleteSkillRequest) -> _K.DeleteSkillResponse:
        return await self._transport.unary(DELETE_SKILL, request, self._metadata)

    async def create_skill_version(
        self, request: _K.CreateSkillVersionRequest
    ) -> _K.CreateSkillVersionResponse:
        return await self._transport.unary(CREATE_SKILL_VERSION, request, self._metadata)

    async def get_skill_version(
        self, request: _K.GetSkillVersionRequest
    ) -> _K.GetSkillVersionResponse:
        return await self._transport.unary(GET_SKILL_VERSION, request, self._metadata)

    async def list_skill_versions(
        self, request: _K.ListSkillVersionsRequest
    ) -> _K.ListSkillVersionsResponse:
        return await self._transport.unary(LIST_SKILL_VERSIONS, request, self._metadata)

    async def delete_skill_version(
        self, request: _K.DeleteSkillVersionRequest
    ) -> _K.DeleteSkillVersionResponse:
        return await self._transport.unary(DELETE_SKILL_VERSION, request, self._metadata)

    async def download_skill_version(
        self, request: _K.DownloadSkillVersionRequest
    ) -> _K.DownloadSkillVersionResponse:
        return await self._transport.unary(DOWNLOAD_SKILL_VERSION, request, self._metadata)


class WorkClient(_Client):
    """``sessiond.v1.WorkService``."""

    async def list_work(self, request: _W.ListWorkRequest) -> _W.ListWorkResponse:
        return await self._transport.unary(LIST_WORK, request, self._metadata)

    async def poll_work(self, request: _W.PollWorkRequest) -> _W.PollWorkResponse:
        return await self._transport.unary(POLL_WORK, request, self._metadata)

    async def get_work(self, request: _W.GetWorkRequest) -> _W.GetWorkResponse:
        return await self._transport.unary(GET_WORK, request, self._metadata)

    async def update_work(self, request: _W.UpdateWorkRequest) -> _W.UpdateWorkResponse:
        return await self._transport.unary(UPDATE_WORK, request, self._metadata)

    async def ack_work(self, request: _W.AckWorkRequest) -> _W.AckWorkResponse:
        return await self._transport.unary(ACK_WORK, request, self._metadata)

    async def heartbeat_work(self, request: _W.HeartbeatWorkRequest) -> _W.HeartbeatWorkResponse:
        return await self._transport.unary(HEARTBEAT_WORK, request, self._metadata)

    async def stop_work(self, request: _W.StopWorkRequest) -> _W.StopWorkResponse:
        return await self._transport.unary(STOP_WORK, request, self._metadata)

    async def get_work_queue_stats(
        self, request: _W.GetWorkQueueStatsRequest
    ) -> _W.GetWorkQueueStatsResponse:
        return await self._transport.unary(GET_WORK_QUEUE_STATS, request, self._metadata)


class VaultClient(_Client):
    """``sessiond.v1.VaultService``."""

    async def create_vault(self, request: _VT.CreateVaultRequest) -> _VT.CreateVaultResponse:
        return await self._transport.unary(CREATE_VAULT, request, self._metadata)

    async def get_vault(self, request: _VT.GetVaultRequest) -> _VT.GetVaultResponse:
        return await self._transport.unary(GET_VAULT, request, self._metadata)

    async def update_vault(self, request: _VT.UpdateVaultRequest) -> _VT.UpdateVaultResponse:
        return await self._transport.unary(UPDATE_VAULT, request, self._metadata)

    async def list_vaults(self, request: _VT.ListVaultsRequest) -> _VT.ListVaultsResponse:
        return await self._transport.unary(LIST_VAULTS, request, self._metadata)

    async def delete_vault(self, request: _VT.DeleteVaultRequest) -> _VT.DeleteVaultResponse:
        return await self._transport.unary(DELETE_VAULT, request, self._metadata)

    async def archive_vault(self, request: _VT.ArchiveVaultRequest) -> _VT.ArchiveVaultResponse:
        return await self._transport.unary(ARCHIVE_VAULT, request, self._metadata)

    async def create_credential(
        self, request: _VT.CreateCredentialRequest
    ) -> _VT.CreateCredentialResponse:
        return await self._transport.unary(CREATE_CREDENTIAL, request, self._metadata)

    async def get_credential(self, request: _VT.GetCredentialRequest) -> _VT.GetCredentialResponse:
        return await self._transport.unary(GET_CREDENTIAL, request, self._metadata)

    async def update_credential(
        self, request: _VT.UpdateCredentialRequest
    ) -> _VT.UpdateCredentialResponse:
        return await self._transport.unary(UPDATE_CREDENTIAL, request, self._metadata)

    async def list_credentials(
        self, request: _VT.ListCredentialsRequest
    ) -> _VT.ListCredentialsResponse:
        return await self._transport.unary(LIST_CREDENTIALS, request, self._metadata)

    async def delete_credential(
        self, request: _VT.DeleteCredentialRequest
    ) -> _VT.DeleteCredentialResponse:
        return await self._transport.unary(DELETE_CREDENTIAL, request, self._metadata)

    async def archive_credential(
        self, request: _VT.ArchiveCredentialRequest
    ) -> _VT.ArchiveCredentialResponse:
        return await self._transport.unary(ARCHIVE_CREDENTIAL, request, self._metadata)

    async def validate_credential(
        self, request: _VT.ValidateCredentialRequest
    ) -> _VT.ValidateCredentialResponse:
        return await self._transport.unary(VALIDATE_CREDENTIAL, request, self._metadata)


class DeploymentClient(_Client):
    """``sessiond.v1.DeploymentService``."""

    async def create_deployment(
        self, request: _D.CreateDeploymentRequest
    ) -> _D.CreateDeploymentResponse:
        return await self._transport.unary(CREATE_DEPLOYMENT, request, self._metadata)

    async def get_deployment(self, request: _D.GetDeploymentRequest) -> _D.GetDeploymentResponse:
        return await self._transport.unary(GET_DEPLOYMENT, request, self._metadata)

    async def update_deployment(
        self, request: _D.UpdateDeploymentRequest
    ) -> _D.UpdateDeploymentResponse:
        return await self._transport.unary(UPDATE_DEPLOYMENT, request, self._metadata)

    async def list_deployments(
        self, request: _D.ListDeploymentsRequest
    ) -> _D.ListDeploymentsResponse:
        return await self._transport.unary(LIST_DEPLOYMENTS, request, self._metadata)

    async def archive_deployment(
        self, request: _D.ArchiveDeploymentRequest
    ) -> _D.ArchiveDeploymentResponse:
        return await self._transport.unary(ARCHIVE_DEPLOYMENT, request, self._metadata)

    async def pause_deployment(
        self, request: _D.PauseDeploymentRequest
    ) -> _D.PauseDeploymentResponse:
        return await self._transport.unary(PAUSE_DEPLOYMENT, request, self._metadata)

    async def unpause_deployment(
        self, request: _D.UnpauseDeploymentRequest
    ) -> _D.UnpauseDeploymentResponse:
        return await self._transport.unary(UNPAUSE_DEPLOYMENT, request, self._metadata)

    async def run_deployment(self, request: _D.RunDeploymentRequest) -> _D.RunDeploymentResponse:
        return await self._transport.unary(RUN_DEPLOYMENT, request, self._metadata)

    async def get_deployment_run(
        self, request: _D.GetDeploymentRunRequest
    ) -> _D.GetDeploymentRunResponse:
        return await self._transport.unary(GET_DEPLOYMENT_RUN, request, self._metadata)

    async def list_deployment_runs(
        self, request: _D.ListDeploymentRunsRequest
    ) -> _D.ListDeploymentRunsResponse:
        return await self._transport.unary(LIST_DEPLOYMENT_RUNS, request, self._metadata)


class WebhookClient(_Client):
    """``sessiond.v1.WebhookService``."""

    async def create_webhook(self, request: _WH.CreateWebhookRequest) -> _WH.CreateWebhookResponse:
        return await self._transport.unary(CREATE_WEBHOOK, request, self._metadata)

    async def get_webhook(self, request: _WH.GetWebhookRequest) -> _WH.GetWebhookResponse:
        return await self._transport.unary(GET_WEBHOOK, request, self._metadata)

    async def list_webhooks(self, request: _WH.ListWebhooksRequest) -> _WH.ListWebhooksResponse:
        return await self._transport.unary(LIST_WEBHOOKS, request, self._metadata)

    async def update_webhook(self, request: _WH.UpdateWebhookRequest) -> _WH.UpdateWebhookResponse:
        return await self._transport.unary(UPDATE_WEBHOOK, request, self._metadata)

    async def delete_webhook(self, request: _WH.DeleteWebhookRequest) -> _WH.DeleteWebhookResponse:
        return await self._transport.unary(DELETE_WEBHOOK, request, self._metadata)

    async def rotate_webhook_secret(
        self, request: _WH.RotateWebhookSecretRequest
    ) -> _WH.RotateWebhookSecretResponse:
        return await self._transport.unary(ROTATE_WEBHOOK_SECRET, request, self._metadata)

    async def list_webhook_deliveries(
        self, request: _WH.ListWebhookDeliveriesRequest
    ) -> _WH.ListWebhookDeliveriesResponse:
        return await self._transport.unary(LIST_WEBHOOK_DELIVERIES, request, self._metadata)


_T = thread_pb2
_TF = _T.DESCRIPTOR
THREADS = "SessionThreadService"
LIST_SESSION_THREADS = unary_method(
    _TF, THREADS, "ListSessionThreads", _T.ListSessionThreadsRequest, _T.ListSessionThreadsResponse
)
GET_SESSION_THREAD = unary_method(
    _TF, THREADS, "GetSessionThread", _T.GetSessionThreadRequest, _T.GetSessionThreadResponse
)
ARCHIVE_SESSION_THREAD = unary_method(
    _TF,
    THREADS,
    "ArchiveSessionThread",
    _T.ArchiveSessionThreadRequest,
    _T.ArchiveSessionThreadResponse,
)


class SessionThreadClient(_Client):
    """``sessiond.v1.SessionThreadService``."""

    async def list_session_threads(
        self, request: _T.ListSessionThreadsRequest
    ) -> _T.ListSessionThreadsResponse:
        return await self._transport.unary(LIST_SESSION_THREADS, request, self._metadata)

    async def get_session_thread(
        self, request: _T.GetSessionThreadRequest
    ) -> _T.GetSessionThreadResponse:
        return await self._transport.unary(GET_SESSION_THREAD, request, self._metadata)

    async def archive_session_thread(
        self, request: _T.ArchiveSessionThreadRequest
    ) -> _T.ArchiveSessionThreadResponse:
        return await self._transport.unary(ARCHIVE_SESSION_THREAD, request, self._metadata)


# Callers (distinct key metadata) whose clients are kept; past it they are made afresh.
MAX_DERIVED = 1024


class CoreClient:
    """The core as the edge sees it: one typed client per service."""

    def __init__(self, transport: Transport, metadata: Metadata = ()) -> None:
        self.transport = transport
        self.metadata = metadata
        self._derived: dict[Metadata, CoreClient] = {}
        self.agents = AgentClient(transport, metadata)
        self.environments = EnvironmentClient(transport, metadata)
        self.sessions = SessionClient(transport, metadata)
        self.events = EventClient(transport, metadata)
        self.files = FileClient(transport, metadata)
        self.memory_stores = MemoryStoreClient(transport, metadata)
        self.resources = SessionResourceClient(transport, metadata)
        self.skills = SkillClient(transport, metadata)

        self.work = WorkClient(transport, metadata)
        self.vaults = VaultClient(transport, metadata)
        self.deployments = DeploymentClient(transport, metadata)
        self.webhooks = WebhookClient(transport, metadata)
        self.threads = SessionThreadClient(transport, metadata)

    def with_metadata(self, metadata: Metadata) -> CoreClient:
        """The same core, with ``metadata`` sent on every call (e.g. a caller's key).
        Kept per ``metadata`` (a caller's clients are made once, not per request)."""
        client = self._derived.get(metadata)
        if client is None:
            if len(self._derived) >= MAX_DERIVED:
                self._derived.clear()
            client = self._derived[metadata] = CoreClient(self.transport, self.metadata + metadata)
        return client

    async def ready(self) -> bool:
        return await self.transport.ready()

    async def close(self) -> None:
        await self.transport.close()
