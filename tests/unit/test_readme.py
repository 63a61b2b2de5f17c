"""The README stays true: its configuration table names every setting."""

from __future__ import annotations

from pathlib import Path

from shared.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_configuration_table_lists_every_setting() -> None:
    text = README.read_text()
    missing = [name.upper() for name in Settings.model_fields if f"| `{name.upper()}` |" not in text]
    assert not missing, f"README's configuration table lacks {missing}"


def test_readme_quick_start_is_the_two_make_commands() -> None:
    quick_start = README.read_text().split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick_start
    assert "make test" in quick_start
