"""Environments: where sessions run."""

from __future__ import annotations

from sessiond.core import errors, ids
from sessiond.core.services.common import (
    check_metadata,
    copy_field,
    decode_page,
    encode_page,
    is_set,
    page_size,
    patch_metadata,
    require,
)
from sessiond.core.services.emit import EmitFn, no_emit
from sessiond.core.store.store import Store
from sessiond.core.timeutil import from_timestamp, now_us, to_timestamp
from sessiond.v1 import environment_pb2

DEFAULT_PAGE = 20
MAX_PAGE = 100
_FIELDS = ("name", "description", "config", "scope")
_UPDATABLE = frozenset((*_FIELDS, "metadata"))


def _normalize(env: environment_pb2.Environment) -> None:
    require(env.name, "name")
    if env.config.WhichOneof("type") is None:
        env.config.cloud.SetInParent()
    if env.config.HasField("cloud"):
        cloud = env.config.cloud
        if cloud.networking.WhichOneof("type") is None:
            cloud.networking.unrestricted.SetInParent()
        if cloud.networking.HasField("limited"):
            limited = cloud.networking.limited
            if not limited.HasField("allow_mcp_servers"):
                limited.allow_mcp_servers = False
            if not limited.HasField("allow_package_managers"):
                limited.allow_package_managers = False
        cloud.packages.SetInParent()
    check_metadata(env.metadata)


class EnvironmentService:
    def __init__(self, store: Store) -> None:
        self._store = store
        # Webhook events (core/services/emit.py); wired by the core server.
        self.emit: EmitFn = no_emit

    async def create(
        self, req: environment_pb2.CreateEnvironmentRequest, *, ws: str
    ) -> environment_pb2.Environment:
        now = to_timestamp(now_us())
        env = environment_pb2.Environment(id=ids.new_id(ids.ENVIRONMENT))
        for name in _FIELDS:
            copy_field(req, env, name)
        env.metadata.update(req.metadata)
        _normalize(env)
        env.created_at.CopyFrom(now)
        env.updated_at.CopyFrom(now)
        await self._store.insert_environment(env, ws=ws)
        await self.emit(ws, "environment.created", {"id": env.id})
        return env

    async def get(self, env_id: str, *, ws: str) -> environment_pb2.Environment:
        return await self._store.get_environment(env_id, ws=ws)

    async def update(
        self, req: environment_pb2.UpdateEnvironmentRequest, *, ws: str
    ) -> environment_pb2.Environment:
        for path in req.update_mask.paths:
            if path not in _UPDATABLE:
                raise errors.InvalidArgument(f"{path}: this field cannot be updated.")
            if path == "name" and not is_set(req, "name"):
                raise errors.InvalidArgument("name cannot be cleared.")

        def patch(env: environment_pb2.Environment) -> None:
            # Applied to the environment as stored, inside the store's
            # transaction: a concurrent update or archive is never lost.
            if env.HasField("archived_at"):
                raise errors.Conflict(
                    f"Environment {req.environment_id!r} is archived and cannot be updated."
                )
            for path in req.update_mask.paths:
                if path == "metadata":
                    patch_metadata(env.metadata, req.metadata, req.metadata_remove)
                    continue
                env.ClearField(path)
                copy_field(req, env, path)
            _normalize(env)
            env.updated_at.CopyFrom(to_timestamp(now_us()))

        env = await self._store.update_environment(req.environment_id, patch, ws=ws)
        await self.emit(ws, "environment.updated", {"id": env.id})
        return env

    async def list_environments(
        self, req: environment_pb2.ListEnvironmentsRequest, *, ws: str
    ) -> tuple[list[environment_pb2.Environment], str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        envs, more = await self._store.list_environments(
            limit, decode_page(req.page_token), req.include_archived, ws=ws
        )
        token = ""
        if more and envs:
            token = encode_page([from_timestamp(envs[-1].created_at), envs[-1].id])
        return envs, token

    async def delete(self, env_id: str, *, ws: str) -> None:
        await self._store.delete_environment(env_id, ws=ws)
        await self.emit(ws, "environment.deleted", {"id": env_id})

    async def archive(self, env_id: str, *, ws: str) -> environment_pb2.Environment:
        def patch(env: environment_pb2.Environment) -> None:
            if not env.HasField("archived_at"):
                now = to_timestamp(now_us())
                env.archived_at.CopyFrom(now)
                env.updated_at.CopyFrom(now)

        env = await self._store.update_environment(env_id, patch, ws=ws)
        await self.emit(ws, "environment.archived", {"id": env.id})
        return env
