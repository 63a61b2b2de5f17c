"""The targets section: absolute figures use the median, comparisons the within-run ratio."""

from __future__ import annotations

from bench.runner import Measured
from bench.targets import targets_table


def run(ours: dict[str, float | None], saq: dict[str, float | None]) -> dict[str, Measured]:
    return {"ours": Measured(metrics=ours), "saq": Measured(metrics=saq)}


def row(table: str, start: str) -> str:
    return next(line for line in table.splitlines() if line.startswith(f"| {start}"))


def test_absolute_target_uses_the_median_over_runs() -> None:
    table = targets_table([run({"e2e_p50": v}, {}) for v in (1.0, 1.5, 9.0)])
    assert row(table, "queue-level end-to-end p50").endswith("| 1.50 ms | yes |")


def test_comparison_uses_the_ratio_within_each_run() -> None:
    runs = [run({"drain1": 900.0}, {"drain1": 1000.0}), run({"drain1": 2000.0}, {"drain1": 1000.0})]
    runs.append(run({"drain1": 1900.0}, {"drain1": 2000.0}))
    assert row(targets_table(runs), "1 worker drains").endswith("| ratio 0.950 | no |")


def test_a_figure_not_measured_is_said_so() -> None:
    table = targets_table([run({}, {})])
    assert row(table, "HTTP submit p99").endswith("| not measured | - |")
