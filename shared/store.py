"""The job store: the one piece of code that reads and writes ``job:<uuid>``.

Every write goes through one Lua script (``shared/lua/write.lua``) that checks, atomically in
Redis, that the writer still holds the job (same attempt, an allowed status) before it replaces
the record, and that updates with it the checkpoint, the event stream, the lease set, the status
indexes and, when a job is (re)queued, arq's queue entry. A writer whose check fails gets a
:class:`WriteRejected` carrying the record as it now is, and must stop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Final
from uuid import UUID

from redis.asyncio import Redis

from shared import keys
from shared.batching import ScriptBatcher
from shared.models import JobRecord, JobStatus, utcnow
from shared.queue import ARQ_EXPIRES_EXTRA_MS, arq_entry, now_ms
from shared.settings import Settings

_WRITE_LUA: Final = files("shared").joinpath("lua/write.lua").read_text()
_TAKE_LUA: Final = files("shared").joinpath("lua/take.lua").read_text()


class WriteRejected(Exception):
    """A guarded write found the job changed under it. ``current`` is the record now stored."""

    def __init__(self, reason: str, current: JobRecord | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.current = current


FORGET_DEAD_WORKERS_MS: Final = 86_400_000


class QueueFull(Exception):
    """Backpressure: the queue already holds its cap of entries; nothing was written."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"the queue holds {cap} jobs, its limit")
        self.cap = cap


class IdempotencyConflict(Exception):
    """The idempotency key was already used, with a different request body."""

    def __init__(self, job_id: UUID) -> None:
        super().__init__(f"idempotency key already used for job {job_id} with another body")
        self.job_id = job_id


class JobExists(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A client's ``Idempotency-Key`` (scoped to its owner) and a hash of the body it came with."""

    key_hash: str
    body_hash: str


@dataclass(frozen=True, slots=True)
class Created:
    job_id: UUID
    replayed: bool


@dataclass(frozen=True, slots=True)
class Taken:
    """A queue entry a worker took: its id, its arq payload, and the job record it names."""

    entry: str
    payload: bytes
    record: bytes | None


@dataclass(frozen=True, slots=True)
class Lease:
    job_id: str
    attempt: int

    @property
    def member(self) -> str:
        return f"{self.job_id}|{self.attempt}"

    @classmethod
    def parse(cls, member: str | bytes) -> Lease:
        text = member.decode() if isinstance(member, bytes) else member
        job_id, _, attempt = text.rpartition("|")
        return cls(job_id, int(attempt))


def event_of(record: JobRecord) -> dict[str, Any]:
    """What the event stream says about a record: its visible state, without the result."""
    return {
        "job_id": str(record.job_id),
        "status": record.status.value,
        "progress": record.progress,
        "current_step": record.current_step,
        "attempt": record.attempt,
        "error": record.error,
        "error_code": record.error_code.value if record.error_code else None,
    }


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _lua_table(names: dict[str, str | int]) -> str:
    """``{queue = "arq:queue", ...}``: key names as a Lua table literal (ASCII names only)."""
    fields = []
    for name, value in names.items():
        if isinstance(value, str):
            if not value.isascii() or '"' in value or "\\" in value:
                raise ValueError(f"Redis key name {value!r} must be plain ASCII, without quotes or backslashes")
            fields.append(f'{name} = "{value}"')
        else:
            fields.append(f"{name} = {int(value)}")
    return "{" + ", ".join(fields) + "}"


class JobStore:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.settings = settings
        names = _lua_table(keys.script_names(settings.queue_name))
        self._write = ScriptBatcher(redis, redis.register_script(_WRITE_LUA.replace("__KEY_NAMES__", names)))
        self._take = redis.register_script(_TAKE_LUA.replace("__KEY_NAMES__", names))

    async def get(self, job_id: UUID | str) -> JobRecord | None:
        raw = await self.redis.get(keys.job(str(job_id)))
        return None if raw is None else JobRecord.model_validate_json(raw)

    async def create(self, record: JobRecord, *, idempotency: Idempotency | None = None) -> Created:
        """Store a new pending job and its queue entry in one atomic step.

        Refuses, writing nothing, when the queue holds ``max_queued_jobs`` entries (:class:`QueueFull`)
        or the id exists. With ``idempotency``, a key already used returns the job it made instead
        (``replayed``), or raises :class:`IdempotencyConflict` if it was used with another body.
        """
        code, prior = await self._run("create", record, dispatch_defer_ms=0, idempotency=idempotency)
        if code == 1:
            return Created(record.job_id, replayed=False)
        if code == 2 and idempotency is not None:
            job_id, _, body_hash = (prior or b"").decode().partition("|")
            if body_hash != idempotency.body_hash:
                raise IdempotencyConflict(UUID(job_id))
            return Created(UUID(job_id), replayed=True)
        if code == -5:
            raise QueueFull(self.settings.max_queued_jobs)
        raise JobExists(record.job_id)

    async def write(
        self,
        record: JobRecord,
        *,
        expect_attempt: int | None,
        allowed: Iterable[JobStatus] | None,
        checkpoint: tuple[str, Any] | None = None,
        lease_remove: Lease | None = None,
        lease_add: Lease | None = None,
        dispatch_defer_ms: int | None = None,
        finish_entry: str | None = None,
        expect_entry: str | None = None,
    ) -> None:
        """Replace the stored record with ``record`` if the guard holds, else raise.

        ``dispatch_defer_ms`` queues the record's ``dispatch`` entry to run after that delay;
        ``finish_entry`` removes that queue entry for good (the one a worker ran, or a cancelled
        pending job's).
        """
        code, current = await self._run(
            "update",
            record,
            expect_attempt=expect_attempt,
            allowed=allowed,
            checkpoint=checkpoint,
            lease_remove=lease_remove,
            lease_add=lease_add,
            dispatch_defer_ms=dispatch_defer_ms,
            finish_entry=finish_entry,
            expect_entry=expect_entry,
        )
        if code == 1:
            return
        existing = JobRecord.model_validate_json(current) if current else None
        reason = {0: "gone", -1: "stale attempt", -2: "status changed"}[code]
        raise WriteRejected(reason, existing)

    async def _run(
        self,
        mode: str,
        record: JobRecord,
        *,
        expect_attempt: int | None = None,
        allowed: Iterable[JobStatus] | None = None,
        checkpoint: tuple[str, Any] | None = None,
        lease_remove: Lease | None = None,
        lease_add: Lease | None = None,
        dispatch_defer_ms: int | None = None,
        finish_entry: str | None = None,
        expect_entry: str | None = None,
        idempotency: Idempotency | None = None,
    ) -> tuple[int, bytes | None]:
        job_id = str(record.job_id)
        now = now_ms()
        record = record.model_copy(update={"updated_at": utcnow()})
        options: dict[str, Any] = {
            "id": job_id,
            "status": record.status.value,
            "ttl": self.settings.job_ttl_seconds,
            "now": now,
            "created": int(record.created_at.timestamp() * 1000),
        }
        if expect_attempt is not None:
            options["attempt"] = expect_attempt
        if allowed is not None:
            options["allowed"] = "," + ",".join(s.value for s in allowed) + ","
        if expect_entry is not None:
            options["entry"] = expect_entry
        if checkpoint is not None:
            options["checkpoint"] = checkpoint[0]
        if lease_remove is not None:
            options["lease_rm"] = lease_remove.member
        if lease_add is not None:
            options["lease_add"] = lease_add.member
            options["lease_until"] = now + int(self.settings.lease_seconds * 1000)
        entry = b""
        if dispatch_defer_ms is not None:
            entry = arq_entry(job_id, enqueue_ms=now)
            options.update(
                dispatch=record.dispatch,
                score=now + dispatch_defer_ms,
                entry_ttl=dispatch_defer_ms + ARQ_EXPIRES_EXTRA_MS,
            )
        if finish_entry:
            options["finish"] = finish_entry
        idem_key = ""
        if mode == "create":
            options["cap"] = self.settings.max_queued_jobs
            if record.owner is not None:
                options["owner"] = record.owner
            if idempotency is not None:
                options["idem"] = f"{job_id}|{idempotency.body_hash}"
                idem_key = keys.idempotency(idempotency.key_hash)
        if record.error_code is not None:
            options["code"] = record.error_code.value
        if record.is_terminal:
            options["terminal"] = True
        code, current = await self._write(
            [keys.job(job_id)],
            [
                mode,
                record.model_dump_json(),
                _compact(options),
                _compact(checkpoint[1]) if checkpoint is not None else "",
                _compact(event_of(record)),
                entry,
                idem_key,
            ],
        )
        return int(code), current or None

    async def take(self, limit: int, taken_ttl_ms: int) -> list[Taken]:
        """Take up to ``limit`` due queue entries, each with its payload and job record."""
        flat = await self._take(keys=[self.settings.queue_name], args=[now_ms(), limit, taken_ttl_ms])
        return [Taken(flat[i].decode(), flat[i + 1], flat[i + 2] or None) for i in range(0, len(flat), 3)]

    async def finish_entry(self, entry: str) -> None:
        """Forget a queue entry that will not run (its job ended, moved on, or never existed)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.arq_job(entry), keys.ARQ_IN_PROGRESS_PREFIX + entry)
            pipe.zrem(self.settings.queue_name, entry)
            await pipe.execute()

    async def wait_for_work(self, seconds: float) -> bool:
        """Block until a job is queued to run now (or ``seconds`` pass). True if woken."""
        woken = await self.redis.blpop([keys.WAKE], timeout=seconds)  # type: ignore[arg-type,misc]
        return bool(woken)

    async def load_checkpoints(self, job_id: UUID | str) -> dict[str, Any]:
        raw: dict[bytes, bytes] = await self.redis.hgetall(keys.checkpoints(str(job_id)))  # type: ignore[misc]
        return {name.decode(): json.loads(value) for name, value in raw.items()}

    async def renew_leases(self, leases: Iterable[Lease], *, heartbeat: str | None = None) -> list[bool]:
        """Push the expiry of leases a worker still holds, in one round trip; never re-adds a
        lease taken away. Returns, for each lease, whether it was still there. With ``heartbeat``,
        also records that worker as alive (and forgets workers silent for a day: a SIGKILLed
        worker never leaves)."""
        members = [lease.member for lease in leases]
        now = now_ms()
        async with self.redis.pipeline(transaction=False) as pipe:
            if members:
                pipe.zmscore(keys.LEASES, members)
                pipe.zadd(keys.LEASES, dict.fromkeys(members, now + int(self.settings.lease_seconds * 1000)), xx=True)
            if heartbeat is not None:
                pipe.zadd(keys.WORKERS, {heartbeat: now})
                pipe.zremrangebyscore(keys.WORKERS, "-inf", now - FORGET_DEAD_WORKERS_MS)
            replies = await pipe.execute()
        return [score is not None for score in replies[0]] if members else []

    async def expired_leases(self, limit: int = 100) -> list[Lease]:
        members = await self.redis.zrangebyscore(keys.LEASES, "-inf", now_ms(), start=0, num=limit)
        return [Lease.parse(member) for member in members]

    async def drop_lease(self, lease: Lease) -> None:
        """Forget a lease whose job no longer exists (expired record)."""
        await self.redis.zrem(keys.LEASES, lease.member)

    async def delete_finished(self, older_than_seconds: int, batch: int = 500) -> int:
        """Delete finished jobs created more than ``older_than_seconds`` ago. Returns the count."""
        cutoff = now_ms() - older_than_seconds * 1000
        removed = 0
        for status in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED):
            index = keys.status_index(status.value)
            while True:
                ids = [i.decode() for i in await self.redis.zrangebyscore(index, "-inf", cutoff, start=0, num=batch)]
                if not ids:
                    break
                async with self.redis.pipeline(transaction=True) as pipe:
                    for job_id in ids:
                        pipe.delete(keys.job(job_id), keys.checkpoints(job_id), keys.events(job_id))
                    pipe.zrem(index, *ids)
                    pipe.zrem(keys.INDEX_ALL, *ids)
                    replies = await pipe.execute()
                removed += sum(1 for n in replies[: len(ids)] if n)
        return removed
