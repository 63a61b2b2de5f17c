"""The console script's arguments: ``api``/``dev`` listen where ``$HOST``/``$PORT`` say, else 127.0.0.1:8000."""

from __future__ import annotations

import pytest

from cli.main import build_parser


@pytest.fixture(autouse=True)
def no_host_or_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)


@pytest.mark.parametrize("command", ["api", "dev"])
def test_listens_on_loopback_8000_by_default(command: str) -> None:
    args = build_parser().parse_args([command])
    assert (args.host, args.port) == ("127.0.0.1", 8000)


@pytest.mark.parametrize("command", ["api", "dev"])
def test_host_and_port_come_from_the_environment(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "5123")
    args = build_parser().parse_args([command])
    assert (args.host, args.port) == ("0.0.0.0", 5123)


def test_flags_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "5123")
    args = build_parser().parse_args(["api", "--host", "10.0.0.1", "--port", "9000"])
    assert (args.host, args.port) == ("10.0.0.1", 9000)


def test_worker_takes_burst() -> None:
    assert build_parser().parse_args(["worker", "--burst"]).burst is True
    assert build_parser().parse_args(["worker"]).burst is False


def test_a_command_is_required() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([])
