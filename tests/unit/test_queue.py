"""The queue's wire format: arq's job layout, serialised as JSON, never pickle."""

from __future__ import annotations

import json
from uuid import uuid4

from arq.jobs import deserialize_job

from shared import queue


def test_dumps_is_compact_json_and_loads_reads_it_back() -> None:
    value = {"a": [1, 2], "b": None}
    raw = queue.dumps(value)
    assert raw == b'{"a":[1,2],"b":null}'
    assert queue.loads(raw) == value


def test_dumps_turns_unusual_values_into_text() -> None:
    assert json.loads(queue.dumps({"error": ValueError("boom")})) == {"error": "boom"}


def test_arq_entry_is_json_in_arqs_layout() -> None:
    job_id = str(uuid4())
    raw = queue.arq_entry(job_id, enqueue_ms=1234)
    assert not raw.startswith(b"\x80")  # not pickle
    entry = json.loads(raw)
    assert entry == {"t": None, "f": queue.TASK_NAME, "a": [{"job_id": job_id}], "k": {}, "et": 1234}


def test_arqs_own_reader_understands_the_entry() -> None:
    job_id = str(uuid4())
    job = deserialize_job(queue.arq_entry(job_id, enqueue_ms=99_000), deserializer=queue.loads)
    assert (job.function, list(job.args), job.kwargs) == (queue.TASK_NAME, [{"job_id": job_id}], {})
    assert job.enqueue_time.timestamp() == 99


def test_arq_entry_defaults_to_now() -> None:
    before = queue.now_ms()
    entry = json.loads(queue.arq_entry(str(uuid4())))
    assert before <= entry["et"] <= queue.now_ms()
