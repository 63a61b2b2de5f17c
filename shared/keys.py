"""Every Redis key this service uses, in one place.

Job records keep the seed's format, ``job:<uuid>`` holding a JSON string with a TTL. The queue
keys are arq's own (``arq:queue``, ``arq:job:<id>``, ...); they are named here too so that the
API can enqueue atomically with the record it writes.
"""

from __future__ import annotations

from typing import Final

JOB_PREFIX: Final = "job:"
EVENTS_MAX_LEN: Final = 500
"""Each job's event stream is trimmed to about this many events."""
LEASES: Final = "jobs:leases"
"""Sorted set: ``<job_id>|<attempt>`` scored by the lease's expiry (ms since the epoch)."""
INDEX_ALL: Final = "jobs:index"
"""Sorted set: every job id scored by its creation time (ms)."""
WORKERS: Final = "workers:heartbeats"
WAKE: Final = "jobs:wake"
"""List: one token per job queued to run now; idle workers block on it instead of polling."""
"""Sorted set: worker ids scored by their last heartbeat (ms)."""
JOB_COUNTERS: Final = "metrics:jobs"
"""Hash: monotonic job counters kept by the write script (submitted, completed, failed:<code>, ...)."""
WORKER_METRICS: Final = "metrics:workers"
"""Hash: duration histograms the workers push (see ``shared/metrics.py``)."""
RECENT_COMPLETED: Final = "jobs:recent:completed"
"""Sorted set: jobs completed in the last hour, scored by when (ms); trimmed by the write script."""
RECENT_FAILED: Final = "jobs:recent:failed"
"""Sorted set: jobs failed in the last hour, scored by when (ms); trimmed by the write script."""
ARQ_JOB_PREFIX: Final = "arq:job:"
ARQ_IN_PROGRESS_PREFIX: Final = "arq:in-progress:"
ARQ_RETRY_PREFIX: Final = "arq:retry:"
ARQ_RESULT_PREFIX: Final = "arq:result:"


def job(job_id: str) -> str:
    return f"{JOB_PREFIX}{job_id}"


def checkpoints(job_id: str) -> str:
    """Hash: step name -> that step's output (JSON), written with the record, fenced."""
    return f"{JOB_PREFIX}{job_id}:steps"


def events(job_id: str) -> str:
    """Stream of the job's state changes and progress."""
    return f"{JOB_PREFIX}{job_id}:events"


def status_index(status: str) -> str:
    """Sorted set of job ids currently in ``status``, scored by creation time (ms)."""
    return f"jobs:status:{status}"


def owner_index(owner: str) -> str:
    """Sorted set of one API key's job ids, scored by creation time (ms): its listing."""
    return f"jobs:owner:{owner}"


def idempotency(key_hash: str) -> str:
    return f"idem:{key_hash}"


API_KEYS: Final = "apikeys"
"""Hash: sha256 hex of a client API key -> JSON ``{id, name, created_at, revoked_at}``. Never the key."""


def rate_limit(bucket: str, client: str) -> str:
    """Counter of ``client``'s requests in ``bucket`` during the current window (it expires with it)."""
    return f"ratelimit:{bucket}:{client}"


def arq_job(queue_job_id: str) -> str:
    return f"{ARQ_JOB_PREFIX}{queue_job_id}"


def script_names(queue_name: str) -> dict[str, str | int]:
    """The key names the Lua scripts use, passed to them so that this module stays the one place
    that names keys. Per-job keys are built in the scripts from these prefixes and suffixes."""
    return {
        "queue": queue_name,
        "index": INDEX_ALL,
        "leases": LEASES,
        "wake": WAKE,
        "counters": JOB_COUNTERS,
        "recent_completed": RECENT_COMPLETED,
        "recent_failed": RECENT_FAILED,
        "status_prefix": status_index(""),
        "owner_prefix": owner_index(""),
        "job_prefix": JOB_PREFIX,
        "steps_suffix": checkpoints("")[len(JOB_PREFIX) :],
        "events_suffix": events("")[len(JOB_PREFIX) :],
        "entry_prefix": ARQ_JOB_PREFIX,
        "taken_prefix": ARQ_IN_PROGRESS_PREFIX,
        "events_max": EVENTS_MAX_LEN,
    }
