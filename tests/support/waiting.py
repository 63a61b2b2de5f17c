"""Bounded polling for tests: wait for a condition, fail with what was last seen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(probe: Callable[[], T], done: Callable[[T], bool], timeout: float = 20.0, every: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    seen = probe()
    while not done(seen):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last seen: {seen!r}")
        time.sleep(every)
        seen = probe()
    return seen


async def await_until(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 20.0, every: float = 0.02
) -> T:
    deadline = time.monotonic() + timeout
    seen = await probe()
    while not done(seen):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last seen: {seen!r}")
        await asyncio.sleep(every)
        seen = await probe()
    return seen
