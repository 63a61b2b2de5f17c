"""CPU time of the research pipeline itself (``worker.research.steps.STEPS``), in-process.

Runs the steps through ``worker.pipeline.local.run_locally`` (outputs pass through JSON as the
runner's checkpoints do), after one warm-up run that also loads the knowledge base. The lists are
built by cycling a fixed pool of real label ingredients (benign and hazardous, a few misspelt),
so longer lists repeat names.
"""

from __future__ import annotations

import statistics
import time

from bench.config import Config

Metrics = dict[str, float | None]


class ResearchUnavailable(RuntimeError):
    """The research pipeline could not be imported or run (it is built elsewhere)."""


POOL: tuple[str, ...] = (
    "Water",
    "Sodium Laureth Sulfate",
    "Cocamidopropyl Betaine",
    "Glycerin",
    "Sodium Chloride",
    "Fragrance",
    "DMDM Hydantoin",
    "Citric Acid",
    "Polysorbate 20",
    "PEG-7 Glyceryl Cocoate",
    "Methylisothiazolinone",
    "Methylchloroisothiazolinone",
    "Sodium Benzoate",
    "Phenoxyethanol",
    "Cocamide DEA",
    "Triethanolamine",
    "Talc",
    "Titanium Dioxide",
    "Propylparaben",
    "Butylparaben",
    "Tocopheryl Acetate",
    "Aloe Barbadensis Leaf Juice",
    "Dimethicone",
    "Cetearyl Alcohol",
    "Quaternium-15",
    "Imidazolidinyl Urea",
    "Diazolidinyl Urea",
    "Bronopol",
    "Sodium Lauryl Sulfate",
    "Benzophenone-3",
    "Oxybenzone",
    "Retinyl Palmitate",
    "Coal Tar",
    "Hydroquinone",
    "Triclosan",
    "Butane",
    "Propane",
    "Isobutane",
    "Benzoyl Peroxide",
    "Ceteareth-20",
    "Laureth-4",
    "Steareth-21",
    "Polyethylene Glycol",
    "Mineral Oil",
    "Petrolatum",
    "Carbomer",
    "Xanthan Gum",
    "Guar Hydroxypropyltrimonium Chloride",
    "Sodim Laureth Sulfate",
    "Parfum",
)


def ingredients(count: int) -> list[str]:
    return [POOL[i % len(POOL)] for i in range(count)]


async def measure_research(config: Config) -> Metrics:
    from shared.models import ResearchRequest
    from worker.pipeline.local import run_locally

    try:
        from worker.research.steps import STEPS
    except ImportError as exc:
        raise ResearchUnavailable(f"worker.research.steps.STEPS cannot be imported: {exc}") from exc

    def request(count: int) -> ResearchRequest:
        return ResearchRequest(
            product_name="Bench Body Wash",
            brand="Bench",
            category="cosmetics",
            ingredients=ingredients(count),
        )

    try:
        await run_locally(STEPS, request(10))
    except Exception as exc:  # whatever the pipeline raises: reported in the table's notes
        raise ResearchUnavailable(f"the research pipeline failed: {type(exc).__name__}: {exc}") from exc
    metrics: Metrics = {}
    for count in config.research_sizes:
        body = request(count)
        spent: list[float] = []
        for _ in range(config.research_repeats):
            began = time.process_time()
            await run_locally(STEPS, body)
            spent.append(time.process_time() - began)
        metrics[f"research_{count}_ms"] = statistics.median(spent) * 1000
    return metrics
