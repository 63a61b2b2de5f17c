"""``deep-research dev``: the whole stack on one machine, stopped cleanly by Ctrl-C.

With ``REDIS_URL`` unset it starts a private Redis (data in ``.data/redis``, AOF on) on a free
loopback port; with it set, it uses that Redis and starts none.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli.redis_server import RedisServer


def _spawn(args: list[str], env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    return args[0], subprocess.Popen([sys.executable, "-m", "cli", *args], env=env)


def run_stack(host: str, port: int) -> int:
    env = dict(os.environ)
    env.setdefault("LOG_FORMAT", "console")
    redis: RedisServer | None = None
    if not env.get("REDIS_URL"):
        redis = RedisServer(Path(".data/redis")).start()
        env["REDIS_URL"] = redis.url
        print(f"Started a private Redis on {redis.url} (data in .data/redis, AOF on)", flush=True)
    children = [_spawn(["api", "--host", host, "--port", str(port)], env), _spawn(["worker"], env)]
    print(f"\nAPI on http://{host}:{port}  (docs: http://{host}:{port}/docs)  Ctrl-C stops everything\n", flush=True)

    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for name, child in children:
                if child.poll() is not None:
                    print(f"{name} exited with {child.returncode}; stopping the stack", flush=True)
                    code, stopping = 1, True
            time.sleep(0.2)
    finally:
        for _, child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for _, child in children:
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis is not None:
            redis.stop()
        print("Stopped.", flush=True)
    return code
