"""``GET /api/v4/job/{job_id}/events``: a job's progress as Server-Sent Events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from api import events
from api.access import JobCallerDep, JobId
from api.deps import SettingsDep, StoreDep
from api.errors import documented

router = APIRouter(prefix="/api/v4", tags=["jobs"])

_DESCRIPTION = """Server-Sent Events. The first frame (`event: state`) is the job as `GET /api/v4/job/{job_id}`
returns it; then one `event: update` per state change or progress update, and `event: end` for the
terminal one, after which the response ends. Each frame's `id:` is its position in the job's event
stream: reconnect with `Last-Event-ID` to get exactly what followed it."""


@router.get(
    "/job/{job_id}/events",
    summary="Follow a job live (SSE)",
    description=_DESCRIPTION,
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **documented(400, 401, 404, 413, 422, 429, 503)},
)
async def job_events(
    job_id: JobId,
    caller: JobCallerDep,
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    last_event_id: Annotated[str | None, Header(max_length=64, description="Resume after this frame id.")] = None,
) -> StreamingResponse:
    count: events.StreamCount = request.app.state.event_streams
    count.check(settings.events_max_streams)
    opening = await events.open_stream(store.redis, settings, str(job_id), last_event_id, owner=caller.owner)
    return StreamingResponse(
        events.stream(store.redis, settings, opening, count),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
