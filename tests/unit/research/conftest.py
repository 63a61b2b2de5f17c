"""Fixtures for the research pipeline: the process-wide knowledge base and a runner."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.models import ResearchRequest, ResearchResult
from worker.research.index import KnowledgeBase
from worker.research.loader import load_knowledge_base
from worker.research.pipeline import research

Run = Callable[..., ResearchResult]


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture
def run() -> Run:
    """Run the whole pipeline offline (JSON between steps, as the runner does)."""

    def _run(ingredients: list[str], category: str = "cosmetics", name: str = "Test product") -> ResearchResult:
        request = ResearchRequest(product_name=name, brand="Brand", category=category, ingredients=ingredients)
        return research(request)

    return _run


def flagged_names(result: ResearchResult) -> dict[str, str]:
    """as_written -> level, for the flagged ingredients."""
    return {f.as_written: f.level.value for f in result.report.flagged}
