"""Vaults and credentials: how a session's MCP servers get their auth.

A credential names one MCP server by URL; a session's ``vault_ids`` are
searched in order and the first live credential for a server's URL is used
(docs: "Authenticate with vaults"). Secrets (tokens, refresh tokens, client
secrets) are write-only: they are sealed at rest (core/vaultkeys.py) and no
response, event or log line carries them. An ``mcp_oauth`` access token that
expires within a minute is refreshed through its token endpoint first.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any

from sessiond.core import errors, ids
from sessiond.core.services.common import (
    check_metadata,
    decode_page,
    encode_page,
    page_size,
    patch_metadata,
    require,
)
from sessiond.core.services.emit import EmitFn, no_emit
from sessiond.core.store.base import INTERNAL, Scope
from sessiond.core.store.store import Store
from sessiond.core.store.vaults import SealedCredential, VaultStore
from sessiond.core.timeutil import from_timestamp, now_us, to_timestamp
from sessiond.core.vaultkeys import Keyring
from sessiond.v1 import session_pb2, vault_pb2

log = logging.getLogger(__name__)

VAULT = "vlt"
CREDENTIAL = "vcrd"
DEFAULT_PAGE = 20
MAX_PAGE = 100
REFRESH_MARGIN_US = 60_000_000
HTTP_TIMEOUT = 15.0


def _secrets_of(auth: vault_pb2.CredentialAuth) -> dict[str, str]:
    """Takes the secrets out of ``auth`` (in place) and returns them."""
    out: dict[str, str] = {}
    which = auth.WhichOneof("type")
    if which == "static_bearer":
        out["token"] = auth.static_bearer.token
        auth.static_bearer.token = ""
    elif which == "mcp_oauth":
        m = auth.mcp_oauth
        out["access_token"], m.access_token = m.access_token, ""
        if m.HasField("refresh"):
            out["refresh_token"], m.refresh.refresh_token = m.refresh.refresh_token, ""
            tea = m.refresh.token_endpoint_auth
            kind = tea.WhichOneof("type")
            if kind in ("client_secret_basic", "client_secret_post"):
                secret = getattr(tea, kind)
                out["client_secret"], secret.client_secret = secret.client_secret, ""
    return {k: v for k, v in out.items() if v}


def _check_auth(auth: vault_pb2.CredentialAuth) -> None:
    which = auth.WhichOneof("type")
    if which is None:
        raise errors.InvalidArgument(
            'auth.type is required: "static_bearer" or "mcp_oauth" (environment_variable '
            "credentials are not supported by this server)."
        )
    if which == "static_bearer":
        require(auth.static_bearer.mcp_server_url, "auth.mcp_server_url")
        require(auth.static_bearer.token, "auth.token")
        return
    m = auth.mcp_oauth
    require(m.mcp_server_url, "auth.mcp_server_url")
    require(m.access_token, "auth.access_token")
    if m.HasField("refresh"):
        r = m.refresh
        require(r.client_id, "auth.refresh.client_id")
        require(r.token_endpoint, "auth.refresh.token_endpoint")
        require(r.refresh_token, "auth.refresh.refresh_token")
        kind = r.token_endpoint_auth.WhichOneof("type")
        if kind is None:
            raise errors.InvalidArgument("auth.refresh.token_endpoint_auth.type is required.")
        if kind != "none":
            require(
                getattr(r.token_endpoint_auth, kind).client_secret,
                "auth.refresh.token_endpoint_auth.client_secret",
            )


class VaultService:
    def __init__(self, store: Store, keyring: Keyring) -> None:
        self._store = store
        self._vaults: VaultStore = store
        self._keys = keyring
        self._refreshing: dict[str, asyncio.Lock] = {}
        # Webhook events (core/services/emit.py); wired by the core server.
        self.emit: EmitFn = no_emit

    # ----------------------------------------------------------------- vaults

    async def create_vault(
        self, req: vault_pb2.CreateVaultRequest, *, ws: Scope
    ) -> vault_pb2.Vault:
        now = to_timestamp(now_us())
        vault = vault_pb2.Vault(
            id=ids.new_id(VAULT),
            display_name=require(req.display_name, "display_name"),
            metadata=req.metadata,
            created_at=now,
            updated_at=now,
        )
        check_metadata(vault.metadata)
        await self._vaults.put_vault(vault, new=True, ws=ws)
        await self.emit(ws, "vault.created", {"id": vault.id})
        return vault

    async def get_vault(self, vault_id: str, *, ws: Scope) -> vault_pb2.Vault:
        return await self._vaults.get_vault(require(vault_id, "vault_id"), ws=ws)

    async def update_vault(
        self, req: vault_pb2.UpdateVaultRequest, *, ws: Scope
    ) -> vault_pb2.Vault:
        vault = await self.get_vault(req.vault_id, ws=ws)
        if vault.HasField("archived_at"):
            raise errors.Conflict(f"Vault {vault.id!r} is archived and cannot be updated.")
        if req.HasField("display_name"):
            vault.display_name = require(req.display_name, "display_name")
        patch_metadata(vault.metadata, req.metadata, req.metadata_remove)
        vault.updated_at.CopyFrom(to_timestamp(now_us()))
        await self._vaults.put_vault(vault, new=False, ws=ws)
        return vault

    async def list_vaults(
        self, req: vault_pb2.ListVaultsRequest, *, ws: Scope
    ) -> tuple[list[Any], str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        page = decode_page(req.page_token)
        after = (int(page.key[0]), str(page.key[1])) if page else None
        rows, more = await self._vaults.list_vaults(limit, after, req.include_archived, ws=ws)
        token = ""
        if more and rows:
            token = encode_page([from_timestamp(rows[-1].created_at), rows[-1].id])
        return rows, token

    async def delete_vault(self, vault_id: str, *, ws: Scope) -> None:
        await self._vaults.delete_vault(require(vault_id, "vault_id"), ws=ws)
        await self.emit(ws, "vault.deleted", {"id": vault_id})

    async def archive_vault(self, vault_id: str, *, ws: Scope) -> vault_pb2.Vault:
        vault = await self.get_vault(vault_id, ws=ws)
        if not vault.HasField("archived_at"):
            now = to_timestamp(now_us())
            vault.archived_at.CopyFrom(now)
            vault.updated_at.CopyFrom(now)
            await self._vaults.put_vault(vault, new=False, ws=ws)
            await self.emit(ws, "vault.archived", {"id": vault.id})
        return vault

    # ------------------------------------------------------------ credentials

    def _seal(self, cred: vault_pb2.Credential, secrets: dict[str, str]) -> SealedCredential:
        kid, blob = self._keys.seal(json.dumps(secrets).encode(), cred.id)
        return SealedCredential(cred, kid, blob)

    def _open(self, sealed: SealedCredential) -> dict[str, str]:
        data: dict[str, str] = json.loads(
            self._keys.open(sealed.key_id, sealed.secret, sealed.credential.id)
        )
        return data

    async def create_credential(
        self, req: vault_pb2.CreateCredentialRequest, *, ws: Scope
    ) -> vault_pb2.Credential:
        vault = await self.get_vault(req.vault_id, ws=ws)
        if vault.HasField("archived_at"):
            raise errors.Conflict(f"Vault {vault.id!r} is archived; it takes no new credentials.")
        _check_auth(req.auth)
        now = to_timestamp(now_us())
        cred = vault_pb2.Credential(
            id=ids.new_id(CREDENTIAL),
            vault_id=vault.id,
            metadata=req.metadata,
            created_at=now,
            updated_at=now,
        )
        if req.HasField("display_name"):
            cred.display_name = req.display_name
        check_metadata(cred.metadata)
        cred.auth.CopyFrom(req.auth)
        secrets = _secrets_of(cred.auth)
        # A credential belongs to its vault's workspace.
        await self._vaults.put_credential(self._seal(cred, secrets), new=True, ws=ws)
        await self.emit(ws, "vault_credential.created", {"id": cred.id, "vault_id": vault.id})
        return cred

    async def get_credential(
        self, vault_id: str, credential_id: str, *, ws: Scope
    ) -> vault_pb2.Credential:
        sealed = await self._vaults.get_credential(
            require(vault_id, "vault_id"), require(credential_id, "credential_id"), ws=ws
        )
        return sealed.credential

    async def update_credential(
        self, req: vault_pb2.UpdateCredentialRequest, *, ws: Scope
    ) -> vault_pb2.Credential:
        sealed = await self._vaults.get_credential(req.vault_id, req.credential_id, ws=ws)
        cred = sealed.credential
        if cred.HasField("archived_at"):
            raise errors.Conflict(f"Credential {cred.id!r} is archived and cannot be updated.")
        secrets = self._open(sealed)
        if req.HasField("display_name"):
            cred.display_name = req.display_name
        patch_metadata(cred.metadata, req.metadata, req.metadata_remove)
        which = req.auth.WhichOneof("type")
        if which is not None:
            if which != cred.auth.WhichOneof("type"):
                raise errors.InvalidArgument(
                    f"auth.type must stay {cred.auth.WhichOneof('type')!r}: "
                    "a credential's type cannot be changed."
                )
            auth = vault_pb2.CredentialAuth()
            auth.CopyFrom(req.auth)
            given = _secrets_of(auth)
            merged = getattr(cred.auth, which)
            new = getattr(auth, which)
            for field, _ in new.ListFields():
                merged.ClearField(field.name)
            merged.MergeFrom(new)
            secrets.update(given)
        cred.updated_at.CopyFrom(to_timestamp(now_us()))
        await self._vaults.put_credential(self._seal(cred, secrets), new=False, ws=ws)
        return cred

    async def list_credentials(
        self, req: vault_pb2.ListCredentialsRequest, *, ws: Scope
    ) -> tuple[list[vault_pb2.Credential], str]:
        await self.get_vault(req.vault_id, ws=ws)
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        page = decode_page(req.page_token)
        after = (int(page.key[0]), str(page.key[1])) if page else None
        rows, more = await self._vaults.list_credentials(
            req.vault_id, limit, after, req.include_archived, ws=ws
        )
        token = ""
        if more and rows:
            token = encode_page([from_timestamp(rows[-1].created_at), rows[-1].id])
        return rows, token

    async def delete_credential(self, vault_id: str, credential_id: str, *, ws: Scope) -> None:
        await self._vaults.delete_credential(vault_id, credential_id, ws=ws)
        await self.emit(ws, "vault_credential.deleted", {"id": credential_id, "vault_id": vault_id})

    async def archive_credential(
        self, vault_id: str, credential_id: str, *, ws: Scope
    ) -> vault_pb2.Credential:
        sealed = await self._vaults.get_credential(vault_id, credential_id, ws=ws)
        cred = sealed.credential
        if not cred.HasField("archived_at"):
            now = to_timestamp(now_us())
            cred.archived_at.CopyFrom(now)
            cred.updated_at.CopyFrom(now)
            await self._vaults.put_credential(
                SealedCredential(cred, sealed.key_id, sealed.secret), new=False, ws=ws
            )
            data = {"id": cred.id, "vault_id": cred.vault_id}
            await self.emit(ws, "vault_credential.archived", data)
        return cred

    # ------------------------------------------------------ use by MCP calls

    async def headers_for(self, session: session_pb2.Session, url: str) -> dict[str, str]:
        """The Authorization header for an MCP server of a session (none: no match)."""
        for vault_id in session.vault_ids:
            found = await self._vaults.credentials_for_url(vault_id, url)
            if not found:
                continue
            token = await self._token(found[0])
            return {"Authorization": f"Bearer {token}"} if token else {}
        return {}

    async def _token(self, sealed: SealedCredential) -> str:
        cred = sealed.credential
        secrets = self._open(sealed)
        if cred.auth.HasField("static_bearer"):
            return secrets.get("token", "")
        m = cred.auth.mcp_oauth
        expiring = m.HasField("expires_at") and (
            from_timestamp(m.expires_at) - now_us() < REFRESH_MARGIN_US
        )
        if expiring and m.HasField("refresh") and secrets.get("refresh_token"):
            lock = self._refreshing.setdefault(cred.id, asyncio.Lock())
            async with lock:
                fresh = await self._vaults.get_credential(cred.vault_id, cred.id, ws=INTERNAL)
                status, _ = await self._refresh(fresh)
                if status == "succeeded":
                    fresh = await self._vaults.get_credential(cred.vault_id, cred.id, ws=INTERNAL)
                    secrets = self._open(fresh)
        return secrets.get("access_token", "")

    async def _refresh(self, sealed: SealedCredential) -> tuple[str, str]:
        """Refreshes an mcp_oauth access token; (refresh status, a short reason)."""
        import aiohttp

        cred = sealed.credential
        m = cred.auth.mcp_oauth
        secrets = self._open(sealed)
        if not m.HasField("refresh") or not secrets.get("refresh_token"):
            return "no_refresh_token", ""
        r = m.refresh
        form = {
            "grant_type": "refresh_token",
            "refresh_token": secrets["refresh_token"],
            "client_id": r.client_id,
        }
        if r.HasField("resource"):
            form["resource"] = r.resource
        if r.HasField("scope"):
            form["scope"] = r.scope
        headers: dict[str, str] = {"Accept": "application/json"}
        kind = r.token_endpoint_auth.WhichOneof("type")
        if kind == "client_secret_post":
            form["client_secret"] = secrets.get("client_secret", "")
        elif kind == "client_secret_basic":
            pair = f"{r.client_id}:{secrets.get('client_secret', '')}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.post(r.token_endpoint, data=form, headers=headers) as resp,
            ):
                status = resp.status
                body = await resp.json(content_type=None) if status == 200 else None
        except (aiohttp.ClientError, TimeoutError, ValueError):
            log.info("token refresh of credential %s could not reach its endpoint", cred.id)
            return "connect_error", ""
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            log.info("token refresh of credential %s failed with HTTP %s", cred.id, status)
            return "failed", str(status)
        secrets["access_token"] = body["access_token"]
        if isinstance(body.get("refresh_token"), str):
            secrets["refresh_token"] = body["refresh_token"]
        expires_in = body.get("expires_in")
        if isinstance(expires_in, int | float):
            m.expires_at.CopyFrom(to_timestamp(now_us() + int(expires_in * 1_000_000)))
        else:
            m.ClearField("expires_at")
        cred.updated_at.CopyFrom(to_timestamp(now_us()))
        await self._vaults.put_credential(self._seal(cred, secrets), new=False, ws=INTERNAL)
        return "succeeded", ""

    async def validate(
        self, vault_id: str, credential_id: str, *, ws: Scope
    ) -> vault_pb2.CredentialValidation:
        import aiohttp

        sealed = await self._vaults.get_credential(vault_id, credential_id, ws=ws)
        cred = sealed.credential
        out = vault_pb2.CredentialValidation(credential_id=cred.id, vault_id=cred.vault_id)
        if cred.auth.HasField("mcp_oauth"):
            out.has_refresh_token = bool(self._open(sealed).get("refresh_token"))
            refreshed, _ = await self._refresh(sealed)
            out.refresh_status = refreshed
            sealed = await self._vaults.get_credential(vault_id, credential_id, ws=ws)
        secrets = self._open(sealed)
        token = secrets.get("token") or secrets.get("access_token", "")
        which = cred.auth.WhichOneof("type") or "static_bearer"
        url = getattr(cred.auth, which).mcp_server_url
        probe = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "sessiond-validate", "version": "1"},
            },
        }
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json, text/event-stream",
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT)) as http,
                http.post(url, json=probe, headers=headers) as resp,
            ):
                out.probe_status_code = resp.status
        except (aiohttp.ClientError, TimeoutError):
            out.probe_status_code = 0
        code = out.probe_status_code
        out.status = (
            "valid" if 200 <= code < 300 else "invalid" if code in (401, 403) else "unknown"
        )
        out.validated_at.CopyFrom(to_timestamp(now_us()))
        return out
