"""Leases: how a worker shows it is alive on each job it runs, and how dead workers' jobs return.

:class:`LeaseKeeper` renews, in one round trip every third of a lease, the leases of the jobs this
process runs, and writes the worker's heartbeat. A lease that has vanished means the job was
taken away (cancelled, or reaped after this worker stalled): the keeper stops that job's task.

:func:`reap` runs in every worker: it finds expired leases (their worker died or froze) and puts
each job back in the queue at once, to resume from its last checkpoint, or fails it when it has
killed its workers too often. Concurrent reapers are safe: the store's guarded write lets one win.
"""

from __future__ import annotations

import asyncio
import logging
import time

from shared import keys, lifecycle
from shared.models import JobStatus, utcnow
from shared.redis import REDIS_DOWN_ERRORS
from shared.settings import Settings
from shared.store import JobStore, Lease, WriteRejected

log = logging.getLogger("worker.leases")
"""Heartbeats older than this (a day) are removed: long enough to see which workers died lately."""


class LeaseKeeper:
    def __init__(self, store: JobStore, settings: Settings, worker_id: str) -> None:
        self.store = store
        self.settings = settings
        self.worker_id = worker_id
        self.draining = False
        self._held: dict[str, tuple[Lease, asyncio.Task[object]]] = {}
        self._taken: set[str] = set()

    def hold(self, lease: Lease, task: asyncio.Task[object]) -> None:
        self._held[lease.member] = (lease, task)

    def closing(self, lease: Lease) -> None:
        """The job's own last write (which removes the lease) is on its way: stop renewing and
        watching the lease, so its removal is not mistaken for the job being taken away."""
        self._held.pop(lease.member, None)

    def release(self, lease: Lease) -> None:
        self._held.pop(lease.member, None)
        self._taken.discard(lease.member)

    def was_taken(self, lease: Lease) -> bool:
        return lease.member in self._taken

    @property
    def running(self) -> int:
        return len(self._held)

    async def tick(self) -> None:
        """Renew held leases, stop jobs whose lease is gone, and beat the heart: one round trip."""
        held = list(self._held.values())
        still = await self.store.renew_leases([lease for lease, _ in held], heartbeat=self.worker_id)
        for (lease, task), there in zip(held, still, strict=True):
            if not there and lease.member in self._held and lease.member not in self._taken:
                log.warning("job %s attempt %d: lease taken away; stopping it", lease.job_id, lease.attempt)
                self._taken.add(lease.member)
                task.cancel()

    async def run_forever(self) -> None:
        period = self.settings.lease_seconds / 3
        while True:
            try:
                await self.tick()
            except REDIS_DOWN_ERRORS as exc:
                log.warning("lease renewal failed (Redis unreachable: %s); retrying", exc)
            await asyncio.sleep(period)

    async def leave(self) -> None:
        await self.store.redis.zrem(keys.WORKERS, self.worker_id)


async def reap(store: JobStore, settings: Settings) -> int:
    """Requeue (or fail) every job whose lease expired. Returns how many were recovered."""
    recovered = 0
    for lease in await store.expired_leases():
        record = await store.get(lease.job_id)
        if record is None or record.attempt != lease.attempt or record.status is not JobStatus.PROCESSING:
            await store.drop_lease(lease)
            continue
        now = utcnow()
        verdict = lifecycle.requeue_verdict(record, "lost", settings)
        if verdict is not None:
            new, dispatch = lifecycle.failed(record, *verdict, now), None
        else:
            new, dispatch = lifecycle.requeued(record, "lost", now, "Resuming after a worker was lost"), 0
        try:
            await store.write(
                new,
                expect_attempt=lease.attempt,
                allowed={JobStatus.PROCESSING},
                lease_remove=lease,
                dispatch_defer_ms=dispatch,
                finish_entry=record.dispatch,
            )
        except WriteRejected:
            continue
        recovered += 1
        action = "requeued" if dispatch is not None else f"failed ({new.error_code})"
        log.warning("job %s attempt %d: worker lost (lease expired); %s", lease.job_id, lease.attempt, action)
    return recovered


async def reap_forever(store: JobStore, settings: Settings) -> None:
    while True:
        started = time.monotonic()
        try:
            await reap(store, settings)
        except REDIS_DOWN_ERRORS as exc:
            log.warning("reaper: Redis unreachable (%s); retrying", exc)
        await asyncio.sleep(max(0.0, settings.reaper_interval_seconds - (time.monotonic() - started)))
