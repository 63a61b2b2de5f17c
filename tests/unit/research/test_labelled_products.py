"""The labelled set of real products (tests/data/products.json): recall and false positives.

"Flagged" means an ingredient appears in the report's flagged list, matched by the request
entry it came from or by its text as written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.models import ResearchRequest
from worker.research.pipeline import research

PRODUCTS = Path(__file__).parents[2] / "data" / "products.json"


def _flagged(product: dict[str, Any]) -> set[str]:
    request = ResearchRequest(
        product_name=product["product_name"],
        brand=product.get("brand", ""),
        category=product["category"],
        ingredients=product["ingredients"],
    )
    report = research(request).report
    return {product["ingredients"][f.entry] for f in report.flagged} | {f.as_written for f in report.flagged}


def test_labelled_products_recall_and_false_positives() -> None:
    products = json.loads(PRODUCTS.read_text())["products"]
    assert len(products) >= 30
    found = missed = 0
    misses, false_positives = [], []
    for product in products:
        flagged = _flagged(product)
        for name in product["must_flag"]:
            if name in flagged:
                found += 1
            else:
                missed += 1
                misses.append(f"{product['id']}: {name}")
        false_positives += [f"{product['id']}: {n}" for n in product["must_not_flag"] if n in flagged]
    recall = found / (found + missed)
    print(f"\nlabelled products: {len(products)}; must-flag recall {recall:.1%} ({found}/{found + missed});")
    print(f"false positives: {len(false_positives)}; misses: {misses}")
    assert recall >= 0.95, misses
    assert not false_positives
