"""A job's event stream as Server-Sent Events: the current state first, then each change.

Every record write appends ``event_of(record)`` to ``job:<id>:events`` in the same atomic step
(``shared/lua/write.lua``), so the stream's entry ids order the job's history. The SSE ``id:`` of
each frame is that entry id:

- a new client gets a ``state`` frame (the job as it is, read atomically with the newest entry id,
  so the snapshot and the stream agree), then an ``update`` frame per entry after it;
- a client that reconnects with ``Last-Event-ID`` gets exactly the entries after that id: no gap,
  no repeat. If that id is older than the oldest entry kept (the stream is trimmed to about 500
  entries) it gets a fresh ``state`` frame instead, which supersedes what it missed;
- ``Last-Event-ID: 0`` asks for the whole history: every entry from the job's creation, when the
  stream still holds it (else a fresh ``state`` frame, as for a trimmed id);
- the terminal entry is sent as an ``end`` frame and the response ends.

Every loop is bounded: one read blocks at most ``events_block_seconds`` (kept under the Redis
socket timeout), a ``: keep-alive`` comment goes out every ``events_keepalive_seconds``, and the
response ends after ``events_max_stream_seconds`` (the client resumes with ``Last-Event-ID``).
A client that disconnects cancels the generator (Starlette's disconnect listener), so nothing
keeps reading for it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from redis.asyncio import Redis

from api.errors import NotFound, ServiceUnavailable
from shared import keys
from shared.index import queue_position
from shared.models import TERMINAL, JobRecord, JobView
from shared.redis import REDIS_DOWN_ERRORS
from shared.settings import Settings

log = logging.getLogger("api.events")
STREAM_ID: Final = re.compile(r"^\d{1,20}-\d{1,20}$")
RETRY_MS: Final = 2000
_TERMINAL_VALUES: Final = frozenset(status.value for status in TERMINAL)


def frame(event: str, data: str, event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {data}\n\n"


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class StreamCount:
    """The SSE responses this process is serving. Each holds a Redis connection while it waits, so
    new ones are refused (503, Retry-After) past ``events_max_streams``: a soft cap, checked when a
    stream is opened and counted while its generator runs, so a stream that never starts holds
    nothing."""

    def __init__(self) -> None:
        self.open = 0

    def check(self, limit: int) -> None:
        if self.open >= limit:
            raise ServiceUnavailable(
                f"This server already serves {self.open} event streams; retry shortly or poll the status.",
                headers={"Retry-After": "5"},
            )


@dataclass(frozen=True, slots=True)
class Opening:
    record: JobRecord
    snapshot: JobView | None
    """Sent first, unless the client resumes from an id still in the stream."""
    after: str
    """Stream entry id to read after."""


async def open_stream(
    redis: Redis, settings: Settings, job_id: str, last_event_id: str | None, *, owner: str | None = None
) -> Opening:
    """Read the job and where its stream stands, atomically.

    NotFound for an unknown or expired job, or one ``owner`` may not see (None: anyone may).
    """
    stream = keys.events(job_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.get(keys.job(job_id))
        pipe.xrevrange(stream, count=1)
        pipe.xrange(stream, count=1)
        raw, newest, oldest = await pipe.execute()
    record = None if raw is None else JobRecord.model_validate_json(raw)
    if record is None or (owner is not None and record.owner != owner):
        raise NotFound(f"No job {job_id}: it never existed or it expired.")
    newest_id = newest[0][0].decode() if newest else "0-0"
    if last_event_id in ("0", "0-0") and oldest and _is_first_event(oldest[0][1]):
        return Opening(record, None, "0-0")  # the whole history is still kept: replay it
    if last_event_id and STREAM_ID.match(last_event_id):
        oldest_id = oldest[0][0].decode() if oldest else "0-0"
        if _id_key(last_event_id) >= _id_key(oldest_id):
            return Opening(record, None, last_event_id)
    view = JobView.of(record)
    view.queue_position = await queue_position(redis, settings.queue_name, record)
    return Opening(record, view, newest_id)


def _is_first_event(fields: dict[bytes, bytes]) -> bool:
    """Whether a stream entry is the job's creation (pending, never run): nothing was trimmed."""
    event = json.loads(fields.get(b"data", b"{}"))
    return bool(event.get("status") == "pending" and event.get("attempt") == 0)


async def stream(redis: Redis, settings: Settings, opening: Opening, count: StreamCount) -> AsyncIterator[str]:
    """The SSE body. Ends after the terminal event, at the time limit, or if Redis fails."""
    count.open += 1
    try:
        async for chunk in _frames(redis, settings, opening):
            yield chunk
    finally:
        count.open -= 1


async def _frames(redis: Redis, settings: Settings, opening: Opening) -> AsyncIterator[str]:
    job_id = str(opening.record.job_id)
    key = keys.events(job_id)
    yield f"retry: {RETRY_MS}\n\n"
    if opening.snapshot is not None:
        yield frame("state", opening.snapshot.model_dump_json(), opening.after)
        if opening.record.is_terminal:
            return
    block_ms = max(1, int(min(settings.events_block_seconds, settings.redis_socket_timeout / 2) * 1000))
    # A job already finished when a client resumes: send what it missed without waiting.
    wait: int | None = None if opening.record.is_terminal else block_ms
    after = opening.after
    now = time.monotonic()
    deadline = now + settings.events_max_stream_seconds
    keepalive_at = now + settings.events_keepalive_seconds
    try:
        while time.monotonic() < deadline:
            reply: Any = await redis.xread({key: after}, count=100, block=wait)
            entries = reply[0][1] if reply else []
            for entry_id, fields in entries:
                after = entry_id.decode()
                data = fields[b"data"].decode()
                terminal = json.loads(data).get("status") in _TERMINAL_VALUES
                yield frame("end" if terminal else "update", data, after)
                if terminal:
                    return
            if entries:
                keepalive_at = time.monotonic() + settings.events_keepalive_seconds
                continue
            if wait is None:
                return
            if time.monotonic() >= keepalive_at:
                if not await redis.exists(keys.job(job_id)):
                    yield ": the job has expired\n\n"
                    return
                yield ": keep-alive\n\n"
                keepalive_at = time.monotonic() + settings.events_keepalive_seconds
    except REDIS_DOWN_ERRORS as exc:
        log.warning("job %s: event stream ended, Redis unreachable (%s)", job_id, type(exc).__name__)
        yield ": the job store is unreachable; reconnect with Last-Event-ID\n\n"
        return
    yield ": time limit reached; reconnect with Last-Event-ID\n\n"
