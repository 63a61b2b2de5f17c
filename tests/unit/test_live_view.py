"""The live view's pure parts and fakeredis-backed reads: cursors, listing, the metrics hash
layout, the SSE parser, queue stats, and the operator's retry transition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from api import ops
from cli.client import parse_sse
from shared import keys, lifecycle, metrics
from shared.index import BadCursor, decode_cursor, encode_cursor, list_jobs, queue_position
from shared.models import ErrorCode, JobStatus, ResearchRequest
from shared.settings import Settings
from shared.store import JobStore

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
REQUEST = ResearchRequest(product_name="Soap", ingredients=["Water"])


def test_cursor_round_trips_and_rejects_forgeries() -> None:
    assert decode_cursor(encode_cursor(1795642112765, "abc")) == (1795642112765, "abc")
    for bad in ("", "!!!", encode_cursor(1, "x")[:-3] + "###", "W1sxXV0"):
        with pytest.raises(BadCursor):
            decode_cursor(bad)


def test_retried_is_pending_again_with_a_fresh_entry_budget_and_deadline() -> None:
    settings = Settings(redis_url="redis://fake:6379")  # type: ignore[arg-type]
    record = lifecycle.new_job(REQUEST, settings, job_id=uuid4(), now=T0)
    run = lifecycle.claimed(record, "w", T0)
    dead = lifecycle.failed(run, ErrorCode.TIMEOUT, "too slow", T0 + timedelta(minutes=40))
    again = lifecycle.retried(dead.model_copy(update={"failures": 2}), T0 + timedelta(hours=1))
    assert again.status is JobStatus.PENDING
    assert (again.error, again.error_code, again.completed_at, again.progress) == (None, None, None, 0)
    assert again.dispatch not in (record.dispatch, dead.dispatch)
    assert again.failures == 0
    assert again.deadline_at == T0 + timedelta(hours=1) + (record.deadline_at - record.created_at)
    assert again.attempt == dead.attempt, "the attempt count goes on: fencing stays monotonic"


def test_metrics_hash_layout_reads_back_as_cumulative_buckets() -> None:
    raw: dict[bytes, bytes] = {}
    for seconds in (0.003, 0.2, 0.2, 99.0, 1e6):
        for name, amount in metrics.fields_for(metrics.STEP_DURATION, "parse|x", seconds).items():
            raw[name.encode()] = str(float(raw.get(name.encode(), b"0")) + amount).encode()
    raw[b"garbage"] = b"1"
    ((key, series),) = metrics.parse(raw).items()
    assert key == (metrics.STEP_DURATION, "parse/x")
    assert series.count == 5
    assert series.total == pytest.approx(0.003 + 0.4 + 99 + 1e6)
    cumulative = dict(series.cumulative(metrics.BUCKETS[metrics.STEP_DURATION]))
    assert (cumulative["0.005"], cumulative["0.25"], cumulative["300.0"], cumulative["+Inf"]) == (1, 3, 4, 5)


def test_sse_parser_joins_data_lines_and_skips_comments() -> None:
    text = 'retry: 2000\n\n: keep-alive\n\nid: 1-0\nevent: update\ndata: {"a":\ndata: 1}\n\nid: 2-0\ndata: x\n\n'
    frames = list(parse_sse(text.split("\n")))
    assert [(f.id, f.event, f.data) for f in frames] == [("1-0", "update", '{"a":\n1}'), ("2-0", "message", "x")]


async def test_listing_pages_skip_and_prune_expired_entries(fake_store: JobStore) -> None:
    made = []
    for i in range(7):
        record = lifecycle.new_job(REQUEST, fake_store.settings, job_id=uuid4(), now=T0 + timedelta(seconds=i))
        await fake_store.create(record)
        made.append(str(record.job_id))
    await fake_store.redis.delete(keys.job(made[5]), keys.job(made[2]))
    seen, cursor = [], None
    for _ in range(10):
        page = await list_jobs(fake_store.redis, limit=2, cursor=cursor)
        seen += [str(r.job_id) for r in page.records]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [made[i] for i in (6, 4, 3, 1, 0)]
    assert await fake_store.redis.zcard(keys.INDEX_ALL) == 5
    assert await fake_store.redis.zcard(keys.status_index("pending")) == 5


async def test_queue_position_and_stats_on_fakeredis(fake_store: JobStore) -> None:
    records = [lifecycle.new_job(REQUEST, fake_store.settings, job_id=uuid4(), now=T0) for _ in range(3)]
    for record in records:
        await fake_store.create(record)
    queue = fake_store.settings.queue_name
    positions = [await queue_position(fake_store.redis, queue, r) for r in records]
    # The queue orders by enqueue time in ms: jobs queued within the same millisecond (as here)
    # tie and are ordered by entry id, so only the set of positions is certain.
    assert sorted(p for p in positions if p is not None) == [1, 2, 3]
    in_queue = [entry.decode() for entry in await fake_store.redis.zrange(queue, 0, -1)]
    assert [in_queue.index(r.dispatch) + 1 for r in records] == positions
    stats = await ops.queue_stats(fake_store.redis, fake_store.settings)
    assert (stats.queue_depth, stats.pending, stats.running, stats.workers_alive) == (3, 3, 0, 0)


async def test_an_owner_lists_from_its_own_index(fake_store: JobStore) -> None:
    ids: dict[str, list[str]] = {"a": [], "b": []}
    for i in range(12):
        owner = "a" if i % 4 == 0 else "b"
        record = lifecycle.new_job(
            REQUEST, fake_store.settings, job_id=uuid4(), owner=owner, now=T0 + timedelta(seconds=i)
        )
        await fake_store.create(record)
        ids[owner].append(str(record.job_id))
    assert await fake_store.redis.zcard(keys.owner_index("a")) == 3
    page = await list_jobs(fake_store.redis, owner="a", limit=2)
    rest = await list_jobs(fake_store.redis, owner="a", limit=2, cursor=page.next_cursor)
    assert [str(r.job_id) for r in page.records + rest.records] == ids["a"][::-1]
    assert rest.next_cursor is None
    assert (await list_jobs(fake_store.redis, owner="a", status=JobStatus.COMPLETED)).records == []
