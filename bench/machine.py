"""The machine and software a table was measured on."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def source_revision() -> str:
    """The commit measured, and whether the tree it ran from had uncommitted changes."""
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        return os.environ.get("BENCH_REVISION", "unknown (not a git checkout)")

    def run(*args: str) -> str:
        return subprocess.run([git, *args], cwd=REPO, capture_output=True, text=True, check=True, timeout=10).stdout

    try:
        head, dirty = run("rev-parse", "--short", "HEAD").strip(), run("status", "--porcelain").strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown ({exc})"
    return f"{head} (with uncommitted changes)" if dirty else head


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """1-minute load average: other work on a shared machine skews absolute figures."""
    return f"{os.getloadavg()[0]:.2f}"


def describe(redis_server_version: str) -> dict[str, str]:
    return {
        "cores": str(os.cpu_count() or "?"),
        "cpu": cpu_model(),
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "redis-server": redis_server_version,
        "arq": package_version("arq"),
        "saq": package_version("saq"),
        "redis-py": package_version("redis"),
        "revision": source_revision(),
    }
