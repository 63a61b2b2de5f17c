"""Pickup and end-to-end latency of sequential jobs on an idle system.

For each job: note the wall clock, submit, then poll the way a client would (one round trip
every ``client_poll_seconds``) until the job is complete. Pickup is the job's own start time
minus the submit time; end-to-end is the moment the client saw it complete minus the submit time.
The polling client adds up to one poll interval (0.2 ms by default) to end-to-end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bench.config import Config
from bench.systems.base import System


class JobTimeout(RuntimeError):
    """A job did not complete within ``job_timeout_seconds``."""


@dataclass
class LatencyResult:
    pickup_ms: list[float] = field(default_factory=list)
    e2e_ms: list[float] = field(default_factory=list)


def wait_done(system: System, job_id: str, config: Config) -> None:
    """Block until ``job_id`` is complete, polling as a client would. Bounded by the timeout.

    A system with a ``wait(job_id, seconds)`` method (a push channel such as SSE) waits with it
    instead of polling.
    """
    wait = getattr(system, "wait", None)
    if callable(wait):
        wait(job_id, config.job_timeout_seconds)
        return
    deadline = time.monotonic() + config.job_timeout_seconds
    while True:
        if system.probe(job_id):
            return
        if time.monotonic() > deadline:
            raise JobTimeout(f"{system.name}: job {job_id} not done in {config.job_timeout_seconds} s")
        time.sleep(config.client_poll_seconds)


async def measure_latency(system: System, config: Config) -> LatencyResult:
    result = LatencyResult()
    deadline = time.monotonic() + config.latency_seconds
    for index in range(config.latency_warmup + config.latency_jobs):
        if time.monotonic() > deadline:
            break
        submitted = time.time_ns()
        job_id = await system.submit()
        wait_done(system, job_id, config)
        seen = time.time_ns()
        started = system.started_ns(job_id)
        if index >= config.latency_warmup:
            result.pickup_ms.append((started - submitted) / 1e6)
            result.e2e_ms.append((seen - submitted) / 1e6)
    return result
