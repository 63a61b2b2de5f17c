"""``python -m bench.worker SYSTEM [options]``: run one system's worker process.

Each adapter module in ``bench.systems`` defines ``run_worker(argv)``; this only dispatches, so
the worker process imports the adapter as a normal module (never as ``__main__``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import cast


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m bench.worker SYSTEM_MODULE [options]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.systems.{argv[0]}")
    run = cast(Callable[[list[str]], None], module.run_worker)
    run(argv[1:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
