"""Liveness and readiness."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import RedisDep, SettingsDep
from shared import keys
from shared.redis import REDIS_DOWN_ERRORS, durability_warnings

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Redis reachable and a worker seen recently; says which check failed",
    responses={503: {"description": "Not ready: Redis unreachable or no recent worker heartbeat"}},
)
async def readyz(redis: RedisDep, settings: SettingsDep) -> JSONResponse:
    checks: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    try:
        await redis.ping()
        checks["redis"] = {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
        newest = await redis.zrevrange(keys.WORKERS, 0, 0, withscores=True)
        cutoff = time.time() * 1000 - settings.worker_heartbeat_stale_seconds * 1000
        alive = await redis.zcount(keys.WORKERS, cutoff, "+inf")
        age = round(time.time() - newest[0][1] / 1000, 1) if newest else None
        warnings = await durability_warnings(redis)
        if warnings:
            checks["redis"]["warnings"] = warnings
        checks["workers"] = {
            "ok": alive > 0,
            "alive": alive,
            "last_heartbeat_seconds_ago": age,
            **(
                {}
                if alive
                else {
                    "message": "No worker heartbeat in the last "
                    f"{settings.worker_heartbeat_stale_seconds:g} s: jobs will wait in the queue."
                }
            ),
        }
    except REDIS_DOWN_ERRORS as exc:
        # No durability check here: it would ask the same unreachable Redis, and its error would
        # replace this answer (which says which check failed) with the generic 503.
        checks["redis"] = {"ok": False, "message": f"Redis unreachable ({type(exc).__name__})."}
        checks["workers"] = {"ok": False, "message": "Unknown: Redis is unreachable."}
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": "5"},
    )
