"""The pure rules of self-hosted sessions (core/sessionstate.py) and the
vault keyring (core/vaultkeys.py): sealing, binding and key rotation."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sessiond.core import errors
from sessiond.core.sessionstate import pending_actions, remote_calls
from sessiond.core.timeutil import to_timestamp
from sessiond.core.vaultkeys import KEY_FILE, KEYRING_FILE, Keyring
from sessiond.v1 import event_pb2


def _use(i: str, permission: int) -> event_pb2.SessionEvent:
    return event_pb2.SessionEvent(
        id=i,
        agent_tool_use=event_pb2.AgentToolUseEvent(name="bash", evaluated_permission=permission),  # type: ignore[arg-type]
    )


def _confirm(target: str, allow: bool, processed: bool = True) -> event_pb2.SessionEvent:
    result = (
        event_pb2.TOOL_CONFIRMATION_RESULT_ALLOW
        if allow
        else event_pb2.TOOL_CONFIRMATION_RESULT_DENY
    )
    ev = event_pb2.SessionEvent(
        id="c" + target,
        user_tool_confirmation=event_pb2.UserToolConfirmationEvent(
            tool_use_id=target, result=result
        ),
    )
    if processed:
        ev.processed_at.CopyFrom(to_timestamp(1))
    return ev


def _result(target: str, processed: bool = True) -> event_pb2.SessionEvent:
    ev = event_pb2.SessionEvent(
        id="r" + target, user_tool_result=event_pb2.UserToolResultEvent(tool_use_id=target)
    )
    if processed:
        ev.processed_at.CopyFrom(to_timestamp(1))
    return ev


def test_every_allowed_call_waits_for_its_result_and_asked_ones_for_allow_first() -> None:
    events = [
        _use("a", event_pb2.PERMISSION_ALLOW),
        _use("b", event_pb2.PERMISSION_ASK),
        _use("c", event_pb2.PERMISSION_DENY),
    ]
    calls = remote_calls(events)
    assert calls.open == ["a", "b"] and calls.unconfirmed == {"b"}
    assert calls.awaiting_result() == ["a"]
    assert pending_actions(events, remote=True) == ["a", "b"]
    # Allowed: b now waits for its result; a queued result counts only with queued=True.
    events += [_confirm("b", allow=True), _result("a", processed=False)]
    assert remote_calls(events).open == ["a", "b"]
    assert remote_calls(events, queued=True).open == ["b"]
    assert remote_calls(events).unconfirmed == set()
    assert pending_actions(events, remote=True) == ["a", "b"]
    events += [_result("b")]
    assert remote_calls(events).open == ["a"]


def test_a_denied_call_is_closed_and_a_new_message_closes_the_rest() -> None:
    events = [_use("a", event_pb2.PERMISSION_ASK), _confirm("a", allow=False)]
    assert remote_calls(events).open == []
    events = [_use("b", event_pb2.PERMISSION_ALLOW)]
    message = event_pb2.SessionEvent(id="m", user_message=event_pb2.UserMessageEvent())
    message.processed_at.CopyFrom(to_timestamp(2))
    assert remote_calls([*events, message]).open == []


def test_sealed_secrets_open_only_with_their_key_and_owner(tmp_path: Path) -> None:
    ring = Keyring.load(tmp_path, env="")
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    kid, blob = ring.seal(b"top secret", "vcrd_1")
    assert b"top secret" not in blob
    assert ring.open(kid, blob, "vcrd_1") == b"top secret"
    with pytest.raises(InvalidTag):
        ring.open(kid, blob, "vcrd_2")  # moved to another row


def test_rotation_keeps_old_secrets_readable_through_the_keyring(tmp_path: Path) -> None:
    old = Keyring.load(tmp_path, env="")
    kid, blob = old.seal(b"s", "vcrd_1")
    old_key = (tmp_path / KEY_FILE).read_text()
    new_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    (tmp_path / KEY_FILE).write_text(new_key)
    with pytest.raises(errors.FailedPrecondition, match=KEYRING_FILE):
        Keyring.load(tmp_path, env="").open(kid, blob, "vcrd_1")
    (tmp_path / KEYRING_FILE).write_text("# retired\n" + old_key)
    rotated = Keyring.load(tmp_path, env="")
    assert rotated.open(kid, blob, "vcrd_1") == b"s"
    assert rotated.seal(b"s", "vcrd_1")[0] != kid  # new secrets use the new key
    env_ring = Keyring.load(tmp_path, env=new_key)
    assert env_ring.current_id == rotated.current_id
