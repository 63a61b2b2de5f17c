"""``make run``'s command, ``deep-research dev``: a private Redis, the API and a worker, all stopped by Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from cli.redis_server import free_port
from tests.e2e.helpers import follow, research_pipeline_error, submit
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]

URL_LINE = re.compile(r"API on (http://\S+)")


def children_of(pid: int) -> set[int]:
    """Every live descendant of ``pid``, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Output:
    """The dev command's output, read as it comes, so that a full pipe never blocks it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stdout is not None
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    @contextmanager
    def shown_on_failure(self) -> Iterator[None]:
        """A failed wait says what the stack printed, not only what it last saw."""
        try:
            yield
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- deep-research dev output (tail) ---\n{self.text()[-4000:]}") from None

    def close(self) -> None:
        self._thread.join(5)
        self._stream.close()


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Output, int]]:
    port = free_port()
    # The seed's request goes through the research pipeline when it can run here; else through the
    # echo pipeline, so that what this test is about (the processes and their lifecycle) is checked
    # all the same. test_seed_flow.py's real-pipeline test is the one that insists on the research.
    pipeline = "noop" if research_pipeline_error() else "deep_research"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "PIPELINE", "ADMIN", "LOG_"))}
    env.update({"HOST": "127.0.0.1", "PORT": str(port), "PIPELINE": pipeline, "PYTHONUNBUFFERED": "1"})
    script = Path(sys.executable).with_name("deep-research")
    process = subprocess.Popen(
        [str(script), "dev"],
        cwd=tmp_path,  # .data/redis lands here
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it; Ctrl-C goes to the group
    )
    output = Output(process)
    yield process, output, port
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
    for pid in children_of(process.pid):
        os.kill(pid, signal.SIGKILL)
    output.close()


@pytest.mark.parametrize("ctrl_c", ["group", "parent"])
def test_dev_runs_the_seed_flow_and_ctrl_c_stops_every_process(
    dev: tuple[subprocess.Popen[str], Output, int], tmp_path: Path, ctrl_c: str
) -> None:
    process, output, port = dev
    with output.shown_on_failure():
        found = wait_until(lambda: URL_LINE.search(output.text()), lambda m: m is not None, timeout=30)
        assert found is not None
        url = found.group(1)
        assert url == f"http://127.0.0.1:{port}"
        assert "Started a private Redis on redis://127.0.0.1:" in output.text()
        wait_until(lambda: ready(url), bool, timeout=30)
    children = children_of(process.pid)
    commands = {pid: Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ") for pid in children}
    assert any("redis-server" in c for c in commands.values()), commands
    assert any(" api " in c for c in commands.values()), commands
    assert any(c.rstrip().endswith(" worker") for c in commands.values()), commands

    job_id = submit(url)
    with output.shown_on_failure():
        seen = follow(url, job_id, timeout=60)
    assert [view["status"] for view in seen][-1] == "completed", seen[-1]
    assert seen[-1]["result"]["product_name"] == "Dove Body Wash"
    assert (tmp_path / ".data" / "redis" / "appendonlydir").is_dir()

    if ctrl_c == "group":
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: every process gets it
    else:
        process.send_signal(signal.SIGINT)  # a supervisor signalling the parent alone
    assert process.wait(30) == 0, output.text()[-3000:]
    with output.shown_on_failure():
        wait_until(lambda: [pid for pid in children if alive(pid)], lambda left: not left, timeout=15)
    assert "Stopped." in output.text()


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
