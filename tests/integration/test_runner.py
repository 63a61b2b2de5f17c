"""The worker's runner in-process, on a real redis-server: a job's whole life, step by step."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest

from shared import keys, lifecycle
from shared.models import ErrorCode, JobRecord, JobStatus, ResearchRequest
from shared.queue import now_ms
from shared.store import JobStore, Lease
from worker import runner as runner_module
from worker.leases import LeaseKeeper
from worker.pipeline import Step, StepContext, StepFailed, TransientError
from worker.pipelines import UnknownPipeline
from worker.runner import Runner

pytestmark = pytest.mark.redis

REQUEST = ResearchRequest(product_name="Dove Body Wash", brand="Dove", category="cosmetics", ingredients=["Water"])
Seen = list[tuple[str, int, str | None]]


class Pipelines:
    """Test pipelines, registered in place of the worker's for the runner under test."""

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self.calls: list[str] = []
        self.seen: Seen = []
        self.registry: dict[str, tuple[Step, ...]] = {}

    def add(self, name: str, *steps: Step) -> str:
        self.registry[name] = steps
        return name

    def step(self, name: str, weight: int = 1, action: Callable[[StepContext], Any] | None = None) -> Step:
        async def run(ctx: StepContext) -> Any:
            self.calls.append(name)
            record = await self.store.get(ctx.job_id)  # what a client would see while this step runs
            assert record is not None
            self.seen.append((record.status.value, record.progress, record.current_step))
            if action is not None:
                return action(ctx)
            return {"step": name, "before": sorted(ctx.outputs), "product_name": ctx.request.product_name}

        return Step(name, f"Running {name}", weight, run)


@pytest.fixture
def pipelines(store: JobStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipelines]:
    found = Pipelines(store)

    def steps_for(name: str) -> tuple[Step, ...]:
        if name in found.registry:
            return found.registry[name]
        raise UnknownPipeline(f"unknown pipeline {name!r}")

    monkeypatch.setattr(runner_module, "steps_for", steps_for)
    runner_module._timed_steps.cache_clear()  # resolved pipelines are cached per process
    yield found
    runner_module._timed_steps.cache_clear()


@pytest.fixture
def keeper(store: JobStore) -> LeaseKeeper:
    return LeaseKeeper(store, store.settings, "test-worker")


@pytest.fixture
def runner(store: JobStore, keeper: LeaseKeeper) -> Runner:
    return Runner(store, keeper, store.settings, "test-worker")


async def submit(store: JobStore, pipeline: str) -> JobRecord:
    record = lifecycle.new_job(REQUEST, store.settings, job_id=uuid4(), pipeline=pipeline)
    await store.create(record)
    return record


async def current(store: JobStore, record: JobRecord) -> JobRecord:
    found = await store.get(record.job_id)
    assert found is not None
    return found


async def events(store: JobStore, record: JobRecord) -> list[dict[str, Any]]:
    return [json.loads(fields[b"data"]) for _, fields in await store.redis.xrange(keys.events(str(record.job_id)))]


async def test_a_job_goes_from_pending_through_processing_to_completed(
    store: JobStore, runner: Runner, pipelines: Pipelines
) -> None:
    name = pipelines.add("three", pipelines.step("parse", 1), pipelines.step("match", 2), pipelines.step("report", 1))
    record = await submit(store, name)
    assert (await current(store, record)).status is JobStatus.PENDING

    outcome = await runner.run(str(record.job_id), record.dispatch)

    assert outcome == "completed"
    assert pipelines.calls == ["parse", "match", "report"]
    # While each step ran, the record said so: processing, its label, and the progress before it.
    assert pipelines.seen == [
        ("processing", 0, "Running parse"),
        ("processing", 25, "Running match"),
        ("processing", 75, "Running report"),
    ]
    done = await current(store, record)
    assert (done.status, done.progress, done.current_step, done.attempt) == (JobStatus.COMPLETED, 100, "Complete", 1)
    assert done.completed_at is not None
    assert done.result == {"step": "report", "before": ["match", "parse"], "product_name": "Dove Body Wash"}
    assert done.steps_done == ["parse", "match"]
    assert done.attempts[-1].outcome == "completed"
    stream = await events(store, record)
    assert [e["status"] for e in stream] == ["pending", "processing", "processing", "processing", "completed"]
    progress = [e["progress"] for e in stream]
    assert progress == sorted(progress)
    assert progress[-1] == 100
    assert await store.redis.zcard(keys.LEASES) == 0
    assert 0 < await store.redis.ttl(keys.job(str(record.job_id))) <= 86400


async def test_a_step_failure_fails_the_job_with_its_code(
    store: JobStore, runner: Runner, pipelines: Pipelines
) -> None:
    def reject(_: StepContext) -> Any:
        raise StepFailed("No ingredient on this label could be read.")

    name = pipelines.add("bad", pipelines.step("parse", action=reject), pipelines.step("never"))
    record = await submit(store, name)

    outcome = await runner.run(str(record.job_id), record.dispatch)

    assert outcome == "failed (invalid_input)"
    assert pipelines.calls == ["parse"]
    done = await current(store, record)
    assert (done.status, done.error_code, done.error) == (
        JobStatus.FAILED,
        ErrorCode.INVALID_INPUT,
        "No ingredient on this label could be read.",
    )
    assert done.current_step == "Failed"
    assert done.completed_at is not None
    assert await store.redis.zcard(keys.LEASES) == 0


async def test_a_crashing_step_fails_the_job_as_internal_without_leaking_details(
    store: JobStore, runner: Runner, pipelines: Pipelines
) -> None:
    def crash(_: StepContext) -> Any:
        raise KeyError("secret internals")

    record = await submit(store, pipelines.add("crash", pipelines.step("boom", action=crash)))
    assert await runner.run(str(record.job_id), record.dispatch) == "failed (internal)"
    done = await current(store, record)
    assert done.error_code is ErrorCode.INTERNAL
    assert done.error is not None
    assert "secret" not in done.error


async def test_transient_errors_retry_with_backoff_then_give_up(
    store: JobStore, runner: Runner, pipelines: Pipelines
) -> None:
    def flaky(_: StepContext) -> Any:
        raise TransientError("the database blipped")

    settings = store.settings
    record = await submit(store, pipelines.add("flaky", pipelines.step("fetch", action=flaky)))
    dispatch = record.dispatch
    for failures in range(1, settings.max_attempts):
        before = now_ms()
        outcome = await runner.run(str(record.job_id), dispatch)
        after = now_ms()
        assert outcome.startswith("requeued (retry")
        again = await current(store, record)
        assert (again.status, again.failures, again.attempt) == (JobStatus.PENDING, failures, failures)
        assert again.dispatch != dispatch
        assert "the database blipped" in (again.current_step or "")
        # Exponential backoff with jitter: between half and all of base * 2^(failures - 1).
        ceiling = min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** (failures - 1)) * 1000
        score = await store.redis.zscore(settings.queue_name, again.dispatch)
        assert score is not None
        assert before + ceiling / 2 - 1 <= score <= after + ceiling + 1
        # The old queue entry is stale: running it does nothing.
        assert await runner.run(str(record.job_id), dispatch) == "skipped"
        dispatch = again.dispatch

    outcome = await runner.run(str(record.job_id), dispatch)

    assert outcome == "failed (retries_exhausted)"
    done = await current(store, record)
    assert (done.status, done.error_code) == (JobStatus.FAILED, ErrorCode.RETRIES_EXHAUSTED)
    assert pipelines.calls == ["fetch"] * settings.max_attempts
    assert [a.outcome for a in done.attempts] == ["retry"] * (settings.max_attempts - 1) + ["failed"]


async def test_a_resumed_job_skips_its_checkpointed_steps(
    store: JobStore, keeper: LeaseKeeper, runner: Runner, pipelines: Pipelines
) -> None:
    def then_drain(ctx: StepContext) -> Any:
        keeper.draining = True  # the worker is asked to stop while this step runs
        return {"parsed": list(ctx.request.ingredients)}

    name = pipelines.add(
        "resumable", pipelines.step("parse", action=then_drain), pipelines.step("match"), pipelines.step("report")
    )
    record = await submit(store, name)

    first = await runner.run(str(record.job_id), record.dispatch)

    assert first.startswith("requeued (released")
    paused = await current(store, record)
    assert (paused.status, paused.steps_done, paused.failures) == (JobStatus.PENDING, ["parse"], 0)
    assert await store.load_checkpoints(record.job_id) == {"parse": {"parsed": ["Water"]}}
    assert await store.redis.zscore(store.settings.queue_name, paused.dispatch) is not None

    keeper.draining = False
    second = await runner.run(str(record.job_id), paused.dispatch)

    assert second == "completed"
    assert pipelines.calls == ["parse", "match", "report"]  # parse ran once
    done = await current(store, record)
    assert done.attempt == 2
    assert done.result == {"step": "report", "before": ["match", "parse"], "product_name": "Dove Body Wash"}
    assert [a.outcome for a in done.attempts] == ["released", "completed"]


async def test_an_unknown_pipeline_fails_without_claiming(
    store: JobStore, runner: Runner, pipelines: Pipelines
) -> None:
    record = await submit(store, "no-such-pipeline")
    assert await runner.run(str(record.job_id), record.dispatch) == "failed (invalid_input)"
    done = await current(store, record)
    assert (done.status, done.attempt) == (JobStatus.FAILED, 0)
    assert "no-such-pipeline" in (done.error or "")


async def test_a_job_past_its_deadline_fails_with_timeout(
    store: JobStore, runner: Runner, pipelines: Pipelines
) -> None:
    record = await submit(store, pipelines.add("one", pipelines.step("only")))
    late = record.model_copy(update={"deadline_at": record.created_at})
    await store.write(late, expect_attempt=0, allowed={JobStatus.PENDING})
    assert await runner.run(str(record.job_id), record.dispatch) == "failed (timeout)"
    assert pipelines.calls == []


async def test_a_missing_or_finished_job_is_not_run(store: JobStore, runner: Runner, pipelines: Pipelines) -> None:
    assert await runner.run(str(uuid4()), "whatever") == "gone"
    record = await submit(store, pipelines.add("one", pipelines.step("only")))
    assert await runner.run(str(record.job_id), record.dispatch) == "completed"
    assert await runner.run(str(record.job_id), record.dispatch) == "skipped"
    assert pipelines.calls == ["only"]


async def test_a_job_whose_lease_is_taken_away_stops(
    store: JobStore, keeper: LeaseKeeper, runner: Runner, pipelines: Pipelines
) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(ctx: StepContext) -> Any:
        started.set()
        await release.wait()
        return {}

    record = await submit(store, pipelines.add("slow", Step("wait", "Waiting", 1, slow)))
    task = asyncio.create_task(runner.run(str(record.job_id), record.dispatch))
    await asyncio.wait_for(started.wait(), 10)
    running = await current(store, record)
    cancelled = lifecycle.cancelled(running, running.created_at)
    await store.write(
        cancelled, expect_attempt=1, allowed={JobStatus.PROCESSING}, lease_remove=Lease(str(record.job_id), 1)
    )
    await keeper.tick()  # the keeper's next round finds the lease gone and stops the job

    assert await asyncio.wait_for(task, 10) == "taken away (cancelled or reaped)"
    assert (await current(store, record)).status is JobStatus.CANCELLED
    assert await store.redis.zscore(keys.WORKERS, "test-worker") is not None
