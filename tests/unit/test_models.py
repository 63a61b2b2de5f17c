"""The shared job schema: request validation and limits, text cleaning, the record and the view."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared.models import (
    ACTIVE,
    MAX_BRAND_CHARS,
    MAX_CATEGORY_CHARS,
    MAX_INGREDIENT_CHARS,
    MAX_INGREDIENTS,
    MAX_NAME_CHARS,
    TERMINAL,
    ErrorCode,
    JobRecord,
    JobStatus,
    JobView,
    QueuePayload,
    ResearchRequest,
    SubmitResponse,
    clean_text,
)

SEED_REQUEST: dict[str, Any] = {
    "product_name": "Dove Body Wash",
    "brand": "Dove",
    "category": "cosmetics",
    "ingredients": ["Water", "Sodium Laureth Sulfate", "Fragrance"],
}
SEED_VIEW_FIELDS = ("job_id", "status", "progress", "current_step", "created_at", "completed_at", "result", "error")


def a_record(**update: Any) -> JobRecord:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    job_id = uuid4()
    fields: dict[str, Any] = {
        "job_id": job_id,
        "created_at": now,
        "request": ResearchRequest.model_validate(SEED_REQUEST),
        "deadline_at": now + timedelta(minutes=30),
        "dispatch": str(job_id),
    }
    fields.update(update)
    return JobRecord(**fields)


class TestResearchRequest:
    def test_accepts_the_seeds_example(self) -> None:
        request = ResearchRequest.model_validate(SEED_REQUEST)
        assert request.model_dump() == SEED_REQUEST

    def test_brand_and_category_are_optional(self) -> None:
        request = ResearchRequest.model_validate({"product_name": "Soap", "ingredients": ["Water"]})
        assert (request.brand, request.category) == ("", "")

    def test_ignores_unknown_fields_old_clients_may_send(self) -> None:
        request = ResearchRequest.model_validate({**SEED_REQUEST, "priority": "high"})
        assert not hasattr(request, "priority")

    @pytest.mark.parametrize(
        "change",
        [
            {"product_name": ""},
            {"product_name": "   "},
            {"product_name": "x" * (MAX_NAME_CHARS + 1)},
            {"brand": "b" * (MAX_BRAND_CHARS + 1)},
            {"category": "c" * (MAX_CATEGORY_CHARS + 1)},
            {"ingredients": []},
            {"ingredients": ["", "  "]},
            {"ingredients": ["Water"] * (MAX_INGREDIENTS + 1)},
            {"ingredients": ["i" * (MAX_INGREDIENT_CHARS + 1)]},
            {"ingredients": "Water, Glycerin"},
            {"product_name": None},
        ],
    )
    def test_rejects_out_of_limits(self, change: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            ResearchRequest.model_validate({**SEED_REQUEST, **change})

    def test_requires_product_name_and_ingredients(self) -> None:
        for missing in ("product_name", "ingredients"):
            body = {k: v for k, v in SEED_REQUEST.items() if k != missing}
            with pytest.raises(ValidationError):
                ResearchRequest.model_validate(body)

    def test_accepts_values_at_the_limits(self) -> None:
        request = ResearchRequest.model_validate(
            {
                "product_name": "x" * MAX_NAME_CHARS,
                "brand": "b" * MAX_BRAND_CHARS,
                "category": "c" * MAX_CATEGORY_CHARS,
                "ingredients": ["i" * MAX_INGREDIENT_CHARS] * MAX_INGREDIENTS,
            }
        )
        assert len(request.ingredients) == MAX_INGREDIENTS

    def test_drops_blank_ingredients_and_cleans_the_rest(self) -> None:
        request = ResearchRequest.model_validate({**SEED_REQUEST, "ingredients": [" Water ", "", "Aqua\x00 (Water)"]})
        assert request.ingredients == ["Water", "Aqua (Water)"]


class TestCleanText:
    @pytest.mark.parametrize(
        ("raw", "clean"),
        [
            ("  Dove   Body\tWash \n", "Dove Body Wash"),
            ("Cafe\u0301", "Café"),  # NFC: combining accent folded into one character
            ("a\x00b\x1fc\x7fd", "a b c d"),
            ("line\u2028sep\ufeff", "line sep"),
            ("", ""),
        ],
    )
    def test_normalises(self, raw: str, clean: str) -> None:
        assert clean_text(raw) == clean

    def test_rejects_lone_surrogates(self) -> None:
        with pytest.raises(ValueError, match="surrogate"):
            clean_text("bad \ud800 text")


class TestStatuses:
    def test_seed_values(self) -> None:
        assert {s.value for s in JobStatus} >= {"pending", "processing", "completed", "failed"}

    def test_terminal_and_active_partition_the_statuses(self) -> None:
        assert set(JobStatus) == TERMINAL | ACTIVE
        assert not TERMINAL & ACTIVE
        assert JobStatus.COMPLETED.is_terminal
        assert not JobStatus.PROCESSING.is_terminal


class TestJobRecord:
    def test_serialises_job_id_status_attempt_first(self) -> None:
        """The Lua write guard reads these three from the start of the stored JSON."""
        record = a_record(status=JobStatus.PROCESSING, attempt=3, progress=40)
        raw = record.model_dump_json()
        assert raw.startswith(f'{{"job_id":"{record.job_id}","status":"processing","attempt":3,')
        assert list(json.loads(raw))[:3] == ["job_id", "status", "attempt"]

    def test_round_trips_through_json(self) -> None:
        record = a_record(status=JobStatus.COMPLETED, progress=100, result={"product_name": "Dove Body Wash"})
        assert JobRecord.model_validate_json(record.model_dump_json()) == record

    def test_defaults_describe_a_fresh_pending_job(self) -> None:
        record = a_record()
        assert (record.status, record.attempt, record.progress, record.current_step) == (
            JobStatus.PENDING,
            0,
            0,
            "Queued",
        )
        assert record.result is None
        assert record.error is None
        assert not record.is_terminal

    @pytest.mark.parametrize("progress", [-1, 101])
    def test_progress_stays_in_0_to_100(self, progress: int) -> None:
        with pytest.raises(ValidationError):
            a_record(progress=progress)


class TestJobView:
    def test_carries_the_seeds_fields_first(self) -> None:
        record = a_record(
            status=JobStatus.FAILED,
            attempt=2,
            progress=50,
            current_step="Failed",
            completed_at=datetime(2026, 11, 25, 12, 5, tzinfo=UTC),
            error="nope",
            error_code=ErrorCode.INVALID_INPUT,
        )
        view = JobView.of(record).model_dump(mode="json")
        assert tuple(view)[: len(SEED_VIEW_FIELDS)] == SEED_VIEW_FIELDS
        assert view["job_id"] == str(record.job_id)
        assert view["status"] == "failed"
        assert view["progress"] == 50
        assert view["current_step"] == "Failed"
        assert view["created_at"] == "2026-11-25T12:00:00Z"
        assert view["completed_at"] == "2026-11-25T12:05:00Z"
        assert view["result"] is None
        assert view["error"] == "nope"
        assert view["error_code"] == "invalid_input"
        assert view["attempts"] == 2

    def test_hides_the_bookkeeping(self) -> None:
        view = JobView.of(a_record(owner="someone")).model_dump()
        for internal in ("request", "dispatch", "owner", "deadline_at", "steps_done", "failures", "crashes"):
            assert internal not in view


def test_submit_response_has_the_seeds_fields() -> None:
    job_id = uuid4()
    response = SubmitResponse(
        job_id=job_id,
        status=JobStatus.PENDING,
        message="Deep research initiated.",
        check_status_url=f"/api/v4/job/{job_id}",
    )
    assert list(response.model_dump()) == ["job_id", "status", "message", "check_status_url"]


def test_queue_payload_is_only_the_job_id() -> None:
    job_id = uuid4()
    assert QueuePayload.model_validate({"job_id": str(job_id)}).job_id == job_id
    with pytest.raises(ValidationError):
        QueuePayload.model_validate({"job_id": str(job_id), "request": SEED_REQUEST})
