"""The seed's job endpoints: submit, status, plus cancel."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Response, status

from api import service
from api.access import JobCallerDep, JobId, SubmitCallerDep
from api.deps import StoreDep
from api.errors import documented, error_body
from shared.index import queue_position
from shared.logs import correlation_id
from shared.models import JobStatus, JobView, ResearchRequest, SubmitResponse

router = APIRouter(prefix="/api/v4", tags=["jobs"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "Unknown or expired job",
        "content": {"application/json": {"example": error_body("not_found", "No job ...")}},
    },
    503: {"description": "Redis unreachable; retry after Retry-After seconds"},
}
_CLIENT_ERRORS = documented(400, 401, 413, 422, 429, 503)


def status_url(job_id: UUID) -> str:
    return f"/api/v4/job/{job_id}"


@router.post(
    "/deep-research",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubmitResponse,
    summary="Start a deep-research job",
    responses={
        **_CLIENT_ERRORS,
        409: {"description": "Idempotency-Key reused with a different body"},
        429: {"description": "The queue is full (backpressure); retry after Retry-After seconds"},
        503: _ERRORS[503],
    },
)
async def submit(
    body: ResearchRequest,
    caller: SubmitCallerDep,
    store: StoreDep,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="Makes the submit safe to retry: the same key and body return the same job.",
        ),
    ] = None,
) -> SubmitResponse:
    created = await service.submit(
        store, body, owner=caller.owner, correlation_id=correlation_id.get(), idempotency_key=idempotency_key
    )
    response.headers["Location"] = status_url(created.job_id)
    current = JobStatus.PENDING
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
        existing = await store.get(created.job_id)
        current = existing.status if existing else current
    return SubmitResponse(
        job_id=created.job_id,
        status=current,
        message="Deep research initiated." if not created.replayed else "Deep research already initiated.",
        check_status_url=status_url(created.job_id),
    )


@router.get(
    "/job/{job_id}", response_model=JobView, summary="A job's status and result", responses=_CLIENT_ERRORS | _ERRORS
)
async def get_job(job_id: JobId, caller: JobCallerDep, store: StoreDep) -> JobView:
    record = await service.get(store, job_id, owner=caller.owner)
    view = JobView.of(record)
    view.queue_position = await queue_position(store.redis, store.settings.queue_name, record)
    return view


@router.post(
    "/job/{job_id}/cancel",
    response_model=JobView,
    summary="Cancel a pending or running job",
    responses={**_CLIENT_ERRORS, **_ERRORS, 409: {"description": "The job has already ended"}},
)
async def cancel_job(job_id: JobId, caller: JobCallerDep, store: StoreDep) -> JobView:
    return JobView.of(await service.cancel(store, job_id, owner=caller.owner))
