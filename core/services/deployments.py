"""Deployments: an agent bound to an environment, resources, vaults and initial
events, run now or on a cron schedule; each run creates a session (docs:
"Scheduled deployments"; the SDK's ``deployments`` and ``deployment_runs``).

Rules kept here:

- a deployment pins its agent to a version (the latest when none is given);
- ``initial_events``: 1 to 50 of user.message, user.define_outcome and
  system.message, with at least one user.message or user.define_outcome;
- ``status`` is ``paused`` exactly when ``paused_reason`` is set; a paused
  deployment fires no scheduled run but runs when asked to; an archived one
  never runs again and lists no upcoming ticks;
- a scheduled run whose session cannot be made for a reason that will not clear
  by itself (agent or environment archived, a vault or file gone…) pauses the
  deployment with that error; rate limits and rejections do not;
- ticks missed while no replica ran (or while paused) are not replayed one by
  one: on start the newest missed tick fires once, and unpausing waits for the
  next tick.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sessiond.core import errors, ids
from sessiond.core.clock import Clock
from sessiond.core.cron import Cron, CronError
from sessiond.core.secrets import SecretBox
from sessiond.core.services.common import (
    check_metadata,
    decode_page,
    encode_page,
    page_size,
    patch_metadata,
    require,
    ts_or_none,
)
from sessiond.core.services.emit import EmitFn, no_emit
from sessiond.core.services.sessions import SessionService
from sessiond.core.store.deployments import DeploymentStore, Due, RunFilter
from sessiond.core.store.store import Store
from sessiond.core.timeutil import from_timestamp, now_us, to_timestamp
from sessiond.v1 import deployment_pb2 as pb
from sessiond.v1 import event_pb2, session_pb2

log = logging.getLogger(__name__)

DEPLOYMENT = "depl"
RUN = "drun"
DEFAULT_PAGE = 20
MAX_PAGE = 100
MAX_RUN_PAGE = 1000
MAX_INITIAL_EVENTS = 50
MAX_VAULTS = 50
MAX_RESOURCES = 500
UPCOMING = 5
_SEALED = "sealed:"
_EVENT_FIELDS = ("user_message", "user_define_outcome", "system_message")
_STARTERS = ("user_message", "user_define_outcome")
# Run errors that do not pause a deployment (the SDK's paused-reason errors
# list every other run error).
_TRANSIENT = frozenset({"session_rate_limited_error", "session_creation_rejected_error"})
_UPDATABLE = frozenset(
    {
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
    }
)


class RunFailed(Exception):
    """A run could not make its session: ``kind`` is the SDK's error type."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _us(dt: datetime) -> int:
    return int(dt.timestamp() * 1_000_000)


def _dt(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


def _cron(schedule: pb.CronSchedule) -> Cron:
    try:
        return Cron.parse(schedule.expression, schedule.timezone)
    except CronError as e:
        raise errors.InvalidArgument(f"schedule: {e}.") from None


class DeploymentService:
    def __init__(
        self,
        store: Store,
        deployments: DeploymentStore,
        sessions: SessionService,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
        *,
        box: SecretBox | None = None,
    ) -> None:
        # Seals repository tokens at rest; they are opened only to make a run's session.
        self._box = box
        self._store = store
        self._db = deployments
        self._sessions = sessions
        self._clock = clock
        # Tells the scheduler that a schedule changed on this replica.
        self.wake = wake
        # Webhook events (core/services/emit.py); the core wires it.
        self.emit: EmitFn = no_emit

    # ------------------------------------------------------------------ views

    def _view(self, d: pb.Deployment) -> pb.Deployment:
        """The deployment as a caller sees it: upcoming ticks computed now."""
        out = pb.Deployment()
        out.CopyFrom(d)
        if out.HasField("schedule"):
            del out.schedule.upcoming_runs_at[:]
            if not out.HasField("archived_at"):
                cron = Cron.parse(out.schedule.expression, out.schedule.timezone)
                for t in cron.upcoming(self._clock.now(), UPCOMING):
                    out.schedule.upcoming_runs_at.append(to_timestamp(_us(t)))
        return out

    def _next_fire(self, d: pb.Deployment) -> int | None:
        if not d.HasField("schedule") or d.HasField("archived_at"):
            return None
        nxt = _cron(d.schedule).after(self._clock.now())
        return None if nxt is None else _us(nxt)

    # ------------------------------------------------------------------ rules

    async def _check_agent(self, d: pb.Deployment, *, ws: str) -> None:
        require(d.agent.id, "agent")
        agent = await self._store.get_agent(d.agent.id, d.agent.version or None, ws=ws)
        if agent.HasField("archived_at"):
            raise errors.InvalidArgument(f"agent: agent {agent.id!r} is archived.")
        d.agent.version = agent.version

    async def _check_environment(self, d: pb.Deployment, *, ws: str) -> None:
        env = await self._store.get_environment(require(d.environment_id, "environment_id"), ws=ws)
        if env.HasField("archived_at"):
            raise errors.InvalidArgument(f"environment_id: environment {env.id!r} is archived.")

    @staticmethod
    def _check_events(d: pb.Deployment) -> None:
        n = len(d.initial_events)
        if not 1 <= n <= MAX_INITIAL_EVENTS:
            raise errors.InvalidArgument(
                f"initial_events: between 1 and {MAX_INITIAL_EVENTS} events are required, got {n}."
            )
        for i, ev in enumerate(d.initial_events):
            which = ev.WhichOneof("payload")
            if which not in _EVENT_FIELDS:
                raise errors.InvalidArgument(
                    f"initial_events[{i}].type: expected user.message, user.define_outcome "
                    "or system.message."
                )
            for envelope in ("id", "session_id", "sequence", "processed_at", "created_at"):
                ev.ClearField(envelope)
            if which == "user_message" and not ev.user_message.content:
                raise errors.InvalidArgument(f"initial_events[{i}].content must not be empty.")
            if which == "system_message" and not ev.system_message.content:
                raise errors.InvalidArgument(f"initial_events[{i}].content must not be empty.")
            if which == "user_define_outcome":
                require(ev.user_define_outcome.description, f"initial_events[{i}].description")
        if not any(ev.WhichOneof("payload") in _STARTERS for ev in d.initial_events):
            raise errors.InvalidArgument(
                "initial_events: at least one user.message or user.define_outcome is required."
            )

    async def _check(
        self, d: pb.Deployment, *, ws: str, paths: frozenset[str] | None = None
    ) -> None:
        """Checks the fields in ``paths`` (every field when None): an update
        leaves what it does not name as it was, even if it no longer passes
        (an archived agent is a run's error, not the update's)."""

        def want(name: str) -> bool:
            return paths is None or name in paths

        if want("name") and not d.name.strip():
            raise errors.InvalidArgument("name is required and must not be empty.")
        if want("agent"):
            await self._check_agent(d, ws=ws)
        if want("environment_id"):
            await self._check_environment(d, ws=ws)
        if want("initial_events"):
            self._check_events(d)
        if want("metadata"):
            check_metadata(d.metadata)
        if want("vault_ids"):
            if len(d.vault_ids) > MAX_VAULTS:
                raise errors.InvalidArgument(f"vault_ids: at most {MAX_VAULTS} vaults are allowed.")
            for vault_id in d.vault_ids:
                await self._store.get_vault(vault_id, ws=ws)
        if want("resources") and len(d.resources) > MAX_RESOURCES:
            raise errors.InvalidArgument(f"resources: at most {MAX_RESOURCES} are allowed.")
        if want("schedule") and d.HasField("schedule"):
            _cron(d.schedule)

    def _seal(self, d: pb.Deployment) -> None:
        """Replaces each repository token by its sealed form (never stored in clear)."""
        for i, res in enumerate(d.resources):
            repo = res.github_repository
            if res.WhichOneof("type") != "github_repository" or not repo.authorization_token:
                continue
            if self._box is None:
                raise errors.FailedPrecondition("repository tokens cannot be kept here.")
            sealed = self._box.seal(repo.authorization_token, f"{d.id}/{i}")
            repo.authorization_token = _SEALED + base64.urlsafe_b64encode(sealed).decode()

    def _unseal(self, resources: Sequence[session_pb2.SessionResource], deployment_id: str) -> None:
        for i, res in enumerate(resources):
            repo = res.github_repository
            if not repo.authorization_token.startswith(_SEALED) or self._box is None:
                continue
            sealed = base64.urlsafe_b64decode(repo.authorization_token[len(_SEALED) :])
            repo.authorization_token = self._box.open(sealed, f"{deployment_id}/{i}") or ""

    # ------------------------------------------------------------------ verbs

    async def create(self, req: pb.CreateDeploymentRequest, *, ws: str) -> pb.Deployment:
        d = pb.Deployment()
        d.CopyFrom(req.deployment)
        for output in ("paused_reason", "archived_at", "created_at", "updated_at"):
            d.ClearField(output)
        if d.HasField("schedule"):
            d.schedule.ClearField("last_run_at")
            del d.schedule.upcoming_runs_at[:]
        await self._check(d, ws=ws)
        now = now_us()
        d.id = ids.new_id(DEPLOYMENT)
        self._seal(d)
        d.status = pb.DEPLOYMENT_STATUS_ACTIVE
        d.created_at.CopyFrom(to_timestamp(now))
        d.updated_at.CopyFrom(to_timestamp(now))
        await self._db.insert(d, self._next_fire(d), ws=ws)
        self.wake()
        await self.emit(ws, "deployment.created", {"id": d.id})
        return self._view(d)

    async def get(self, deployment_id: str, *, ws: str) -> pb.Deployment:
        d, _ = await self._db.get(deployment_id, ws=ws)
        return self._view(d)

    async def update(self, req: pb.UpdateDeploymentRequest, *, ws: str) -> pb.Deployment:
        d, nxt = await self._db.get(req.deployment_id, ws=ws)
        if d.HasField("archived_at"):
            raise errors.Conflict(f"Deployment {d.id!r} is archived and cannot be updated.")
        src = req.deployment
        paths = set(req.update_mask.paths)
        if req.metadata_remove:
            paths.add("metadata")
        unknown = paths - _UPDATABLE
        if unknown:
            raise errors.InvalidArgument(f"{sorted(unknown)[0]}: this field cannot be updated.")
        for path in paths:
            if path == "metadata":
                patch_metadata(d.metadata, src.metadata, req.metadata_remove)
            elif path in ("initial_events", "resources", "vault_ids"):
                field = getattr(d, path)
                del field[:]
                field.extend(getattr(src, path))
            elif path == "description":
                d.ClearField(path)
                if src.description:
                    d.description = src.description
            elif path in ("budget", "schedule"):
                d.ClearField(path)
                if src.HasField(path):
                    getattr(d, path).CopyFrom(getattr(src, path))
            elif path == "agent":
                d.agent.CopyFrom(src.agent)
            else:
                setattr(d, path, getattr(src, path))
        if "schedule" in paths and d.HasField("schedule"):
            d.schedule.ClearField("last_run_at")
            del d.schedule.upcoming_runs_at[:]
        await self._check(d, ws=ws, paths=frozenset(paths))
        if "resources" in paths:
            self._seal(d)
        d.updated_at.CopyFrom(to_timestamp(now_us()))
        if "schedule" in paths:
            nxt = self._next_fire(d)
        await self._db.save(d, nxt, ws=ws)
        self.wake()
        await self.emit(ws, "deployment.updated", {"id": d.id})
        return self._view(d)

    async def list_deployments(
        self, req: pb.ListDeploymentsRequest, *, ws: str
    ) -> tuple[list[pb.Deployment], str]:
        if req.include_archived and req.status:
            raise errors.InvalidArgument("status and include_archived cannot be combined.")
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_PAGE)
        page = decode_page(req.page_token)
        items, more = await self._db.list_deployments(
            limit,
            page,
            ws=ws,
            agent_id=req.agent_id,
            include_archived=req.include_archived,
            status=int(req.status),
            created=(ts_or_none(req, "created_at_gte"), ts_or_none(req, "created_at_lte")),
        )
        token = ""
        if more and items:
            last = items[-1]
            token = encode_page((from_timestamp(last.created_at), last.id))
        return [self._view(d) for d in items], token

    async def archive(self, deployment_id: str, *, ws: str) -> pb.Deployment:
        d, _ = await self._db.get(deployment_id, ws=ws)
        if not d.HasField("archived_at"):
            now = now_us()
            d.archived_at.CopyFrom(to_timestamp(now))
            d.updated_at.CopyFrom(to_timestamp(now))
            # Archived deployments report `active` (the SDK's DeploymentStatus).
            d.status = pb.DEPLOYMENT_STATUS_ACTIVE
            d.ClearField("paused_reason")
            await self._db.save(d, None, ws=ws)
            await self.emit(ws, "deployment.archived", {"id": d.id})
        return self._view(d)

    async def pause(self, deployment_id: str, *, ws: str) -> pb.Deployment:
        d, nxt = await self._db.get(deployment_id, ws=ws)
        if d.HasField("archived_at"):
            raise errors.Conflict(f"Deployment {d.id!r} is archived and cannot be paused.")
        if d.status != pb.DEPLOYMENT_STATUS_PAUSED:
            d.status = pb.DEPLOYMENT_STATUS_PAUSED
            d.paused_reason.manual.SetInParent()
            d.updated_at.CopyFrom(to_timestamp(now_us()))
            await self._db.save(d, nxt, ws=ws)
            await self.emit(ws, "deployment.paused", {"id": d.id})
        return self._view(d)

    async def unpause(self, deployment_id: str, *, ws: str) -> pb.Deployment:
        d, nxt = await self._db.get(deployment_id, ws=ws)
        if d.HasField("archived_at"):
            raise errors.Conflict(f"Deployment {d.id!r} is archived and cannot be unpaused.")
        if d.status == pb.DEPLOYMENT_STATUS_PAUSED:
            d.status = pb.DEPLOYMENT_STATUS_ACTIVE
            d.ClearField("paused_reason")
            d.updated_at.CopyFrom(to_timestamp(now_us()))
            # Ticks missed while paused are not fired: wait for the next one.
            await self._db.save(d, self._next_fire(d), ws=ws)
            self.wake()
            await self.emit(ws, "deployment.unpaused", {"id": d.id})
        return self._view(d)

    # ------------------------------------------------------------------- runs

    def _new_run(self, d: pb.Deployment) -> pb.DeploymentRun:
        run = pb.DeploymentRun(id=ids.new_id(RUN), deployment_id=d.id)
        run.agent.CopyFrom(d.agent)
        run.created_at.CopyFrom(to_timestamp(now_us()))
        return run

    async def run_now(self, deployment_id: str, *, ws: str) -> pb.DeploymentRun:
        d, _ = await self._db.get(deployment_id, ws=ws)
        if d.HasField("archived_at"):
            raise errors.Conflict(f"Deployment {d.id!r} is archived and cannot run.")
        run = self._new_run(d)
        run.trigger_context.manual.SetInParent()
        await self._execute(d, run, ws=ws)
        await self._db.insert_run(run, ws=ws)
        return run

    async def _execute(self, d: pb.Deployment, run: pb.DeploymentRun, *, ws: str) -> None:
        """Makes the run's session, or records why it could not."""
        await self.emit(ws, "deployment_run.started", {"id": run.id})
        try:
            run.session_id = await self._make_session(d, ws=ws)
        except RunFailed as e:
            run.error.type = e.kind
            run.error.message = e.message
            await self.emit(ws, "deployment_run.failed", {"id": run.id})
        else:
            await self.emit(ws, "deployment_run.succeeded", {"id": run.id})

    async def _make_session(self, d: pb.Deployment, *, ws: str) -> str:
        try:
            agent = await self._store.get_agent(d.agent.id, d.agent.version, ws=ws)
        except errors.NotFound:
            raise RunFailed("agent_archived_error", f"Agent {d.agent.id!r} is gone.") from None
        if agent.HasField("archived_at"):
            raise RunFailed("agent_archived_error", f"Agent {agent.id!r} is archived.")
        try:
            env = await self._store.get_environment(d.environment_id, ws=ws)
        except errors.NotFound:
            raise RunFailed(
                "environment_not_found_error", f"Environment {d.environment_id!r} is gone."
            ) from None
        if env.HasField("archived_at"):
            raise RunFailed("environment_archived_error", f"Environment {env.id!r} is archived.")
        for vault_id in d.vault_ids:
            try:
                vault = await self._store.get_vault(vault_id, ws=ws)
            except errors.NotFound:
                raise RunFailed("vault_not_found_error", f"Vault {vault_id!r} is gone.") from None
            if vault.HasField("archived_at"):
                raise RunFailed("vault_archived_error", f"Vault {vault_id!r} is archived.")
        req = session_pb2.CreateSessionRequest(environment_id=d.environment_id)
        req.agent.agent.id = d.agent.id
        req.agent.agent.version = d.agent.version
        if d.HasField("budget"):
            req.budget.CopyFrom(d.budget)
        req.resources.extend(d.resources)
        self._unseal(req.resources, d.id)
        req.vault_ids.extend(d.vault_ids)
        try:
            session = await self._sessions.create(req, ws=ws, deployment_id=d.id)
        except errors.RateLimited as e:
            raise RunFailed("session_rate_limited_error", str(e)) from None
        except errors.NotFound as e:
            kind = _missing_resource(d)
            raise RunFailed(kind, str(e)) from None
        except errors.SessiondError as e:
            raise RunFailed("session_creation_rejected_error", str(e)) from None
        events = event_pb2.SendEventsRequest(session_id=session.id)
        events.events.extend(d.initial_events)
        try:
            await self._sessions.send(events, ws=ws)
        except errors.SessiondError as e:
            raise RunFailed("session_creation_rejected_error", str(e)) from None
        return session.id

    async def get_run(self, run_id: str, *, ws: str) -> pb.DeploymentRun:
        return await self._db.get_run(run_id, ws=ws)

    async def list_runs(
        self, req: pb.ListDeploymentRunsRequest, *, ws: str
    ) -> tuple[list[pb.DeploymentRun], str]:
        if req.trigger_type not in ("", "schedule", "manual"):
            raise errors.InvalidArgument('trigger_type must be "schedule" or "manual".')
        limit = page_size(req.page_size, DEFAULT_PAGE, MAX_RUN_PAGE)
        page = decode_page(req.page_token)
        f = RunFilter(
            deployment_id=req.deployment_id,
            has_error=req.has_error if req.HasField("has_error") else None,
            trigger=req.trigger_type,
            created=(
                ts_or_none(req, "created_at_gt"),
                ts_or_none(req, "created_at_gte"),
                ts_or_none(req, "created_at_lt"),
                ts_or_none(req, "created_at_lte"),
            ),
        )
        items, more = await self._db.list_runs(limit, page, f, ws=ws)
        token = ""
        if more and items:
            last = items[-1]
            token = encode_page((from_timestamp(last.created_at), last.id))
        return items, token

    # --------------------------------------------------------------- schedule

    async def fire(self, due: Due) -> bool:
        """Fires the newest tick of ``due`` that has come, if this replica claims
        it first; True if it did."""
        d, nxt = await self._db.get(due.deployment_id, ws=due.workspace)
        if nxt != due.next_fire_at or not d.HasField("schedule"):
            return False
        now = self._clock.now()
        cron = Cron.parse(d.schedule.expression, d.schedule.timezone)
        tick = cron.latest_at_or_before(now, _dt(due.next_fire_at - 1)) or _dt(due.next_fire_at)
        following = cron.after(tick)
        run = self._new_run(d)
        run.trigger_context.schedule.scheduled_at.CopyFrom(to_timestamp(_us(tick)))
        new_next = None if following is None else _us(following)
        if not await self._db.claim_tick(due, new_next, run, _us(tick)):
            return False
        await self._complete(run, due.workspace, started=now)
        return True

    async def _complete(self, run: pb.DeploymentRun, ws: str, *, started: datetime) -> None:
        d, nxt = await self._db.get(run.deployment_id, ws=ws)
        paused = False
        await self._execute(d, run, ws=ws)
        await self._db.finish_run(run)
        # Re-read: the deployment may have changed while the session was made.
        d, nxt = await self._db.get(run.deployment_id, ws=ws)
        if d.HasField("schedule"):
            d.schedule.last_run_at.CopyFrom(to_timestamp(_us(started)))
        if run.HasField("error") and run.error.type not in _TRANSIENT:
            if not d.HasField("archived_at") and d.status != pb.DEPLOYMENT_STATUS_PAUSED:
                log.info("deployment %s paused: %s", d.id, run.error.type)
                d.status = pb.DEPLOYMENT_STATUS_PAUSED
                d.paused_reason.error.error.type = run.error.type
                d.updated_at.CopyFrom(to_timestamp(now_us()))
                paused = True
        await self._db.save(d, nxt, ws=ws)
        if paused:
            await self.emit(ws, "deployment.paused", {"id": d.id})

    async def recover(self, stale_us: int) -> None:
        """Finishes runs whose replica stopped between claiming a tick and making
        its session (claimed more than ``stale_us`` ago)."""
        before = now_us() - stale_us
        for run, ws in await self._db.unfinished_runs(before):
            if await self._db.take_unfinished(run.id, from_timestamp(run.created_at), now_us()):
                await self._complete(run, ws, started=self._clock.now())

    async def next_tick(self) -> int | None:
        return await self._db.next_tick()

    async def due(self) -> list[Due]:
        return await self._db.due(_us(self._clock.now()))


def _missing_resource(d: pb.Deployment) -> str:
    kinds = {r.WhichOneof("type") for r in d.resources}
    if kinds == {"file"}:
        return "file_not_found_error"
    return "session_resource_not_found_error"
