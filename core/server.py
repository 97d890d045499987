"""Assembles the core: store, fan-out, runtime, services and the gRPC server."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sessiond.core.fanout import Broker
from sessiond.core.runtime.mcp import McpToolbox
from sessiond.core.runtime.model import Model
from sessiond.core.runtime.offline import OfflineModel
from sessiond.core.runtime.runtime import LeasePolicy, Runtime
from sessiond.core.runtime.turn import RetryPolicy, Sleep, TurnContext
from sessiond.core.runtime.workspaces import Workspaces, builtin_schemas
from sessiond.core.servicers.agents import AgentServicer
from sessiond.core.servicers.environments import EnvironmentServicer
from sessiond.core.servicers.events import EventServicer
from sessiond.core.servicers.sessions import SessionServicer
from sessiond.core.servicers.vaults import VaultServicer
from sessiond.core.servicers.work import WorkServicer
from sessiond.core.services.agents import AgentService
from sessiond.core.services.environments import EnvironmentService
from sessiond.core.services.events import EventLog
from sessiond.core.services.sessions import SessionService
from sessiond.core.services.vaults import VaultService
from sessiond.core.services.work import WorkPolicy, WorkService
from sessiond.core.store.store import Store
from sessiond.core.vaultkeys import Keyring
from sessiond.v1 import (
    agent_pb2_grpc,
    environment_pb2_grpc,
    event_pb2_grpc,
    session_pb2_grpc,
    vault_pb2_grpc,
    work_pb2_grpc,
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
    "sessiond.v1.WorkService",
    "sessiond.v1.VaultService",
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
        work: WorkPolicy | None = None,
    ) -> None:
        self.store = store
        # This replica's name in turn leases; the pid lets an operator find it.
        self.replica_id = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.broker = Broker()
        self.log = EventLog(store, self.broker)
        self.workspaces = Workspaces(data_dir / "workspaces")
        # Self-hosted environments: their work queue (also the turn's RemoteTools).
        self.work = WorkService(store, self.log.history, work)
        # Vaults: secrets sealed with a key kept apart from the database (data dir or env).
        self.vaults = VaultService(store, Keyring.load(data_dir))
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
            remote=self.work,
            mcp=self.mcp,
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
        self.sessions = SessionService(store, self.log, self.runtime)
        self.health = health.aio.HealthServicer()
        self.server: grpc.aio.Server | None = None
        self.port = 0

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
        work: WorkPolicy | None = None,
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
            work=work,
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
        work_pb2_grpc.add_WorkServiceServicer_to_server(WorkServicer(self.work), server)
        vault_pb2_grpc.add_VaultServiceServicer_to_server(VaultServicer(self.vaults), server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
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
