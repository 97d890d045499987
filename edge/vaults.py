"""``/v1/vaults`` and ``/v1/vaults/{vault_id}/credentials``. Secrets are
write-only: a credential's JSON never carries its token, access token,
refresh token or client secret."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sessiond.edge.codec import from_json, to_json
from sessiond.edge.errors import invalid_request
from sessiond.edge.jsonio import json_response, read_object
from sessiond.edge.masks import metadata_patch
from sessiond.edge.query import get_bool, page_fields, present
from sessiond.edge.state import core
from sessiond.v1 import vault_pb2

routes = web.RouteTableDef()

VAULT = "/v1/vaults/{vault_id}"
CREDENTIALS = VAULT + "/credentials"
CREDENTIAL = CREDENTIALS + "/{credential_id}"
_SECRETS = ("token", "access_token", "refresh_token", "client_secret")


def _scrub(node: Any) -> Any:
    """Drops every secret field (write-only) from a credential's JSON."""
    if isinstance(node, dict):
        return {k: _scrub(v) for k, v in node.items() if k not in _SECRETS}
    if isinstance(node, list):
        return [_scrub(v) for v in node]
    return node


def _credential(cred: vault_pb2.Credential) -> dict[str, Any]:
    out: dict[str, Any] = _scrub(to_json(cred))
    return out


def _patch(body: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """A metadata patch: a string upserts a key, null removes it."""
    patch = body.pop("metadata", None)
    if patch is None:
        return {}, []
    if not isinstance(patch, dict):
        raise invalid_request("metadata: expected an object")
    return metadata_patch(patch)


def _ids(request: web.Request) -> dict[str, str]:
    out = {"vault_id": request.match_info["vault_id"]}
    if "credential_id" in request.match_info:
        out["credential_id"] = request.match_info["credential_id"]
    return out


@routes.post("/v1/vaults")
async def create_vault(request: web.Request) -> web.Response:
    message = from_json(await read_object(request), vault_pb2.CreateVaultRequest)
    reply = await core(request).vaults.create_vault(message)
    return json_response(to_json(reply.vault))


@routes.get("/v1/vaults")
async def list_vaults(request: web.Request) -> web.Response:
    q = request.query
    message = vault_pb2.ListVaultsRequest(
        **page_fields(q), **present(include_archived=get_bool(q, "include_archived"))
    )
    reply = await core(request).vaults.list_vaults(message)
    return json_response(
        {"data": [to_json(v) for v in reply.vaults], "next_page": reply.next_page_token or None}
    )


@routes.get(VAULT)
async def get_vault(request: web.Request) -> web.Response:
    reply = await core(request).vaults.get_vault(vault_pb2.GetVaultRequest(**_ids(request)))
    return json_response(to_json(reply.vault))


@routes.post(VAULT)
async def update_vault(request: web.Request) -> web.Response:
    body = await read_object(request)
    upsert, remove = _patch(body)
    message = from_json(body, vault_pb2.UpdateVaultRequest)
    message.vault_id = request.match_info["vault_id"]
    message.metadata.update(upsert)
    message.metadata_remove.extend(remove)
    reply = await core(request).vaults.update_vault(message)
    return json_response(to_json(reply.vault))


@routes.delete(VAULT)
async def delete_vault(request: web.Request) -> web.Response:
    reply = await core(request).vaults.delete_vault(vault_pb2.DeleteVaultRequest(**_ids(request)))
    return json_response({"id": reply.id, "type": "vault_deleted"})


@routes.post(VAULT + "/archive")
async def archive_vault(request: web.Request) -> web.Response:
    reply = await core(request).vaults.archive_vault(vault_pb2.ArchiveVaultRequest(**_ids(request)))
    return json_response(to_json(reply.vault))


@routes.post(CREDENTIALS)
async def create_credential(request: web.Request) -> web.Response:
    message = from_json(await read_object(request), vault_pb2.CreateCredentialRequest)
    message.vault_id = request.match_info["vault_id"]
    reply = await core(request).vaults.create_credential(message)
    return json_response(_credential(reply.credential))


@routes.get(CREDENTIALS)
async def list_credentials(request: web.Request) -> web.Response:
    q = request.query
    message = vault_pb2.ListCredentialsRequest(
        vault_id=request.match_info["vault_id"],
        **page_fields(q),
        **present(include_archived=get_bool(q, "include_archived")),
    )
    reply = await core(request).vaults.list_credentials(message)
    return json_response(
        {
            "data": [_credential(c) for c in reply.credentials],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get(CREDENTIAL)
async def get_credential(request: web.Request) -> web.Response:
    message = vault_pb2.GetCredentialRequest(**_ids(request))
    reply = await core(request).vaults.get_credential(message)
    return json_response(_credential(reply.credential))


@routes.post(CREDENTIAL)
async def update_credential(request: web.Request) -> web.Response:
    body = await read_object(request)
    upsert, remove = _patch(body)
    message = from_json(body, vault_pb2.UpdateCredentialRequest)
    message.vault_id = request.match_info["vault_id"]
    message.credential_id = request.match_info["credential_id"]
    message.metadata.update(upsert)
    message.metadata_remove.extend(remove)
    reply = await core(request).vaults.update_credential(message)
    return json_response(_credential(reply.credential))


@routes.delete(CREDENTIAL)
async def delete_credential(request: web.Request) -> web.Response:
    message = vault_pb2.DeleteCredentialRequest(**_ids(request))
    reply = await core(request).vaults.delete_credential(message)
    return json_response({"id": reply.id, "type": "vault_credential_deleted"})


@routes.post(CREDENTIAL + "/archive")
async def archive_credential(request: web.Request) -> web.Response:
    message = vault_pb2.ArchiveCredentialRequest(**_ids(request))
    reply = await core(request).vaults.archive_credential(message)
    return json_response(_credential(reply.credential))


@routes.post(CREDENTIAL + "/mcp_oauth_validate")
async def validate_credential(request: web.Request) -> web.Response:
    message = vault_pb2.ValidateCredentialRequest(**_ids(request))
    v = (await core(request).vaults.validate_credential(message)).validation
    out = to_json(v)
    body: dict[str, Any] = {
        "type": "vault_credential_validation",
        "credential_id": v.credential_id,
        "vault_id": v.vault_id,
        "status": v.status,
        "has_refresh_token": v.has_refresh_token,
        "validated_at": out["validated_at"],
        "mcp_probe": {"method": "initialize", "http_response": None},
        "refresh": {"status": v.refresh_status} if v.HasField("refresh_status") else None,
    }
    if v.probe_status_code:
        body["mcp_probe"]["http_response"] = {
            "status_code": v.probe_status_code,
            "body": "",
            "body_truncated": False,
            "content_type": "",
        }
    return json_response(body)
