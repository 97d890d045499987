"""SQL of vaults and their credentials. A credential's public part is a
``sessiond.v1.Credential`` body; its secrets are a separate sealed blob
(core/vaultkeys.py) with the id of the key that sealed it. Both belong to the
workspace of the key that made the vault: every read and write a caller reaches
is scoped by it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessiond.core import errors
from sessiond.core.store import schema as t
from sessiond.core.store.base import Scope, StoreBase, in_scope
from sessiond.v1 import vault_pb2
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class SealedCredential:
    credential: vault_pb2.Credential
    key_id: str
    secret: bytes


def _after(cols: tuple[Any, Any], key: tuple[int, str] | None) -> Any:
    if key is None:
        return None
    return or_(cols[0] < key[0], and_(cols[0] == key[0], cols[1] < key[1]))


class VaultStore(StoreBase):
    # ----------------------------------------------------------------- vaults

    async def put_vault(self, vault: vault_pb2.Vault, *, new: bool, ws: Scope) -> None:
        v = t.vaults
        values = {
            "archived_at": _us_or_none(vault, "archived_at"),
            "body": vault.SerializeToString(deterministic=True),
        }

        def work(conn: Connection) -> None:
            if new:
                conn.execute(
                    insert(v).values(
                        id=vault.id,
                        created_at=_us(vault.created_at),
                        workspace=ws or "default",
                        **values,
                    )
                )
            else:
                conn.execute(
                    update(v)
                    .where(v.c.id == vault.id, *in_scope(v.c.workspace, ws))
                    .values(**values)
                )

        await self._tx(work, write=True)

    async def get_vault(self, vault_id: str, *, ws: Scope) -> vault_pb2.Vault:
        v = t.vaults

        def work(conn: Connection) -> bytes | None:
            return conn.execute(
                select(v.c.body).where(v.c.id == vault_id, *in_scope(v.c.workspace, ws))
            ).scalar()

        body = await self._tx(work, write=False)
        if body is None:
            raise errors.NotFound(f"Vault {vault_id!r} not found.")
        return vault_pb2.Vault.FromString(body)

    async def list_vaults(
        self, limit: int, after: tuple[int, str] | None, include_archived: bool, *, ws: Scope
    ) -> tuple[list[vault_pb2.Vault], bool]:
        v = t.vaults

        def work(conn: Connection) -> list[bytes]:
            q = select(v.c.body).where(*in_scope(v.c.workspace, ws))
            cond = _after((v.c.created_at, v.c.id), after)
            if cond is not None:
                q = q.where(cond)
            if not include_archived:
                q = q.where(v.c.archived_at.is_(None))
            q = q.order_by(v.c.created_at.desc(), v.c.id.desc()).limit(limit + 1)
            return list(conn.execute(q).scalars())

        rows = await self._tx(work, write=False)
        return [vault_pb2.Vault.FromString(b) for b in rows[:limit]], len(rows) > limit

    async def delete_vault(self, vault_id: str, *, ws: Scope) -> None:
        v, c = t.vaults, t.vault_credentials

        def work(conn: Connection) -> int:
            mine = [v.c.id == vault_id, *in_scope(v.c.workspace, ws)]
            if conn.execute(select(v.c.id).where(*mine)).scalar() is None:
                return 0
            conn.execute(delete(c).where(c.c.vault_id == vault_id))
            return int(conn.execute(delete(v).where(*mine)).rowcount)

        if not await self._tx(work, write=True):
            raise errors.NotFound(f"Vault {vault_id!r} not found.")

    # ------------------------------------------------------------ credentials

    async def put_credential(self, sealed: SealedCredential, *, new: bool, ws: Scope) -> None:
        c = t.vault_credentials
        cred = sealed.credential
        which = cred.auth.WhichOneof("type") or ""
        values = {
            "archived_at": _us_or_none(cred, "archived_at"),
            "mcp_server_url": getattr(cred.auth, which).mcp_server_url if which else "",
            "body": cred.SerializeToString(deterministic=True),
            "secret_key_id": sealed.key_id,
            "secret": sealed.secret,
        }

        def work(conn: Connection) -> None:
            if new:
                conn.execute(
                    insert(c).values(
                        id=cred.id,
                        vault_id=cred.vault_id,
                        created_at=_us(cred.created_at),
                        workspace=ws or "default",
                        **values,
                    )
                )
            else:
                conn.execute(
                    update(c)
                    .where(c.c.id == cred.id, *in_scope(c.c.workspace, ws))
                    .values(**values)
                )

        await self._tx(work, write=True)

    async def get_credential(
        self, vault_id: str, credential_id: str, *, ws: Scope
    ) -> SealedCredential:
        c = t.vault_credentials

        def work(conn: Connection) -> Any:
            return conn.execute(
                select(c.c.body, c.c.secret_key_id, c.c.secret).where(
                    c.c.id == credential_id,
                    c.c.vault_id == vault_id,
                    *in_scope(c.c.workspace, ws),
                )
            ).first()

        row = await self._tx(work, write=False)
        if row is None:
            raise errors.NotFound(f"Credential {credential_id!r} not found in vault {vault_id!r}.")
        return SealedCredential(vault_pb2.Credential.FromString(row[0]), row[1], row[2])

    async def list_credentials(
        self,
        vault_id: str,
        limit: int,
        after: tuple[int, str] | None,
        include_archived: bool,
        *,
        ws: Scope,
    ) -> tuple[list[vault_pb2.Credential], bool]:
        c = t.vault_credentials

        def work(conn: Connection) -> list[bytes]:
            q = select(c.c.body).where(c.c.vault_id == vault_id, *in_scope(c.c.workspace, ws))
            cond = _after((c.c.created_at, c.c.id), after)
            if cond is not None:
                q = q.where(cond)
            if not include_archived:
                q = q.where(c.c.archived_at.is_(None))
            q = q.order_by(c.c.created_at.desc(), c.c.id.desc()).limit(limit + 1)
            return list(conn.execute(q).scalars())

        rows = await self._tx(work, write=False)
        return [vault_pb2.Credential.FromString(b) for b in rows[:limit]], len(rows) > limit

    async def delete_credential(self, vault_id: str, credential_id: str, *, ws: Scope) -> None:
        c = t.vault_credentials

        def work(conn: Connection) -> int:
            return int(
                conn.execute(
                    delete(c).where(
                        c.c.id == credential_id,
                        c.c.vault_id == vault_id,
                        *in_scope(c.c.workspace, ws),
                    )
                ).rowcount
            )

        if not await self._tx(work, write=True):
            raise errors.NotFound(f"Credential {credential_id!r} not found in vault {vault_id!r}.")

    async def credentials_for_url(self, vault_id: str, url: str) -> list[SealedCredential]:
        """Live credentials of a live vault for an MCP server URL, newest first."""
        c, v = t.vault_credentials, t.vaults

        def work(conn: Connection) -> list[Any]:
            return list(
                conn.execute(
                    select(c.c.body, c.c.secret_key_id, c.c.secret)
                    .join(v, v.c.id == c.c.vault_id)
                    .where(
                        c.c.vault_id == vault_id,
                        c.c.mcp_server_url == url,
                        c.c.archived_at.is_(None),
                        v.c.archived_at.is_(None),
                    )
                    .order_by(c.c.created_at.desc())
                )
            )

        rows = await self._tx(work, write=False)
        return [SealedCredential(vault_pb2.Credential.FromString(r[0]), r[1], r[2]) for r in rows]


def _us(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000 + int(ts.nanos) // 1000


def _us_or_none(msg: Any, name: str) -> int | None:
    return _us(getattr(msg, name)) if msg.HasField(name) else None
