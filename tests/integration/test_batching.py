"""Script calls made in one turn of the event loop travel as one pipeline, each with its own result."""

from __future__ import annotations

import asyncio

import pytest
from arq.connections import ArqRedis

from shared.batching import ScriptBatcher

pytestmark = pytest.mark.redis

SCRIPT = "redis.call('SET', KEYS[1], ARGV[1]) return {ARGV[1], redis.call('INCR', 'calls')}"


async def test_calls_in_one_turn_share_a_round_trip_and_keep_their_own_results(redis: ArqRedis) -> None:
    batcher = ScriptBatcher(redis, redis.register_script(SCRIPT))
    await batcher(["warm"], ["up"])
    await redis.config_resetstat()
    reads_before = int((await redis.info("stats"))["total_reads_processed"])
    results = await asyncio.gather(*(batcher([f"k{i}"], [f"v{i}"]) for i in range(20)))
    reads = int((await redis.info("stats"))["total_reads_processed"]) - reads_before
    assert [r[0] for r in results] == [f"v{i}".encode() for i in range(20)]
    assert sorted(r[1] for r in results) == list(range(2, 22))
    assert (await redis.info("commandstats"))["cmdstat_evalsha"]["calls"] == 20
    assert reads <= 3  # the pipeline (one read, or a few if the socket split it) and the INFO call
    assert [await redis.get(f"k{i}") for i in range(3)] == [b"v0", b"v1", b"v2"]


async def test_a_batch_survives_redis_forgetting_its_script(redis: ArqRedis) -> None:
    batcher = ScriptBatcher(redis, redis.register_script(SCRIPT))
    await batcher(["warm"], ["up"])
    await redis.script_flush()
    results = await asyncio.gather(*(batcher([f"k{i}"], [f"v{i}"]) for i in range(5)))
    assert [r[0] for r in results] == [f"v{i}".encode() for i in range(5)]


async def test_an_error_reaches_only_its_own_caller(redis: ArqRedis) -> None:
    batcher = ScriptBatcher(redis, redis.register_script("return redis.call('INCR', KEYS[1])"))
    await redis.set("text", "not a number")
    good, bad = await asyncio.gather(batcher(["n"], []), batcher(["text"], []), return_exceptions=True)
    assert good == 1
    assert isinstance(bad, Exception)
