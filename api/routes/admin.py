"""Admin endpoints. All need ``ADMIN_TOKEN``; without one configured they are disabled (403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import AdminDep, SettingsDep, StoreDep
from api.errors import documented

router = APIRouter(
    prefix="/api/v4/admin", tags=["admin"], dependencies=[AdminDep], responses=documented(401, 403, 413, 422, 503)
)


class CleanupReport(BaseModel):
    message: str
    ttl_seconds: int = Field(description="Every job record expires this long after its last change.")
    older_than_seconds: int | None
    removed: int = Field(description="Finished jobs deleted by this call.")


@router.delete("/cleanup-jobs", response_model=CleanupReport, summary="Explain TTL cleanup; remove old finished jobs")
async def cleanup_jobs(
    store: StoreDep,
    settings: SettingsDep,
    older_than_seconds: Annotated[
        int | None, Query(ge=0, le=10 * 365 * 86400, description="Also delete finished jobs created this long ago.")
    ] = None,
) -> CleanupReport:
    removed = 0 if older_than_seconds is None else await store.delete_finished(older_than_seconds)
    ttl = settings.job_ttl_seconds
    return CleanupReport(
        message=f"Jobs are cleaned up automatically: each record expires {ttl} s after its last change (Redis TTL)."
        + (
            f" Removed {removed} finished jobs created more than {older_than_seconds} s ago."
            if older_than_seconds is not None
            else ""
        ),
        ttl_seconds=ttl,
        older_than_seconds=older_than_seconds,
        removed=removed,
    )
