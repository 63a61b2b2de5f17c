"""Redis connections: one factory with timeouts for both processes, and safe-to-log URLs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from arq.connections import ArqRedis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError as RedisResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.settings import Settings

REDIS_DOWN_ERRORS: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)
"""What a Redis call raises when the server is unreachable, restarting or too slow."""


def redact_url(url: str) -> str:
    """``redis://default:secret@host:6379/0`` -> ``redis://default:****@host:6379/0``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]  # as written: keeps an IPv6 host's brackets and the port
    return urlunsplit(parts._replace(netloc=f"{user}:****@{host}"))


def create_redis(settings: Settings, **overrides: Any) -> ArqRedis:
    """A pooled async client that never waits long: socket and connect timeouts, short retries.

    Connecting is lazy: nothing touches the network until the first command.
    """
    url = settings.redis_url.get_secret_value()
    options: dict[str, Any] = {
        "socket_timeout": settings.redis_socket_timeout,
        "socket_connect_timeout": settings.redis_connect_timeout,
        "health_check_interval": 15,
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        "socket_keepalive": True,
    }
    if url.startswith("rediss://"):
        # As a string: redis-py 5.3's RedisSSLContext drops an ssl.VerifyMode (never sets cert_reqs),
        # so every rediss:// connection would fail with AttributeError.
        options["ssl_cert_reqs"] = "required" if settings.redis_tls_verify else "none"
        # redis-py 5 leaves the host name unchecked by default: a valid certificate for any host would pass.
        options["ssl_check_hostname"] = settings.redis_tls_verify
    options.update(overrides)
    return ArqRedis.from_url(url, **options)  # type: ignore[no-any-return]


async def durability_warnings(redis: Redis) -> list[str]:
    """Loud warnings when this Redis may drop jobs: it evicts keys, or keeps nothing on disk."""
    warnings: list[str] = []
    memory = await redis.info("memory")
    policy = str(memory.get("maxmemory_policy", "unknown"))
    if policy != "noeviction":
        warnings.append(
            f"Redis maxmemory-policy is '{policy}': under memory pressure it will evict job records "
            "and queue entries. Set it to 'noeviction'."
        )
    persistence = await redis.info("persistence")
    if not int(persistence.get("aof_enabled", 0)):
        save = await _save_config(redis)
        if save is not None and not save.strip():
            warnings.append(
                "Redis keeps nothing on disk (AOF off, no RDB snapshots): a Redis restart loses every job. "
                "Turn on appendonly."
            )
        elif save is not None:
            warnings.append(
                f"Redis AOF is off (RDB snapshots only, '{save}'): a crash loses the jobs of the last "
                "minutes. Turn on appendonly."
            )
    return warnings


async def _save_config(redis: Redis) -> str | None:
    try:
        config = await redis.config_get("save")
    except RedisResponseError:  # managed Redis often forbids CONFIG
        return None
    return str(config.get("save", ""))
