"""A 50 MiB chunked body streamed to a real uvicorn process: 413 early, memory bounded, still serving."""

from __future__ import annotations

import select
import socket
from pathlib import Path

import httpx
import pytest

from tests.conftest import Stack
from tests.security.conftest import SEED, SUBMIT

pytestmark = [pytest.mark.redis, pytest.mark.e2e]
MIB = 1024 * 1024
CHUNK = 64 * 1024


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` (now) and ``VmHWM`` (peak since start) of a process, in KiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}


def stream_chunked(port: int, total: int) -> tuple[bytes, int]:
    """POST ``total`` bytes as chunks, stopping when the server answers; (response head, bytes sent)."""
    head = (
        f"POST {SUBMIT} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = f"{CHUNK:x}\r\n".encode() + b"7" * CHUNK + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for _ in range(total // CHUNK):
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered: stop sending
                sock.sendall(chunk)
                sent += CHUNK
            else:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # it closed on us after answering; the answer is still to be read
        return read_until_closed(sock), sent


def read_until_closed(sock: socket.socket, limit: int = MIB) -> bytes:
    """The server's whole answer (it closes the connection after a 413), at most ``limit`` bytes."""
    answer = b""
    while len(answer) < limit:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        answer += data
    return answer


def test_50_mib_chunked_body_is_refused_early_with_bounded_memory(stack: Stack) -> None:
    api = stack.api()
    httpx.post(f"{api.url}{SUBMIT}", json=SEED, timeout=10).raise_for_status()  # warm: every code path loaded
    before = memory_kib(api.pid)

    answer, sent = stream_chunked(api.port, 50 * MIB)

    after = memory_kib(api.pid)
    print(f"\nAPI memory before: {before} KiB; after 50 MiB stream: {after} KiB; client sent {sent / MIB:.2f} MiB")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code": "payload_too_large"' in answer
    assert sent < 50 * MIB, "the server read the whole body instead of refusing it"
    assert after["VmHWM"] - before["VmHWM"] < 16 * 1024, (before, after)
    assert api.alive()
    assert httpx.get(f"{api.url}/healthz", timeout=5).status_code == 200
    assert httpx.post(f"{api.url}{SUBMIT}", json=SEED, timeout=10).status_code == 202


def test_declared_oversized_body_is_refused_without_reading(stack: Stack) -> None:
    api = stack.api()
    head = (
        f"POST {SUBMIT} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {50 * MIB}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", api.port), timeout=10) as sock:
        sock.sendall(head + b"{")  # one byte of the promised 50 MiB
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"262144 bytes" in answer
    response = httpx.post(f"{api.url}{SUBMIT}", content=b"x" * (MIB + 1), timeout=10)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
