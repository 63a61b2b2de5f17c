"""The steps' JSON checkpoints: small, by reference, and safe to resume from after a release."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.models import ResearchRequest, ResearchResult
from worker.pipeline.base import StepContext
from worker.research.markdown import render_markdown
from worker.research.steps import STEPS

REQUEST = ResearchRequest(
    product_name="Hair spray",
    brand="B",
    category="cosmetics",
    ingredients=[
        "Aqua/Water/Eau, Sodium Laureth Sulfate, Talc (CI 77718)",
        "Parfum",
        "Sodim Laureth Sulfate",
        "Zorblax",
    ],
)


async def _outputs(request: ResearchRequest = REQUEST, saved: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the steps not yet in ``saved`` as the runner does: JSON between steps."""
    outputs: dict[str, Any] = dict(saved or {})
    for step in STEPS:
        if step.name not in outputs:
            out = await step.run(StepContext(job_id="j", request=request, outputs=dict(outputs)))
            outputs[step.name] = json.loads(json.dumps(out))
    return outputs


async def test_result_is_the_shared_model_field_for_field() -> None:
    result = (await _outputs())["compile"]
    assert ResearchResult.model_validate(result).model_dump(mode="json") == result
    assert json.dumps(ResearchResult.model_validate(result).model_dump(mode="json")) == json.dumps(result)


async def test_checkpoints_refer_to_the_knowledge_base_instead_of_copying_it() -> None:
    outputs = await _outputs()
    result = json.dumps(outputs["compile"])
    assert "IARC" in result
    for name in ("parse", "identify", "assess", "score"):
        text = json.dumps(outputs[name])
        assert "IARC" not in text, name
        assert "citations" not in text, name


@pytest.mark.parametrize("stale", ["parse", "identify", "assess", "score"])
@pytest.mark.parametrize("how", ["old layout", "other knowledge base"])
async def test_a_checkpoint_from_another_release_is_recomputed(stale: str, how: str) -> None:
    fresh = await _outputs()
    names = [s.name for s in STEPS]
    saved = {name: fresh[name] for name in names[: names.index(stale) + 1]}
    if how == "old layout":
        saved[stale] = {"ingredients": [{"name": "Talc"}]}
    else:
        saved[stale] = {**saved[stale], "kb": "2020.1.1+000000000000"}
    resumed = await _outputs(saved=saved)
    assert resumed["compile"] == fresh["compile"]


async def test_a_repeated_job_gives_byte_identical_results() -> None:
    first, second = await _outputs(), await _outputs()
    assert json.dumps(first) == json.dumps(second)


async def test_markdown_from_cached_concerns_matches_a_fresh_rendering() -> None:
    result = ResearchResult.model_validate((await _outputs())["compile"])
    assert render_markdown(result.report, result.product_name, result.brand) == result.full_report
