"""Fixtures for the hostile-input and access suite: the real app, in process, on a real Redis.

``await api(**overrides)`` builds the app with the test's ``Settings`` plus overrides, runs its
lifespan (so the store is the one production builds) and gives an ``httpx`` client; all are closed
at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from shared.settings import Settings

SEED: dict[str, Any] = {
    "product_name": "Dove Body Wash",
    "brand": "Dove",
    "category": "cosmetics",
    "ingredients": ["Water", "Sodium Laureth Sulfate", "Fragrance"],
}
SUBMIT = "/api/v4/deep-research"

ApiFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=10) as client:
            yield client


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[ApiFactory]:
    async with AsyncExitStack() as stack:

        async def build(**overrides: Any) -> httpx.AsyncClient:
            app = create_app(Settings(**{**settings.model_dump(), **overrides}))
            return await stack.enter_async_context(running(app))

        yield build


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape, with the expected status; never a stack trace."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"detail", "error"}
    assert body["detail"] == body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    return body
