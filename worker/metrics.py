"""The worker's side of the metrics: time jobs and steps, push the observations to Redis.

Observations gather in this process (:data:`OBSERVED`) and go to Redis in one pipelined round
trip after each job (:func:`flush`), where ``GET /metrics`` on the API reads them (see
``shared/metrics.py`` and ``docs/observability.md`` for why a push to Redis rather than a port).
Job counters (submitted, completed, failed by reason) need nothing here: the store's write
script counts every transition atomically, whoever makes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import replace

from redis.asyncio import Redis

from shared import keys, metrics
from shared.redis import REDIS_DOWN_ERRORS
from worker.pipeline import Step, StepContext
from worker.pipeline.base import JSONValue

log = logging.getLogger("worker.metrics")


class Observations:
    """Increments not yet pushed. One per process: arq runs the jobs of a worker in one loop."""

    def __init__(self) -> None:
        self.pending: defaultdict[str, float] = defaultdict(float)

    def observe(self, histogram: str, label: str, seconds: float) -> None:
        for name, amount in metrics.fields_for(histogram, label, seconds).items():
            self.pending[name] += amount

    async def flush(self, redis: Redis) -> None:
        """Push and forget what was observed; kept for the next flush if Redis is unreachable."""
        if not self.pending:
            return
        batch, self.pending = self.pending, defaultdict(float)
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for name, amount in batch.items():
                    if name.endswith("|sum"):
                        pipe.hincrbyfloat(keys.WORKER_METRICS, name, amount)
                    else:
                        pipe.hincrby(keys.WORKER_METRICS, name, int(amount))
                await pipe.execute()
        except REDIS_DOWN_ERRORS as exc:
            log.warning("metrics not pushed (Redis unreachable: %s); kept for the next job", type(exc).__name__)
            for name, amount in batch.items():
                self.pending[name] += amount


OBSERVED = Observations()
FLUSH_SECONDS = 1.0


async def flush_forever(redis: Redis, observed: Observations = OBSERVED) -> None:
    """Push what jobs observed at most a second late, even when no further job comes to flush it."""
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        await observed.flush(redis)


def outcome_class(outcome: str) -> str | None:
    """The runner's outcome sentence as a label: completed, failed, requeued, stopped; None if no run."""
    word = outcome.split(" ", 1)[0]
    if word in ("completed", "failed", "requeued"):
        return word
    if word in ("skipped", "gone", "rejected"):
        return None
    return "stopped"


def timed(steps: tuple[Step, ...], observed: Observations = OBSERVED) -> tuple[Step, ...]:
    """The same steps, each observing how long it ran (whether it returned or raised)."""

    def wrap(step: Step) -> Step:
        async def run(ctx: StepContext) -> JSONValue:
            started = time.perf_counter()
            try:
                return await step.run(ctx)
            finally:
                observed.observe(metrics.STEP_DURATION, step.name, time.perf_counter() - started)

        return replace(step, run=run)

    return tuple(wrap(step) for step in steps)
