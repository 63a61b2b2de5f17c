"""``GET /api/v4/jobs``: the caller's jobs, newest first, filtered, one page at a time."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, BeforeValidator, Field

from api.access import ReaderDep
from api.deps import RedisDep
from api.errors import ApiError, documented
from shared.index import MAX_PAGE, BadCursor, list_jobs
from shared.models import ErrorCode, JobRecord, JobStatus

router = APIRouter(prefix="/api/v4", tags=["jobs"])
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_only(value: object) -> object:
    """A time as ISO 8601, as the schema says: not a bare number (which pydantic would take as epoch)."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("expected an ISO 8601 date-time, e.g. 2026-11-25T12:00:00Z")
    return value


IsoTime = Annotated[datetime | None, BeforeValidator(_iso_only)]


class InvalidCursor(ApiError):
    status_code, code = 400, "invalid_cursor"


class JobSummary(BaseModel):
    """A job as listings show it: its state, without the result."""

    job_id: UUID
    status: JobStatus
    progress: int
    current_step: str | None
    product_name: str
    brand: str
    created_at: datetime
    completed_at: datetime | None
    error: str | None
    error_code: ErrorCode | None
    attempts: int

    @classmethod
    def of(cls, record: JobRecord) -> JobSummary:
        return cls(
            job_id=record.job_id,
            status=record.status,
            progress=record.progress,
            current_step=record.current_step,
            product_name=record.request.product_name,
            brand=record.request.brand,
            created_at=record.created_at,
            completed_at=record.completed_at,
            error=record.error,
            error_code=record.error_code,
            attempts=record.attempt,
        )


class JobPage(BaseModel):
    jobs: list[JobSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


@router.get(
    "/jobs",
    response_model=JobPage,
    summary="List jobs, newest first, with filters and a cursor",
    responses=documented(400, 401, 413, 422, 429, 503),
)
async def jobs(
    caller: ReaderDep,
    redis: RedisDep,
    status: Annotated[JobStatus | None, Query(description="Only jobs now in this status.")] = None,
    created_after: Annotated[IsoTime, Query(description="Only jobs created at or after this time.")] = None,
    created_before: Annotated[IsoTime, Query(description="Only jobs created at or before this time.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From the previous page's next_cursor.")] = None,
) -> JobPage:
    try:
        page = await list_jobs(
            redis,
            status=status,
            created_after=created_after,
            created_before=created_before,
            limit=limit,
            cursor=cursor,
            owner=caller.owner,
        )
    except BadCursor as exc:
        raise InvalidCursor(str(exc)) from exc
    return JobPage(jobs=[JobSummary.of(r) for r in page.records], next_cursor=page.next_cursor)
