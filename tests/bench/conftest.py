"""The ``bench`` marker: tests of the benchmark harness (they start a private redis-server)."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bench: benchmark harness tests; start a private redis-server and workers")
