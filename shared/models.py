"""The job schema both processes share: the request, the job record, statuses, results, errors.

The API writes these, the worker reads them, and clients see them; one definition keeps the
three in step. The stored record (:class:`JobRecord`) is a superset of what clients see
(:class:`JobView`): fencing and bookkeeping fields stay inside.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Final
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared.report import Report

MAX_INGREDIENTS: Final = 1000
MAX_INGREDIENT_CHARS: Final = 2000
MAX_NAME_CHARS: Final = 200
MAX_BRAND_CHARS: Final = 120
MAX_CATEGORY_CHARS: Final = 80

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """Normalise client text: NFC, no control characters or lone surrogates, single spaces."""
    if _SURROGATE.search(value):
        raise ValueError("text contains an invalid (lone surrogate) character")
    value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub(" ", value)
    return _SPACES.sub(" ", value).strip()


CleanStr = Annotated[str, AfterValidator(clean_text)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class JobStatus(StrEnum):
    """A job's lifecycle. ``pending``, ``processing`` and ``completed`` are the seed's values."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


TERMINAL: Final = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})
ACTIVE: Final = frozenset({JobStatus.PENDING, JobStatus.PROCESSING})


class ErrorCode(StrEnum):
    """Why a job failed, for programs; ``error`` carries the sentence for people."""

    INVALID_INPUT = "invalid_input"
    TIMEOUT = "timeout"
    RETRIES_EXHAUSTED = "retries_exhausted"
    INTERNAL = "internal"
    LOST = "lost"


class ResearchRequest(BaseModel):
    """``POST /api/v4/deep-research``: the seed's body."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "product_name": "Dove Body Wash",
                    "brand": "Dove",
                    "category": "cosmetics",
                    "ingredients": ["Water", "Sodium Laureth Sulfate", "Fragrance"],
                }
            ]
        },
    )

    product_name: CleanStr = Field(min_length=1, max_length=MAX_NAME_CHARS)
    brand: CleanStr = Field(default="", max_length=MAX_BRAND_CHARS)
    category: CleanStr = Field(default="", max_length=MAX_CATEGORY_CHARS)
    ingredients: list[Annotated[CleanStr, Field(max_length=MAX_INGREDIENT_CHARS)]] = Field(
        min_length=1,
        max_length=MAX_INGREDIENTS,
        description="The ingredient list as printed on the label, one entry per ingredient "
        "(an entry holding a whole comma-separated list is split by the pipeline).",
    )

    @field_validator("product_name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        # min_length is checked before clean_text runs, so "   " would pass it and end up empty.
        if not value:
            raise ValueError("product_name must not be blank")
        return value

    @field_validator("ingredients")
    @classmethod
    def _drop_blank(cls, value: list[str]) -> list[str]:
        kept = [item for item in value if item]
        if not kept:
            raise ValueError("ingredients must name at least one ingredient")
        return kept


class ResearchResult(BaseModel):
    """A completed job's ``result``: the seed's shape."""

    product_name: str
    brand: str
    report: Report
    full_report: str = Field(description="The same report as readable Markdown.")


class Attempt(BaseModel):
    """One run of a job by a worker."""

    number: int
    worker: str
    started_at: datetime
    ended_at: datetime | None = None
    outcome: str | None = Field(
        default=None,
        description="completed, failed, cancelled, retry (transient error), released "
        "(worker shut down), lost (worker died), stale (replaced while running)",
    )


class JobRecord(BaseModel):
    """What ``job:<uuid>`` holds: the seed's fields plus the bookkeeping that fences writes."""

    # job_id, status and attempt come first, in this order: the store's write guard reads them
    # from the start of the stored JSON without decoding it (shared/lua/write.lua).
    job_id: UUID
    status: JobStatus = JobStatus.PENDING
    attempt: int = Field(default=0, ge=0, description="Number of the latest run; 0 = not started.")
    progress: int = Field(default=0, ge=0, le=100)
    current_step: str | None = "Queued"
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    result: ResearchResult | dict[str, Any] | None = None
    error: str | None = None
    error_code: ErrorCode | None = None

    request: ResearchRequest
    pipeline: str = "deep_research"
    owner: str | None = None
    correlation_id: str | None = None
    deadline_at: datetime
    failures: int = 0
    crashes: int = 0
    dispatch: str = Field(description="Id of the queue entry that may run this job now.")
    steps_done: list[str] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)
    cancel_requested: bool = False

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


class JobView(BaseModel):
    """``GET /api/v4/job/{job_id}``: the seed's fields, then additions old clients can ignore."""

    job_id: UUID
    status: JobStatus
    progress: int
    current_step: str | None
    created_at: datetime
    completed_at: datetime | None
    result: ResearchResult | dict[str, Any] | None
    error: str | None
    error_code: ErrorCode | None = None
    attempts: int = Field(default=0, description="How many times a worker has started this job.")
    attempt_history: list[Attempt] = Field(
        default_factory=list, description="Each run: its worker, when it started and ended, and how."
    )
    queue_position: int | None = Field(
        default=None, description="For a pending job: 1 = next to run. None when not waiting in the queue."
    )

    @classmethod
    def of(cls, record: JobRecord) -> JobView:
        return cls(
            job_id=record.job_id,
            status=record.status,
            progress=record.progress,
            current_step=record.current_step,
            created_at=record.created_at,
            completed_at=record.completed_at,
            result=record.result,
            error=record.error,
            error_code=record.error_code,
            attempts=record.attempt,
            attempt_history=record.attempts,
        )


class SubmitResponse(BaseModel):
    """``202`` answer to a submit: the seed's fields."""

    job_id: UUID
    status: JobStatus
    message: str
    check_status_url: str


class QueuePayload(BaseModel):
    """The arq job's only argument. The worker reads everything else from the job record."""

    model_config = ConfigDict(extra="forbid")

    job_id: UUID
