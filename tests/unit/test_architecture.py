"""The import rule the folders stand for: ``api`` and ``worker`` import ``shared``, never each other;
``shared`` imports neither; only ``cli`` (the console script) sits above them all."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "worker", "shared", "cli")
FORBIDDEN = {
    "shared": {"api", "worker", "cli"},
    "api": {"worker", "cli"},
    "worker": {"api", "cli"},
    "cli": set(),
}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_respect_the_import_rule(package: str) -> None:
    sources = sorted((ROOT / package).rglob("*.py"))
    assert sources
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sources
        for name, line in imported_packages(path)
        if name in FORBIDDEN[package]
    ]
    assert not broken, "\n".join(broken)
