"""Assembles the core: store, fan-out, runtime, services and the gRPC server."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sessiond.core.fanout import Broker
from sessiond.core.runtime.model import Model
from sessiond.core.runtime.offline import OfflineModel
from sessiond.core.runtime.runtime import LeasePolicy, Runtime
from sessiond.core.runtime.turn import RetryPolicy, Sleep, TurnContext
from sessiond.core.runtime.workspaces import Workspaces, builtin_schemas
from sessiond.core.servicers.agents import AgentServicer
from sessiond.core.servicers.environments import EnvironmentServicer
from sessiond.core.servicers.events import EventServicer
from sessiond.core.servicers.sessions import SessionServicer
from sessiond.core.services.agents import AgentService
from sessiond.core.services.environments import EnvironmentService
from sessiond.core.services.events import EventLog
from sessiond.core.services.sessions import SessionService
from sessiond.core.store.store import Store
from sessiond.v1 import (
    agent_pb2_grpc,
    environment_pb2_grpc,
    event_pb2_grpc,
    session_pb2_grpc,
)

if TYPE_CHECKING:
    from sessiond.core.listener import Listener

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
)


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
    ) -> None:
        self.store = store
        # This replica's name in turn leases; the pid lets an operator find it.
        self.replica_id = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.broker = Broker()
        self.log = EventLog(store, self.broker)
        # Issue 12: files, memory stores, session resources (mounted under the
        # session's workspace; the toolbox maps the docs' paths to them).
        self._build_inputs(store, data_dir)
        self.workspaces = Workspaces(data_dir / "workspaces", wrap=self.mounts.wrap)
        ctx = TurnContext(
            log=self.log,
            model=model,
            builtin_schemas=builtin_schemas(),
            tools=self.workspaces.toolbox,
            sleep=sleep,
            retry=retry or RetryPolicy(),
            owner=self.replica_id,
            system_notes=self.mounts.system_notes,
        )
        self.runtime = Runtime(ctx, self.workspaces.close, owner=self.replica_id, lease=lease)
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
        self.sessions = SessionService(store, self.log, self.runtime, inputs=self.resources)
        self.health = health.aio.HealthServicer()
        self.server: grpc.aio.Server | None = None
        self.port = 0

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
            store.get_session,
            os.environ.get("SESSIOND_GITHUB_BASE_URL", ""),
        )
        self.mounts.skills = self.skills
        self.resources = SessionResources(
            store, self.mounts, self.files, memory_store, SecretBox.in_dir(data_dir)
        )
        self.mounts.tokens_of = self.resources.tokens

    def inputs_servicers(self) -> dict[str, Any]:
        """The servicers of issue 12, by the edge's name for them."""
        from sessiond.core.servicers.files import FileServicer
        from sessiond.core.servicers.memory import MemoryStoreServicer
        from sessiond.core.servicers.resources import SessionResourceServicer
        from sessiond.core.servicers.skills import SkillServicer

        return {
            "files": FileServicer(self.files),
            "memory_stores": MemoryStoreServicer(self.memory),
            "resources": SessionResourceServicer(self.resources),
            "skills": SkillServicer(self.skills),
        }

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
        )

    async def start(self, address: str) -> int:
        server = grpc.aio.server(
            options=[
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ]
        )
        agent_pb2_grpc.add_AgentServiceServicer_to_server(AgentServicer(self.agents), server)
        environment_pb2_grpc.add_EnvironmentServiceServicer_to_server(
            EnvironmentServicer(self.environments), server
        )
        session_pb2_grpc.add_SessionServiceServicer_to_server(
            SessionServicer(self.sessions), server
        )
        event_pb2_grpc.add_EventServiceServicer_to_server(
            EventServicer(self.sessions, self.log), server
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        self._add_inputs(server)
        try:
            port = server.add_insecure_port(address)
        except RuntimeError:
            port = 0
        if port == 0:
            raise OSError(f"cannot listen on {address} (is the address in use?)")
        if self.listener is not None:
            await self.listener.start()
        await self.runtime.recover()
        await server.start()
        self.server = server
        self.port = port
        for name in ("", *SERVICE_NAMES):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        return port

    def _add_inputs(self, server: grpc.aio.Server) -> None:
        from sessiond.v1 import (
            file_pb2_grpc,
            memory_pb2_grpc,
            session_resource_pb2_grpc,
            skill_pb2_grpc,
        )

        servicers = self.inputs_servicers()
        file_pb2_grpc.add_FileServiceServicer_to_server(servicers["files"], server)
        memory_pb2_grpc.add_MemoryStoreServiceServicer_to_server(servicers["memory_stores"], server)
        session_resource_pb2_grpc.add_SessionResourceServiceServicer_to_server(
            servicers["resources"], server
        )
        skill_pb2_grpc.add_SkillServiceServicer_to_server(servicers["skills"], server)

    async def stop(self, grace: float = 5.0) -> None:
        await self.health.enter_graceful_shutdown()
        self.broker.close_all()
        if self.server is not None:
            await self.server.stop(grace)
        await self.runtime.close()
        if self.listener is not None:
            await self.listener.close()
        await self.log.drain()
        await self.store.close()
        aclose = getattr(self.model, "aclose", None)
        if aclose is not None:
            await aclose()
