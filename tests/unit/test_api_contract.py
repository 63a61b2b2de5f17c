"""The seed's HTTP contract, field by field, on an app backed by fakeredis (no network, no lifespan).

``httpx.ASGITransport`` does not run the lifespan, so each test puts its own store in
``app.state``: the code under test is the app's routing, validation, errors and the real store.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import fakeredis
import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from shared import keys
from shared.models import JobStatus
from shared.settings import Settings
from shared.store import JobStore
from tests.conftest import FAST

SEED_REQUEST: dict[str, Any] = {
    "product_name": "Dove Body Wash",
    "brand": "Dove",
    "category": "cosmetics",
    "ingredients": ["Water", "Sodium Laureth Sulfate", "Fragrance"],
}
SEED_FIELDS = ("job_id", "status", "progress", "current_step", "created_at", "completed_at", "result", "error")
ADMIN_TOKEN = "admin-token-for-tests"


class NoRedis:
    """A store stand-in that fails the test if the request reaches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the request touched the store ({name}) but should have been refused first")


def make_settings(**overrides: Any) -> Settings:
    return Settings(redis_url="redis://fake:6379", pipeline="noop", **{**FAST, **overrides})


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
async def make_app(server: fakeredis.FakeServer) -> AsyncIterator[AppFactory]:
    clients: list[fakeredis.FakeAsyncRedis] = []

    def build(store: Any = None, **overrides: Any) -> FastAPI:
        settings = make_settings(**overrides)
        app = create_app(settings)
        if store is None:
            client = fakeredis.FakeAsyncRedis(server=server)
            clients.append(client)
            store = JobStore(client, settings)
        app.state.store = store
        return app

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
async def client(make_app: AppFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with http(make_app()) as client:
        yield client


def http(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=5)


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"detail", "error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert body["detail"] == body["error"]["message"]
    return body


class TestSubmit:
    async def test_answers_202_with_the_seeds_fields(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v4/deep-research", json=SEED_REQUEST)
        assert response.status_code == 202
        body = response.json()
        assert list(body) == ["job_id", "status", "message", "check_status_url"]
        job_id = UUID(body["job_id"])
        assert body["status"] == "pending"
        assert body["message"] == "Deep research initiated."
        assert body["check_status_url"] == f"/api/v4/job/{job_id}"
        assert response.headers["location"] == body["check_status_url"]
        assert response.headers["x-request-id"]

    async def test_writes_the_record_and_its_queue_entry_together(
        self, client: httpx.AsyncClient, server: fakeredis.FakeServer
    ) -> None:
        job_id = (await client.post("/api/v4/deep-research", json=SEED_REQUEST)).json()["job_id"]
        redis = fakeredis.FakeAsyncRedis(server=server)
        try:
            stored = json.loads(await redis.get(keys.job(job_id)))
            assert stored["status"] == "pending"
            assert stored["request"] == SEED_REQUEST
            assert 0 < await redis.ttl(keys.job(job_id)) <= 86400
            assert await redis.zscore("arq:queue", job_id) is not None
            entry = json.loads(await redis.get(keys.arq_job(job_id)))
            assert entry["a"] == [{"job_id": job_id}]
        finally:
            await redis.aclose()

    async def test_carries_the_request_id_into_the_job(self, make_app: AppFactory) -> None:
        app = make_app()
        async with http(app) as client:
            response = await client.post("/api/v4/deep-research", json=SEED_REQUEST, headers={"X-Request-ID": "req-42"})
        assert response.headers["x-request-id"] == "req-42"
        record = await app.state.store.get(response.json()["job_id"])
        assert record.correlation_id == "req-42"

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"product_name": "Soap"},
            {"ingredients": ["Water"]},
            {**SEED_REQUEST, "product_name": ""},
            {**SEED_REQUEST, "ingredients": []},
            {**SEED_REQUEST, "ingredients": ["x" * 2001]},
            {**SEED_REQUEST, "ingredients": ["Water"] * 1001},
            {**SEED_REQUEST, "product_name": "x" * 201},
            [SEED_REQUEST],
        ],
    )
    async def test_rejects_malformed_bodies_with_422(self, make_app: AppFactory, body: Any) -> None:
        async with http(make_app(store=NoRedis())) as client:
            response = await client.post("/api/v4/deep-research", json=body)
        error = assert_error_shape(response, 422, "validation_error")
        assert error["error"]["details"]

    async def test_rejects_unreadable_json_in_the_same_shape(self, make_app: AppFactory) -> None:
        async with http(make_app(store=NoRedis())) as client:
            response = await client.post(
                "/api/v4/deep-research", content=b"{not json", headers={"content-type": "application/json"}
            )
        # 400 (not JSON at all) or 422 (FastAPI's json_invalid): both are client errors; the shape is one.
        code = {400: "bad_request", 422: "validation_error"}.get(response.status_code, "?")
        assert_error_shape(response, response.status_code, code)


class TestGetJob:
    async def test_answers_the_seeds_fields_for_a_pending_job(self, client: httpx.AsyncClient) -> None:
        job_id = (await client.post("/api/v4/deep-research", json=SEED_REQUEST)).json()["job_id"]
        response = await client.get(f"/api/v4/job/{job_id}")
        assert response.status_code == 200
        body = response.json()
        assert tuple(body)[: len(SEED_FIELDS)] == SEED_FIELDS
        assert body["job_id"] == job_id
        assert body["status"] == "pending"
        assert body["progress"] == 0
        assert body["current_step"] == "Queued"
        created = datetime.fromisoformat(body["created_at"])
        assert created.tzinfo is not None
        assert abs((datetime.now(UTC) - created).total_seconds()) < 60
        assert body["completed_at"] is None
        assert body["result"] is None
        assert body["error"] is None

    async def test_shows_a_completed_job_with_its_result(self, make_app: AppFactory) -> None:
        app = make_app()
        store: JobStore = app.state.store
        async with http(app) as client:
            job_id = (await client.post("/api/v4/deep-research", json=SEED_REQUEST)).json()["job_id"]
            record = await store.get(job_id)
            assert record is not None
            done = record.model_copy(
                update={
                    "status": JobStatus.COMPLETED,
                    "progress": 100,
                    "current_step": "Complete",
                    "completed_at": datetime.now(UTC),
                    "result": {"product_name": "Dove Body Wash", "brand": "Dove", "report": {}, "full_report": "..."},
                }
            )
            await store.write(done, expect_attempt=0, allowed={JobStatus.PENDING})
            body = (await client.get(f"/api/v4/job/{job_id}")).json()
        assert (body["status"], body["progress"], body["current_step"]) == ("completed", 100, "Complete")
        assert body["completed_at"] is not None
        assert body["result"]["product_name"] == "Dove Body Wash"
        assert body["error"] is None

    async def test_the_id_may_be_written_in_upper_case_or_without_hyphens(self, client: httpx.AsyncClient) -> None:
        job_id = (await client.post("/api/v4/deep-research", json=SEED_REQUEST)).json()["job_id"]
        for spelling in (job_id.upper(), job_id.replace("-", "")):
            response = await client.get(f"/api/v4/job/{spelling}")
            assert response.status_code == 200, spelling
            assert response.json()["job_id"] == job_id

    async def test_unknown_job_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/api/v4/job/{uuid4()}")
        assert_error_shape(response, 404, "not_found")

    @pytest.mark.parametrize("job_id", ["not-a-uuid", "123", "550e8400-e29b-41d4-a716-44665544000Z", "%00"])
    async def test_malformed_id_is_422_without_touching_redis(self, make_app: AppFactory, job_id: str) -> None:
        async with http(make_app(store=NoRedis())) as client:
            response = await client.get(f"/api/v4/job/{job_id}")
        assert_error_shape(response, 422, "validation_error")


class TestAdminCleanup:
    async def test_disabled_without_a_configured_token(self, make_app: AppFactory) -> None:
        async with http(make_app(store=NoRedis())) as client:
            response = await client.delete("/api/v4/admin/cleanup-jobs", headers={"X-Admin-Token": "anything"})
        assert_error_shape(response, 403, "forbidden")

    async def test_missing_token_is_401(self, make_app: AppFactory) -> None:
        async with http(make_app(store=NoRedis(), admin_token=ADMIN_TOKEN)) as client:
            response = await client.delete("/api/v4/admin/cleanup-jobs")
        assert_error_shape(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize("headers", [{"X-Admin-Token": "wrong-token"}, {"Authorization": "Bearer wrong-token"}])
    async def test_wrong_token_is_403(self, make_app: AppFactory, headers: dict[str, str]) -> None:
        async with http(make_app(store=NoRedis(), admin_token=ADMIN_TOKEN)) as client:
            response = await client.delete("/api/v4/admin/cleanup-jobs", headers=headers)
        assert_error_shape(response, 403, "forbidden")

    @pytest.mark.parametrize("headers", [{"X-Admin-Token": ADMIN_TOKEN}, {"Authorization": f"Bearer {ADMIN_TOKEN}"}])
    async def test_right_token_reports_ttl_cleanup(self, make_app: AppFactory, headers: dict[str, str]) -> None:
        async with http(make_app(admin_token=ADMIN_TOKEN)) as client:
            response = await client.delete("/api/v4/admin/cleanup-jobs", headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["ttl_seconds"] == 86400
        assert body["removed"] == 0
        assert body["older_than_seconds"] is None
        assert "86400" in body["message"]

    async def test_removes_finished_jobs_older_than_asked_and_keeps_the_rest(self, make_app: AppFactory) -> None:
        app = make_app(admin_token=ADMIN_TOKEN)
        store: JobStore = app.state.store
        headers = {"X-Admin-Token": ADMIN_TOKEN}
        async with http(app) as client:
            finished = (await client.post("/api/v4/deep-research", json=SEED_REQUEST)).json()["job_id"]
            waiting = (await client.post("/api/v4/deep-research", json=SEED_REQUEST)).json()["job_id"]
            record = await store.get(finished)
            assert record is not None
            failed = record.model_copy(update={"status": JobStatus.FAILED, "error": "x"})
            await store.write(failed, expect_attempt=0, allowed={JobStatus.PENDING})
            response = await client.delete("/api/v4/admin/cleanup-jobs?older_than_seconds=0", headers=headers)
            assert response.status_code == 200
            assert response.json()["removed"] == 1
            assert (await client.get(f"/api/v4/job/{finished}")).status_code == 404
            assert (await client.get(f"/api/v4/job/{waiting}")).status_code == 200

    async def test_rejects_a_negative_age(self, make_app: AppFactory) -> None:
        async with http(make_app(admin_token=ADMIN_TOKEN)) as client:
            response = await client.delete(
                "/api/v4/admin/cleanup-jobs?older_than_seconds=-1", headers={"X-Admin-Token": ADMIN_TOKEN}
            )
        assert_error_shape(response, 422, "validation_error")


class TestRedisDown:
    async def test_every_job_endpoint_answers_503_with_retry_after(
        self, make_app: AppFactory, server: fakeredis.FakeServer
    ) -> None:
        async with http(make_app(admin_token=ADMIN_TOKEN)) as client:
            server.connected = False
            responses = [
                await client.post("/api/v4/deep-research", json=SEED_REQUEST),
                await client.get(f"/api/v4/job/{uuid4()}"),
                await client.post(f"/api/v4/job/{uuid4()}/cancel"),
                await client.delete(
                    "/api/v4/admin/cleanup-jobs?older_than_seconds=0", headers={"X-Admin-Token": ADMIN_TOKEN}
                ),
            ]
            server.connected = True
            back = await client.post("/api/v4/deep-research", json=SEED_REQUEST)
        for response in responses:
            assert_error_shape(response, 503, "redis_unavailable")
            assert int(response.headers["retry-after"]) > 0
        assert back.status_code == 202


class TestHealth:
    async def test_healthz_needs_nothing(self, make_app: AppFactory) -> None:
        async with http(make_app(store=NoRedis())) as client:
            response = await client.get("/healthz")
        assert response.json() == {"status": "ok"}


class TestErrorShape:
    async def test_unknown_route_and_wrong_method_use_the_same_shape(self, client: httpx.AsyncClient) -> None:
        assert_error_shape(await client.get("/api/v4/nowhere"), 404, "not_found")
        assert_error_shape(await client.put("/api/v4/deep-research", json=SEED_REQUEST), 405, "method_not_allowed")

    async def test_openapi_documents_the_seed_endpoints_with_an_example(self, client: httpx.AsyncClient) -> None:
        schema = (await client.get("/openapi.json")).json()
        assert {"/api/v4/deep-research", "/api/v4/job/{job_id}", "/api/v4/admin/cleanup-jobs"} <= set(schema["paths"])
        request_schema = schema["components"]["schemas"]["ResearchRequest"]
        assert request_schema["examples"][0]["product_name"] == "Dove Body Wash"


class TestCancel:
    async def test_cancels_a_pending_job_once(self, client: httpx.AsyncClient) -> None:
        job_id = (await client.post("/api/v4/deep-research", json=SEED_REQUEST)).json()["job_id"]
        response = await client.post(f"/api/v4/job/{job_id}/cancel")
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert (await client.get(f"/api/v4/job/{job_id}")).json()["status"] == "cancelled"
        assert_error_shape(await client.post(f"/api/v4/job/{job_id}/cancel"), 409, "conflict")

    async def test_cancelling_an_unknown_job_is_404(self, client: httpx.AsyncClient) -> None:
        assert_error_shape(await client.post(f"/api/v4/job/{uuid4()}/cancel"), 404, "not_found")
