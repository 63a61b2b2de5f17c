"""A chaos stack: real API and workers running the ``chaos`` test pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Stack
from tests.support.pipelines import step_runs

CHAOS_ENV = {"pipeline": "chaos", "extra_pipelines": "tests.support.pipelines:PIPELINES"}


class Chaos:
    def __init__(self, stack: Stack, log_dir: Path) -> None:
        self.stack = stack
        self.log_dir = log_dir
        self.overrides: dict[str, Any] = {**CHAOS_ENV, "chaos_log_dir": str(log_dir)}
        self.clients: list[httpx.Client] = []

    def api(self, **overrides: Any) -> httpx.Client:
        service = self.stack.api(**{**self.overrides, **overrides})
        client = httpx.Client(base_url=service.url, timeout=10)
        self.clients.append(client)
        return client

    def worker(self, **overrides: Any) -> Any:
        return self.stack.worker(**{**self.overrides, **overrides})

    def runs(self) -> list[tuple[str, str, int]]:
        return step_runs(self.log_dir)


def submit(client: httpx.Client, directives: str = "", name: str = "Chaos product", **headers: str) -> str:
    body = {"product_name": name, "brand": "Test", "category": directives, "ingredients": ["Water"]}
    response = client.post("/api/v4/deep-research", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def status(client: httpx.Client, job_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v4/job/{job_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def chaos(stack: Stack, tmp_path: Path) -> Iterator[Chaos]:
    folder = tmp_path / "chaos"
    folder.mkdir()
    running = Chaos(stack, folder)
    yield running
    for client in running.clients:
        client.close()
