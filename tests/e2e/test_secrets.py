"""The Redis password never reaches a log line; the seed's start-up line shows it as ``****``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cli.redis_server import RedisServer
from tests.conftest import Stack
from tests.e2e.helpers import NOOP, follow, submit

pytestmark = [pytest.mark.redis, pytest.mark.e2e]

PASSWORD = "s3cret-pw-123"


def test_the_redis_password_never_appears_in_logs(stack: Stack, redis_factory: Callable[..., RedisServer]) -> None:
    guarded = redis_factory(extra=["--requirepass", PASSWORD])
    url = f"redis://:{PASSWORD}@127.0.0.1:{guarded.port}/0"
    # Upper-case: the Stack's own redis_url parameter must not catch it.
    api = stack.api(REDIS_URL=url, LOG_LEVEL="DEBUG", **NOOP)
    worker = stack.worker(REDIS_URL=url, LOG_LEVEL="DEBUG", **NOOP)

    job_id = submit(api.url)
    assert follow(api.url, job_id)[-1]["status"] == "completed"
    wrong = stack.api(REDIS_URL=f"redis://:wrong-{PASSWORD}@127.0.0.1:{guarded.port}/0", **NOOP)
    api.stop()
    worker.stop()
    wrong.stop()

    connected = f"✅ Redis connected: redis://:****@127.0.0.1:{guarded.port}/0"
    for service in (api, worker):
        log = service.log()
        assert connected in log, log[-2000:]
        assert PASSWORD not in log
    assert PASSWORD not in wrong.log()
    assert "Redis connection failed" in wrong.log()
