"""The arithmetic behind the table: percentiles, spreads, and taking the harness's calls out."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.redisstats import Snapshot, command_name, cost_between
from bench.stats import Spread, percentile


def test_percentile_is_nearest_rank_of_observed_values() -> None:
    samples = [float(v) for v in range(1, 101)]
    assert percentile(samples, 50) == 50
    assert percentile(samples, 99) == 99
    assert percentile([3.0], 99) == 3.0


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 50)


def test_spread_is_median_min_max() -> None:
    assert Spread.of([3.0, 1.0, 2.0]) == Spread(2.0, 1.0, 3.0, 3)


def test_command_names_match_commandstats() -> None:
    assert command_name(("CONFIG", "RESETSTAT")) == "config|resetstat"
    assert command_name(("ZCARD", "q")) == "zcard"


def test_cost_leaves_out_the_harness_own_calls() -> None:
    before = Snapshot(Counter({"config|resetstat": 1}), 2, 1.0, 0, Counter({"config|resetstat": 1}))
    after = Snapshot(
        Counter({"config|resetstat": 1, "info": 1, "zcard": 5, "set": 10, "get": 4}),
        30,
        1.5,
        0,
        Counter({"config|resetstat": 1, "info": 1, "zcard": 3}),
    )
    cost = cost_between(before, after)
    assert cost.by_command == {"zcard": 2, "set": 10, "get": 4}
    assert cost.commands == 16
    assert cost.reads == 30 - 2 - 4
    assert cost.cpu_seconds == pytest.approx(0.5)
