from __future__ import annotations

import grpc
from sessiond.core.auth.gate import current_caller
from sessiond.core.servicers.base import unary
from sessiond.core.services.vaults import VaultService
from sessiond.v1 import vault_pb2 as pb
from sessiond.v1 import vault_pb2_grpc


class VaultServicer(vault_pb2_grpc.VaultServiceServicer):
    def __init__(self, service: VaultService) -> None:
        self._svc = service

    @unary
    async def CreateVault(
        self, request: pb.CreateVaultRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateVaultResponse:
        return pb.CreateVaultResponse(
            vault=await self._svc.create_vault(request, ws=current_caller().workspace)
        )

    @unary
    async def GetVault(
        self, request: pb.GetVaultRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetVaultResponse:
        return pb.GetVaultResponse(
            vault=await self._svc.get_vault(request.vault_id, ws=current_caller().workspace)
        )

    @unary
    async def UpdateVault(
        self, request: pb.UpdateVaultRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateVaultResponse:
        return pb.UpdateVaultResponse(
            vault=await self._svc.update_vault(request, ws=current_caller().workspace)
        )

    @unary
    async def ListVaults(
        self, request: pb.ListVaultsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListVaultsResponse:
        vaults, token = await self._svc.list_vaults(request, ws=current_caller().workspace)
        return pb.ListVaultsResponse(vaults=vaults, next_page_token=token)

    @unary
    async def DeleteVault(
        self, request: pb.DeleteVaultRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteVaultResponse:
        await self._svc.delete_vault(request.vault_id, ws=current_caller().workspace)
        return pb.DeleteVaultResponse(id=request.vault_id)

    @unary
    async def ArchiveVault(
        self, request: pb.ArchiveVaultRequest, context: grpc.aio.ServicerContext
    ) -> pb.ArchiveVaultResponse:
        return pb.ArchiveVaultResponse(
            vault=await self._svc.archive_vault(request.vault_id, ws=current_caller().workspace)
        )

    @unary
    async def CreateCredential(
        self, request: pb.CreateCredentialRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateCredentialResponse:
        return pb.CreateCredentialResponse(
            credential=await self._svc.create_credential(request, ws=current_caller().workspace)
        )

    @unary
    async def GetCredential(
        self, request: pb.GetCredentialRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCredentialResponse:
        cred = await self._svc.get_credential(
            request.vault_id, request.credential_id, ws=current_caller().workspace
        )
        return pb.GetCredentialResponse(credential=cred)

    @unary
    async def UpdateCredential(
        self, request: pb.UpdateCredentialRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateCredentialResponse:
        return pb.UpdateCredentialResponse(
            credential=await self._svc.update_credential(request, ws=current_caller().workspace)
        )

    @unary
    async def ListCredentials(
        self, request: pb.ListCredentialsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCredentialsResponse:
        creds, token = await self._svc.list_credentials(request, ws=current_caller().workspace)
        return pb.ListCredentialsResponse(credentials=creds, next_page_token=token)

    @unary
    async def DeleteCredential(
        self, request: pb.DeleteCredentialRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteCredentialResponse:
        await self._svc.delete_credential(
            request.vault_id, request.credential_id, ws=current_caller().workspace
        )
        return pb.DeleteCredentialResponse(id=request.credential_id)

    @unary
    async def ArchiveCredential(
        self, request: pb.ArchiveCredentialRequest, context: grpc.aio.ServicerContext
    ) -> pb.ArchiveCredentialResponse:
        cred = await self._svc.archive_credential(
            request.vault_id, request.credential_id, ws=current_caller().workspace
        )
        return pb.ArchiveCredentialResponse(credential=cred)

    @unary
    async def ValidateCredential(
        self, request: pb.ValidateCredentialRequest, context: grpc.aio.ServicerContext
    ) -> pb.ValidateCredentialResponse:
        validation = await self._svc.validate(
            request.vault_id, request.credential_id, ws=current_caller().workspace
        )
        return pb.ValidateCredentialResponse(validation=validation)
