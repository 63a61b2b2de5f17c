"""How workers' duration histograms are kept in Redis, so that the API can expose them.

Workers have no port of their own (on a PaaS they cannot be scraped), so each worker adds its
observations to one Redis hash, ``metrics:workers`` (:data:`shared.keys.WORKER_METRICS`), with
``HINCRBY``/``HINCRBYFLOAT``: the hash holds the cluster's totals, and ``GET /metrics`` on any
API replica reads it. Fields::

    <histogram>|<label value>|<upper bound>   observations in that bucket (not cumulative)
    <histogram>|<label value>|sum             sum of the observed seconds
    <histogram>|<label value>|count           number of observations

Label values are bounded sets (pipeline step names, job outcomes), so the hash stays small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

JOB_DURATION: Final = "job_duration_seconds"
STEP_DURATION: Final = "step_duration_seconds"
BUCKETS: Final[Mapping[str, tuple[float, ...]]] = {
    JOB_DURATION: (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
    STEP_DURATION: (0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
}
LABELS: Final[Mapping[str, str]] = {JOB_DURATION: "outcome", STEP_DURATION: "step"}
INF: Final = "+Inf"


def bound_of(value: float, buckets: Sequence[float]) -> str:
    for bound in buckets:
        if value <= bound:
            return repr(float(bound))
    return INF


def fields_for(histogram: str, label: str, seconds: float) -> dict[str, float]:
    """The hash increments one observation makes."""
    label = label.replace("|", "/")
    bound = bound_of(seconds, BUCKETS[histogram])
    return {f"{histogram}|{label}|{bound}": 1, f"{histogram}|{label}|sum": seconds, f"{histogram}|{label}|count": 1}


@dataclass(slots=True)
class Series:
    """One labelled histogram, read back: cumulative bucket counts, sum and count."""

    buckets: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    count: float = 0.0

    def cumulative(self, bounds: Sequence[float]) -> list[tuple[str, float]]:
        running = 0.0
        out: list[tuple[str, float]] = []
        for bound in bounds:
            running += self.buckets.get(repr(float(bound)), 0.0)
            out.append((repr(float(bound)), running))
        out.append((INF, self.count))
        return out


def parse(raw: Mapping[bytes, bytes]) -> dict[tuple[str, str], Series]:
    """The hash as ``{(histogram, label value): Series}``; unknown fields are ignored."""
    series: dict[tuple[str, str], Series] = {}
    for key, value in raw.items():
        histogram, _, rest = key.decode().partition("|")
        label, _, part = rest.rpartition("|")
        if histogram not in BUCKETS or not label:
            continue
        one = series.setdefault((histogram, label), Series())
        number = float(value)
        if part == "sum":
            one.total = number
        elif part == "count":
            one.count = number
        else:
            one.buckets[part] = number
    return series
