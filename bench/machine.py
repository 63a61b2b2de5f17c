"""The machine and software a table was measured on."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path


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
    }
