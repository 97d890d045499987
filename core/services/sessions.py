"""Sessions, and the user events sent to them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sessiond.core import errors, ids
from sessiond.core.eventlog import EventLog
from sessiond.core.eventtypes import TYPE_BY_FIELD, USER_TYPES
from sessiond.core.services.agents import normalize_config
from sessiond.core.services.common import (
    check_metadata,
    copy_field,
    decode_page,
    encode_page,
    page_size,
    patch_metadata,
    require,
    ts_or_none,
)
from sessiond.core.services.emit import EmitFn, no_emit
from sessiond.core.sessionstate import (
    STATUS_OF_PROTO,
    RemoteCalls,
    answer_target,
    check_answer,
    is_self_hosted,
    pending_actions,
    remote_calls,
)
from sessiond.core.store.store import NewEvent, RunningLimit, Store
from sessiond.core.timeutil import from_timestamp, now_us, to_timestamp
from sessiond.v1 import agent_pb2, common_pb2, event_pb2, session_pb2

DEFAULT_PAGE = 20
MAX_PAGE = 100
MAX_EVENTS_PER_REQUEST = 1000
MAX_TITLE = 1000
MAX_OUTCOME_ITERATIONS = 20
_UPDATABLE = frozenset(
    ("title", "metadata", "budget", "vault_ids", "agent", "agent.tools", "agent.mcp_servers")
)
_SNAPSHOT_FIELDS = (
    "name",
    "description",
    "system",
    "model",
    "tools",
    "mcp_servers",
    "skills",
    "execution_identity",
)
_THREAD_AGENT_FIELDS = (*_SNAPSHOT_FIELDS, "id", "version")
_OVERRIDES = ("model", "system", "tools", "mcp_servers", "skills")


class Turns(Protocol):
    """What sessions need of the runtime: run what was sent, stop a session."""

    def notify(self, session_id: str, events: Sequence[event_pb2.SessionEvent]) -> None: ...

    async def stop_session(self, session_id: str) -> None: ...

    def runner_count(self) -> int:
        """How many sessions have a runner in this process."""
        ...


class Workers(Protocol):
    """Where a self-hosted session's toolset runs: its environment's work queue."""

    async def is_remote(self, session: session_pb2.Session) -> bool: ...

    async def need_worker(self, session: session_pb2.Session) -> None: ...


class RubricFiles(Protocol):
    """Reads an outcome's rubric file (the Files API's rules)."""

    async def rubric_text(self, file_id: str, ws: str | None, where: str = "rubric") -> str: ...


class SessionService:
    def __init__(
        self,
        store: Store,
        log: EventLog,
        runtime: Turns,
        *,
        running_limit: int = 10_000,
        inputs: Any = None,
        workers: Workers | None = None,
        files: RubricFiles | None = None,
    ) -> None:
        self._files = files
        # Issue 12: checks and mounts the session's resources (SessionResources).
        self._inputs = inputs
        self._store = store
        self._log = log
        self._runtime = runtime
        self._running_limit = running_limit
        self._workers = workers
        # Webhook events (core/services/emit.py); wired by the core server.
        self.emit: EmitFn = no_emit

    async def create(
        self, req: session_pb2.CreateSessionRequest, *, ws: str, deployment_id: str = ""
    ) -> session_pb2.Session:
        """A new session; ``deployment_id`` names the deployment whose run made it."""
        agent = await self._snapshot(req.agent, ws=ws)
        env = await self._store.get_environment(
            require(req.environment_id, "environment_id"), ws=ws
        )
        if env.HasField("archived_at"):
            raise errors.Conflict(f"Environment {env.id!r} is archived; sessions cannot use it.")
        initial = _check_events(req.initial_events, "initial_events")
        await self._check_rubric_files(initial, "initial_events", ws)
        for ev in initial:
            if ev.type not in ("user.message", "user.define_outcome"):
                raise errors.InvalidArgument(
                    f"initial_events: {ev.type} cannot be sent when creating a session."
                )
        now = now_us()
        s = session_pb2.Session(
            id=ids.new_id(ids.SESSION),
            environment_id=env.id,
            status=session_pb2.SESSION_STATUS_IDLE,
        )
        if deployment_id:
            s.deployment_id = deployment_id
        s.agent.CopyFrom(agent)
        if req.HasField("title"):
            s.title = _title(req.title)
        s.metadata.update(req.metadata)
        check_metadata(s.metadata)
        if req.HasField("budget"):
            s.budget.CopyFrom(_budget(req.budget))
        tokens: dict[str, str] = {}
        if self._inputs is not None:
            resources, tokens = await self._inputs.normalize(req.resources, s.id, ws=ws)
            s.resources.extend(resources)
        else:
            for i, res in enumerate(req.resources):
                s.resources.append(_resource(res, i, now))
        s.vault_ids.extend(req.vault_ids)
        s.created_at.CopyFrom(to_timestamp(now))
        s.updated_at.CopyFrom(to_timestamp(now))
        for vault_id in s.vault_ids:
            # Only vaults of the caller's workspace (another's are not found).
            await self._store.get_vault(vault_id, ws=ws)
        _add_pending_outcomes(s, initial)
        # One transaction: a create cut off midway leaves all of it or nothing.
        created, stored = await self._store.create_session(s, initial, ws=ws)
        if self._inputs is not None:
            try:
                await self._inputs.created(s, tokens, ws=ws)  # blocks until mounted
            except BaseException:
                await self._store.delete_session(s.id, ws=ws)
                raise
        if self._workers is not None and is_self_hosted(env):
            # Self-hosted: the environment's worker picks the session up from its queue.
            await self._workers.need_worker(created)
        await self.emit(ws, "session.created", {"id": created.id})
        if stored:
            self._runtime.notify(s.id, stored)
        return created

    async def _snapshot(
        self, selector: session_pb2.AgentSelector, *, ws: str
    ) -> agent_pb2.SessionAgent:
        kind = selector.WhichOneof("type")
        if kind is None:
            raise errors.InvalidArgument("agent is required.")
        ref = getattr(selector, kind)
        require(ref.id, "agent.id")
        version = ref.version if ref.HasField("version") else None
        agent = await self._store.get_agent(ref.id, version, ws=ws)
        if agent.HasField("archived_at"):
            raise errors.Conflict(f"Agent {agent.id!r} is archived; sessions cannot use it.")
        snap = agent_pb2.SessionAgent(id=agent.id, version=agent.version)
        for name in _SNAPSHOT_FIELDS:
            copy_field(agent, snap, name)
        if kind == "agent_with_overrides":
            o = selector.agent_with_overrides
            for name in _OVERRIDES:
                field = o.DESCRIPTOR.fields_by_name[name]
                present = len(getattr(o, name)) > 0 if field.is_repeated else o.HasField(name)
                if present:
                    snap.ClearField(name)
                    copy_field(o, snap, name)
        normalize_config(snap)
        if agent.HasField("multiagent"):
            await self._snapshot_roster(agent, snap, ws=ws)
        return snap

    async def _snapshot_roster(
        self, agent: agent_pb2.Agent, snap: agent_pb2.SessionAgent, *, ws: str
    ) -> None:
        """Each roster agent's full definition at its pinned version; ``self``
        copies are the coordinator with the session's overrides (docs
        "Multiagent orchestration")."""
        roster = snap.multiagent.coordinator
        roster.SetInParent()
        for entry in agent.multiagent.coordinator.agents:
            ref = entry.agent
            source: agent_pb2.Agent | agent_pb2.SessionAgent
            if ref.id == agent.id:
                source = snap
            else:
                source = await self._store.get_agent(ref.id, ref.version, ws=ws)
            member = roster.agents.add()
            for name in _THREAD_AGENT_FIELDS:
                copy_field(source, member, name)

    async def get(self, session_id: str, *, ws: str) -> session_pb2.Session:
        return await self._store.get_session(session_id, ws=ws)

    async def update(
        self, req: session_pb2.UpdateSessionRequest, *, ws: str
    ) -> session_pb2.Session:
        for path in req.update_mask.paths:
            if path not in _UPDATABLE:
                raise errors.InvalidArgument(f"{path}: this field cannot be updated.")
        if "vault_ids" in req.update_mask.paths:
            for vault_id in req.vault_ids:
                # Only vaults of the caller's workspace (another's are not found).
                await self._store.get_vault(vault_id, ws=ws)

        def patch(s: session_pb2.Session) -> event_pb2.SessionUpdatedEvent:
            # Applied to the session as stored, inside the store's transaction:
            # a concurrent update or archive is never lost.
            if s.HasField("archived_at"):
                raise errors.Conflict(f"Session {s.id!r} is archived and cannot be updated.")
            return _apply(s, req)

        s, changed = await self._store.update_session(req.session_id, patch, now_us(), ws=ws)
        if req.update_mask.paths:
            await self._log.append(
                s.id,
                [
                    NewEvent(
                        ids.new_id(ids.EVENT),
                        "session.updated",
                        event_pb2.SessionEvent(session_updated=changed),
                    )
                ],
            )
            await self.emit(ws, "session.updated", {"id": s.id})
        return await self._store.get_session(s.id, ws=ws)

    async def list_sessions(
        self, req: session_pb2.ListSessionsRequest, *, ws: str
    ) -> tuple[list[session_pb2.Session], str, str]:
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        page = decode_page(req.page_token)
        descending = req.order != common_pb2.SORT_ORDER_ASC
        sessions, more = await self._store.list_sessions(
            limit,
            page,
            descending,
            agent_id=req.agent_id,
            agent_version=req.agent_version if req.HasField("agent_version") else None,
            include_archived=req.include_archived,
            statuses=[STATUS_OF_PROTO[s] for s in req.statuses if s in STATUS_OF_PROTO],
            memory_store_id=req.memory_store_id,
            created=(
                ts_or_none(req, "created_at_gt"),
                ts_or_none(req, "created_at_gte"),
                ts_or_none(req, "created_at_lt"),
                ts_or_none(req, "created_at_lte"),
            ),
            ws=ws,
        )
        next_token = prev_token = ""
        if sessions:
            first, last = sessions[0], sessions[-1]
            backward = page is not None and page.backward
            if more or backward:
                next_token = encode_page([from_timestamp(last.created_at), last.id])
            if page is not None and (more or not backward):
                prev_token = encode_page(
                    [from_timestamp(first.created_at), first.id], backward=True
                )
            if backward and not more:
                prev_token = ""
        return sessions, next_token, prev_token

    async def delete(self, session_id: str, *, ws: str) -> None:
        await self._store.get_session(session_id, ws=ws)
        await self._runtime.stop_session(session_id)
        await self._log.append(
            session_id,
            [
                NewEvent(
                    ids.new_id(ids.EVENT),
                    "session.deleted",
                    event_pb2.SessionEvent(session_deleted=event_pb2.SessionDeletedEvent()),
                )
            ],
        )
        await self._store.delete_session(session_id, ws=ws)
        self._log.broker.close_session(session_id)
        self._log.forget(session_id)
        await self.emit(ws, "session.deleted", {"id": session_id})

    async def archive(self, session_id: str, *, ws: str) -> session_pb2.Session:
        await self._store.archive_session(session_id, now_us(), ws=ws)
        await self.emit(ws, "session.archived", {"id": session_id})
        return await self._store.get_session(session_id, ws=ws)

    async def send(
        self, req: event_pb2.SendEventsRequest, *, ws: str
    ) -> list[event_pb2.SessionEvent]:
        new = _check_events(req.events, "events")
        if not new:
            raise errors.InvalidArgument("events must contain at least one event.")
        answers = [
            e.payload
            for e in new
            if e.type in ("user.tool_confirmation", "user.custom_tool_result", "user.tool_result")
        ]
        await self._check_rubric_files(new, "events", ws)
        limit = None
        if any(e.type == "user.message" for e in new):
            limit = self._running_limit_to_check()
        if answers:
            # Answers are checked against the history: only a session of the
            # caller's workspace has one to check against.
            await self._store.get_session(req.session_id, ws=ws)
            await self._check_answers(req.session_id, answers)
            await self._mark_thread_answers(req.session_id, new)
        # The append itself is scoped: another workspace's session is not found.
        # The running limit is checked by the append itself (the count read in
        # the same statement), and a refusal leaves the session as it was.
        try:
            stored = await self._log.append(
                req.session_id, new, require_open=True, workspace=ws, running_limit=limit
            )
        except RunningLimit:
            raise errors.RateLimited(
                f"This workspace already runs {self._running_limit} sessions at once; "
                "wait for one to go idle, then send again.",
                retry_after=1,
            ) from None
        if any(e.type == "user.define_outcome" for e in new):
            # Listed on the session at once, `pending` until the agent starts on it
            # (the runner may already have: an entry it made is left as it is).
            await self._store.update_session(
                req.session_id, lambda s: _add_pending_outcomes(s, new), now_us(), ws=ws
            )
        self._runtime.notify(req.session_id, stored)
        return stored

    async def _check_rubric_files(self, new: Sequence[NewEvent], name: str, ws: str) -> None:
        """A rubric given as a file must be a text file of the caller's
        workspace when the outcome is defined (another's is not found)."""
        for i, ev in enumerate(new):
            if ev.type != "user.define_outcome":
                continue
            rubric = ev.payload.user_define_outcome.rubric
            if rubric.WhichOneof("type") != "file":
                continue
            where = f"{name}[{i}].rubric"
            if self._files is None:
                raise errors.InvalidArgument(f'{where}: this server has no Files API for "file".')
            await self._files.rubric_text(rubric.file.file_id, ws, where)

    async def _mark_thread_answers(self, session_id: str, new: list[NewEvent]) -> None:
        """An answer to a tool use cross-posted from a thread names that thread
        (the SDK: "Set by the server to the subagent thread this ... was routed to")."""
        events = await self._log.history(session_id)
        origin: dict[str, str] = {}
        for ev in events:
            kind = ev.WhichOneof("payload")
            if kind in ("agent_tool_use", "agent_custom_tool_use", "agent_mcp_tool_use"):
                use = getattr(ev, kind)
                if use.HasField("session_thread_id"):
                    origin[ev.id] = use.session_thread_id
        if not origin:
            return
        for sent in new:
            kind = sent.payload.WhichOneof("payload")
            if kind not in ("user_tool_confirmation", "user_custom_tool_result"):
                continue
            thread_id = origin.get(answer_target(sent.payload) or "")
            if thread_id:
                getattr(sent.payload, kind).session_thread_id = thread_id

    def _running_limit_to_check(self) -> int | None:
        """The limit a message that may start a turn is checked against (one
        to a running session only queues), or None when no check is needed."""
        if not self._store.shared and self._runtime.runner_count() < self._running_limit:
            # One process owns the database: a session runs a turn only while
            # it has a runner here (recovery gives every session left running
            # one), so fewer runners than the limit means fewer running
            # sessions in any workspace.
            return None
        return self._running_limit

    async def _check_answers(self, session_id: str, answers: list[event_pb2.SessionEvent]) -> None:
        """Each answer must name a tool use that waits for one, once."""
        session = await self._store.get_session(session_id, ws=None)
        is_remote = self._workers is not None and await self._workers.is_remote(session)
        events = await self._log.history(session_id)
        waiting = set(pending_actions(events, queued=True, remote=is_remote))
        calls = remote_calls(events, queued=True) if is_remote else RemoteCalls()
        kinds = {e.id: e.WhichOneof("payload") for e in events if e.id in waiting}
        for ans in answers:
            if ans.HasField("user_tool_result"):
                _check_tool_result(ans.user_tool_result.tool_use_id, is_remote, calls, session_id)
                calls.open.remove(ans.user_tool_result.tool_use_id)
                continue
            if is_remote and ans.HasField("user_tool_confirmation"):
                target = ans.user_tool_confirmation.tool_use_id
                if kinds.get(target) == "agent_tool_use":
                    if target not in calls.unconfirmed:
                        raise errors.FailedPrecondition(
                            f"{target!r} is not a tool use that waits for confirmation "
                            f"in session {session_id!r}."
                        )
                    calls.unconfirmed.discard(target)
                    if (
                        ans.user_tool_confirmation.result
                        != event_pb2.TOOL_CONFIRMATION_RESULT_ALLOW
                    ):
                        calls.open.remove(target)
                    continue
            problem = check_answer(ans, waiting, kinds)
            if problem is not None:
                raise errors.FailedPrecondition(f"{problem} in session {session_id!r}.")
            waiting.discard(answer_target(ans) or "")


def _apply(
    s: session_pb2.Session, req: session_pb2.UpdateSessionRequest
) -> event_pb2.SessionUpdatedEvent:
    """Applies an update's mask to the session; returns what changed."""
    changed = event_pb2.SessionUpdatedEvent()
    for path in req.update_mask.paths:
        if path == "metadata":
            patch_metadata(s.metadata, req.metadata, req.metadata_remove)
            changed.metadata.update(s.metadata)
        elif path == "title":
            if req.HasField("title"):
                s.title = _title(req.title)
                changed.title = s.title
            else:
                s.ClearField("title")
        elif path == "budget":
            s.ClearField("budget")
            if req.HasField("budget"):
                s.budget.CopyFrom(_budget(req.budget))
                changed.budget.CopyFrom(s.budget)
        elif path == "vault_ids":
            del s.vault_ids[:]
            s.vault_ids.extend(req.vault_ids)
        else:
            names = ("tools", "mcp_servers") if path == "agent" else (path.split(".")[1],)
            for name in names:
                del getattr(s.agent, name)[:]
                getattr(s.agent, name).extend(getattr(req.agent, name))
            normalize_config(s.agent)
            changed.agent.CopyFrom(s.agent)
    return changed


def _check_tool_result(target: str, is_remote: bool, calls: RemoteCalls, session_id: str) -> None:
    """CONTRACT §5: a ``user.tool_result`` answers a pending call of a
    self-hosted session, and only once that call is confirmed."""
    if not is_remote:
        raise errors.FailedPrecondition(
            "user.tool_result is only accepted for sessions on a self_hosted environment; "
            f"session {session_id!r} runs its tools on the server."
        )
    if target not in calls.open:
        raise errors.FailedPrecondition(
            f"{target!r} is not a tool use that waits for its result in session {session_id!r}."
        )
    if target in calls.unconfirmed:
        raise errors.FailedPrecondition(
            f"{target!r} waits for its user.tool_confirmation; send the result after it is allowed."
        )


def _budget(budget: common_pb2.BudgetLimit) -> common_pb2.BudgetLimit:
    out = common_pb2.BudgetLimit()
    out.CopyFrom(budget)
    amount = out.max_list_cost
    if (amount.currency or "USD") != "USD":
        raise errors.InvalidArgument('budget.max_list_cost.currency must be "USD".')
    amount.currency = "USD"
    try:
        if float(amount.amount) < 0:
            raise ValueError
    except ValueError:
        raise errors.InvalidArgument(
            "budget.max_list_cost.amount must be a non-negative decimal string."
        ) from None
    return out


def _title(title: str) -> str:
    if len(title) > MAX_TITLE:
        raise errors.InvalidArgument(f"title is longer than {MAX_TITLE} characters.")
    return title


def _resource(res: session_pb2.SessionResource, i: int, now: int) -> session_pb2.SessionResource:
    out = session_pb2.SessionResource()
    out.CopyFrom(res)
    kind = out.WhichOneof("type")
    if kind is None:
        raise errors.InvalidArgument(f"resources[{i}].type is required.")
    if kind == "github_repository":
        r = out.github_repository
        require(r.url, f"resources[{i}].url")
        r.authorization_token = ""
        r.id = ids.new_id(ids.RESOURCE)
        r.mount_path = r.mount_path or "/workspace/" + r.url.rstrip("/").rsplit("/", 1)[-1]
        r.created_at.CopyFrom(to_timestamp(now))
        r.updated_at.CopyFrom(to_timestamp(now))
    elif kind == "file":
        f = out.file
        require(f.file_id, f"resources[{i}].file_id")
        f.id = ids.new_id(ids.RESOURCE)
        f.mount_path = f.mount_path or "/workspace/" + f.file_id
        f.created_at.CopyFrom(to_timestamp(now))
        f.updated_at.CopyFrom(to_timestamp(now))
    else:
        require(out.memory_store.memory_store_id, f"resources[{i}].memory_store_id")
    return out


def _check_block(block: common_pb2.ContentBlock, where: str) -> None:
    kind = block.WhichOneof("type")
    if kind is None:
        raise errors.InvalidArgument(f"{where}.type is required.")
    if kind == "text" and not block.text.text:
        raise errors.InvalidArgument(f"{where}.text must not be empty.")
    if kind in ("image", "document"):
        source = getattr(block, kind).source
        skind = source.WhichOneof("type")
        if skind is None:
            raise errors.InvalidArgument(f"{where}.source is required.")
        s = getattr(source, skind)
        if skind in ("base64", "text"):
            require(s.data, f"{where}.source.data")
            require(s.media_type, f"{where}.source.media_type")
        elif skind == "url":
            require(s.url, f"{where}.source.url")
        elif skind == "file":
            require(s.file_id, f"{where}.source.file_id")


def _check_events(events: Sequence[event_pb2.SessionEvent], name: str) -> list[NewEvent]:
    if len(events) > MAX_EVENTS_PER_REQUEST:
        raise errors.InvalidArgument(
            f"{name}: at most {MAX_EVENTS_PER_REQUEST} events can be sent at once."
        )
    out = []
    for i, ev in enumerate(events):
        where = f"{name}[{i}]"
        field = ev.WhichOneof("payload")
        etype = TYPE_BY_FIELD.get(field or "", "")
        if etype not in USER_TYPES:
            raise errors.InvalidArgument(
                f"{where}.type: {etype or 'missing'} cannot be sent; expected one of "
                + ", ".join(sorted(USER_TYPES))
            )
        payload = event_pb2.SessionEvent()
        payload.CopyFrom(ev)
        for envelope in ("id", "session_id", "sequence", "processed_at", "created_at"):
            payload.ClearField(envelope)
        if field == "user_message":
            if not payload.user_message.content:
                raise errors.InvalidArgument(f"{where}.content must not be empty.")
            for j, block in enumerate(payload.user_message.content):
                _check_block(block, f"{where}.content[{j}]")
        elif field == "system_message":
            if not payload.system_message.content:
                raise errors.InvalidArgument(f"{where}.content must not be empty.")
        elif field == "user_tool_confirmation":
            c = payload.user_tool_confirmation
            require(c.tool_use_id, f"{where}.tool_use_id")
            if c.result == event_pb2.TOOL_CONFIRMATION_RESULT_UNSPECIFIED:
                raise errors.InvalidArgument(f'{where}.result must be "allow" or "deny".')
        elif field == "user_custom_tool_result":
            require(
                payload.user_custom_tool_result.custom_tool_use_id, f"{where}.custom_tool_use_id"
            )
        elif field == "user_tool_result":
            require(payload.user_tool_result.tool_use_id, f"{where}.tool_use_id")
        elif field == "user_define_outcome":
            o = payload.user_define_outcome
            require(o.description, f"{where}.description")
            _check_outcome(o, where)
            o.outcome_id = ids.new_id(ids.OUTCOME)
        # An interrupt takes effect when it is accepted; other events wait their turn.
        processed = field == "user_interrupt"
        out.append(NewEvent(ids.new_id(ids.EVENT), etype, payload, processed=processed))
    return out


def _check_outcome(o: event_pb2.UserDefineOutcomeEvent, where: str) -> None:
    """An outcome's rubric and budget (the docs' "Define outcomes": max_iterations
    defaults to 3, at most 20)."""
    kind = o.rubric.WhichOneof("type")
    if kind is None:
        raise errors.InvalidArgument(f"{where}.rubric is required.")
    if kind == "file":
        # Read (and its workspace checked) by SessionService._check_rubric_files.
        require(o.rubric.file.file_id, f"{where}.rubric.file_id")
    else:
        require(o.rubric.text.content, f"{where}.rubric.content")
    if o.HasField("max_iterations") and not 1 <= o.max_iterations <= MAX_OUTCOME_ITERATIONS:
        raise errors.InvalidArgument(
            f"{where}.max_iterations must be between 1 and {MAX_OUTCOME_ITERATIONS}."
        )


def _add_pending_outcomes(s: session_pb2.Session, new: Sequence[NewEvent]) -> None:
    known = {e.outcome_id for e in s.outcome_evaluations}
    for ev in new:
        if ev.type != "user.define_outcome":
            continue
        o = ev.payload.user_define_outcome
        if o.outcome_id not in known:
            s.outcome_evaluations.add(
                outcome_id=o.outcome_id, description=o.description, result="pending"
            )
