from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.webhooks import WebhookService
from sessiond.v1 import webhook_pb2 as pb
from sessiond.v1 import webhook_pb2_grpc


class WebhookServicer(webhook_pb2_grpc.WebhookServiceServicer):
    def __init__(self, service: WebhookService) -> None:
        self._svc = service

    @unary
    async def CreateWebhook(
        self, request: pb.CreateWebhookRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateWebhookResponse:
        hook = await self._svc.create(request, ws=current_caller().workspace)
        return pb.CreateWebhookResponse(webhook=hook)

    @unary
    async def GetWebhook(
        self, request: pb.GetWebhookRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWebhookResponse:
        hook = await self._svc.get(request.webhook_id, ws=current_caller().workspace)
        return pb.GetWebhookResponse(webhook=hook)

    @unary
    async def ListWebhooks(
        self, request: pb.ListWebhooksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWebhooksResponse:
        hooks, token = await self._svc.list_webhooks(request, ws=current_caller().workspace)
        return pb.ListWebhooksResponse(webhooks=hooks, next_page_token=token)

    @unary
    async def UpdateWebhook(
        self, request: pb.UpdateWebhookRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateWebhookResponse:
        hook = await self._svc.update(request, ws=current_caller().workspace)
        return pb.UpdateWebhookResponse(webhook=hook)

    @unary
    async def DeleteWebhook(
        self, request: pb.DeleteWebhookRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteWebhookResponse:
        await self._svc.delete(request.webhook_id, ws=current_caller().workspace)
        return pb.DeleteWebhookResponse(id=request.webhook_id)

    @unary
    async def RotateWebhookSecret(
        self, request: pb.RotateWebhookSecretRequest, context: grpc.aio.ServicerContext
    ) -> pb.RotateWebhookSecretResponse:
        hook = await self._svc.rotate(request.webhook_id, ws=current_caller().workspace)
        return pb.RotateWebhookSecretResponse(webhook=hook)

    @unary
    async def ListWebhookDeliveries(
        self, request: pb.ListWebhookDeliveriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWebhookDeliveriesResponse:
        found, token = await self._svc.deliveries(request, ws=current_caller().workspace)
        return pb.ListWebhookDeliveriesResponse(deliveries=found, next_page_token=token)
