"""The job store's contract, run against fakeredis and against a real redis-server alike.

The seed's own checks (``test_redis_jobs.py``: connect, save, retrieve, update progress, complete,
fail, TTL, data integrity) plus the guard that fences every write.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from shared import keys, lifecycle
from shared.models import ErrorCode, JobRecord, JobStatus, ResearchRequest
from shared.store import JobStore, Lease, WriteRejected

PENDING = {JobStatus.PENDING}
PROCESSING = {JobStatus.PROCESSING}
REQUEST = ResearchRequest(
    product_name="Dove Body Wash", brand="Dove", category="cosmetics", ingredients=["Water", "Sodium Laureth Sulfate"]
)


@pytest.fixture(params=["fakeredis", pytest.param("redis-server", marks=pytest.mark.redis)])
def any_store(request: pytest.FixtureRequest) -> JobStore:
    name = "fake_store" if request.param == "fakeredis" else "store"
    found: JobStore = request.getfixturevalue(name)
    return found


def new_record(store: JobStore, request: ResearchRequest = REQUEST) -> JobRecord:
    return lifecycle.new_job(request, store.settings, job_id=uuid4(), correlation_id="cid")


async def created(store: JobStore) -> JobRecord:
    record = new_record(store)
    await store.create(record)
    return record


async def claimed(store: JobStore, worker: str = "w1") -> tuple[JobRecord, Lease]:
    record = await created(store)
    mine = lifecycle.claimed(record, worker, datetime.now(UTC))
    lease = Lease(str(record.job_id), mine.attempt)
    await store.write(mine, expect_attempt=0, allowed=PENDING, lease_add=lease)
    return mine, lease


async def snapshot(store: JobStore, job_id: str) -> dict[str, Any]:
    """Everything a write may touch for one job, to prove a refused write changed nothing."""
    redis = store.redis
    return {
        "record": await redis.get(keys.job(job_id)),
        "checkpoints": await redis.hgetall(keys.checkpoints(job_id)),  # type: ignore[misc]
        "events": await redis.xlen(keys.events(job_id)),
        "leases": await redis.zrange(keys.LEASES, 0, -1, withscores=True),
        "queue": await redis.zrange(store.settings.queue_name, 0, -1),
        "indexes": [await redis.zscore(keys.status_index(s.value), job_id) for s in JobStatus],
    }


def same_record(a: JobRecord | None, b: JobRecord) -> bool:
    """Equal but for the store's own ``updated_at`` stamp, if the store sets one."""
    assert a is not None
    drop = {"updated_at"}
    return a.model_dump(exclude=drop) == b.model_dump(exclude=drop)


class TestSeedChecks:
    async def test_connect(self, any_store: JobStore) -> None:
        assert await any_store.redis.ping()

    async def test_save_and_retrieve(self, any_store: JobStore) -> None:
        record = await created(any_store)
        assert same_record(await any_store.get(record.job_id), record)
        assert same_record(await any_store.get(str(record.job_id)), record)

    async def test_retrieve_unknown_is_none(self, any_store: JobStore) -> None:
        assert await any_store.get(uuid4()) is None

    async def test_update_progress(self, any_store: JobStore) -> None:
        mine, _ = await claimed(any_store)
        step = lifecycle.advanced(mine, "Investigating supply chain...", 50)
        await any_store.write(step, expect_attempt=1, allowed=PROCESSING)
        stored = await any_store.get(mine.job_id)
        assert stored is not None
        assert (stored.status, stored.progress, stored.current_step) == (
            JobStatus.PROCESSING,
            50,
            "Investigating supply chain...",
        )

    async def test_complete(self, any_store: JobStore) -> None:
        mine, lease = await claimed(any_store)
        result = {"product_name": "Dove Body Wash", "brand": "Dove", "report": {"x": 1}, "full_report": "# r"}
        done = lifecycle.completed(mine, result, datetime.now(UTC))
        await any_store.write(done, expect_attempt=1, allowed=PROCESSING, lease_remove=lease)
        stored = await any_store.get(mine.job_id)
        assert stored is not None
        assert (stored.status, stored.progress, stored.current_step) == (JobStatus.COMPLETED, 100, "Complete")
        assert stored.completed_at is not None
        assert stored.model_dump(mode="json")["result"] == result
        assert await any_store.redis.zscore(keys.LEASES, lease.member) is None

    async def test_fail(self, any_store: JobStore) -> None:
        mine, lease = await claimed(any_store)
        done = lifecycle.failed(mine, ErrorCode.INVALID_INPUT, "No ingredient could be read.", datetime.now(UTC))
        await any_store.write(done, expect_attempt=1, allowed=PROCESSING, lease_remove=lease)
        stored = await any_store.get(mine.job_id)
        assert stored is not None
        assert (stored.status, stored.error, stored.error_code) == (
            JobStatus.FAILED,
            "No ingredient could be read.",
            ErrorCode.INVALID_INPUT,
        )

    async def test_ttl_is_at_most_a_day_and_refreshed_by_writes(self, any_store: JobStore) -> None:
        mine, _ = await claimed(any_store)
        key = keys.job(str(mine.job_id))
        assert 0 < await any_store.redis.ttl(key) <= 86400
        await any_store.redis.expire(key, 100)
        await any_store.write(lifecycle.advanced(mine, "x", 10), expect_attempt=1, allowed=PROCESSING)
        assert 100 < await any_store.redis.ttl(key) <= 86400

    async def test_data_integrity(self, any_store: JobStore) -> None:
        tricky = ResearchRequest(
            product_name='Crème "Brûlée" \\ 日本語 🧴',
            brand="L'Oréal",
            category="cosmetics",
            ingredients=["Aqua (Water)", "PEG-40 Hydrogenated Castor Oil", "CI 77491, CI 77492"],
        )
        record = new_record(any_store, tricky)
        await any_store.create(record)
        raw = await any_store.redis.get(keys.job(str(record.job_id)))
        data = json.loads(raw)  # the seed's format: a JSON string
        assert data["job_id"] == str(record.job_id)
        assert data["request"] == tricky.model_dump(mode="json")
        stored = await any_store.get(record.job_id)
        assert stored is not None
        assert stored.request == tricky


class TestGuard:
    async def test_create_never_overwrites(self, any_store: JobStore) -> None:
        mine, _ = await claimed(any_store)
        before = await snapshot(any_store, str(mine.job_id))
        again = mine.model_copy(update={"status": JobStatus.PENDING, "attempt": 0, "progress": 0})
        with pytest.raises(Exception, match=str(mine.job_id)):
            await any_store.create(again)
        assert await snapshot(any_store, str(mine.job_id)) == before

    async def test_a_stale_attempt_is_rejected_and_changes_nothing(self, any_store: JobStore) -> None:
        mine, lease = await claimed(any_store)
        before = await snapshot(any_store, str(mine.job_id))
        late = lifecycle.completed(mine, {"stale": True}, datetime.now(UTC))
        with pytest.raises(WriteRejected) as rejected:
            await any_store.write(
                late, expect_attempt=0, allowed=PROCESSING, checkpoint=("s", {"x": 1}), lease_remove=lease
            )
        assert rejected.value.reason == "stale attempt"
        assert rejected.value.current is not None
        assert same_record(rejected.value.current, mine)
        assert await snapshot(any_store, str(mine.job_id)) == before

    async def test_a_disallowed_status_is_rejected_and_changes_nothing(self, any_store: JobStore) -> None:
        record = await created(any_store)
        before = await snapshot(any_store, str(record.job_id))
        progress = lifecycle.advanced(record, "should not land", 40)
        with pytest.raises(WriteRejected) as rejected:
            await any_store.write(progress, expect_attempt=0, allowed=PROCESSING, checkpoint=("s", {"x": 1}))
        assert rejected.value.reason == "status changed"
        assert rejected.value.current is not None
        assert rejected.value.current.status is JobStatus.PENDING
        assert await snapshot(any_store, str(record.job_id)) == before

    async def test_a_finished_job_cannot_be_revived(self, any_store: JobStore) -> None:
        mine, lease = await claimed(any_store)
        done = lifecycle.failed(mine, ErrorCode.TIMEOUT, "late", datetime.now(UTC))
        await any_store.write(done, expect_attempt=1, allowed=PROCESSING, lease_remove=lease)
        with pytest.raises(WriteRejected):
            await any_store.write(
                lifecycle.completed(mine, {}, datetime.now(UTC)), expect_attempt=1, allowed=PROCESSING
            )
        stored = await any_store.get(mine.job_id)
        assert stored is not None
        assert stored.status is JobStatus.FAILED

    async def test_writing_a_missing_job_is_rejected_as_gone(self, any_store: JobStore) -> None:
        record = new_record(any_store)
        with pytest.raises(WriteRejected) as rejected:
            await any_store.write(record, expect_attempt=0, allowed=PENDING)
        assert (rejected.value.reason, rejected.value.current) == ("gone", None)
        assert await any_store.get(record.job_id) is None

    async def test_only_one_of_two_racing_claims_wins(self, any_store: JobStore) -> None:
        record = await created(any_store)
        first = lifecycle.claimed(record, "w1", datetime.now(UTC))
        second = lifecycle.claimed(record, "w2", datetime.now(UTC))
        await any_store.write(first, expect_attempt=0, allowed=PENDING)
        with pytest.raises(WriteRejected):
            await any_store.write(second, expect_attempt=0, allowed=PENDING)
        stored = await any_store.get(record.job_id)
        assert stored is not None
        assert stored.attempts[-1].worker == "w1"


class TestAlongsideTheRecord:
    async def test_create_queues_a_json_arq_entry(self, any_store: JobStore) -> None:
        record = await created(any_store)
        job_id = str(record.job_id)
        assert await any_store.redis.zscore(any_store.settings.queue_name, job_id) is not None
        entry = json.loads(await any_store.redis.get(keys.arq_job(job_id)))
        assert entry["a"] == [{"job_id": job_id}]
        assert await any_store.redis.zscore(keys.status_index("pending"), job_id) is not None

    async def test_checkpoints_are_saved_with_the_write_and_read_back(self, any_store: JobStore) -> None:
        mine, _ = await claimed(any_store)
        step = lifecycle.step_finished(mine, "parse", 30)
        await any_store.write(step, expect_attempt=1, allowed=PROCESSING, checkpoint=("parse", {"items": ["a", "é"]}))
        step2 = lifecycle.step_finished(step, "match", 60)
        await any_store.write(step2, expect_attempt=1, allowed=PROCESSING, checkpoint=("match", [1, 2]))
        assert await any_store.load_checkpoints(mine.job_id) == {"parse": {"items": ["a", "é"]}, "match": [1, 2]}
        assert 0 < await any_store.redis.ttl(keys.checkpoints(str(mine.job_id))) <= 86400

    async def test_every_write_appends_an_event(self, any_store: JobStore) -> None:
        mine, _ = await claimed(any_store)
        await any_store.write(lifecycle.advanced(mine, "Step 2", 50), expect_attempt=1, allowed=PROCESSING)
        events = await any_store.redis.xrange(keys.events(str(mine.job_id)))
        data = [json.loads(fields[b"data"]) for _, fields in events]
        assert [(e["status"], e["progress"]) for e in data] == [("pending", 0), ("processing", 0), ("processing", 50)]
        assert data[-1]["current_step"] == "Step 2"

    async def test_status_indexes_follow_the_record(self, any_store: JobStore) -> None:
        mine, _ = await claimed(any_store)
        job_id = str(mine.job_id)
        assert await any_store.redis.zscore(keys.status_index("pending"), job_id) is None
        assert await any_store.redis.zscore(keys.status_index("processing"), job_id) is not None

    async def test_leases_are_renewed_but_never_re_added(self, any_store: JobStore) -> None:
        _, lease = await claimed(any_store)
        before = await any_store.redis.zscore(keys.LEASES, lease.member)
        assert before is not None
        await any_store.redis.zadd(keys.LEASES, {lease.member: 0})
        assert await any_store.expired_leases() == [lease]
        await any_store.renew_leases([lease])
        assert await any_store.expired_leases() == []
        await any_store.drop_lease(lease)
        await any_store.renew_leases([lease])
        assert await any_store.redis.zscore(keys.LEASES, lease.member) is None

    async def test_requeue_adds_a_deferred_queue_entry(self, any_store: JobStore) -> None:
        mine, lease = await claimed(any_store)
        again = lifecycle.requeued(mine, "retry", datetime.now(UTC), "Retrying")
        await any_store.write(again, expect_attempt=1, allowed=PROCESSING, lease_remove=lease, dispatch_defer_ms=60_000)
        score = await any_store.redis.zscore(any_store.settings.queue_name, again.dispatch)
        assert score is not None
        assert score > datetime.now(UTC).timestamp() * 1000 + 30_000
        assert json.loads(await any_store.redis.get(keys.arq_job(again.dispatch)))["a"] == [
            {"job_id": str(mine.job_id)}
        ]


class TestDeleteFinished:
    async def test_removes_old_finished_jobs_only(self, any_store: JobStore) -> None:
        waiting = await created(any_store)
        running, _ = await claimed(any_store)
        finished = []
        for outcome in ("completed", "failed"):
            mine, lease = await claimed(any_store)
            now = datetime.now(UTC)
            done = (
                lifecycle.completed(mine, {}, now)
                if outcome == "completed"
                else lifecycle.failed(mine, ErrorCode.INTERNAL, "x", now)
            )
            await any_store.write(done, expect_attempt=1, allowed=PROCESSING, lease_remove=lease)
            await any_store.write(done, expect_attempt=1, allowed=None, checkpoint=("s", 1))
            finished.append(done)
        assert await any_store.delete_finished(older_than_seconds=3600) == 0
        assert await any_store.delete_finished(older_than_seconds=0) == 2
        for done in finished:
            job_id = str(done.job_id)
            assert await any_store.get(job_id) is None
            assert not await any_store.redis.exists(keys.checkpoints(job_id), keys.events(job_id))
        assert await any_store.get(waiting.job_id) is not None
        assert await any_store.get(running.job_id) is not None
        assert await any_store.delete_finished(older_than_seconds=0) == 0

    async def test_age_is_counted_from_creation(self, any_store: JobStore) -> None:
        old = new_record(any_store).model_copy(update={"created_at": datetime.now(UTC) - timedelta(hours=2)})
        await any_store.create(old)
        done = lifecycle.cancelled(old, datetime.now(UTC))
        await any_store.write(done, expect_attempt=0, allowed=PENDING)
        assert await any_store.delete_finished(older_than_seconds=3 * 3600) == 0
        assert await any_store.delete_finished(older_than_seconds=3600) == 1
