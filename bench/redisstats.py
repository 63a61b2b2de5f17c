"""What a stretch of work cost Redis: commands, round trips, CPU, memory.

The harness's own calls go through :class:`HarnessRedis`, which counts them, so they can be taken
out of the server's ``INFO commandstats`` and ``total_reads_processed`` (one read per round trip
of an unpipelined client). Counters start from ``CONFIG RESETSTAT``; CPU is a plain difference.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

SUBCOMMANDS = frozenset({"config", "client", "memory", "object", "script", "command"})


def command_name(args: tuple[Any, ...]) -> str:
    """The name ``INFO commandstats`` uses: ``get``, ``config|resetstat``."""
    name = str(args[0]).lower()
    if name in SUBCOMMANDS and len(args) > 1:
        return f"{name}|{str(args[1]).lower()}"
    return name


class HarnessRedis:
    """The harness's own connection; every call is counted by command name."""

    def __init__(self, url: str) -> None:
        self.client: aioredis.Redis = aioredis.Redis.from_url(url)
        self.counts: Counter[str] = Counter()

    async def call(self, *args: str | int | float | bytes) -> Any:
        self.counts[command_name(args)] += 1
        # redis-py leaves execute_command unannotated; its typed wrappers would hide the name.
        return await self.client.execute_command(*args)  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self.client.aclose()


@dataclass(frozen=True)
class Snapshot:
    calls: Counter[str]
    reads: int
    cpu_seconds: float
    used_memory: int
    own: Counter[str]


@dataclass(frozen=True)
class Cost:
    """What Redis did between two snapshots, less the harness's own calls."""

    commands: int
    reads: int
    cpu_seconds: float
    by_command: dict[str, int]

    def __add__(self, other: Cost) -> Cost:
        merged = Counter(self.by_command)
        merged.update(other.by_command)
        return Cost(
            self.commands + other.commands,
            self.reads + other.reads,
            self.cpu_seconds + other.cpu_seconds,
            dict(merged),
        )


async def snapshot(redis: HarnessRedis, *, reset: bool = False) -> Snapshot:
    if reset:
        await redis.call("CONFIG", "RESETSTAT")
    own = Counter(redis.counts)
    info: dict[str, Any] = await redis.call("INFO", "stats", "commandstats", "cpu", "memory")
    calls: Counter[str] = Counter()
    for key, value in info.items():
        if key.startswith("cmdstat_") and isinstance(value, dict):
            calls[key.removeprefix("cmdstat_")] = int(value["calls"])
    cpu = float(info["used_cpu_sys"]) + float(info["used_cpu_user"])
    return Snapshot(calls, int(info["total_reads_processed"]), cpu, int(info["used_memory"]), own)


def cost_between(before: Snapshot, after: Snapshot) -> Cost:
    server = after.calls.copy()
    server.subtract(before.calls)
    own = after.own.copy()
    own.subtract(before.own)
    server.subtract(own)
    by_command = {name: n for name, n in server.items() if n > 0}
    return Cost(
        commands=sum(by_command.values()),
        reads=after.reads - before.reads - sum(own.values()),
        cpu_seconds=after.cpu_seconds - before.cpu_seconds,
        by_command=by_command,
    )
