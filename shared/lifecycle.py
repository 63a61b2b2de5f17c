"""The job state machine as pure functions: each takes a record and returns the next one.

No I/O here. :mod:`shared.store` writes what these return, guarded so that only the attempt
that read the record can replace it. The transitions::

    pending --claim--> processing --complete--> completed
       ^                  |  |------fail------> failed
       |                  |  '------cancel----> cancelled   (also from pending)
       '----requeue-------'   (transient error: retry; shutdown: released; worker died: lost)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from shared.models import (
    Attempt,
    ErrorCode,
    JobRecord,
    JobStatus,
    ResearchRequest,
    utcnow,
)
from shared.settings import Settings


def new_job(
    request: ResearchRequest,
    settings: Settings,
    *,
    job_id: UUID,
    owner: str | None = None,
    correlation_id: str | None = None,
    pipeline: str | None = None,
    now: datetime | None = None,
) -> JobRecord:
    now = now or utcnow()
    return JobRecord(
        job_id=job_id,
        created_at=now,
        request=request,
        pipeline=pipeline or settings.pipeline,
        owner=owner,
        correlation_id=correlation_id,
        deadline_at=now + timedelta(seconds=settings.job_deadline_seconds),
        dispatch=str(job_id),
    )


def claimed(record: JobRecord, worker: str, now: datetime) -> JobRecord:
    attempt = record.attempt + 1
    return record.model_copy(
        update={
            "status": JobStatus.PROCESSING,
            "attempt": attempt,
            "started_at": record.started_at or now,
            "current_step": "Starting",
            "attempts": [*record.attempts, Attempt(number=attempt, worker=worker, started_at=now)],
        }
    )


def advanced(record: JobRecord, label: str, progress: int) -> JobRecord:
    return record.model_copy(update={"current_step": label, "progress": max(record.progress, progress)})


def step_finished(record: JobRecord, name: str, progress: int) -> JobRecord:
    return record.model_copy(
        update={"steps_done": [*record.steps_done, name], "progress": max(record.progress, progress)}
    )


def _close_attempt(record: JobRecord, outcome: str, now: datetime) -> list[Attempt]:
    attempts = list(record.attempts)
    if attempts and attempts[-1].number == record.attempt and attempts[-1].ended_at is None:
        attempts[-1] = attempts[-1].model_copy(update={"ended_at": now, "outcome": outcome})
    return attempts


def completed(record: JobRecord, result: dict[str, Any], now: datetime) -> JobRecord:
    return record.model_copy(
        update={
            "status": JobStatus.COMPLETED,
            "progress": 100,
            "current_step": "Complete",
            "completed_at": now,
            "result": result,
            "attempts": _close_attempt(record, "completed", now),
        }
    )


def failed(record: JobRecord, code: ErrorCode, message: str, now: datetime) -> JobRecord:
    return record.model_copy(
        update={
            "status": JobStatus.FAILED,
            "current_step": "Failed",
            "completed_at": now,
            "error": message,
            "error_code": code,
            "attempts": _close_attempt(record, "failed", now),
        }
    )


def cancelled(record: JobRecord, now: datetime) -> JobRecord:
    return record.model_copy(
        update={
            "status": JobStatus.CANCELLED,
            "current_step": "Cancelled",
            "completed_at": now,
            "error": "The job was cancelled at the client's request.",
            "cancel_requested": True,
            "attempts": _close_attempt(record, "cancelled", now),
        }
    )


def requeued(record: JobRecord, outcome: str, now: datetime, note: str) -> JobRecord:
    """Back to ``pending`` under a new queue entry. ``outcome`` is retry, released or lost."""
    return record.model_copy(
        update={
            "status": JobStatus.PENDING,
            "current_step": note,
            "dispatch": f"{record.job_id}:{record.attempt}",
            "failures": record.failures + (outcome == "retry"),
            "crashes": record.crashes + (outcome == "lost"),
            "attempts": _close_attempt(record, outcome, now),
        }
    )


def retried(record: JobRecord, now: datetime) -> JobRecord:
    """An operator's retry of a failed job: ``pending`` again under a fresh queue entry and budget."""
    return record.model_copy(
        update={
            "status": JobStatus.PENDING,
            "progress": 0,
            "current_step": "Queued (retried by an operator)",
            "completed_at": None,
            "error": None,
            "error_code": None,
            "dispatch": f"{record.job_id}:retry:{record.attempt}:{int(now.timestamp() * 1000)}",
            "failures": 0,
            "crashes": 0,
            "steps_done": [],
            "deadline_at": now + (record.deadline_at - record.created_at),
        }
    )


def redispatched(record: JobRecord, now: datetime) -> JobRecord:
    """The same pending job under a fresh queue entry (its old one was lost or given back)."""
    return record.model_copy(update={"dispatch": f"{record.job_id}:{record.attempt}q{int(now.timestamp() * 1000)}"})


def requeue_verdict(record: JobRecord, outcome: str, settings: Settings) -> tuple[ErrorCode, str] | None:
    """Whether a job that would be requeued has used up its budget, and why (None: requeue it)."""
    if outcome == "retry" and record.failures + 1 >= settings.max_attempts:
        return ErrorCode.RETRIES_EXHAUSTED, (
            f"The job failed {record.failures + 1} times with transient errors; giving up."
        )
    if outcome == "lost" and record.crashes + 1 >= settings.max_crashes:
        where = f" during '{record.current_step}'" if record.current_step else ""
        return ErrorCode.RETRIES_EXHAUSTED, (
            f"The worker running this job died {record.crashes + 1} times{where}; giving up."
        )
    return None
