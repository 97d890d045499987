"""`sessiond webhooks create|list|delete|enable|disable|rotate-secret|deliveries`:
the operator's view of webhooks, on the server's database and data dir (the
secrets are sealed with the data dir's vault key). The HTTP API has the same
operations under ``/v1/webhooks``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sessiond.cli.keys import _table, _when


def add_webhooks_command(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser("webhooks", help="create, list and delete webhooks (an extension)")
    cmds = p.add_subparsers(dest="webhooks_command", required=True)
    create = cmds.add_parser("create", help="add a webhook and print its signing secret once")
    create.add_argument("url", help="where events are POSTed (http:// or https://)")
    create.add_argument("--workspace", default="default", help="its workspace (default: default)")
    create.add_argument(
        "--event-type",
        action="append",
        dest="event_types",
        default=[],
        help="an event type to send (repeatable; default: every type)",
    )
    create.add_argument("--description", default=None, help="a note to tell it by")
    create.add_argument(
        "--webhook-allow-private",
        action="store_true",
        default=os.environ.get("SESSIOND_WEBHOOK_ALLOW_PRIVATE", "").lower()
        in ("1", "true", "yes"),
        help="accept a private or local destination (the server must allow it too)",
    )
    listing = cmds.add_parser("list", help="every webhook (never its secret)")
    listing.add_argument("--workspace", default=None, help="only this workspace's")
    chosen = [listing, create]
    for name, text in (
        ("delete", "delete a webhook and its pending deliveries"),
        ("enable", "enable a webhook (resets its failure count)"),
        ("disable", "stop delivering to a webhook (its events wait)"),
        ("rotate-secret", "replace the signing secret and print the new one once"),
        ("deliveries", "a webhook's newest deliveries"),
    ):
        c = cmds.add_parser(name, help=text)
        c.add_argument("webhook_id", help="the id `sessiond webhooks list` shows")
        chosen.append(c)
    for c in chosen:
        common(c)
        c.add_argument(
            "--db",
            default=os.environ.get("SESSIOND_DB") or None,
            help="the server's database (default: the data dir's SQLite file; env SESSIOND_DB)",
        )


async def webhooks_command(args: argparse.Namespace, db_url: str) -> int:
    from sessiond.core import errors
    from sessiond.core.services.webhooks import WebhookService
    from sessiond.core.store.store import Store
    from sessiond.core.store.webhooks import WebhookStore
    from sessiond.core.vaultkeys import Keyring
    from sessiond.v1 import webhook_pb2 as pb

    store = await Store.open(db_url)
    allow = bool(getattr(args, "webhook_allow_private", False))
    svc = WebhookService(
        WebhookStore(store), Keyring.load(Path(args.data_dir)), allow_private=allow
    )
    cmd = args.webhooks_command
    try:
        if cmd == "create":
            req = pb.CreateWebhookRequest(url=args.url, event_types=args.event_types)
            if args.description is not None:
                req.description = args.description
            hook = await svc.create(req, ws=args.workspace)
            print(hook.id)
            print(hook.secret)
            print("sessiond: the signing secret above is shown only now", file=sys.stderr)
            return 0
        if cmd == "list":
            hooks: list[pb.Webhook] = []
            token = ""
            while True:
                page = pb.ListWebhooksRequest(page_size=100, page_token=token)
                found, token = await svc.list_webhooks(page, ws=args.workspace)
                hooks += found
                if not token:
                    break
            header = ["ID", "URL", "STATUS", "FAILURES", "EVENT TYPES", "CREATED"]
            rows = [
                [h.id, h.url, h.status + (f" ({h.disabled_reason})" if h.disabled_reason else ""),
                 str(h.consecutive_failures), ",".join(h.event_types) or "*",
                 _when(h.created_at.ToMicroseconds())]
                for h in hooks
            ]  # fmt: skip
            print(_table([header, *rows]))
            return 0
        if cmd == "delete":
            await svc.delete(args.webhook_id, ws=None)
            print(f"sessiond: deleted {args.webhook_id}")
            return 0
        if cmd in ("enable", "disable"):
            status = "enabled" if cmd == "enable" else "disabled"
            upd = pb.UpdateWebhookRequest(webhook_id=args.webhook_id, status=status)
            hook = await svc.update(upd, ws=None)
            print(f"sessiond: {hook.id} is {hook.status}")
            return 0
        if cmd == "rotate-secret":
            hook = await svc.rotate(args.webhook_id, ws=None)
            print(hook.secret)
            print("sessiond: the new signing secret above is shown only now", file=sys.stderr)
            return 0
        req_d = pb.ListWebhookDeliveriesRequest(webhook_id=args.webhook_id, page_size=50)
        deliveries, _ = await svc.deliveries(req_d, ws=None)
        header = ["ID", "EVENT", "TYPE", "STATUS", "ATTEMPTS", "LAST", "CREATED"]
        rows = [
            [d.id, d.event_id, d.event_type, d.status, str(d.attempts),
             str(d.last_status_code or d.last_error or "-"), _when(d.created_at.ToMicroseconds())]
            for d in deliveries
        ]  # fmt: skip
        print(_table([header, *rows]))
        return 0
    except errors.SessiondError as e:
        print(f"sessiond: {e}", file=sys.stderr)
        return 1
    finally:
        await store.close()
