"""The app's lifespan: it owns the Redis pool. Nothing connects at import time.

The API starts even when Redis is down (it says so loudly, answers 503 meanwhile, and recovers
by itself); it never falls back to keeping jobs in memory, which a worker could not see.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.redis import REDIS_DOWN_ERRORS, create_redis, durability_warnings, redact_url
from shared.store import JobStore

log = logging.getLogger("api")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    # Retry a refused connection once, but not a timeout: a client waiting on a frozen Redis
    # should get its 503 after one socket timeout, not three.
    redis = create_redis(settings, retry_on_error=[RedisConnectionError])
    app.state.store = JobStore(redis, settings)
    url = redact_url(settings.redis_url.get_secret_value())
    try:
        await redis.ping()
        log.info("✅ Redis connected: %s", url)
        for warning in await durability_warnings(redis):
            log.warning("⚠️ %s", warning)
    except REDIS_DOWN_ERRORS as exc:
        log.warning("⚠️ Redis connection failed: %s (%s); answering 503 until it is back", url, exc)
    try:
        yield
    finally:
        await redis.aclose()
