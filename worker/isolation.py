"""Jobs that have crashed a worker before run alone.

When a worker process dies, every job it was running is requeued with a crash counted, though
only one of them may have killed it. So a job with crashes on its record (a suspect) waits until
it can run with no other job in the process, and no other job starts meanwhile. A poison job then
kills only itself and runs out of its crash budget, while the jobs that were merely beside it
finish on their next, solitary, run.

One crash is not yet suspicious: after a worker is killed by a deploy or the OOM killer, all its
jobs carry one, and running them one by one would make recovery slow. From the second crash on
(or the first, when the budget is two), a job runs alone: a job beside a poison job can then
collect at most that many crashes, fewer than the budget, before it is isolated and finishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shared.settings import Settings


def is_suspect(crashes: int, settings: Settings) -> bool:
    """Whether a job with this many crashes on its record must run alone."""
    return crashes >= max(1, min(2, settings.max_crashes - 1))


class Isolation:
    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._running = 0
        self._alone = False
        self._waiting_alone = 0

    @property
    def busy(self) -> bool:
        """A suspect runs or waits: take no new work."""
        return self._alone or self._waiting_alone > 0

    @asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        """An ordinary job: runs beside others, but not beside a suspect (suspects go first)."""
        async with self._changed:
            await self._changed.wait_for(lambda: not self._alone and self._waiting_alone == 0)
            self._running += 1
        try:
            yield
        finally:
            async with self._changed:
                self._running -= 1
                self._changed.notify_all()

    @asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        """A suspect: waits for the process to be empty, then runs by itself."""
        async with self._changed:
            self._waiting_alone += 1
            try:
                await self._changed.wait_for(lambda: not self._alone and self._running == 0)
            finally:
                self._waiting_alone -= 1
            self._alone = True
        try:
            yield
        finally:
            async with self._changed:
                self._alone = False
                self._changed.notify_all()
