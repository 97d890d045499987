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
from sessiond.v1 import agent_pb2, environment_pb2, event_pb2, session_pb2, vault_pb2, work_pb2

__all__ = [
    "AgentClient",
    "CoreClient",
    "CoreError",
    "EnvironmentClient",
    "EventClient",
    "SessionClient",
    "STREAM_EVENTS",
    "VaultClient",
    "WorkClient",
]

_A, _E, _S, _V = agent_pb2, environment_pb2, session_pb2, event_pb2
_AF, _EF, _SF, _VF = _A.DESCRIPTOR, _E.DESCRIPTOR, _S.DESCRIPTOR, _V.DESCRIPTOR
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


_W, _K = work_pb2, vault_pb2
_WF, _KF = _W.DESCRIPTOR, _K.DESCRIPTOR
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
    _KF, VAULTS, "CreateVault", _K.CreateVaultRequest, _K.CreateVaultResponse
)
GET_VAULT = unary_method(_KF, VAULTS, "GetVault", _K.GetVaultRequest, _K.GetVaultResponse)
UPDATE_VAULT = unary_method(
    _KF, VAULTS, "UpdateVault", _K.UpdateVaultRequest, _K.UpdateVaultResponse
)
LIST_VAULTS = unary_method(_KF, VAULTS, "ListVaults", _K.ListVaultsRequest, _K.ListVaultsResponse)
DELETE_VAULT = unary_method(
    _KF, VAULTS, "DeleteVault", _K.DeleteVaultRequest, _K.DeleteVaultResponse
)
ARCHIVE_VAULT = unary_method(
    _KF, VAULTS, "ArchiveVault", _K.ArchiveVaultRequest, _K.ArchiveVaultResponse
)
CREATE_CREDENTIAL = unary_method(
    _KF, VAULTS, "CreateCredential", _K.CreateCredentialRequest, _K.CreateCredentialResponse
)
GET_CREDENTIAL = unary_method(
    _KF, VAULTS, "GetCredential", _K.GetCredentialRequest, _K.GetCredentialResponse
)
UPDATE_CREDENTIAL = unary_method(
    _KF, VAULTS, "UpdateCredential", _K.UpdateCredentialRequest, _K.UpdateCredentialResponse
)
LIST_CREDENTIALS = unary_method(
    _KF, VAULTS, "ListCredentials", _K.ListCredentialsRequest, _K.ListCredentialsResponse
)
DELETE_CREDENTIAL = unary_method(
    _KF, VAULTS, "DeleteCredential", _K.DeleteCredentialRequest, _K.DeleteCredentialResponse
)
ARCHIVE_CREDENTIAL = unary_method(
    _KF, VAULTS, "ArchiveCredential", _K.ArchiveCredentialRequest, _K.ArchiveCredentialResponse
)
VALIDATE_CREDENTIAL = unary_method(
    _KF, VAULTS, "ValidateCredential", _K.ValidateCredentialRequest, _K.ValidateCredentialResponse
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

    async def create_vault(self, request: _K.CreateVaultRequest) -> _K.CreateVaultResponse:
        return await self._transport.unary(CREATE_VAULT, request, self._metadata)

    async def get_vault(self, request: _K.GetVaultRequest) -> _K.GetVaultResponse:
        return await self._transport.unary(GET_VAULT, request, self._metadata)

    async def update_vault(self, request: _K.UpdateVaultRequest) -> _K.UpdateVaultResponse:
        return await self._transport.unary(UPDATE_VAULT, request, self._metadata)

    async def list_vaults(self, request: _K.ListVaultsRequest) -> _K.ListVaultsResponse:
        return await self._transport.unary(LIST_VAULTS, request, self._metadata)

    async def delete_vault(self, request: _K.DeleteVaultRequest) -> _K.DeleteVaultResponse:
        return await self._transport.unary(DELETE_VAULT, request, self._metadata)

    async def archive_vault(self, request: _K.ArchiveVaultRequest) -> _K.ArchiveVaultResponse:
        return await self._transport.unary(ARCHIVE_VAULT, request, self._metadata)

    async def create_credential(
        self, request: _K.CreateCredentialRequest
    ) -> _K.CreateCredentialResponse:
        return await self._transport.unary(CREATE_CREDENTIAL, request, self._metadata)

    async def get_credential(self, request: _K.GetCredentialRequest) -> _K.GetCredentialResponse:
        return await self._transport.unary(GET_CREDENTIAL, request, self._metadata)

    async def update_credential(
        self, request: _K.UpdateCredentialRequest
    ) -> _K.UpdateCredentialResponse:
        return await self._transport.unary(UPDATE_CREDENTIAL, request, self._metadata)

    async def list_credentials(
        self, request: _K.ListCredentialsRequest
    ) -> _K.ListCredentialsResponse:
        return await self._transport.unary(LIST_CREDENTIALS, request, self._metadata)

    async def delete_credential(
        self, request: _K.DeleteCredentialRequest
    ) -> _K.DeleteCredentialResponse:
        return await self._transport.unary(DELETE_CREDENTIAL, request, self._metadata)

    async def archive_credential(
        self, request: _K.ArchiveCredentialRequest
    ) -> _K.ArchiveCredentialResponse:
        return await self._transport.unary(ARCHIVE_CREDENTIAL, request, self._metadata)

    async def validate_credential(
        self, request: _K.ValidateCredentialRequest
    ) -> _K.ValidateCredentialResponse:
        return await self._transport.unary(VALIDATE_CREDENTIAL, request, self._metadata)


class CoreClient:
    """The core as the edge sees it: one typed client per service."""

    def __init__(self, transport: Transport, metadata: Metadata = ()) -> None:
        self.transport = transport
        self.metadata = metadata
        self.agents = AgentClient(transport, metadata)
        self.environments = EnvironmentClient(transport, metadata)
        self.sessions = SessionClient(transport, metadata)
        self.events = EventClient(transport, metadata)
        self.work = WorkClient(transport, metadata)
        self.vaults = VaultClient(transport, metadata)

    def with_metadata(self, metadata: Metadata) -> CoreClient:
        """The same core, with ``metadata`` sent on every call (e.g. a caller's key)."""
        return CoreClient(self.transport, self.metadata + metadata)

    async def ready(self) -> bool:
        return await self.transport.ready()

    async def close(self) -> None:
        await self.transport.close()
