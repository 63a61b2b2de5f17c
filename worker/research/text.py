"""Text normalisation shared by the parser, the knowledge-base index and identification.

Two forms of a name:

- :meth:`Normaliser.lower`: case-folded, accents and typographic punctuation removed, spelling
  variants unified (``sulphate`` -> ``sulfate``), punctuation kept; pattern rules run on it.
- :meth:`Normaliser.key`: ``lower`` reduced to letters, digits and single spaces, with colour and
  additive codes written one way (``FD&C Red No. 40 Lake`` -> ``red 40``, ``E-171`` -> ``e171``,
  ``C.I. 77891`` -> ``ci 77891``); dictionary lookups use it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Final

_TYPOGRAPHY: Final = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-",
        "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00b5": "u", "\u03bc": "u",
        "\u00a0": " ", "\uff0c": ",", "\u3001": ",", "\uff08": "(", "\uff09": ")",
    }
)  # fmt: skip
_SPACES: Final = re.compile(r"\s+")
_FDC: Final = re.compile(r"\b(?:fd ?& ?c|fd and c|fdc)\b\s*")
_COLOUR_NO: Final = re.compile(r"(?:\bno\.?|#)\s*(?=\d)")
_LAKE: Final = re.compile(r"\b(?:alumin(?:i)?um |calcium )?lake\b")
_E_NUMBER: Final = re.compile(r"\b(?:e|ins)[ -]?(\d{3,4}[a-z]?)\b")
_CI_NUMBER: Final = re.compile(r"\bc\.? ?[il]\.? ?(\d{5})\b")
_NON_WORD: Final = re.compile(r"[^a-z0-9]+")
_DIGIT: Final = re.compile(r"\d")
_CAS: Final = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")
CACHE_LIMIT: Final = 50_000


def fold(text: str) -> str:
    """Case-fold and strip accents and typographic punctuation; collapse spaces."""
    if not text.isascii():  # ASCII has no accents, no typography to map, nothing for NFKD to do
        text = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text.casefold()).strip()


@lru_cache(maxsize=CACHE_LIMIT)
def name_key(name: str) -> str:
    """``key`` without the spelling table: how a canonical name or a rule's word is compared."""
    return Normaliser.key_of_lower(fold(name))


def is_cas_number(text: str) -> bool:
    """True for a CAS registry number with a valid check digit (``7732-18-5``)."""
    match = _CAS.match(text.strip())
    if not match:
        return False
    digits = (match.group(1) + match.group(2))[::-1]
    total = sum((i + 1) * int(d) for i, d in enumerate(digits))
    return total % 10 == int(match.group(3))


class Normaliser:
    """Builds ``lower`` and ``key`` forms using the knowledge base's spelling table."""

    def __init__(self, spelling: Mapping[str, str]) -> None:
        ordered = sorted(spelling, key=len, reverse=True)
        self._spelling = dict(spelling)
        self._variants = re.compile("|".join(re.escape(word) for word in ordered)) if ordered else None

        self._lower: dict[str, str] = {}
        self._key: dict[str, str] = {}

    def lower(self, text: str) -> str:
        cached = self._lower.get(text)
        if cached is None:
            cached = fold(text)
            if self._variants is not None:
                cached = self._variants.sub(lambda m: self._spelling[m.group(0)], cached)
            self._remember(self._lower, text, cached)
        return cached

    def key(self, text: str) -> str:
        cached = self._key.get(text)
        if cached is None:
            cached = self.key_of_lower(self.lower(text))
            self._remember(self._key, text, cached)
        return cached

    def forget(self) -> None:
        """Empty the caches (the profiler measures a worker that has seen no names yet)."""
        self._lower.clear()
        self._key.clear()

    @staticmethod
    def _remember(cache: dict[str, str], text: str, value: str) -> None:
        if len(cache) >= CACHE_LIMIT:  # bounded: a stream of unique names cannot grow it forever
            cache.clear()
        cache[text] = value

    @staticmethod
    @lru_cache(maxsize=CACHE_LIMIT)
    def key_of_lower(lowered: str) -> str:
        if is_cas_number(lowered):
            return "cas " + lowered
        # Each rewrite runs only when what it needs is there: most names have no "fd", no
        # "lake" and no digit, and these guards are far cheaper than the substitutions.
        text = _FDC.sub("", lowered) if "fd" in lowered else lowered
        if _DIGIT.search(text):
            text = _COLOUR_NO.sub("", text)
        if "lake" in text:
            text = _LAKE.sub("", text)
        if _DIGIT.search(text):
            text = _E_NUMBER.sub(r"e\1", text)
            text = _CI_NUMBER.sub(r"ci \1", text)
        return _NON_WORD.sub(" ", text).strip()
