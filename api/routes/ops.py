"""Operator endpoints behind ``ADMIN_TOKEN``: queue stats, every job, failed jobs, retry, live events.

The dashboard (``/dashboard``) reads only these: an operator sees every owner's jobs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from api import events, ops
from api.access import JobId
from api.deps import AdminDep, RedisDep, SettingsDep, StoreDep
from api.errors import documented
from api.routes.listing import InvalidCursor, JobPage, JobSummary
from shared.index import MAX_PAGE, BadCursor, list_jobs, queue_position
from shared.models import JobStatus, JobView

router = APIRouter(
    prefix="/api/v4/admin", tags=["admin"], dependencies=[AdminDep], responses=documented(401, 403, 413, 422, 503)
)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.get("/stats", response_model=ops.QueueStats, summary="Queue depth, running, last hour, workers alive")
async def stats(redis: RedisDep, settings: SettingsDep) -> ops.QueueStats:
    return await ops.queue_stats(redis, settings)


@router.get("/jobs", response_model=JobPage, summary="Every owner's jobs, newest first", responses=documented(400))
async def all_jobs(
    redis: RedisDep, status: JobStatus | None = None, limit: Limit = 50, cursor: Cursor = None
) -> JobPage:
    try:
        page = await list_jobs(redis, status=status, limit=limit, cursor=cursor)
    except BadCursor as exc:
        raise InvalidCursor(str(exc)) from exc
    return JobPage(jobs=[JobSummary.of(r) for r in page.records], next_cursor=page.next_cursor)


@router.get(
    "/jobs/failed",
    response_model=JobPage,
    summary="Failed jobs with their errors, newest first",
    responses=documented(400),
)
async def failed_jobs(redis: RedisDep, limit: Limit = 50, cursor: Cursor = None) -> JobPage:
    return await all_jobs(redis, JobStatus.FAILED, limit, cursor)


@router.get("/jobs/{job_id}", response_model=JobView, summary="Any job, with its result", responses=documented(404))
async def job(job_id: JobId, store: StoreDep, settings: SettingsDep) -> JobView:
    record = await ops.get_any(store, job_id)
    view = JobView.of(record)
    view.queue_position = await queue_position(store.redis, settings.queue_name, record)
    return view


@router.post(
    "/jobs/{job_id}/retry", response_model=JobView, summary="Retry a failed job", responses=documented(404, 409)
)
async def retry(job_id: JobId, store: StoreDep) -> JobView:
    return JobView.of(await ops.retry(store, job_id))


@router.get(
    "/jobs/{job_id}/events",
    response_class=StreamingResponse,
    summary="Any job's events (SSE)",
    responses={200: {"content": {"text/event-stream": {}}}, **documented(404)},
)
async def job_events(
    job_id: JobId,
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> StreamingResponse:
    count: events.StreamCount = request.app.state.event_streams
    count.check(settings.events_max_streams)
    opening = await events.open_stream(store.redis, settings, str(job_id), last_event_id)
    return StreamingResponse(
        events.stream(store.redis, settings, opening, count),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
