"""Runs one job: claim it, run its pipeline's steps with checkpoints, and record how it ended.

Every write is fenced by the store: if the job was cancelled, reaped or finished elsewhere while
this attempt ran, the write is refused (:class:`WriteRejected`) and the attempt stops, leaving the
record to whoever holds it now.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from shared import lifecycle
from shared.logs import correlation_id
from shared.models import ErrorCode, JobRecord, JobStatus, utcnow
from shared.redis import REDIS_DOWN_ERRORS
from shared.settings import Settings
from shared.store import JobStore, Lease, WriteRejected
from worker.leases import LeaseKeeper
from worker.metrics import timed
from worker.pipeline import Step, StepContext, StepFailed, TransientError
from worker.pipelines import UnknownPipeline, steps_for

log = logging.getLogger("worker.job")
PROCESSING = frozenset({JobStatus.PROCESSING})
PENDING = frozenset({JobStatus.PENDING})


# Outcomes after which this attempt's queue entry is still there: the final write did not remove it.
_ENTRY_LEFT = frozenset({"gone", "skipped", "superseded", "taken away (cancelled or reaped)", "abandoned"})


@functools.cache
def _timed_steps(pipeline: str) -> tuple[Step, ...]:
    """A pipeline's steps, wrapped to time themselves: resolved once per process, not per job."""
    return timed(steps_for(pipeline))


class Draining(Exception):
    """The worker is shutting down: stop at this step boundary, the checkpoint saved."""


@dataclass(slots=True)
class _Live:
    """The record as this attempt last wrote it."""

    record: JobRecord


class Runner:
    def __init__(self, store: JobStore, keeper: LeaseKeeper, settings: Settings, worker_id: str) -> None:
        self.store = store
        self.keeper = keeper
        self.settings = settings
        self.worker_id = worker_id
        self.claimed = False

    async def run(self, job_id: str, dispatch: str, prefetched: JobRecord | None = None) -> str:
        """Run the job if ``dispatch`` is its current queue entry. Returns the outcome.

        ``prefetched`` is the record as the queue take read it, which saves reading it again.
        Whatever the outcome, the queue entry is finished when this returns.
        """
        record = prefetched or await self.store.get(job_id)
        outcome = await self._run(job_id, dispatch, record)
        if outcome in _ENTRY_LEFT:
            await self.store.finish_entry(dispatch)
        return outcome

    async def _run(self, job_id: str, dispatch: str, record: JobRecord | None) -> str:
        if record is None:
            log.warning("job %s: no record (expired or never written); queue entry dropped", job_id)
            return "gone"
        correlation_id.set(record.correlation_id)  # this job's task only: arq runs each job in its own task
        if record.status is not JobStatus.PENDING or record.dispatch != dispatch:
            log.info("job %s: queue entry %s is stale (job is %s); skipped", job_id, dispatch, record.status)
            return "skipped"
        if utcnow() >= record.deadline_at:
            return await self._fail_unclaimed(record)
        try:
            steps = _timed_steps(record.pipeline)
        except UnknownPipeline as exc:
            return await self._fail_unclaimed(record, ErrorCode.INVALID_INPUT, str(exc))

        todo = [step for step in steps if step.name not in record.steps_done] or [steps[-1]]
        mine = lifecycle.claimed(record, self.worker_id, utcnow())
        mine = mine.model_copy(update={"current_step": todo[0].label})
        lease = Lease(job_id, mine.attempt)
        try:
            await self.store.write(
                mine, expect_attempt=record.attempt, allowed=PENDING, lease_add=lease, expect_entry=dispatch
            )
        except WriteRejected:
            return "skipped"
        self.claimed = True
        started = time.perf_counter()
        task = asyncio.current_task()
        assert task is not None
        self.keeper.hold(lease, task)
        outcome = "unknown"
        try:
            outcome = await self._attempt(mine, steps, lease)
        finally:
            self.keeper.release(lease)
            log.info(
                "job %s attempt %d %s in %.1f ms",
                job_id,
                mine.attempt,
                outcome,
                (time.perf_counter() - started) * 1000,
                extra={
                    "job_id": job_id,
                    "attempt": mine.attempt,
                    "outcome": outcome,
                    "correlation_id": mine.correlation_id,
                },
            )
        return outcome

    async def _attempt(self, claimed: JobRecord, steps: tuple[Step, ...], lease: Lease) -> str:
        live = _Live(claimed)
        try:
            try:
                result = await self._run_steps(live, steps)
                record = live.record
            except StepFailed as exc:
                return await self._finish(live.record, lease, ErrorCode(exc.code), exc.message)
            except TimeoutError:
                return await self._finish(live.record, lease, ErrorCode.TIMEOUT, self._timeout_message())
            except TransientError as exc:
                return await self._requeue(live.record, lease, "retry", f"Retrying after: {exc}")
            except REDIS_DOWN_ERRORS as exc:
                # Our own writes may fail too: the lease then expires and the reaper resumes it.
                return await self._requeue(live.record, lease, "retry", f"Retrying after a Redis error: {exc}")
            except Draining:
                return await self._requeue(live.record, lease, "released", "Waiting to resume (worker restarting)")
            except asyncio.CancelledError:
                return await self._interrupted(live.record, lease)
            except WriteRejected:
                raise
            except Exception:
                log.exception("job %s: step crashed", live.record.job_id)
                return await self._finish(
                    live.record, lease, ErrorCode.INTERNAL, "The research failed because of an internal error."
                )
            done = lifecycle.completed(record, result, utcnow())
            self.keeper.closing(lease)
            await self.store.write(
                done,
                expect_attempt=record.attempt,
                allowed=PROCESSING,
                lease_remove=lease,
                finish_entry=record.dispatch,
            )
            return "completed"
        except WriteRejected as exc:
            now = exc.current.status.value if exc.current else "gone"
            log.info(
                "job %s attempt %d: superseded (%s, job now %s); stopping",
                claimed.job_id,
                claimed.attempt,
                exc.reason,
                now,
            )
            return "superseded"

    async def _run_steps(self, live: _Live, steps: tuple[Step, ...]) -> dict[str, object]:
        record = live.record
        total = sum(step.weight for step in steps) or 1
        outputs = await self.store.load_checkpoints(record.job_id) if record.steps_done else {}
        done_weight = sum(step.weight for step in steps if step.name in outputs)
        ctx = StepContext(job_id=str(record.job_id), request=record.request, outputs=outputs)
        pending_checkpoint: tuple[str, object] | None = None
        for step in steps:
            if step.name in outputs:
                continue
            progress = done_weight * 100 // total
            if pending_checkpoint is not None:
                # One write both saves the last step's output and announces this step.
                record = lifecycle.step_finished(record, pending_checkpoint[0], progress)
                record = lifecycle.advanced(record, step.label, progress)
                await self.store.write(
                    record, expect_attempt=record.attempt, allowed=PROCESSING, checkpoint=pending_checkpoint
                )
                live.record = record
            if self.keeper.draining:
                raise Draining
            async with asyncio.timeout(self._step_budget(record)):
                output = await step.run(ctx)
            output = json.loads(json.dumps(output))
            outputs[step.name] = output
            pending_checkpoint = (step.name, output)
            done_weight += step.weight
        return outputs[steps[-1].name]  # type: ignore[no-any-return]

    def _step_budget(self, record: JobRecord) -> float:
        left = (record.deadline_at - utcnow()).total_seconds()
        return max(0.0, min(self.settings.step_timeout_seconds, left))

    def _timeout_message(self) -> str:
        return (
            f"The job ran past its time limit (a step may take {self.settings.step_timeout_seconds:g} s, "
            f"the whole job {self.settings.job_deadline_seconds} s)."
        )

    async def _finish(self, record: JobRecord, lease: Lease, code: ErrorCode, message: str) -> str:
        done = lifecycle.failed(record, code, message, utcnow())
        self.keeper.closing(lease)
        await self.store.write(
            done, expect_attempt=record.attempt, allowed=PROCESSING, lease_remove=lease, finish_entry=record.dispatch
        )
        return f"failed ({code.value})"

    async def _requeue(self, record: JobRecord, lease: Lease, outcome: str, note: str) -> str:
        verdict = lifecycle.requeue_verdict(record, outcome, self.settings)
        if verdict is not None:
            return await self._finish(record, lease, *verdict)
        delay = 0.0
        if outcome == "retry":
            ceiling = min(self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2**record.failures)
            delay = random.uniform(ceiling / 2, ceiling)
        self.keeper.closing(lease)
        again = lifecycle.requeued(record, outcome, utcnow(), note)
        try:
            await self.store.write(
                again,
                expect_attempt=record.attempt,
                allowed=PROCESSING,
                lease_remove=lease,
                dispatch_defer_ms=int(delay * 1000),
                finish_entry=record.dispatch,
            )
        except REDIS_DOWN_ERRORS:
            log.warning("job %s: could not requeue (Redis down); the lease will expire and be reaped", record.job_id)
            return "abandoned"
        return f"requeued ({outcome}, in {timedelta(seconds=round(delay, 1))})"

    async def _interrupted(self, record: JobRecord, lease: Lease) -> str:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        if self.keeper.was_taken(lease):
            return "taken away (cancelled or reaped)"
        return await self._requeue(record, lease, "released", "Waiting to resume (worker restarted)")

    async def _fail_unclaimed(
        self, record: JobRecord, code: ErrorCode = ErrorCode.TIMEOUT, message: str | None = None
    ) -> str:
        done = lifecycle.failed(record, code, message or "The job waited in the queue past its deadline.", utcnow())
        try:
            await self.store.write(done, expect_attempt=record.attempt, allowed=PENDING, finish_entry=record.dispatch)
        except WriteRejected:
            return "skipped"
        return f"failed ({code.value})"
