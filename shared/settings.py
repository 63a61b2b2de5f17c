"""Settings for both processes, from the environment (and a local ``.env`` if present).

One class, read once per process through :func:`get_settings`; tests build their own
``Settings(...)`` and pass it in.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    redis_url: SecretStr = Field(
        default=SecretStr("redis://localhost:6379"),
        description="Redis connection URL (redis:// or rediss://); the seed's default.",
    )
    redis_socket_timeout: float = Field(default=2.0, gt=0, description="Seconds per Redis call.")
    redis_connect_timeout: float = Field(default=2.0, gt=0, description="Seconds to open a Redis connection.")
    redis_tls_verify: bool = Field(default=True, description="Check rediss:// certificates.")
    queue_name: str = Field(default="arq:queue", min_length=1, description="arq's queue (sorted set) name.")

    job_ttl_seconds: int = Field(
        default=86400, ge=60, le=30 * 86400, description="A job record expires this long after its last change."
    )
    job_deadline_seconds: int = Field(
        default=1800, ge=5, description="A job not finished this long after submit fails with timeout."
    )
    step_timeout_seconds: float = Field(default=300, gt=0, description="Longest one pipeline step may run.")
    max_attempts: int = Field(default=3, ge=1, description="Runs of a job allowed after transient failures.")
    max_crashes: int = Field(default=5, ge=1, description="Worker deaths tolerated while running one job.")
    retry_base_seconds: float = Field(default=1.0, gt=0, description="First retry backoff (doubles, with jitter).")
    retry_max_seconds: float = Field(default=60.0, gt=0, description="Longest retry backoff.")

    lease_seconds: float = Field(default=10.0, gt=0, description="A worker must renew within this.")
    reaper_interval_seconds: float = Field(
        default=2.0, gt=0, description="How often each worker looks for expired leases (dead workers' jobs)."
    )
    reconcile_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often one worker checks for stuck or overdue jobs."
    )
    shutdown_grace_seconds: float = Field(
        default=5.0, ge=0, description="On SIGTERM, how long running steps may finish before jobs are released."
    )
    worker_concurrency: int = Field(default=10, ge=1, le=1000, description="Jobs one worker process runs at once.")
    worker_poll_delay: float = Field(
        default=0.5,
        gt=0,
        description="Longest an idle worker waits before looking at the queue again "
        "(new jobs wake it at once; this bounds the pickup of retries whose backoff has passed).",
    )
    worker_heartbeat_stale_seconds: float = Field(
        default=30.0, gt=0, description="/readyz fails when no worker heartbeat is newer than this."
    )
    max_queued_jobs: int = Field(
        default=10000, ge=1, description="Backpressure: past this many waiting jobs, submit answers 429."
    )
    events_block_seconds: float = Field(
        default=1.0,
        gt=0,
        le=10,
        description="Longest single wait on a job's event stream (capped below the socket timeout).",
    )
    events_keepalive_seconds: float = Field(default=15.0, gt=0, description="SSE keep-alive comment period.")
    events_max_stream_seconds: float = Field(
        default=3600.0, gt=0, description="An SSE response ends after this long; clients resume with Last-Event-ID."
    )
    events_max_streams: int = Field(
        default=500, ge=1, description="SSE responses one API process serves at once (each holds a Redis connection)."
    )

    admin_token: SecretStr | None = Field(default=None, description="Enables admin endpoints.")

    # Hostile input and access (docs/security.md).
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, description="Largest request body; 413 above.")
    api_keys: SecretStr | None = Field(
        default=None, description="Comma-separated client API keys; with any key set, clients must send one."
    )
    rate_limit_submits_per_minute: int = Field(default=60, ge=1, description="Submits (and cancels) per client.")
    rate_limit_reads_per_minute: int = Field(default=600, ge=1, description="Status reads per client.")
    cors_origins: str = Field(default="", description="Comma-separated allowed CORS origins; none = CORS closed.")
    docs_enabled: bool = Field(default=True, description="Serve /docs, /redoc and /openapi.json.")

    pipeline: str = Field(default="deep_research", description="Pipeline the API submits.")

    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="json, console, or auto (console on a terminal, else json)."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")

    @field_validator("admin_token", "api_keys", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value


@cache
def get_settings() -> Settings:
    return Settings()
