"""The product's context: which category group it is in and which forms (spray, powder, aerosol)
it takes, since a finding may hold only for some (titanium dioxide inhaled from a powder, nitrite
in processed meat). The words that select each come from the knowledge base's ``rules.json``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from worker.research.index import KnowledgeBase
from worker.research.schema import Condition
from worker.research.text import name_key


@dataclass(frozen=True, slots=True)
class ProductContext:
    categories: frozenset[str]
    forms: frozenset[str]
    product_text: str
    present: frozenset[str] = frozenset()

    def describe(self) -> str:
        group = ", ".join(sorted(self.categories)) or "not recognised (all category rules applied)"
        forms = ", ".join(sorted(self.forms)) or "none detected"
        return f"Category group: {group}. Forms that change exposure: {forms}."


@lru_cache(maxsize=4096)
def _word(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word)}")


@lru_cache(maxsize=1024)
def _any_word(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(_word(w).pattern for w in words) or "(?!)")


def _has_word(text: str, word: str) -> bool:
    return _word(word).search(text) is not None


def _has_any(text: str, words: Iterable[str]) -> bool:
    return _any_word(tuple(words)).search(text) is not None


def product_context(
    kb: KnowledgeBase,
    product_name: str,
    category: str,
    implied_forms: Iterable[str],
    present: Iterable[str] = (),
) -> ProductContext:
    """``present``: hazard ids and normalised names of the product's identified ingredients."""
    lower = kb.normaliser.lower
    category_text, name_text = lower(category), lower(product_name)
    groups = {group for group, words in kb.rules.categories.items() if _has_any(category_text, words)}
    if not groups:
        groups = {group for group, words in kb.rules.categories.items() if _has_any(name_text, words)}
    both = f"{name_text} {category_text}"
    forms = {f for f, words in kb.rules.forms.items() if _has_any(both, words)}
    return ProductContext(frozenset(groups), frozenset(forms | set(implied_forms)), name_text, frozenset(present))


def applies(condition: Condition, ctx: ProductContext) -> tuple[bool, str | None]:
    """Whether a finding's condition holds here, and the reason to show when it is conditional."""
    reasons = []
    if condition.categories is not None:
        if ctx.categories and not ctx.categories & set(condition.categories):
            return False, None
        reasons.append("applies to " + " and ".join(condition.categories) + " products")
    if condition.not_categories is not None and ctx.categories & set(condition.not_categories):
        return False, None
    if condition.forms is not None:
        found = ctx.forms & set(condition.forms)
        if not found:
            return False, None
        reasons.append("this product is a " + "/".join(sorted(found)))
    if condition.product_words is not None:
        words = [w for w in condition.product_words if _has_word(ctx.product_text, w)]
        if not words:
            return False, None
        reasons.append(f"the product is a {words[0]} product")
    if condition.with_any is not None:
        partners = [w for w in condition.with_any if name_key(w) in ctx.present]
        if not partners:
            return False, None
        reasons.append(f"the product also contains {partners[0]}")
    if condition.categories is not None and not ctx.categories:
        reasons.append("the category was not recognised, so it is assumed to apply")
    return True, "; ".join(reasons) or None
