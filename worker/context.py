"""The arq ``ctx`` this worker fills in ``on_startup``, typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from arq.connections import ArqRedis

from shared.settings import Settings
from shared.store import JobStore

if TYPE_CHECKING:
    from worker.isolation import Isolation
    from worker.leases import LeaseKeeper


class WorkerContext(TypedDict, total=False):
    redis: ArqRedis
    settings: Settings
    store: JobStore
    worker_id: str
    keeper: LeaseKeeper
    isolation: Isolation
    job_id: str
    """Set by arq for each job: the id of the queue entry being run."""
