"""The queue's wire format: arq's job layout, serialised as JSON (never pickle).

The API and the reaper add a job's arq entry in the same atomic step as the job record (see
:mod:`shared.store`), so :func:`arq_entry` builds the bytes arq's worker will read.
"""

from __future__ import annotations

import json
import time
from typing import Any, Final

from arq.jobs import serialize_job

from shared.models import QueuePayload

TASK_NAME: Final = "run_job"
ARQ_EXPIRES_EXTRA_MS: Final = 86_400_000


def dumps(value: Any) -> bytes:
    """arq's ``job_serializer``: compact JSON; anything unusual (an exception) becomes text."""
    return json.dumps(value, separators=(",", ":"), default=str).encode()


def loads(raw: bytes) -> Any:
    """arq's ``job_deserializer``."""
    return json.loads(raw)


def now_ms() -> int:
    return int(time.time() * 1000)


def arq_entry(job_id: str, *, enqueue_ms: int | None = None) -> bytes:
    """The ``arq:job:<id>`` value that makes arq call :data:`TASK_NAME` with this job."""
    payload = QueuePayload.model_validate({"job_id": job_id}).model_dump(mode="json")
    return serialize_job(
        TASK_NAME,
        (payload,),
        {},
        None,
        enqueue_ms if enqueue_ms is not None else now_ms(),
        serializer=dumps,
    )
