"""The profiling entry point runs (its timings are for benchmarks, never asserted here)."""

from __future__ import annotations

import math

import pytest

from cli.main import main
from worker.research.loader import load_knowledge_base
from worker.research.profile import ListMaker, measure


@pytest.mark.parametrize("cold", [False, True])
def test_measure_runs_the_pipeline_and_returns_a_cpu_figure(cold: bool) -> None:
    spent = measure(12, 2, cold=cold, warm_up=100)
    assert math.isfinite(spent)
    assert spent >= 0


def test_profile_lists_are_deterministic_and_the_requested_length() -> None:
    maker = ListMaker(load_knowledge_base())
    first, again = maker.request(40, 3), maker.request(40, 3)
    assert first == again
    assert maker.request(40, 4) != first
    names = [name for entry in first.ingredients for name in entry.removeprefix("May contain: ").split(", ")]
    assert len(names) >= 40  # a name may carry a bracketed alias that holds a comma


def test_profile_entry_point_prints_one_line_per_size(capsys: pytest.CaptureFixture[str]) -> None:
    main(["profile-research", "--repeats", "1", "--warm-up", "100", "3", "7"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["3", "7"]
