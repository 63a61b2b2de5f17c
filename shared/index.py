"""Reads over the job indexes the write script maintains: listing pages, queue positions.

Listing never scans keys: it pages through ``jobs:index`` (every job) or ``jobs:status:<s>``
(jobs now in that status), both scored by creation time in ms, newest first. A page costs one
rank lookup, one range read and one ``MGET`` of the page's records, so it grows with the page
size, not with the number of jobs. An index entry whose record has expired (TTL) is skipped and
removed from the indexes on the way.

The cursor is opaque to clients: base64 of the last entry's score and id. The next page starts
right after that entry (``ZREVRANK``); if the entry has left the index meanwhile (its status
changed, or it expired) the page starts at its score instead: nothing is skipped, though jobs
created in the very same millisecond as that entry may be listed twice.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from redis.asyncio import Redis

from shared import keys
from shared.models import JobRecord, JobStatus

MAX_PAGE: Final = 200
_MAX_ROUNDS: Final = 4
"""Reads per page when expired entries (or, for an owner, jobs in other statuses) leave it short."""


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Page:
    records: list[JobRecord]
    next_cursor: str | None
    pruned: int


def encode_cursor(score: float, job_id: str) -> str:
    raw = json.dumps([int(score), job_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, job_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise BadCursor("the cursor is not one this API returned") from exc
    if not isinstance(score, int) or not isinstance(job_id, str) or len(job_id) > 64:
        raise BadCursor("the cursor is not one this API returned")
    return score, job_id


def _ms(value: datetime | None, default: str) -> str:
    return default if value is None else str(int(value.timestamp() * 1000))


async def _start(redis: Redis, index: str, cursor: str | None, newest: str) -> tuple[int, str]:
    """Where a page begins: the top score bound and an offset among the entries at or below it."""
    if cursor is None:
        return 0, newest
    score, job_id = decode_cursor(cursor)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zrevrank(index, job_id)
        pipe.zcount(index, f"({score}", "+inf")
        rank, above = await pipe.execute()
    if rank is None:
        return 0, str(score)
    return int(rank) - int(above) + 1, str(score)


async def list_jobs(
    redis: Redis,
    *,
    status: JobStatus | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
    owner: str | None = None,
) -> Page:
    """One page of jobs, newest first. ``owner`` keeps only that owner's jobs.

    An owner's listing reads that owner's own index (filtered by status if asked), so another
    owner's volume never costs it anything.
    """
    if owner is not None:
        index = keys.owner_index(owner)
    else:
        index = keys.status_index(status.value) if status else keys.INDEX_ALL
    limit = max(1, min(limit, MAX_PAGE))
    oldest = _ms(created_after, "-inf")
    offset, top = await _start(redis, index, cursor, _ms(created_before, "+inf"))
    records: list[JobRecord] = []
    pruned = 0
    last: tuple[float, str] | None = None
    more = False
    for _ in range(_MAX_ROUNDS):
        want = limit - len(records) + 1  # one more than needed tells whether a next page exists
        entries = await redis.zrevrangebyscore(index, top, oldest, start=offset, num=want, withscores=True)
        more = len(entries) == want
        ids = [member.decode() for member, _ in entries]
        raws = await redis.mget([keys.job(job_id) for job_id in ids]) if ids else []
        gone = [job_id for job_id, raw in zip(ids, raws, strict=True) if raw is None]
        if gone:
            pruned += await _prune(redis, gone, owner)
        offset += len(entries) - len(gone)  # the pruned entries no longer take a place in the index
        for job_id, (_, score), raw in zip(ids, entries, raws, strict=True):
            if len(records) == limit:
                more = True
                break
            last = (score, job_id)
            if raw is None:
                continue
            record = JobRecord.model_validate_json(raw)
            if (status is None or record.status is status) and (owner is None or record.owner == owner):
                records.append(record)
        if len(records) == limit or not more:
            break
    return Page(records, encode_cursor(*last) if more and last else None, pruned)


async def _prune(redis: Redis, job_ids: list[str], owner: str | None) -> int:
    """Drop index entries whose record expired. Returns how many were in the all-jobs index."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zrem(keys.INDEX_ALL, *job_ids)
        for status in JobStatus:
            pipe.zrem(keys.status_index(status.value), *job_ids)
        if owner is not None:
            pipe.zrem(keys.owner_index(owner), *job_ids)
        replies = await pipe.execute()
    return int(replies[0])


async def queue_position(redis: Redis, queue_name: str, record: JobRecord) -> int | None:
    """1 = next to run; None if the job is not pending or its entry has left the queue (starting)."""
    if record.status is not JobStatus.PENDING:
        return None
    rank = await redis.zrank(queue_name, record.dispatch)
    return None if rank is None else int(rank) + 1
