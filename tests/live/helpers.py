"""What the live-view tests share: an SSE reader with bounded time, and seeding helpers."""

from __future__ import annotations

import time
from typing import Any

import httpx

from cli.client import SseEvent, parse_sse

ADMIN: dict[str, str] = {"ADMIN_TOKEN": "test-admin-token-0123456789"}
ADMIN_HEADERS: dict[str, str] = {"X-Admin-Token": ADMIN["ADMIN_TOKEN"]}


def read_events(
    url: str,
    *,
    last_event_id: str | None = None,
    stop_after: int | None = None,
    timeout: float = 20.0,
    headers: dict[str, str] | None = None,
) -> tuple[list[SseEvent], list[str]]:
    """Frames (and comment lines) of one SSE response, until it ends, ``stop_after`` frames, or ``timeout``."""
    send = {"Accept": "text/event-stream", **(headers or {})}
    if last_event_id:
        send["Last-Event-ID"] = last_event_id
    frames: list[SseEvent] = []
    comments: list[str] = []
    deadline = time.monotonic() + timeout

    def lines(response: httpx.Response) -> Any:
        for line in response.iter_lines():
            if line.startswith(":"):
                comments.append(line)
            yield line
            if time.monotonic() > deadline:
                raise AssertionError(f"SSE response still open after {timeout} s; got {frames!r}")

    with httpx.stream("GET", url, headers=send, timeout=httpx.Timeout(5.0, read=timeout)) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for frame in parse_sse(lines(response)):
            frames.append(frame)
            if stop_after is not None and len(frames) >= stop_after:
                break
    return frames, comments
