"""``/v1/webhooks``: webhook endpoints and their deliveries. An extension of
the public API (the hosted service manages webhooks in its console, docs
"Subscribe to webhooks"); the events POSTed are the SDK's ``BetaWebhookEvent``,
verified by ``client.beta.webhooks.unwrap``. A webhook's signing secret is in
the replies of create and rotate_secret only."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sessiond.edge.codec import to_json
from sessiond.edge.errors import invalid_request
from sessiond.edge.jsonio import json_response, read_object
from sessiond.edge.query import page_fields
from sessiond.edge.state import core
from sessiond.v1 import webhook_pb2

routes = web.RouteTableDef()

WEBHOOK = "/v1/webhooks/{webhook_id}"
_FIELDS = {"url", "event_types", "description", "status"}


def webhook_json(hook: webhook_pb2.Webhook, *, with_secret: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = to_json(hook)
    if not with_secret:
        out.pop("secret", None)
    out["disabled_reason"] = out.get("disabled_reason") or None
    return out


def _delivery(d: webhook_pb2.WebhookDelivery) -> dict[str, Any]:
    out: dict[str, Any] = to_json(d)
    out["last_error"] = out.get("last_error") or None
    out["last_status_code"] = out.get("last_status_code") or None
    return out


def _string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_request(f"{name}: expected a string")
    return value


def _types(body: dict[str, Any]) -> list[str] | None:
    value = body.get("event_types")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_request("event_types: expected an array of strings")
    return value


def _check(body: dict[str, Any]) -> None:
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise invalid_request(f"{unknown[0]}: unknown field")


def _id(request: web.Request) -> str:
    return request.match_info["webhook_id"]


@routes.post("/v1/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    body = await read_object(request)
    _check(body)
    if "status" in body:
        raise invalid_request("status: a new webhook is enabled; update it to disable it")
    message = webhook_pb2.CreateWebhookRequest(
        url=_string(body, "url") or "", event_types=_types(body) or []
    )
    description = _string(body, "description")
    if description is not None:
        message.description = description
    reply = await core(request).webhooks.create_webhook(message)
    return json_response(webhook_json(reply.webhook, with_secret=True))


@routes.get("/v1/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    message = webhook_pb2.ListWebhooksRequest(**page_fields(request.query))
    reply = await core(request).webhooks.list_webhooks(message)
    return json_response(
        {
            "data": [webhook_json(h) for h in reply.webhooks],
            "next_page": reply.next_page_token or None,
        }
    )


@routes.get(WEBHOOK)
async def get_webhook(request: web.Request) -> web.Response:
    message = webhook_pb2.GetWebhookRequest(webhook_id=_id(request))
    reply = await core(request).webhooks.get_webhook(message)
    return json_response(webhook_json(reply.webhook))


@routes.post(WEBHOOK)
async def update_webhook(request: web.Request) -> web.Response:
    body = await read_object(request)
    _check(body)
    message = webhook_pb2.UpdateWebhookRequest(webhook_id=_id(request))
    for name in ("url", "description", "status"):
        value = _string(body, name)
        if value is not None:
            setattr(message, name, value)
    types = _types(body)
    if types is not None:
        message.event_types.extend(types)
        message.replace_event_types = True
    reply = await core(request).webhooks.update_webhook(message)
    return json_response(webhook_json(reply.webhook))


@routes.delete(WEBHOOK)
async def delete_webhook(request: web.Request) -> web.Response:
    message = webhook_pb2.DeleteWebhookRequest(webhook_id=_id(request))
    reply = await core(request).webhooks.delete_webhook(message)
    return json_response({"id": reply.id, "type": "webhook_deleted"})


@routes.post(WEBHOOK + "/rotate_secret")
async def rotate_webhook_secret(request: web.Request) -> web.Response:
    message = webhook_pb2.RotateWebhookSecretRequest(webhook_id=_id(request))
    reply = await core(request).webhooks.rotate_webhook_secret(message)
    return json_response(webhook_json(reply.webhook, with_secret=True))


@routes.get(WEBHOOK + "/deliveries")
async def list_webhook_deliveries(request: web.Request) -> web.Response:
    message = webhook_pb2.ListWebhookDeliveriesRequest(
        webhook_id=_id(request), **page_fields(request.query)
    )
    reply = await core(request).webhooks.list_webhook_deliveries(message)
    return json_response(
        {
            "data": [_delivery(d) for d in reply.deliveries],
            "next_page": reply.next_page_token or None,
        }
    )
