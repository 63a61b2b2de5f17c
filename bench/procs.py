"""Processes the harness starts (workers, API servers): spawn, gate, measure, stop by PID.

Only processes started here are ever signalled, and only by their own PID.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from bench.gate import GO, READY
from bench.systems.base import ProcSpec

REPO = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ProcessError(RuntimeError):
    """A process under test did not start, or died; carries the tail of its log."""


class Service:
    """One running process under test."""

    def __init__(self, spec: ProcSpec, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.spec = spec
        self.proc = proc
        self.log = log
        self._drain: asyncio.Task[None] | None = None

    @classmethod
    async def spawn(cls, spec: ProcSpec, logdir: Path, index: int) -> Service:
        log = logdir / f"{spec.role}-{index}.log"
        env = {**os.environ, **spec.env, "PYTHONUNBUFFERED": "1"}
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                *spec.argv,
                cwd=REPO,
                env=env,
                stdin=asyncio.subprocess.PIPE if spec.gated else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if spec.gated else out,
                stderr=out,
            )
        return cls(spec, proc, log)

    def tail(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-1500:]

    def _failed(self, what: str) -> ProcessError:
        return ProcessError(
            f"{self.spec.role} ({' '.join(self.spec.argv)}) {what}; "
            f"exit code {self.proc.returncode}; log tail:\n{self.tail()}"
        )

    async def wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        if self.spec.gated:
            await self._wait_line(READY, deadline)
        if self.spec.ready_url is not None:
            await self._wait_http(self.spec.ready_url, deadline)
        if self.spec.gated:
            self._drain = asyncio.create_task(self._discard_stdout())

    async def _wait_line(self, expected: str, deadline: float) -> None:
        assert self.proc.stdout is not None
        for _ in range(10_000):
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._failed(f"did not print {expected} in time")
            try:
                line = await asyncio.wait_for(self.proc.stdout.readline(), left)
            except TimeoutError:
                raise self._failed(f"did not print {expected} in time") from None
            if not line:
                await self.proc.wait()
                raise self._failed("exited before it was ready")
            if line.decode(errors="replace").strip() == expected:
                return
        raise self._failed(f"printed too much before {expected}")

    async def _wait_http(self, url: str, deadline: float) -> None:
        async with httpx.AsyncClient(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    raise self._failed("exited before it was ready")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(url)).is_success:
                        return
                await asyncio.sleep(0.05)
        raise self._failed(f"did not answer {url} in time")

    async def _discard_stdout(self) -> None:
        assert self.proc.stdout is not None
        while await self.proc.stdout.read(65536):
            pass

    def release(self) -> None:
        if self.spec.gated and self.proc.stdin is not None:
            self.proc.stdin.write(f"{GO}\n".encode())

    def _proc_file(self, name: str) -> str:
        return Path(f"/proc/{self.proc.pid}/{name}").read_text()

    def rss_bytes(self) -> int:
        for line in self._proc_file("status").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise self._failed("has no VmRSS")

    def cpu_seconds(self) -> float:
        fields = self._proc_file("stat").rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])
        return (utime + stime) / CLOCK_TICKS

    def check_alive(self) -> None:
        if self.proc.returncode is not None:
            raise self._failed("died")

    async def stop(self, seconds: float) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), seconds)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await asyncio.wait_for(self.proc.wait(), seconds)
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain


class ServiceGroup:
    """The processes of one measurement; ``async with`` stops every one of them on exit."""

    def __init__(self, startup_seconds: float, stop_seconds: float) -> None:
        self.startup_seconds = startup_seconds
        self.stop_seconds = stop_seconds
        self.services: list[Service] = []
        self._logdir = tempfile.TemporaryDirectory(prefix="bench-procs-")

    async def start(self, specs: list[ProcSpec]) -> list[Service]:
        started = [
            await Service.spawn(spec, Path(self._logdir.name), len(self.services) + i) for i, spec in enumerate(specs)
        ]
        self.services.extend(started)
        await asyncio.gather(*(s.wait_ready(self.startup_seconds) for s in started))
        return started

    def release(self) -> None:
        for service in self.services:
            service.release()

    def workers(self) -> list[Service]:
        return [s for s in self.services if s.spec.role == "worker"]

    def check_alive(self) -> None:
        for service in self.services:
            service.check_alive()

    async def __aenter__(self) -> ServiceGroup:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await asyncio.gather(*(s.stop(self.stop_seconds) for s in self.services))
        finally:
            self._logdir.cleanup()
