"""The scoring rule: concern levels and the overall rating."""

from __future__ import annotations

import pytest

from shared.report import EvidenceStrength, HazardLevel, OverallRating
from tests.unit.research.conftest import Run
from worker.research.scoring import MATRIX, SCORING_RULE, concern_level

E = EvidenceStrength


@pytest.mark.parametrize(
    ("severity", "evidence", "level"),
    [("high", E.STRONG, "high"), ("high", E.MODERATE, "high"), ("high", E.LIMITED, "moderate"),
     ("high", E.WEAK, "low"), ("moderate", E.STRONG, "moderate"), ("moderate", E.LIMITED, "low"),
     ("low", E.STRONG, "low")],
)  # fmt: skip
def test_level_is_severity_capped_by_evidence(severity: str, evidence: EvidenceStrength, level: str) -> None:
    assert concern_level(severity, evidence) == HazardLevel(level)


def test_matrix_covers_every_combination_and_never_exceeds_severity() -> None:
    assert len(MATRIX) == 12
    order = ["low", "moderate", "high"]
    for (severity, _), level in MATRIX.items():
        assert order.index(level.value) <= order.index(severity)


@pytest.mark.parametrize(
    ("ingredients", "rating"),
    [
        (["Water", "Formaldehyde"], OverallRating.HIGH_CONCERN),
        (["Water", "Sodium Laureth Sulfate"], OverallRating.MODERATE_CONCERN),
        (["Water", "Methylparaben"], OverallRating.SOME_CONCERN),
        (["Water", "Glycerin", "Zorblax"], OverallRating.LOW_CONCERN),
        (["Zorblax", "Quuxium", "Water"], OverallRating.INSUFFICIENT_DATA),
    ],
)
def test_overall_rating_rule(run: Run, ingredients: list[str], rating: OverallRating) -> None:
    assert run(ingredients).report.rating.value == rating


def test_rating_reason_names_what_drove_it(run: Run) -> None:
    rating = run(["Water", "Talc", "Methylparaben"]).report.rating
    assert rating.drivers == ["Talc"]
    assert "Talc" in rating.reason
    assert "Group 2A" in rating.reason


def test_data_gaps_are_mentioned_in_the_reason(run: Run) -> None:
    assert "1 of 3 ingredients were not recognised" in run(["Water", "Talc", "Zorblax"]).report.rating.reason


def test_the_rule_is_written_into_the_report(run: Run) -> None:
    assert run(["Water"]).report.scoring_rule == list(SCORING_RULE)
