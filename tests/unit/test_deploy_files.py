"""The deployment files (Procfile, Dockerfile, docker-compose.yml) agree with each other and the CLI.

Docker is not available where the tests run, so these check the files' structure instead of
running them.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import build_parser
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): shlex.split(command) for name, command in entries.items()}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, one per entry, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def shell_command(command: list[str] | str, env: dict[str, str]) -> list[str]:
    """A container command as argv: unwrap ``sh -c "exec ..."`` and substitute ``$VAR``."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2])
        if argv[0] == "exec":
            argv = argv[1:]
    return [re.sub(r"\$\$?\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), arg) for arg in argv]


def procfile_argv(name: str, env: dict[str, str]) -> list[str]:
    return [re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), m.group(0)), arg) for arg in procfile()[name]]


class TestProcfile:
    def test_has_web_and_worker(self) -> None:
        entries = procfile()
        assert entries["web"] == ["deep-research", "api", "--host", "0.0.0.0", "--port", "$PORT"]
        assert entries["worker"] == ["deep-research", "worker"]

    def test_calls_the_console_script_the_package_installs(self) -> None:
        scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
        assert scripts["deep-research"] == "cli.main:main"
        for argv in procfile().values():
            assert argv[0] == "deep-research"

    @pytest.mark.parametrize("name", ["web", "worker"])
    def test_commands_parse_with_the_real_cli(self, name: str) -> None:
        args = build_parser().parse_args(procfile_argv(name, {"PORT": "5000"})[1:])
        assert args.command == {"web": "api", "worker": "worker"}[name]
        if name == "web":
            assert (args.host, args.port) == ("0.0.0.0", 5000)


class TestCompose:
    def test_redis_keeps_jobs_on_disk_and_never_evicts(self) -> None:
        redis = compose()["services"]["redis"]
        assert redis["image"] == "redis:7-alpine"
        command = redis["command"] if isinstance(redis["command"], list) else shlex.split(redis["command"])
        assert command[0] == "redis-server"
        flags = dict(zip(command[1::2], command[2::2], strict=True))
        assert flags["--appendonly"] == "yes"
        assert flags["--maxmemory-policy"] == "noeviction"

    def test_redis_has_a_ping_healthcheck_and_a_data_volume(self) -> None:
        document = compose()
        redis = document["services"]["redis"]
        test = redis["healthcheck"]["test"]
        assert "redis-cli ping" in (test if isinstance(test, str) else " ".join(test))
        volume, _, target = redis["volumes"][0].partition(":")
        assert target == "/data"
        assert volume in document["volumes"]

    @pytest.mark.parametrize("service", ["api", "worker"])
    def test_app_services_reach_redis_and_wait_for_it(self, service: str) -> None:
        spec = compose()["services"][service]
        assert spec["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert spec["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "build" in spec or "image" in spec

    def test_api_listens_on_8000(self) -> None:
        api = compose()["services"]["api"]
        assert "8000:8000" in [str(port) for port in api["ports"]]
        assert api["environment"]["PORT"] == "8000"

    def test_worker_can_be_scaled(self) -> None:
        worker = compose()["services"]["worker"]
        assert "container_name" not in worker
        assert "ports" not in worker  # a published host port would clash between replicas

    def test_workers_get_time_to_drain_before_docker_kills_them(self) -> None:
        grace = compose()["services"]["worker"]["stop_grace_period"]
        seconds = float(str(grace).removesuffix("s"))
        default = Settings.model_fields["shutdown_grace_seconds"].default
        assert seconds > default + 2 * Settings.model_fields["redis_socket_timeout"].default

    def test_commands_match_the_procfile(self) -> None:
        services = compose()["services"]
        api_env = {k: str(v) for k, v in services["api"]["environment"].items()}
        assert shell_command(services["api"]["command"], api_env) == procfile_argv("web", api_env)
        assert shell_command(services["worker"]["command"], {}) == procfile_argv("worker", {})


class TestDockerfile:
    def test_builds_from_python_311_slim_and_installs_the_package(self) -> None:
        lines = dockerfile()
        assert lines[0] == "FROM python:3.11-slim"
        assert any(re.match(r"RUN .*pip install (\S+ )*\.(\s|$)", line) for line in lines)
        copied = {line.split()[1] for line in lines if line.startswith("COPY")}
        assert {"shared", "api", "worker", "cli"} <= copied

    def test_runs_as_a_non_root_user(self) -> None:
        lines = dockerfile()
        users = [line.split()[1] for line in lines if line.startswith("USER ")]
        assert users
        assert users[-1] not in ("root", "0")
        assert lines.index(f"USER {users[-1]}") < next(i for i, line in enumerate(lines) if line.startswith("CMD"))

    def test_default_command_is_the_procfiles_web_line(self) -> None:
        lines = dockerfile()
        cmd = json.loads(next(line for line in lines if line.startswith("CMD "))[4:])
        env: dict[str, str] = {}
        for line in lines:
            if line.startswith("ENV "):
                env.update(dict(pair.split("=", 1) for pair in shlex.split(line[4:])))
        assert env["PORT"] == "8000"
        assert shell_command(cmd, env) == procfile_argv("web", env)

    def test_dockerignore_keeps_local_state_out_of_the_image(self) -> None:
        ignored = set((ROOT / ".dockerignore").read_text().split())
        assert {".git", ".venv", ".data", ".env"} <= ignored


class TestPackageData:
    """The image installs the package (``pip install .``), not the checkout: every file the code
    reads at run time (Lua scripts, the knowledge base, static pages) must be declared package data."""

    def test_every_data_file_in_the_packages_is_declared(self) -> None:
        declared: dict[str, list[str]] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
            "package-data"
        ]
        missing = []
        for package in ("api", "shared", "worker", "cli"):
            base = ROOT / package
            covered = {path for pattern in declared.get(package, []) for path in base.glob(pattern)}
            for path in base.rglob("*"):
                if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                    continue
                if path not in covered:
                    missing.append(str(path.relative_to(ROOT)))
        assert not missing, f"not declared in [tool.setuptools.package-data]: {missing}"
