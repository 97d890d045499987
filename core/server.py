"""Assembles the core: store, fan-out, runtime, services and the gRPC server."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sessiond.core.auth.gate import AuthInterceptor, Gate
from sessiond.core.auth.keys import KeyRing
from sessiond.core.auth.limits import Limits
from sessiond.core.bytecache import DEFAULT_CACHE_BYTES
from sessiond.core.clock import Clock, clock_from_env
from sessiond.core.eventlog import EventLog
from sessiond.core.eventstream import EventStream, EventStreams
from sessiond.core.fanout import Broker
from sessiond.core.runtime.conversation import Conversations
from sessiond.core.runtime.grader import ModelGrader
from sessiond.core.runtime.mcp import McpToolbox
from sessiond.core.runtime.model import Model
from sessiond.core.runtime.offline import OfflineModel
from sessiond.core.runtime.offline_grader import OfflineGrader
from sessiond.core.runtime.runtime import LeasePolicy, Runtime
from sessiond.core.runtime.threads import Threads
from sessiond.core.runtime.turn import RetryPolicy, Sleep, TurnContext
from sessiond.core.runtime.workspaces import Workspaces, builtin_schemas
from sessiond.core.scheduler import Scheduler
from sessiond.core.servicers.agents import AgentServicer
from sessiond.core.servicers.deployments import DeploymentServicer
from sessiond.core.servicers.environments import EnvironmentServicer
from sessiond.core.servicers.events import EventServicer
from sessiond.core.servicers.files import FileServicer
from sessiond.core.servicers.memory import MemoryStoreServicer
from sessiond.core.servicers.resources import SessionResourceServicer
from sessiond.core.servicers.sessions import SessionServicer
from sessiond.core.servicers.skills import SkillServicer
from sessiond.core.servicers.threads import SessionThreadServicer
from sessiond.core.servicers.vaults import VaultServicer
from sessiond.core.servicers.webhooks import WebhookServicer
from sessiond.core.servicers.work import WorkServicer
from sessiond.core.services.agents import AgentService
from sessiond.core.services.deployments import DeploymentService
from sessiond.core.services.environments import EnvironmentService
from sessiond.core.services.sessions import SessionService
from sessiond.core.services.threads import ThreadService
from sessiond.core.services.vaults import VaultService
from sessiond.core.services.webhooks import Emitter, WebhookService
from sessiond.core.services.work import WorkPolicy, WorkService
from sessiond.core.store.base import INTERNAL
from sessiond.core.store.deployments import DeploymentStore
from sessiond.core.store.store import Store
from sessiond.core.store.webhooks import WebhookStore
from sessiond.core.telemetry import server_interceptors
from sessiond.core.vaultkeys import Keyring
from sessiond.core.webhookdelivery import DeliveryPolicy, DeliveryWorker
from sessiond.core.webhookrelay import SessionRelay
from sessiond.v1 import (
    agent_pb2_grpc,
    deployment_pb2_grpc,
    environment_pb2,
    environment_pb2_grpc,
    event_pb2,
    event_pb2_grpc,
    file_pb2_grpc,
    memory_pb2_grpc,
    session_pb2,
    session_pb2_grpc,
    session_resource_pb2_grpc,
    skill_pb2_grpc,
    thread_pb2_grpc,
    vault_pb2_grpc,
    webhook_pb2_grpc,
    work_pb2_grpc,
)

if TYPE_CHECKING:
    from grpc import GenericRpcHandler, HandlerCallDetails, RpcMethodHandler
    from sessiond.core.listener import Listener
    from sessiond.core.sandbox.manager import Sandboxes

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
SERVICE_NAMES = (
    "sessiond.v1.AgentService",
    "sessiond.v1.EnvironmentService",
    "sessiond.v1.SessionService",
    "sessiond.v1.EventService",
    "sessiond.v1.FileService",
    "sessiond.v1.MemoryStoreService",
    "sessiond.v1.SessionResourceService",
    "sessiond.v1.SkillService",
    "sessiond.v1.WorkService",
    "sessiond.v1.VaultService",
    "sessiond.v1.DeploymentService",
    "sessiond.v1.WebhookService",
)
# grpc_reflection.v1alpha.reflection.SERVICE_NAME, without importing it.
REFLECTION_SERVICE = "grpc.reflection.v1alpha.ServerReflection"


class _LazyReflection(grpc.GenericRpcHandler):
    """gRPC server reflection (what grpcurl and other languages' tools use to list
    and call the services), built on its first call: until a tool asks, the
    process does not load grpc_reflection and its descriptors (about 2.5 MB
    resident). That first call imports them on the event loop, once (~10 ms)."""

    def __init__(self, service_names: Sequence[str]) -> None:
        self._names = tuple(service_names)
        self._handlers: list[GenericRpcHandler] = []

    def service(self, handler_call_details: HandlerCallDetails) -> RpcMethodHandler | None:
        method = str(getattr(handler_call_details, "method", ""))
        if not method.startswith(f"/{REFLECTION_SERVICE}/"):
            return None
        if not self._handlers:
            from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

            reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
                reflection.aio.ReflectionServicer(self._names), self
            )
        for handler in self._handlers:
            found = handler.service(handler_call_details)
            if found is not None:
                return found
        return None

    # What ``add_ServerReflectionServicer_to_server`` calls on its "server".
    def add_generic_rpc_handlers(self, handlers: Sequence[GenericRpcHandler]) -> None:
        self._handlers.extend(handlers)

    def add_registered_method_handlers(self, service: str, handlers: object) -> None:
        pass  # the generic handler above serves the same methods


@dataclass(frozen=True)
class Servicers:
    """The core's servicers, built once: served over gRPC by ``start`` and
    called directly by an in-process transport."""

    agents: AgentServicer
    environments: EnvironmentServicer
    sessions: SessionServicer
    events: EventServicer
    # Issue 12: files, memory stores, session resources, skills.
    files: FileServicer
    memory_stores: MemoryStoreServicer
    resources: SessionResourceServicer
    skills: SkillServicer
    work: WorkServicer
    vaults: VaultServicer
    deployments: DeploymentServicer
    webhooks: WebhookServicer
    # Issue 13: session threads.
    threads: SessionThreadServicer

    def register(self, server: grpc.aio.Server) -> None:
        """Adds every servicer to ``server`` (anything with the gRPC server's
        ``add_generic_rpc_handlers``/``add_registered_method_handlers``)."""
        agent_pb2_grpc.add_AgentServiceServicer_to_server(self.agents, server)
        environment_pb2_grpc.add_EnvironmentServiceServicer_to_server(self.environments, server)
        session_pb2_grpc.add_SessionServiceServicer_to_server(self.sessions, server)
        event_pb2_grpc.add_EventServiceServicer_to_server(self.events, server)
        file_pb2_grpc.add_FileServiceServicer_to_server(self.files, server)
        memory_pb2_grpc.add_MemoryStoreServiceServicer_to_server(self.memory_stores, server)
        session_resource_pb2_grpc.add_SessionResourceServiceServicer_to_server(
            self.resources, server
        )
        skill_pb2_grpc.add_SkillServiceServicer_to_server(self.skills, server)
        work_pb2_grpc.add_WorkServiceServicer_to_server(self.work, server)
        vault_pb2_grpc.add_VaultServiceServicer_to_server(self.vaults, server)
        deployment_pb2_grpc.add_DeploymentServiceServicer_to_server(self.deployments, server)
        webhook_pb2_grpc.add_WebhookServiceServicer_to_server(self.webhooks, server)
        thread_pb2_grpc.add_SessionThreadServiceServicer_to_server(self.threads, server)


class CoreServer:
    """The core's parts, with one lifetime: ``start`` then ``stop``."""

    def __init__(
        self,
        store: Store,
        model: Model,
        data_dir: Path,
        *,
        sleep: Sleep = asyncio.sleep,
        retry: RetryPolicy | None = None,
        lease: LeasePolicy | None = None,
        db_url: str = "",
        api_keys: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        tls: tuple[bytes, bytes] | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        sandboxes: Sandboxes | None = None,
        work: WorkPolicy | None = None,
        clock: Clock | None = None,
        webhooks: DeliveryPolicy | None = None,
    ) -> None:
        self.store = store
        # Keys given by flag/file/env (key -> workspace), then the key table.
        self.keys = KeyRing(store, api_keys)
        self.gate = Gate(self.keys, limits)
        # (certificate chain, private key) in PEM: the gRPC port then speaks TLS only.
        self.tls = tls
        # This replica's name in turn leases; the pid lets an operator find it.
        self.replica_id = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"
        # The only writer of a database no other replica shares sees every
        # commit: its streams may take their starting position without a read.
        self.broker = Broker(track_tails=not store.shared)
        self.log = EventLog(store, self.broker, cache_bytes=cache_bytes)
        # Issue 12: files, memory stores, session resources (mounted under the
        # session's workspace; bound into the sandbox, or mapped by the toolbox).
        self._build_inputs(store, data_dir)
        self.workspaces = Workspaces(
            data_dir / "workspaces",
            sandboxes=sandboxes,
            lookup=self._session_and_environment,
            mounts=self.mounts,
        )
        # Self-hosted environments: their work queue (also the turn's RemoteTools).
        self.work = WorkService(store, self.log.history, work)
        # Vaults: secrets sealed with a key kept apart from the database (data dir or env).
        keyring = Keyring.load(data_dir)
        self.vaults = VaultService(store, keyring)
        # Webhooks: secrets sealed like vault secrets; the outbox's worker; the
        # port every feature emits events through (``self.emitter.emit``).
        webhook_store = WebhookStore(store)
        policy = webhooks or DeliveryPolicy()
        self.webhooks = WebhookService(webhook_store, keyring, allow_private=policy.allow_private)
        self.delivery = DeliveryWorker(webhook_store, self.webhooks, self.replica_id, policy)
        self.emitter = Emitter(webhook_store)
        self.emitter.wake = self.delivery.wake
        self.webhooks.changed = self.emitter.forget
        # MCP toolsets: calls are made by this process, never from a sandbox.
        self.mcp = McpToolbox(self.vaults.headers_for)
        ctx = TurnContext(
            log=self.log,
            model=model,
            builtin_schemas=builtin_schemas(),
            tools=self.workspaces.toolbox,
            sleep=sleep,
            retry=retry or RetryPolicy(),
            owner=self.replica_id,
            conversations=Conversations(cache_bytes),
            system_notes=self.mounts.system_notes,
            remote=self.work,
            mcp=self.mcp,
            threads=Threads(store, self.broker),
        )
        # The offline model's outcomes are graded offline (CONTRACT §3); any
        # other model grades with a request of its own.
        grader = OfflineGrader() if isinstance(model, OfflineModel) else ModelGrader(model)
        self.runtime = Runtime(
            ctx,
            store,
            self.workspaces.close,
            owner=self.replica_id,
            lease=lease,
            grader=grader,
            rubrics=self._rubric_of,
        )
        self.listener: Listener | None = None
        if store.shared:
            from sessiond.core.listener import Listener, asyncpg_dsn

            self.listener = Listener(
                asyncpg_dsn(db_url),
                store,
                self.broker,
                self.runtime.sessions,
                self.runtime.observe,
            )
            self.log.relay = self.listener.relay_preview
        self.model = model
        self.agents = AgentService(store)
        self.environments = EnvironmentService(store)
        self.sessions = SessionService(
            store,
            self.log,
            self.runtime,
            running_limit=self.gate.limits.running_sessions,
            inputs=self.resources,
            workers=self.work,
            files=self.files,
        )
        self.streams = EventStreams(store, self.broker)
        # Deployments: their schedules run on this clock (a faster one in tests).
        self.clock = clock or clock_from_env(os.environ)
        self.deployments = DeploymentService(
            store, DeploymentStore(store), self.sessions, self.clock, box=self.secret_box
        )
        self.scheduler = Scheduler(self.deployments, self.clock)
        self.deployments.wake = self.scheduler.wake
        # Webhook events: every service emits through one port; session status
        # events are derived from the event log's commits.
        for service in (self.agents, self.environments, self.sessions, self.vaults, self.memory):
            service.emit = self.emitter.emit
        self.deployments.emit = self.emitter.emit
        self.session_relay = SessionRelay(self.emitter, store.workspace_of)
        self.log.committed = self.session_relay.observe
        self.threads = ThreadService(store, self.broker)
        self.servicers = Servicers(
            AgentServicer(self.agents),
            EnvironmentServicer(self.environments),
            SessionServicer(self.sessions),
            EventServicer(self.sessions, self.log, self.streams, self.threads),
            FileServicer(self.files),
            MemoryStoreServicer(self.memory),
            SessionResourceServicer(self.resources),
            SkillServicer(self.skills),
            WorkServicer(self.work),
            VaultServicer(self.vaults),
            DeploymentServicer(self.deployments),
            WebhookServicer(self.webhooks),
            SessionThreadServicer(self.threads),
        )
        self.health = health.aio.HealthServicer()
        self.server: grpc.aio.Server | None = None
        self._serving = False
        self.port = 0

    async def _session_and_environment(
        self, session_id: str
    ) -> tuple[session_pb2.Session, environment_pb2.Environment]:
        session = await self.store.get_session(session_id, ws=None)
        return session, await self.store.get_environment(session.environment_id, ws=None)

    async def _rubric_of(self, session_id: str, file_id: str) -> str:
        """An outcome's rubric file, read in its session's workspace."""
        ws = await self.store.workspace_of(session_id)
        return await self.files.rubric_text(file_id, ws)

    async def _session_of(self, session_id: str) -> session_pb2.Session:
        return await self.store.get_session(session_id, ws=INTERNAL)

    def _build_inputs(self, store: Store, data_dir: Path) -> None:
        from sessiond.core.mounts import Mounts
        from sessiond.core.secrets import SecretBox
        from sessiond.core.services.files import BlobCache, FileService
        from sessiond.core.services.memory import MemoryService
        from sessiond.core.services.resources import SessionResources
        from sessiond.core.services.skills import SkillService
        from sessiond.core.store.files import FileStore
        from sessiond.core.store.memory import MemoryStoreStore
        from sessiond.core.store.skills import SkillStore

        file_store = FileStore(store)
        memory_store = MemoryStoreStore(store)
        self.files = FileService(file_store, BlobCache(data_dir / "blobs", file_store))
        self.memory = MemoryService(memory_store)
        self.skills = SkillService(SkillStore(store))
        self.mounts = Mounts(
            data_dir / "workspaces",
            self.files,
            memory_store,
            self._session_of,
            os.environ.get("SESSIOND_GITHUB_BASE_URL", ""),
        )
        self.mounts.skills = self.skills
        self.secret_box = SecretBox.in_dir(data_dir)
        self.resources = SessionResources(
            store, self.mounts, self.files, memory_store, self.secret_box
        )
        self.mounts.tokens_of = self.resources.tokens
        self.mounts.workspace_of = store.workspace_of

    @classmethod
    async def open(
        cls,
        db_url: str,
        data_dir: Path,
        model: Model | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        retry: RetryPolicy | None = None,
        lease: LeasePolicy | None = None,
        api_keys: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        tls: tuple[bytes, bytes] | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        sandboxes: Sandboxes | None = None,
        work: WorkPolicy | None = None,
        clock: Clock | None = None,
        webhooks: DeliveryPolicy | None = None,
    ) -> CoreServer:
        store = await Store.open(db_url)
        return cls(
            store,
            model or OfflineModel(sleep),
            data_dir,
            sleep=sleep,
            retry=retry,
            lease=lease,
            db_url=db_url,
            api_keys=api_keys,
            limits=limits,
            tls=tls,
            cache_bytes=cache_bytes,
            sandboxes=sandboxes,
            work=work,
            clock=clock,
            webhooks=webhooks,
        )

    def open_stream(self, request: event_pb2.StreamEventsRequest, *, ws: str) -> EventStream:
        """A session of workspace ``ws``: its event stream, attached once awaited,
        then iterated, then closed (one of its threads' with ``session_thread_id``)."""
        if request.session_thread_id:
            return self.threads.open_stream(request, ws=ws)
        return self.streams.open_stream(request, ws=ws)

    @property
    def serving(self) -> bool:
        """Started, and not yet stopping (what the health service says)."""
        return self._serving

    async def start(self, address: str, *, also: Sequence[str] = ()) -> int:
        """Serves on ``address`` (its port is returned) and on each of ``also``
        (e.g. a private ``unix:`` socket for this process's edge workers; plain
        text, behind the same key check)."""
        server = grpc.aio.server(
            # Trace context first (when tracing is on), then the key check.
            interceptors=[*server_interceptors(), AuthInterceptor(self.gate)],
            options=[
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ],
        )
        self.servicers.register(server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        # Reflection lets grpcurl and other languages' tools list and call the services.
        server.add_generic_rpc_handlers(
            (_LazyReflection((*SERVICE_NAMES, health.SERVICE_NAME, REFLECTION_SERVICE)),)
        )
        try:
            if self.tls is not None:
                creds = grpc.ssl_server_credentials([(self.tls[1], self.tls[0])])
                port = server.add_secure_port(address, creds)
            else:
                port = server.add_insecure_port(address)
        except RuntimeError:
            port = 0
        if port == 0:
            raise OSError(f"cannot listen on {address} (is the address in use?)")
        for extra in also:
            try:
                bound = server.add_insecure_port(extra)
            except RuntimeError:
                bound = 0
            if bound == 0:
                raise OSError(f"cannot listen on {extra}")
        if self.listener is not None:
            await self.listener.start()
        await self.runtime.recover()
        self.keys.start()
        self.scheduler.start()
        await server.start()
        self.delivery.start()
        self.server = server
        self.port = port
        for name in ("", *SERVICE_NAMES):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self._serving = True
        return port

    async def stop(self, grace: float = 5.0) -> None:
        self._serving = False
        await self.health.enter_graceful_shutdown()
        self.broker.close_all()
        if self.server is not None:
            await self.server.stop(grace)
        await self.scheduler.close()
        await self.delivery.close()
        await self.runtime.close()
        if self.listener is not None:
            await self.listener.close()
        await self.log.drain()
        await self.session_relay.close()
        await self.keys.close()
        await self.store.close()
        aclose = getattr(self.model, "aclose", None)
        if aclose is not None:
            await aclose()
