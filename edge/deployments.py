"""``/v1/deployments`` and ``/v1/deployment_runs`` (docs: "Scheduled deployments";
the SDK's ``deployments`` and ``deployment_runs`` resources)."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web
from sessiond.edge.codec import event_from_json, event_to_json, from_json, to_json
from sessiond.edge.errors import invalid_request
from sessiond.edge.jsonio import json_response, read_object
from sessiond.edge.masks import metadata_patch
from sessiond.edge.query import get_bool, get_str, get_timestamp, page_fields, present
from sessiond.edge.state import core
from sessiond.v1 import deployment_pb2 as pb

routes = web.RouteTableDef()

# The keys of each public shape (the SDK's Deployment*Event and *ResourceConfig).
_EVENT_KEYS: Final = {
    "user.message": ("type", "content"),
    "system.message": ("type", "content"),
    "user.define_outcome": ("type", "description", "rubric", "max_iterations"),
}
_RESOURCE_KEYS: Final = {
    "github_repository": ("type", "url", "checkout", "mount_path"),
    "file": ("type", "file_id", "mount_path"),
    "memory_store": ("type", "memory_store_id", "access", "instructions"),
}
_FIELDS: Final = (
    "agent",
    "budget",
    "description",
    "environment_id",
    "initial_events",
    "metadata",
    "name",
    "resources",
    "schedule",
    "vault_ids",
)
_NOT_CLEARABLE: Final = frozenset({"agent", "environment_id", "initial_events", "name"})


def _shape(obj: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: obj[k] for k in keys if k in obj}


def deployment_json(d: pb.Deployment) -> dict[str, Any]:
    out = to_json(d)
    events = []
    for ev in d.initial_events:
        raw = event_to_json(ev)
        keys = _EVENT_KEYS.get(raw["type"], ("type",))
        shaped = _shape(raw, keys)
        if shaped.get("max_iterations", 0) is None:
            del shaped["max_iterations"]
        events.append(shaped)
    out["initial_events"] = events
    out["resources"] = [
        _shape(r, _RESOURCE_KEYS.get(r.get("type", ""), ("type",))) for r in out["resources"]
    ]
    if out.get("budget") is None:
        out.pop("budget", None)
    return out


def run_json(run: pb.DeploymentRun) -> dict[str, Any]:
    return to_json(run)


def _agent(value: Any) -> Any:
    if isinstance(value, str):
        return {"type": "agent", "id": value}
    return value


def _deployment(body: dict[str, Any]) -> pb.Deployment:
    """The deployment fields of a body; other keys are a 400."""
    fields = {k: v for k, v in body.items() if v is not None}
    unknown = sorted(set(fields) - set(_FIELDS))
    if unknown:
        raise invalid_request(f"{unknown[0]}: unknown field")
    if "agent" in fields:
        fields["agent"] = _agent(fields["agent"])
    events = fields.pop("initial_events", None)
    if events is not None and not isinstance(events, list):
        raise invalid_request("initial_events: expected an array of events")
    d = from_json(fields, pb.Deployment)
    d.initial_events.extend(
        event_from_json(ev, f"initial_events[{i}]") for i, ev in enumerate(events or ())
    )
    return d


@routes.post("/v1/deployments")
async def create_deployment(request: web.Request) -> web.Response:
    body = await read_object(request)
    for required in ("agent", "environment_id", "initial_events", "name"):
        if body.get(required) is None:
            raise invalid_request(f"{required}: required")
    message = pb.CreateDeploymentRequest(deployment=_deployment(body))
    reply = await core(request).deployments.create_deployment(message)
    return json_response(deployment_json(reply.deployment))


@routes.get("/v1/deployments")
async def list_deployments(request: web.Request) -> web.Response:
    q = request.query
    status = get_str(q, "status")
    if status not in (None, "active", "paused"):
        raise invalid_request('status: expected "active" or "paused"')
    message = pb.ListDeploymentsRequest(
        **page_fields(q),
        **present(
            agent_id=get_str(q, "agent_id"),
            include_archived=get_bool(q, "include_archived"),
            status=None
            if status is None
            else pb.DeploymentStatus.Value("DEPLOYMENT_STATUS_" + status.upper()),
            created_at_gte=get_timestamp(q, "created_at[gte]"),
            created_at_lte=get_timestamp(q, "created_at[lte]"),
        ),
    )
    reply = await core(request).deployments.list_deployments(message)
    return json_response(
        {
            "data": [deployment_json(d) for d in reply.deployments],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get("/v1/deployments/{deployment_id}")
async def get_deployment(request: web.Request) -> web.Response:
    message = pb.GetDeploymentRequest(deployment_id=request.match_info["deployment_id"])
    reply = await core(request).deployments.get_deployment(message)
    return json_response(deployment_json(reply.deployment))


@routes.post("/v1/deployments/{deployment_id}")
async def update_deployment(request: web.Request) -> web.Response:
    body = await read_object(request)
    message = pb.UpdateDeploymentRequest(deployment_id=request.match_info["deployment_id"])
    for key, value in body.items():
        if key not in _FIELDS:
            raise invalid_request(f"{key}: unknown field")
        if value is None and key in _NOT_CLEARABLE:
            raise invalid_request(f"{key}: cannot be cleared")
        message.update_mask.paths.append(key)
    patch = body.pop("metadata", None)
    if patch is not None:
        if not isinstance(patch, dict):
            raise invalid_request("metadata: expected an object")
        upsert, remove = metadata_patch(patch)
        body["metadata"] = upsert
        message.metadata_remove.extend(remove)
    message.deployment.CopyFrom(_deployment(body))
    reply = await core(request).deployments.update_deployment(message)
    return json_response(deployment_json(reply.deployment))


@routes.post("/v1/deployments/{deployment_id}/archive")
async def archive_deployment(request: web.Request) -> web.Response:
    message = pb.ArchiveDeploymentRequest(deployment_id=request.match_info["deployment_id"])
    reply = await core(request).deployments.archive_deployment(message)
    return json_response(deployment_json(reply.deployment))


@routes.post("/v1/deployments/{deployment_id}/pause")
async def pause_deployment(request: web.Request) -> web.Response:
    message = pb.PauseDeploymentRequest(deployment_id=request.match_info["deployment_id"])
    reply = await core(request).deployments.pause_deployment(message)
    return json_response(deployment_json(reply.deployment))


@routes.post("/v1/deployments/{deployment_id}/unpause")
async def unpause_deployment(request: web.Request) -> web.Response:
    message = pb.UnpauseDeploymentRequest(deployment_id=request.match_info["deployment_id"])
    reply = await core(request).deployments.unpause_deployment(message)
    return json_response(deployment_json(reply.deployment))


@routes.post("/v1/deployments/{deployment_id}/run")
async def run_deployment(request: web.Request) -> web.Response:
    message = pb.RunDeploymentRequest(deployment_id=request.match_info["deployment_id"])
    reply = await core(request).deployments.run_deployment(message)
    return json_response(run_json(reply.run))


@routes.get("/v1/deployment_runs")
async def list_deployment_runs(request: web.Request) -> web.Response:
    q = request.query
    trigger = get_str(q, "trigger_type")
    if trigger not in (None, "schedule", "manual"):
        raise invalid_request('trigger_type: expected "schedule" or "manual"')
    message = pb.ListDeploymentRunsRequest(
        **page_fields(q),
        **present(
            deployment_id=get_str(q, "deployment_id"),
            has_error=get_bool(q, "has_error"),
            trigger_type=trigger,
            created_at_gt=get_timestamp(q, "created_at[gt]"),
            created_at_gte=get_timestamp(q, "created_at[gte]"),
            created_at_lt=get_timestamp(q, "created_at[lt]"),
            created_at_lte=get_timestamp(q, "created_at[lte]"),
        ),
    )
    reply = await core(request).deployments.list_deployment_runs(message)
    return json_response(
        {"data": [run_json(r) for r in reply.runs], "next_page": reply.next_page_token or None}
    )


@routes.get("/v1/deployment_runs/{deployment_run_id}")
async def get_deployment_run(request: web.Request) -> web.Response:
    message = pb.GetDeploymentRunRequest(deployment_run_id=request.match_info["deployment_run_id"])
    reply = await core(request).deployments.get_deployment_run(message)
    return json_response(run_json(reply.run))
