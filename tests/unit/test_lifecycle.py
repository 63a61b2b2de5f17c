"""The job state machine, as pure functions: no Redis, no clock but the one passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from shared import lifecycle
from shared.models import ErrorCode, JobRecord, JobStatus, ResearchRequest
from shared.settings import Settings

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
REQUEST = ResearchRequest(product_name="Dove Body Wash", brand="Dove", category="cosmetics", ingredients=["Water"])


def settings(**overrides: object) -> Settings:
    return Settings(redis_url="redis://fake:6379", **overrides)  # type: ignore[arg-type]


def fresh() -> JobRecord:
    return lifecycle.new_job(REQUEST, settings(), job_id=uuid4(), correlation_id="cid-1", now=T0)


def test_new_job_is_pending_with_a_deadline_and_its_own_queue_entry() -> None:
    record = fresh()
    assert record.status is JobStatus.PENDING
    assert record.attempt == 0
    assert record.created_at == T0
    assert record.deadline_at == T0 + timedelta(seconds=settings().job_deadline_seconds)
    assert record.dispatch == str(record.job_id)
    assert record.correlation_id == "cid-1"
    assert record.pipeline == "deep_research"


def test_new_job_takes_the_pipeline_from_settings_unless_given() -> None:
    assert lifecycle.new_job(REQUEST, settings(pipeline="noop"), job_id=uuid4()).pipeline == "noop"
    assert lifecycle.new_job(REQUEST, settings(), job_id=uuid4(), pipeline="noop").pipeline == "noop"


def test_claim_starts_a_numbered_attempt() -> None:
    first = lifecycle.claimed(fresh(), "w1", T0)
    assert (first.status, first.attempt, first.started_at, first.current_step) == (
        JobStatus.PROCESSING,
        1,
        T0,
        "Starting",
    )
    assert [(a.number, a.worker) for a in first.attempts] == [(1, "w1")]
    again = lifecycle.claimed(lifecycle.requeued(first, "lost", T0, "x"), "w2", T0 + timedelta(seconds=5))
    assert again.attempt == 2
    assert again.started_at == T0  # the job's start, not the attempt's
    assert [a.worker for a in again.attempts] == ["w1", "w2"]


def test_progress_never_goes_backwards() -> None:
    record = lifecycle.advanced(lifecycle.claimed(fresh(), "w", T0), "Reading the label", 40)
    assert (record.current_step, record.progress) == ("Reading the label", 40)
    assert lifecycle.advanced(record, "Again", 10).progress == 40
    assert lifecycle.step_finished(record, "parse", 30).progress == 40


def test_step_finished_records_the_step() -> None:
    record = lifecycle.step_finished(lifecycle.claimed(fresh(), "w", T0), "parse", 25)
    assert record.steps_done == ["parse"]
    assert record.progress == 25


def test_completed_closes_the_attempt() -> None:
    done = lifecycle.completed(lifecycle.claimed(fresh(), "w", T0), {"ok": True}, T0 + timedelta(seconds=3))
    assert (done.status, done.progress, done.current_step) == (JobStatus.COMPLETED, 100, "Complete")
    assert done.completed_at == T0 + timedelta(seconds=3)
    assert done.result == {"ok": True}
    assert done.attempts[-1].outcome == "completed"
    assert done.attempts[-1].ended_at == done.completed_at
    assert done.is_terminal


def test_failed_carries_code_and_sentence() -> None:
    done = lifecycle.failed(lifecycle.claimed(fresh(), "w", T0), ErrorCode.INVALID_INPUT, "Bad label.", T0)
    assert (done.status, done.error, done.error_code) == (JobStatus.FAILED, "Bad label.", ErrorCode.INVALID_INPUT)
    assert done.attempts[-1].outcome == "failed"


def test_cancelled_from_pending_has_no_attempt_to_close() -> None:
    done = lifecycle.cancelled(fresh(), T0)
    assert done.status is JobStatus.CANCELLED
    assert done.cancel_requested
    assert done.attempts == []


def test_requeue_counts_failures_and_crashes_separately_and_gets_a_new_queue_entry() -> None:
    running = lifecycle.claimed(fresh(), "w", T0)
    retried = lifecycle.requeued(running, "retry", T0, "Retrying")
    assert (retried.status, retried.failures, retried.crashes) == (JobStatus.PENDING, 1, 0)
    assert retried.dispatch == f"{running.job_id}:1"
    assert retried.attempts[-1].outcome == "retry"
    lost = lifecycle.requeued(running, "lost", T0, "Resuming")
    assert (lost.failures, lost.crashes) == (0, 1)
    released = lifecycle.requeued(running, "released", T0, "Waiting")
    assert (released.failures, released.crashes) == (0, 0)


def test_requeue_verdict_gives_up_when_the_budget_is_spent() -> None:
    config = settings(max_attempts=2, max_crashes=2)
    running = lifecycle.claimed(fresh(), "w", T0)
    assert lifecycle.requeue_verdict(running, "retry", config) is None
    once = running.model_copy(update={"failures": 1})
    verdict = lifecycle.requeue_verdict(once, "retry", config)
    assert verdict is not None
    assert verdict[0] is ErrorCode.RETRIES_EXHAUSTED
    crashed = running.model_copy(update={"crashes": 1})
    assert lifecycle.requeue_verdict(crashed, "lost", config) is not None
    assert lifecycle.requeue_verdict(crashed, "released", config) is None


def test_transitions_do_not_mutate_their_input() -> None:
    record = fresh()
    snapshot = record.model_dump()
    lifecycle.completed(lifecycle.claimed(record, "w", T0), {}, T0)
    assert record.model_dump() == snapshot
