"""The worker side of the start gate: say ready, then wait for ``GO`` on stdin.

A gated worker calls :func:`wait_for_go` from its startup hook, after it has connected. Blocking
the event loop there is deliberate: the worker must take no job before the harness says so.
"""

from __future__ import annotations

import sys

READY = "BENCH-READY"
GO = "GO"


def wait_for_go() -> None:
    print(READY, flush=True)
    line = sys.stdin.readline()
    if line.strip() != GO:
        raise SystemExit("bench gate: stdin closed before GO")
