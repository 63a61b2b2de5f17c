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
from shared.models import JobRecord, JobStatus
from shared.queue import ARQ_EXPIRES_EXTRA_MS, arq_entry, now_ms
from shared.settings import Settings

_WRITE_LUA: Final = files("shared").joinpath("lua/write.lua").read_text()
EVENTS_MAX_LEN: Final = 500
_STATUSES: Final = tuple(JobStatus)


class WriteRejected(Exception):
    """A guarded write found the job changed under it. ``current`` is the record now stored."""

    def __init__(self, reason: str, current: JobRecord | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.current = current


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


class JobStore:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.settings = settings
        self._write = redis.register_script(_WRITE_LUA)

    async def get(self, job_id: UUID | str) -> JobRecord | None:
        raw = await self.redis.get(keys.job(str(job_id)))
        return None if raw is None else JobRecord.model_validate_json(raw)

    async def create(self, record: JobRecord) -> bool:
        """Store a new pending job and its queue entry in one step. False if the id exists."""
        ok, _ = await self._run("create", record, dispatch_defer_ms=0)
        return ok == 1

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
    ) -> None:
        """Replace the stored record with ``record`` if the guard holds, else raise."""
        code, current = await self._run(
            "update",
            record,
            expect_attempt=expect_attempt,
            allowed=allowed,
            checkpoint=checkpoint,
            lease_remove=lease_remove,
            lease_add=lease_add,
            dispatch_defer_ms=dispatch_defer_ms,
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
    ) -> tuple[int, bytes | None]:
        job_id = str(record.job_id)
        now = now_ms()
        entry = b""
        if dispatch_defer_ms is not None:
            entry = arq_entry(job_id, enqueue_ms=now)
        script_keys = [
            keys.job(job_id),
            keys.checkpoints(job_id),
            keys.events(job_id),
            keys.LEASES,
            self.settings.queue_name,
            keys.arq_job(record.dispatch),
            keys.INDEX_ALL,
            *(keys.status_index(status) for status in _STATUSES),
        ]
        args: list[str | bytes | int] = [
            mode,
            record.model_dump_json(),
            record.status.value,
            self.settings.job_ttl_seconds,
            "" if expect_attempt is None else str(expect_attempt),
            "" if allowed is None else "," + ",".join(s.value for s in allowed) + ",",
            checkpoint[0] if checkpoint else "",
            json.dumps(checkpoint[1], separators=(",", ":")) if checkpoint else "",
            json.dumps(event_of(record), separators=(",", ":")),
            EVENTS_MAX_LEN,
            lease_remove.member if lease_remove else "",
            lease_add.member if lease_add else "",
            now + int(self.settings.lease_seconds * 1000),
            entry,
            now + (dispatch_defer_ms or 0),
            (dispatch_defer_ms or 0) + ARQ_EXPIRES_EXTRA_MS,
            job_id,
            int(record.created_at.timestamp() * 1000),
            record.dispatch,
        ]
        code, current = await self._write(keys=script_keys, args=args)
        return int(code), current or None

    async def load_checkpoints(self, job_id: UUID | str) -> dict[str, Any]:
        raw = await self.redis.hgetall(keys.checkpoints(str(job_id)))
        return {name.decode(): json.loads(value) for name, value in raw.items()}

    async def renew_leases(self, leases: Iterable[Lease]) -> None:
        """Push the expiry of leases this worker still holds; never re-adds a lease taken away."""
        members = [lease.member for lease in leases]
        if not members:
            return
        until = now_ms() + int(self.settings.lease_seconds * 1000)
        await self.redis.zadd(keys.LEASES, dict.fromkeys(members, until), xx=True)

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
