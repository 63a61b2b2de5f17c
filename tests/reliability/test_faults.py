"""The fault-injection suite: kill storms, rolling deploys and Redis crashes under real load.

Each scenario runs small inside ``make test`` and full size under ``make test-faults`` (marker
``faults``), and prints its figures. Every loop is bounded in count and time.
"""

from __future__ import annotations

import collections
import random
import signal
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest
import redis as sync_redis

from cli.redis_server import RedisServer
from shared import keys
from shared.models import JobRecord
from tests.reliability.conftest import Chaos, submit
from tests.support.processes import WorkerService
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


@dataclass
class Sizes:
    jobs: int
    workers: int
    kills: int


FAST = Sizes(jobs=60, workers=2, kills=5)
FULL = Sizes(jobs=500, workers=3, kills=20)
sizes = pytest.mark.parametrize(
    "size", [pytest.param(FAST, id="fast"), pytest.param(FULL, id="full", marks=pytest.mark.faults)]
)


@dataclass
class Pool:
    """Keeps ``size`` workers running; kills and restarts them on demand."""

    chaos: Chaos
    size: int
    workers: list[WorkerService] = field(default_factory=list)

    def fill(self) -> None:
        self.workers = [w for w in self.workers if w.alive()]
        while len(self.workers) < self.size:
            self.workers.append(self.chaos.worker(worker_concurrency=8))

    def victim(self, rng: random.Random) -> WorkerService:
        self.fill()
        return rng.choice(self.workers)


def records(r: sync_redis.Redis, job_ids: list[str]) -> list[JobRecord]:
    raws = r.mget([keys.job(job_id) for job_id in job_ids])
    return [JobRecord.model_validate_json(raw) for raw in raws if raw]


def wait_all_done(r: sync_redis.Redis, job_ids: list[str], pool: Pool, timeout: float) -> list[JobRecord]:
    def probe() -> list[JobRecord]:
        pool.fill()
        return records(r, job_ids)

    return wait_until(probe, lambda rs: len(rs) == len(job_ids) and all(x.is_terminal for x in rs), timeout, 0.2)


def step_reruns(chaos: Chaos, job_ids: set[str]) -> int:
    counts = collections.Counter((job, step) for job, step, _ in chaos.runs() if job in job_ids)
    return sum(n - 1 for n in counts.values())


@sizes
def test_sigkill_storm_loses_nothing_and_leaves_nothing_stuck(
    chaos: Chaos, redis_server: RedisServer, size: Sizes
) -> None:
    rng = random.Random(7)
    client = chaos.api()
    pool = Pool(chaos, size.workers)
    pool.fill()
    jobs = [submit(client, "sleep=0.1") for _ in range(size.jobs)]
    in_flight_at_kills = 0
    started = time.monotonic()
    with sync_redis.Redis.from_url(redis_server.url) as r:
        for _ in range(size.kills):
            time.sleep(rng.uniform(0.1, 0.4))
            in_flight_at_kills += r.zcard(keys.status_index("processing"))
            pool.victim(rng).kill()
        last_kill = time.monotonic()
        final = wait_all_done(r, jobs, pool, timeout=120)
    took = time.monotonic() - started
    statuses = collections.Counter(x.status.value for x in final)
    reruns = step_reruns(chaos, set(jobs))
    print(
        f"\nSIGKILL storm: {size.jobs} jobs, {size.workers} workers, "
        f"{size.kills} kills in {last_kill - started:.1f} s; "
        f"all terminal {took:.1f} s after start ({took - (last_kill - started):.1f} s after the last kill); "
        f"outcomes {dict(statuses)}; step re-runs {reruns} (jobs in flight at the kills: {in_flight_at_kills})"
    )
    assert statuses == {"completed": size.jobs}
    assert reruns <= in_flight_at_kills


@sizes
def test_rolling_deploys_lose_nothing(chaos: Chaos, redis_server: RedisServer, size: Sizes) -> None:
    client = chaos.api()
    pool = Pool(chaos, size.workers)
    pool.fill()
    jobs = [submit(client, "sleep=0.1") for _ in range(size.jobs)]
    rounds = max(2, size.kills // 4)
    with sync_redis.Redis.from_url(redis_server.url) as r:
        for _ in range(rounds):  # replace every worker: SIGTERM, a short grace, then SIGKILL
            for old in list(pool.workers):
                old.signal(signal.SIGTERM)
                try:
                    assert old.process is not None
                    old.process.wait(0.5)
                except Exception:
                    old.kill()
                pool.fill()
        final = wait_all_done(r, jobs, pool, timeout=120)
    outcomes = collections.Counter(a.outcome for x in final for a in x.attempts)
    print(f"\nrolling deploys: {rounds} rounds over {size.workers} workers; attempt outcomes {dict(outcomes)}")
    assert collections.Counter(x.status.value for x in final) == {"completed": size.jobs}
    assert all(x.crashes <= 2 for x in final)


@sizes
def test_redis_killed_and_restarted_loses_no_acknowledged_job(
    chaos: Chaos, redis_factory: object, size: Sizes, tmp_path: object
) -> None:
    server: RedisServer = redis_factory(extra=["--appendfsync", "always"])  # type: ignore[operator]
    chaos.stack.redis_url = server.url
    client = chaos.api()
    pool = Pool(chaos, size.workers)
    pool.fill()
    acknowledged: list[str] = []
    answers: collections.Counter[int] = collections.Counter()
    stop = threading.Event()

    def load() -> None:
        body = {"product_name": "Load", "category": "sleep=0.02", "ingredients": ["Water"]}
        with httpx.Client(base_url=str(client.base_url), timeout=10) as c:
            for _ in range(size.jobs * 4):
                if stop.is_set() or len(acknowledged) >= size.jobs:
                    return
                response = c.post("/api/v4/deep-research", json=body)
                answers[response.status_code] += 1
                if response.status_code == 202:
                    acknowledged.append(response.json()["job_id"])
                    answers[c.get(response.headers["Location"]).status_code] += 1
                else:
                    time.sleep(0.05)

    thread = threading.Thread(target=load)
    thread.start()
    wait_until(lambda: len(acknowledged), lambda n: n >= size.jobs // 3, timeout=30)
    server.kill()
    down_at = time.monotonic()
    time.sleep(1.0)  # the outage
    server.start()
    thread.join(120)
    stop.set()
    with sync_redis.Redis.from_url(server.url) as r:
        final = wait_all_done(r, acknowledged, pool, timeout=120)
    print(
        f"\nRedis kill -9: {len(acknowledged)} acknowledged jobs, HTTP answers {dict(answers)}, "
        f"down {time.monotonic() - down_at:.1f} s before all finished"
    )
    assert set(answers) <= {200, 202, 503}, answers
    assert answers[503] > 0  # the outage was seen, and answered properly
    assert collections.Counter(x.status.value for x in final) == {"completed": len(acknowledged)}
