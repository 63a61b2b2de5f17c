"""Configuration that fails safe: CORS, docs, error bodies, secrets, TLS."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest
from redis.asyncio.connection import SSLConnection

from api.main import create_app
from shared.redis import create_redis
from shared.settings import Settings
from tests.security.conftest import SEED, SUBMIT, ApiFactory, assert_error

pytestmark = pytest.mark.redis
PREFLIGHT = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}


async def test_cors_is_closed_by_default(api: ApiFactory) -> None:
    client = await api()
    response = await client.options(SUBMIT, headers=PREFLIGHT)
    assert "access-control-allow-origin" not in response.headers
    got = await client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in got.headers


async def test_cors_allows_only_the_configured_origins(api: ApiFactory) -> None:
    client = await api(cors_origins="https://app.example, https://admin.example")
    allowed = await client.options(SUBMIT, headers={**PREFLIGHT, "Origin": "https://app.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    refused = await client.options(SUBMIT, headers=PREFLIGHT)
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


async def test_docs_can_be_turned_off(api: ApiFactory) -> None:
    on = await api()
    assert (await on.get("/openapi.json")).status_code == 200
    off = await api(docs_enabled=False)
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert_error(await off.get(path), 404, "not_found")


async def test_an_unexpected_error_answers_500_without_internals(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"secret internals at {settings.redis_url.get_secret_value()}")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    body = assert_error(response, 500, "internal")
    assert "secret internals" not in response.text
    assert "RuntimeError" not in response.text
    assert body["error"]["message"] == "Internal error; it has been logged."


async def test_secrets_never_appear_in_errors_or_readyz(api: ApiFactory, caplog: pytest.LogCaptureFixture) -> None:
    password, token, key = "redis-pass-s3cret", "admin-tok-s3cret", "client-key-s3cret"
    client = await api(redis_url=f"redis://user:{password}@127.0.0.1:1/0", admin_token=token, api_keys=key)
    seen: list[httpx.Response] = [
        await client.get("/readyz"),
        await client.post(SUBMIT, json=SEED, headers={"X-API-Key": key}),
        await client.get(f"/api/v4/job/{'0' * 8}-0000-4000-8000-{'0' * 12}", headers={"X-API-Key": key}),
        await client.delete("/api/v4/admin/cleanup-jobs", headers={"X-Admin-Token": token}),
        await client.delete("/api/v4/admin/cleanup-jobs", headers={"X-Admin-Token": "wrong"}),
    ]
    assert [r.status_code for r in seen] == [503, 503, 503, 200, 403]
    text = "\n".join(r.text for r in seen) + caplog.text
    for secret in (password, token, key):
        assert secret not in text


def test_rediss_checks_certificates_and_host_names_by_default() -> None:
    client = create_redis(Settings(redis_url="rediss://default:pw@redis.example:6380/0"))  # type: ignore[arg-type]
    pool: Any = client.connection_pool
    assert pool.connection_class is SSLConnection
    context = pool.make_connection().ssl_context.get()  # builds the real SSLContext; no network
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_rediss_verification_can_be_turned_off_explicitly() -> None:
    settings = Settings(redis_url="rediss://redis.example:6380", redis_tls_verify=False)  # type: ignore[arg-type]
    pool: Any = create_redis(settings).connection_pool
    context = pool.make_connection().ssl_context.get()
    assert context.verify_mode == ssl.CERT_NONE
    assert context.check_hostname is False


def test_plain_redis_urls_get_no_tls_options() -> None:
    pool: Any = create_redis(Settings(redis_url="redis://localhost:6379")).connection_pool  # type: ignore[arg-type]
    assert "ssl_cert_reqs" not in pool.connection_kwargs
