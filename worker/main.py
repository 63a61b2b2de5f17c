"""The worker process: arq's ``Worker`` made to drain gracefully and ride out Redis outages.

Start it with ``deep-research worker`` (or ``python -m worker``), which calls :func:`run`.
``WorkerSettings`` is what arq's own CLI reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import uuid
from typing import Any, ClassVar, cast

from arq import func
from arq.connections import RedisSettings
from arq.worker import Worker

from shared import queue
from shared.logs import setup_logging
from shared.redis import REDIS_DOWN_ERRORS, create_redis, durability_warnings, redact_url
from shared.settings import Settings, get_settings
from shared.store import JobStore
from worker import metrics
from worker.context import WorkerContext
from worker.isolation import Isolation
from worker.leases import LeaseKeeper, reap_forever
from worker.reconcile import reconcile_forever
from worker.research.steps import load_knowledge_base
from worker.tasks import payload_of, run_entry, run_job

log = logging.getLogger("worker")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def on_startup(ctx: dict[str, Any]) -> None:
    ctx.setdefault("settings", get_settings())  # arq's own CLI passes no ctx
    ctx.setdefault("worker_id", worker_id())
    wctx = cast(WorkerContext, ctx)
    settings = wctx["settings"]
    store = JobStore(wctx["redis"], settings)
    keeper = LeaseKeeper(store, settings, wctx["worker_id"])
    wctx["store"] = store
    wctx["keeper"] = keeper
    wctx["isolation"] = Isolation()
    load_knowledge_base()  # a bad data file stops the worker here, not in its first job
    for warning in await durability_warnings(wctx["redis"]):
        log.warning("⚠️ %s", warning)
    ctx["_background"] = [
        asyncio.create_task(keeper.run_forever(), name="lease-keeper"),
        asyncio.create_task(reap_forever(store, settings), name="reaper"),
        asyncio.create_task(reconcile_forever(store, settings), name="reconciler"),
        asyncio.create_task(metrics.flush_forever(store.redis), name="metrics"),
    ]
    log.info("worker %s ready: %d concurrent jobs", wctx["worker_id"], settings.worker_concurrency)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    for task in ctx.get("_background", []):
        task.cancel()
    keeper = cast(WorkerContext, ctx).get("keeper")
    if keeper is not None:
        with contextlib.suppress(*REDIS_DOWN_ERRORS):
            await keeper.leave()
        await metrics.OBSERVED.flush(keeper.store.redis)
    log.info("worker %s stopped", ctx.get("worker_id"))


class ResearchWorker(Worker):
    """arq's worker with a faster, safer way of taking jobs, a graceful drain, and no exit when
    Redis blips.

    arq finds work by polling the queue every ``poll_delay`` and takes each job with four round
    trips. This worker keeps arq's process model, queue and entry format, but takes due entries in
    batches with one script (:meth:`JobStore.take`, which also reads their records) and, when idle,
    blocks on a wake-up list that every new job pushes to, so a job starts as soon as it is queued.
    """

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        self.settings = settings
        self._draining = False
        self._redis_down_since: float | None = None
        self._slot_free = asyncio.Event()
        super().__init__(**kwargs)

    async def _poll_iteration(self) -> None:
        try:
            took = await self._take_jobs()
            for entry, task in list(self.tasks.items()):
                if task.done():
                    del self.tasks[entry]
                    task.result()
            await self.heart_beat()
            if not took:
                await self._idle()
        except REDIS_DOWN_ERRORS as exc:
            if self._redis_down_since is None:
                self._redis_down_since = self.loop.time()
                log.warning("Redis unreachable (%s); worker keeps trying", exc)
            await asyncio.sleep(min(2.0, 0.1 + self.loop.time() - self._redis_down_since))
            return
        if self._redis_down_since is not None:
            log.info("Redis reachable again after %.1f s", self.loop.time() - self._redis_down_since)
            self._redis_down_since = None

    async def _take_jobs(self) -> int:
        free = self.max_jobs - self.job_counter
        ctx = cast(WorkerContext, self.ctx)
        if not self.allow_pick_jobs or free <= 0 or ctx["isolation"].busy:
            return 0
        taken = await ctx["store"].take(free, int(self.in_progress_timeout_s * 1000))
        for item in taken:
            self.job_counter += 1
            task = self.loop.create_task(run_entry(ctx, item.entry, payload_of(item.payload), item.record))
            task.add_done_callback(self._job_done)
            self.tasks[item.entry] = task
        return len(taken)

    def _job_done(self, task: asyncio.Task[str]) -> None:
        self.job_counter -= 1
        if task.cancelled() or task.exception() is not None:
            self.jobs_failed += 1
        else:
            self.jobs_complete += 1
        self._slot_free.set()

    async def _idle(self) -> None:
        """Wait for work: a wake-up token when a slot is free, else a slot; ``poll_delay`` at most."""
        timeout = self.settings.worker_poll_delay
        if self.job_counter < self.max_jobs and self.allow_pick_jobs:
            await cast(WorkerContext, self.ctx)["store"].wait_for_work(timeout)  # redis-py takes float seconds
            return
        self._slot_free.clear()
        # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancellation that arrives
        # just as the event is set, and the shutdown's cancel of this loop would be lost.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._slot_free.wait()

    def handle_sig(self, signum: signal.Signals) -> None:
        if self._draining:  # a second signal: stop now
            super().handle_sig(signum)
            return
        self._draining = True
        self.allow_pick_jobs = False
        keeper = cast(WorkerContext, self.ctx).get("keeper")
        if keeper is not None:
            keeper.draining = True
        log.info(
            "%s: draining %d running jobs (grace %.1f s)",
            signal.Signals(signum).name,
            len(self.tasks),
            self.settings.shutdown_grace_seconds,
        )
        self.loop.create_task(self._drain(signum))

    async def _drain(self, signum: signal.Signals) -> None:
        running = [task for task in self.tasks.values() if not task.done()]
        if running:
            _, late = await asyncio.wait(running, timeout=self.settings.shutdown_grace_seconds)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=max(1.0, self.settings.redis_socket_timeout))
        super().handle_sig(signum)


def build_worker(settings: Settings, *, burst: bool = False) -> ResearchWorker:
    wid = worker_id()
    return ResearchWorker(
        settings,
        functions=[func(run_job, name=queue.TASK_NAME, max_tries=3, timeout=settings.job_deadline_seconds + 60)],  # type: ignore[arg-type]
        redis_pool=create_redis(settings),
        queue_name=settings.queue_name,
        max_jobs=settings.worker_concurrency,
        poll_delay=0,  # the consumer waits itself (ResearchWorker._idle), woken by new work
        burst=burst,
        ctx={"settings": settings, "worker_id": wid},
        handle_signals=True,
        **WorkerSettings.shared(),
    )


class WorkerSettings:
    """What arq's own CLI reads (``arq worker.main.WorkerSettings``), and what ``build_worker``
    shares with it: the task, the hooks, JSON (never pickle) on the queue, no arq results or
    retries (the job record and the runner own those).

    arq's CLI runs its stock ``Worker``: it polls instead of being woken and takes jobs one by
    one, but runs them with the same runner, leases and fencing. ``deep-research worker`` is the
    supported way; this is for operators who already drive workers with arq.
    """

    functions: ClassVar = [func(run_job, name=queue.TASK_NAME, max_tries=3)]  # type: ignore[arg-type]
    # arq's CLI builds its own connection from this; it is read when arq imports the class.
    redis_settings = RedisSettings.from_dsn(os.environ.get("REDIS_URL", "redis://localhost:6379"))
    on_startup = staticmethod(on_startup)
    on_shutdown = staticmethod(on_shutdown)
    job_serializer = staticmethod(queue.dumps)
    job_deserializer = staticmethod(queue.loads)
    keep_result = 0
    retry_jobs = False
    health_check_interval = 60

    @classmethod
    def shared(cls) -> dict[str, Any]:
        names = ("on_startup", "on_shutdown", "job_serializer", "job_deserializer")
        settings = ("keep_result", "retry_jobs", "health_check_interval")
        return {name: getattr(cls, name) for name in (*names, *settings)}


async def wait_for_redis(settings: Settings) -> None:
    """Block until Redis answers, saying so loudly while it does not."""
    redis = create_redis(settings)
    delay = 0.2
    try:
        while True:
            try:
                await redis.ping()
                break
            except REDIS_DOWN_ERRORS as exc:
                log.warning("⚠️ Redis connection failed: %s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        log.info("✅ Redis connected: %s", redact_url(settings.redis_url.get_secret_value()))
    finally:
        await redis.aclose()


def run(settings: Settings | None = None, *, burst: bool = False) -> None:
    settings = settings or get_settings()
    setup_logging(settings, "worker")
    asyncio.run(wait_for_redis(settings))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    build_worker(settings, burst=burst).run()
