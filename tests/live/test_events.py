"""The SSE event stream against a real API process and a real Redis.

Where the test needs to know exactly which events happen after the client connected, it plays
the worker itself: it writes the job through the store (the worker's own write path) once the
API's blocking read on the stream is visible in Redis's client list.
"""

from __future__ import annotations

import asyncio
import time
from uuid import uuid4

import httpx
import pytest

from shared import keys, lifecycle
from shared.models import JobRecord, JobStatus, ResearchRequest, utcnow
from shared.store import JobStore
from tests.conftest import Stack
from tests.e2e.helpers import PACED, submit
from tests.live.helpers import read_events
from tests.support.waiting import await_until, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]
STEPS = ("Reading the label", "Matching ingredients", "Weighing evidence", "Writing the report")
REQUEST = ResearchRequest(product_name="Test Soap", brand="Acme", ingredients=["Water", "Glycerin"])


async def new_pending(store: JobStore) -> JobRecord:
    record = lifecycle.new_job(REQUEST, store.settings, job_id=uuid4())
    await store.create(record)
    return record


async def reader_connected(store: JobStore, before: int) -> None:
    async def blocked() -> int:
        return sum(1 for client in await store.redis.client_list() if client.get("cmd") == "xread")

    await await_until(blocked, lambda n: n > before, timeout=10)


async def play_worker(store: JobStore, record: JobRecord, steps: tuple[str, ...]) -> JobRecord:
    """Claim, announce each step, complete: the writes a worker makes, through the same store."""
    live = lifecycle.claimed(record, "test-worker", utcnow()).model_copy(update={"current_step": steps[0]})
    await store.write(live, expect_attempt=record.attempt, allowed={JobStatus.PENDING})
    for number, label in enumerate(steps[1:], start=1):
        live = lifecycle.advanced(live, label, number * 100 // len(steps))
        await store.write(live, expect_attempt=live.attempt, allowed={JobStatus.PROCESSING})
    done = lifecycle.completed(live, {"product_name": "Test Soap", "brand": "Acme", "report": {}}, utcnow())
    await store.write(done, expect_attempt=live.attempt, allowed={JobStatus.PROCESSING})
    return done


async def stream_ids(store: JobStore, job_id: str) -> list[str]:
    return [entry_id.decode() for entry_id, _ in await store.redis.xrange(keys.events(job_id))]


async def test_sse_client_sees_every_step_in_order_then_the_end(stack: Stack, store: JobStore) -> None:
    api = stack.api()
    record = await new_pending(store)
    url = f"{api.url}/api/v4/job/{record.job_id}/events"
    reading = asyncio.create_task(asyncio.to_thread(read_events, url))
    await reader_connected(store, before=0)
    await play_worker(store, record, STEPS)
    frames, _ = await reading

    assert [f.event for f in frames] == ["state", *["update"] * len(STEPS), "end"]
    state = frames[0].json()
    assert (state["status"], state["current_step"], state["queue_position"]) == ("pending", "Queued", 1)
    updates = [f.json() for f in frames[1:]]
    assert [u["current_step"] for u in updates] == [*STEPS, "Complete"]
    assert [u["status"] for u in updates] == ["processing"] * len(STEPS) + ["completed"]
    progress = [u["progress"] for u in updates]
    assert progress == sorted(progress)
    assert progress[-1] == 100
    ids = await stream_ids(store, str(record.job_id))
    assert [f.id for f in frames] == ids, "the state frame carries the entry it reflects, then one frame per entry"


async def test_reconnect_with_last_event_id_misses_nothing_and_repeats_nothing(stack: Stack, store: JobStore) -> None:
    api = stack.api()
    record = await new_pending(store)
    url = f"{api.url}/api/v4/job/{record.job_id}/events"
    first = asyncio.create_task(asyncio.to_thread(read_events, url, stop_after=3))
    await reader_connected(store, before=0)
    live = lifecycle.claimed(record, "test-worker", utcnow()).model_copy(update={"current_step": STEPS[0]})
    await store.write(live, expect_attempt=0, allowed={JobStatus.PENDING})
    live = lifecycle.advanced(live, STEPS[1], 25)
    await store.write(live, expect_attempt=1, allowed={JobStatus.PROCESSING})
    before, _ = await first  # the client drops after state + 2 updates

    for number, label in enumerate(STEPS[2:], start=2):  # what happens while it is away
        live = lifecycle.advanced(live, label, number * 25)
        await store.write(live, expect_attempt=1, allowed={JobStatus.PROCESSING})
    done = lifecycle.completed(live, {"report": {}}, utcnow())
    await store.write(done, expect_attempt=1, allowed={JobStatus.PROCESSING})

    after, _ = await asyncio.to_thread(read_events, url, last_event_id=before[-1].id)
    assert [f.event for f in after] == ["update", "update", "end"], "no state frame: the resume is exact"
    seen = [f.id for f in before + after]
    assert len(seen) == len(set(seen)), "nothing seen twice"
    assert seen == await stream_ids(store, str(record.job_id)), "nothing missed"
    labels = [f.json()["current_step"] for f in before[1:] + after]
    assert labels == [*STEPS, "Complete"]

    again, _ = await asyncio.to_thread(read_events, url, last_event_id=after[-1].id, timeout=5)
    assert again == [], "resuming after the end sends nothing and ends at once"


async def test_resume_from_a_trimmed_id_gets_a_fresh_state(stack: Stack, store: JobStore) -> None:
    api = stack.api()
    record = await new_pending(store)
    await play_worker(store, record, STEPS)
    frames, _ = await asyncio.to_thread(
        read_events, f"{api.url}/api/v4/job/{record.job_id}/events", last_event_id="1-0", timeout=5
    )
    assert [f.event for f in frames] == ["state"]
    assert frames[0].json()["status"] == "completed"
    assert frames[0].json()["result"] is not None


async def test_real_worker_job_streams_its_steps_and_ends(stack: Stack) -> None:
    api = stack.api(**PACED)
    stack.worker(**PACED, E2E_STEP_SECONDS=0.3)
    job_id = await asyncio.to_thread(submit, api.url)
    frames, _ = await asyncio.to_thread(read_events, f"{api.url}/api/v4/job/{job_id}/events")
    assert frames[0].event == "state"
    assert frames[-1].event == "end"
    views = [f.json() for f in frames]
    assert views[-1]["status"] == "completed"
    assert views[-1]["progress"] == 100
    labels = [v["current_step"] for v in views]
    steps = [label for label in ("Paced step read", "Paced step check", "Paced step report") if label in labels]
    assert steps[-2:] == ["Paced step check", "Paced step report"], labels
    assert [labels.index(s) for s in steps] == sorted(labels.index(s) for s in steps)
    progress = [v["progress"] for v in views]
    assert progress == sorted(progress)


async def test_idle_stream_sends_keepalives_and_ends_at_its_time_limit(stack: Stack, store: JobStore) -> None:
    api = stack.api(EVENTS_KEEPALIVE_SECONDS=0.2, EVENTS_MAX_STREAM_SECONDS=1.5, EVENTS_BLOCK_SECONDS=0.1)
    record = await new_pending(store)
    started = time.monotonic()
    frames, comments = await asyncio.to_thread(read_events, f"{api.url}/api/v4/job/{record.job_id}/events")
    elapsed = time.monotonic() - started
    assert [f.event for f in frames] == ["state"]
    assert comments.count(": keep-alive") >= 3
    assert comments[-1].startswith(": time limit reached")
    assert 1.4 < elapsed < 5


async def test_events_of_an_unknown_job_are_404(stack: Stack) -> None:
    api = stack.api()
    response = await asyncio.to_thread(httpx.get, f"{api.url}/api/v4/job/{uuid4()}/events", timeout=5)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_a_client_that_disconnects_stops_its_stream_reader(stack: Stack, store: JobStore) -> None:
    api = stack.api()
    record = await new_pending(store)
    frames, _ = await asyncio.to_thread(
        read_events, f"{api.url}/api/v4/job/{record.job_id}/events", stop_after=1, timeout=5
    )
    assert [f.event for f in frames] == ["state"]  # then the client hung up

    async def blocked_readers() -> int:
        clients = await store.redis.client_list()
        return sum(1 for client in clients if "b" in client.get("flags", "") and client.get("cmd") == "xread")

    await await_until(blocked_readers, lambda n: n == 0, timeout=5)


async def test_streams_past_the_per_process_cap_are_refused_with_503(stack: Stack, store: JobStore) -> None:
    api = stack.api(EVENTS_MAX_STREAMS=1)
    record = await new_pending(store)
    url = f"{api.url}/api/v4/job/{record.job_id}/events"
    holding = asyncio.create_task(asyncio.to_thread(read_events, url, stop_after=2, timeout=20))
    await reader_connected(store, before=0)
    refused = await asyncio.to_thread(httpx.get, url, timeout=5)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    await play_worker(store, record, STEPS[:1])  # the first stream gets its update and hangs up
    await holding

    def opens() -> int:
        with httpx.stream("GET", url, timeout=5) as response:
            return response.status_code

    await asyncio.to_thread(wait_until, opens, lambda code: code == 200, timeout=5)  # the slot came back


async def test_last_event_id_zero_replays_the_whole_history_of_a_finished_job(stack: Stack, store: JobStore) -> None:
    api = stack.api()
    record = await new_pending(store)
    await play_worker(store, record, STEPS)
    frames, _ = await asyncio.to_thread(
        read_events, f"{api.url}/api/v4/job/{record.job_id}/events", last_event_id="0", timeout=5
    )
    assert frames[-1].event == "end"
    assert [f.id for f in frames] == await stream_ids(store, str(record.job_id)), "every kept event, in order"
    statuses = [f.json()["status"] for f in frames]
    assert statuses[0] == "pending"
    assert statuses[-1] == "completed"
    assert "processing" in statuses
