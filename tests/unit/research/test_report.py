"""The report: shape, the seed's Dove example, determinism, odd inputs, the step contract."""

from __future__ import annotations

import json
import subprocess
import sys

from shared.models import ResearchRequest, ResearchResult
from shared.report import MatchMethod, OverallRating
from tests.unit.research.conftest import Run, flagged_names
from worker.research.steps import KB_VERSION, STEPS


def test_dove_body_wash_seed_example(run: Run) -> None:
    result = run(["Water", "Sodium Laureth Sulfate", "Fragrance"], name="Dove Body Wash")
    report = result.report
    assert flagged_names(result) == {"Sodium Laureth Sulfate": "moderate", "Fragrance": "moderate"}
    assert [r.as_written for r in report.not_flagged] == ["Water"]
    assert report.rating.value == OverallRating.MODERATE_CONCERN
    sles = report.flagged[0]
    assert sles.canonical_name == "Sodium laureth sulfate"
    assert any("1,4-dioxane" in c.classification for c in sles.concerns[0].citations)
    assert report.counts.ingredients == 3
    assert report.kb_version.startswith(KB_VERSION + "+")
    assert "not medical advice" in report.disclaimer
    assert "# Ingredient research: Test product (Brand)" not in result.full_report
    assert "Dove Body Wash" in result.full_report
    assert "Sodium Laureth Sulfate - MODERATE" in result.full_report


def test_flagged_keeps_the_text_as_written_beside_the_canonical_name(run: Run) -> None:
    (flag,) = run(["aqua", "SODIUM LAURYL SULPHATE"]).report.flagged
    assert (flag.as_written, flag.canonical_name) == ("SODIUM LAURYL SULPHATE", "Sodium lauryl sulfate")


def test_fuzzy_matches_are_reported_as_fuzzy(run: Run) -> None:
    result = run(["Methylisothiazolinon"])
    (flag,) = result.report.flagged
    assert flag.match.method == MatchMethod.FUZZY
    assert result.report.counts.fuzzy_matches == 1
    assert "fuzzy match" in result.full_report


def test_unrecognised_ingredients_are_listed_as_written(run: Run) -> None:
    report = run(["Water", "Zorblax Extract of Nothing"]).report
    assert [u.as_written for u in report.unrecognised] == ["Zorblax Extract of Nothing"]
    assert "Zorblax Extract of Nothing" in run(["Water", "Zorblax Extract of Nothing"]).full_report


def test_same_input_gives_byte_identical_output(run: Run) -> None:
    ingredients = ["Water", "Talc", "Parfum", "Zorblax", "Glycerin", "Methylisothiazolinon", "E171"]
    first = run(ingredients).model_dump_json()
    assert all(run(ingredients).model_dump_json() == first for _ in range(3))


def test_flagged_are_ordered_worst_first_then_label_order(run: Run) -> None:
    report = run(["Methylparaben", "Sodium Laureth Sulfate", "Formaldehyde", "Propylparaben"]).report
    assert [f.as_written for f in report.flagged] == [
        "Formaldehyde", "Sodium Laureth Sulfate", "Propylparaben", "Methylparaben"
    ]  # fmt: skip


def test_punctuation_only_list_gives_a_clear_result(run: Run) -> None:
    report = run(["!!!", "..."]).report
    assert report.rating.value == OverallRating.INSUFFICIENT_DATA
    assert report.counts.ingredients == 0


def test_nonsense_and_unicode_lists_give_a_clear_result(run: Run) -> None:
    report = run(["asdkjh qwe", "Ω≈ç√∫", "💄 glitter", "水", "Crème"]).report
    assert report.rating.value == OverallRating.INSUFFICIENT_DATA
    assert report.counts.unrecognised == 5


def test_a_thousand_entries_are_handled(run: Run) -> None:
    ingredients = [f"Ingredient number {i}" for i in range(990)] + ["Talc"] * 10
    report = run(ingredients).report
    assert report.counts.ingredients == 1000
    assert report.counts.flagged == 10


def test_result_validates_as_the_shared_model_and_is_json(run: Run) -> None:
    result = run(["Water", "Talc"])
    assert ResearchResult.model_validate_json(result.model_dump_json()) == result


def test_steps_are_registered_in_order_with_labels_and_weights() -> None:
    assert [s.name for s in STEPS] == ["parse", "identify", "assess", "score", "compile"]
    assert all(s.label and s.weight > 0 for s in STEPS)


async def test_steps_resume_from_json_checkpoints() -> None:
    from worker.pipeline.base import StepContext

    request = ResearchRequest(product_name="P", brand="B", category="cosmetics", ingredients=["Water", "Talc"])
    outputs: dict[str, object] = {}
    for step in STEPS:
        out = await step.run(StepContext(job_id="j", request=request, outputs=dict(outputs)))
        outputs[step.name] = json.loads(json.dumps(out))
    assert ResearchResult.model_validate(outputs["compile"]).report.counts.flagged == 1


def test_importing_the_steps_does_not_load_the_knowledge_base() -> None:
    code = "import worker.research.steps, worker.research.loader as l; assert l._cached.cache_info().currsize == 0"
    subprocess.run([sys.executable, "-c", code], check=True)
