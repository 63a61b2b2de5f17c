"""Coalesce the script calls made in one turn of the event loop into one round trip.

A worker starts the jobs it takes together, and their claims (and, for short jobs, their
completions) are issued in the same turn of the loop. Sent one by one, each costs a round trip
and most of a worker's CPU goes to the I/O machinery around it; sent as one pipeline, they cost
one. A lone call is sent as it is, so a single job's latency is unchanged.

Each call still runs its own script, atomically, with its own result: batching changes how calls
travel, not what they do.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

_Call = tuple[list[str], list[Any], "asyncio.Future[Any]"]


class ScriptBatcher:
    def __init__(self, redis: Redis, script: AsyncScript) -> None:
        self.redis = redis
        self.script = script
        self._pending: list[_Call] = []
        self._flushing: set[asyncio.Task[None]] = set()

    async def __call__(self, keys: list[str], args: list[Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((keys, args, future))
        if len(self._pending) == 1:
            loop.call_soon(self._start_flush)
        return await future

    def _start_flush(self) -> None:
        batch, self._pending = self._pending, []
        task = asyncio.ensure_future(self._flush(batch))
        self._flushing.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._flushing.discard)

    async def _flush(self, batch: list[_Call]) -> None:
        if len(batch) == 1:
            keys, args, future = batch[0]
            await self._settle(future, self._one(keys, args))
            return
        try:
            results = await self._send(batch)
            forgotten = [call for call, result in zip(batch, results, strict=True) if isinstance(result, NoScriptError)]
            if forgotten:  # a new or restarted Redis: load the script once, send those again
                await self.redis.script_load(self.script.script)
                retried = iter(await self._send(forgotten))
                results = [next(retried) if isinstance(r, NoScriptError) else r for r in results]
        except Exception as exc:  # every caller gets the failure, as if it had sent alone
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, _, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _send(self, batch: list[_Call]) -> list[Any]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for keys, args, _ in batch:
                pipe.evalsha(self.script.sha, len(keys), *keys, *args)
            return list(await pipe.execute(raise_on_error=False))

    async def _one(self, keys: list[str], args: list[Any]) -> Any:
        return await self.script(keys=keys, args=args)

    @staticmethod
    async def _settle(future: asyncio.Future[Any], call: Any) -> None:
        try:
            result = await call
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(result)
