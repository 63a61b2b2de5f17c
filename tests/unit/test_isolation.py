"""Suspect jobs run alone: the isolation rule and its lock."""

from __future__ import annotations

import asyncio

import pytest

from shared.settings import Settings
from worker.isolation import Isolation, is_suspect


@pytest.mark.parametrize(
    ("budget", "crashes", "suspect"),
    [(5, 0, False), (5, 1, False), (5, 2, True), (3, 1, False), (3, 2, True), (2, 1, True), (1, 1, True)],
)
def test_a_job_runs_alone_from_its_second_crash_or_first_when_the_budget_is_two(
    budget: int, crashes: int, suspect: bool
) -> None:
    assert is_suspect(crashes, Settings(max_crashes=budget)) is suspect


async def test_a_suspect_waits_for_running_jobs_and_nothing_new_starts_beside_it() -> None:
    isolation = Isolation()
    order: list[str] = []
    first_running = asyncio.Event()
    release_first = asyncio.Event()

    async def ordinary(name: str, hold: asyncio.Event | None = None) -> None:
        async with isolation.shared():
            order.append(f"{name} start")
            if hold is not None:
                first_running.set()
                await hold.wait()
            order.append(f"{name} end")

    async def suspect() -> None:
        async with isolation.alone():
            order.append("suspect start")
            await asyncio.sleep(0)
            order.append("suspect end")

    first = asyncio.create_task(ordinary("first", release_first))
    await first_running.wait()
    alone = asyncio.create_task(suspect())
    await asyncio.sleep(0)
    assert isolation.busy
    later = asyncio.create_task(ordinary("later"))
    await asyncio.sleep(0)
    release_first.set()
    await asyncio.gather(first, alone, later)
    assert order == ["first start", "first end", "suspect start", "suspect end", "later start", "later end"]
    assert not isolation.busy
