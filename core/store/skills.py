"""SQL of skills and their versions (bundles kept as zip archives)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessiond.core import errors
from sessiond.core.store.base import Scope, in_scope
from sessiond.core.store.inputs_schema import skill_versions, skills
from sessiond.core.store.store import Page, Store
from sessiond.core.timeutil import to_timestamp
from sessiond.v1 import skill_pb2
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Bundle:
    version: skill_pb2.SkillVersion
    directory: str
    zip: bytes


class SkillStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def insert(
        self,
        skill: skill_pb2.SkillResource,
        bundle: Bundle | None,
        workspace: str,
        *,
        new: bool,
    ) -> None:
        """Stores a new skill (``new``) or its new body, with a new version."""

        def work(conn: Connection) -> Any:
            body = skill.SerializeToString()
            if new:
                conn.execute(
                    insert(skills).values(
                        id=skill.id,
                        workspace=workspace,
                        created_at=_us(skill.created_at),
                        body=body,
                    )
                )
            else:
                conn.execute(update(skills).where(skills.c.id == skill.id).values(body=body))
            if bundle is not None:
                v = bundle.version
                conn.execute(
                    insert(skill_versions).values(
                        skill_id=skill.id,
                        version=v.id,
                        workspace=workspace,
                        created_at=_us(v.created_at),
                        name=v.name,
                        description=v.description,
                        directory=bundle.directory,
                        bundle=bundle.zip,
                    )
                )

        await self._store._tx(work, write=True)

    async def get(self, skill_id: str, ws: Scope) -> skill_pb2.SkillResource:
        def work(conn: Connection) -> Any:
            return conn.execute(
                select(skills.c.body).where(
                    skills.c.id == skill_id, *in_scope(skills.c.workspace, ws)
                )
            ).scalar()

        body = await self._store._tx(work, write=False)
        if body is None:
            raise errors.NotFound(f"No skill with id {skill_id!r}.")
        return skill_pb2.SkillResource.FromString(body)

    async def page(
        self, limit: int, page: Page | None, ws: Scope
    ) -> tuple[list[skill_pb2.SkillResource], bool]:
        rows, more = await self._store._keyset(
            select(skills),
            [*in_scope(skills.c.workspace, ws)],
            (skills.c.created_at, skills.c.id),
            True,
            limit,
            page,
        )
        return [skill_pb2.SkillResource.FromString(r._mapping["body"]) for r in rows], more

    async def delete(self, skill_id: str, ws: Scope) -> None:
        def work(conn: Connection) -> Any:
            gone = conn.execute(
                delete(skills).where(skills.c.id == skill_id, *in_scope(skills.c.workspace, ws))
            )
            if gone.rowcount == 1:
                conn.execute(delete(skill_versions).where(skill_versions.c.skill_id == skill_id))
            return gone.rowcount

        if await self._store._tx(work, write=True) != 1:
            raise errors.NotFound(f"No skill with id {skill_id!r}.")

    async def bundle(self, skill_id: str, version: str, ws: Scope) -> Bundle:
        def work(conn: Connection) -> Any:
            t = skill_versions
            q = select(t).where(t.c.skill_id == skill_id, *in_scope(t.c.workspace, ws))
            if version == "latest":
                q = q.order_by(t.c.created_at.desc(), t.c.version.desc()).limit(1)
            else:
                q = q.where(t.c.version == version)
            return conn.execute(q).first()

        row = await self._store._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"No version {version!r} of skill {skill_id!r}.")
        return _bundle(row)

    async def versions(
        self, skill_id: str, limit: int, page: Page | None, ws: Scope
    ) -> tuple[list[skill_pb2.SkillVersion], bool]:
        t = skill_versions
        rows, more = await self._store._keyset(
            select(t),
            [t.c.skill_id == skill_id, *in_scope(t.c.workspace, ws)],
            (t.c.created_at, t.c.version),
            True,
            limit,
            page,
        )
        return [_bundle(r).version for r in rows], more

    async def delete_version(self, skill_id: str, version: str, ws: Scope) -> None:
        def work(conn: Connection) -> Any:
            t = skill_versions
            return conn.execute(
                delete(t).where(
                    t.c.skill_id == skill_id, t.c.version == version, *in_scope(t.c.workspace, ws)
                )
            ).rowcount

        if await self._store._tx(work, write=True) != 1:
            raise errors.NotFound(f"No version {version!r} of skill {skill_id!r}.")


def _bundle(row: Any) -> Bundle:
    m = row._mapping
    v = skill_pb2.SkillVersion(
        id=m["version"], name=m["name"], description=m["description"], skill_id=m["skill_id"]
    )
    v.created_at.CopyFrom(to_timestamp(m["created_at"]))
    return Bundle(v, m["directory"], bytes(m["bundle"]))


def _us(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000 + int(ts.nanos) // 1000
