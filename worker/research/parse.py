"""Step 1: split and clean an ingredient list as people really write it.

Each request entry may hold one ingredient or a whole label. Label noise ("Ingredients:",
"Contains 2% or less of") is blanked out, "May contain" / "+/-" marks what follows as optional,
"(and)" and " & " separate ingredients, and the text is split on top-level commas and semicolons
(not inside brackets, not in "1,4-dioxane"). A bracket holding a list is a group ("Colors (Red 40,
Yellow 5)"): its items become ingredients of their own; a bracket holding one name ("(CI 77891)",
"(Aqua)") is another name for the same ingredient. Blanking keeps every character's offset, so
``as_written`` is always a slice of the request's own text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final, NamedTuple

from worker.research.index import KnowledgeBase
from worker.research.models import ParsedIngredient

_OPEN: Final = "([{"
_CLOSE: Final = ")]}"
_SEPARATORS: Final = frozenset(",;\u2022\u00b7|\n")
# The characters each scan stops at; the text between them is skipped at C speed.
_SPLIT_STOPS: Final = re.compile(r"[()\[\]{},;\u2022\u00b7|\n]")
_COLON_STOPS: Final = re.compile(r"[()\[\]{}:]")
_BRACKETS: Final = re.compile(r"[()\[\]{}]")
_AMOUNT: Final = re.compile(
    r"\s*[(\[]?\s*(?:<|\u2264|less than\s+)?\d+(?:[.,]\d+)?\s*"
    r"(?:%|percent\b|(?:mg|mcg|\u00b5g|ug|g|iu|ml|ppm)(?:\s*/\s*(?:ml|g|kg|l|dose))?\b)"
    r"(?:\s*[wv]/[wv])?\s*[)\]]?",
    re.IGNORECASE,
)
_DIGIT: Final = re.compile(r"\d")
_MARKS: Final = re.compile(r"[*\u2020\u2021\u00ae\u2122]+")
_SLASH: Final = re.compile(r"\s*/\s*")
_TRIM: Final = " \t.:,;-"
_TRIM_START: Final = _TRIM + ")]}"
ENTRY_CACHE_SIZE: Final = 16_384


def _blank(text: str, kb: KnowledgeBase) -> tuple[str, list[int]]:
    """Label noise replaced by a separator of the same length; offsets of 'may contain' marks."""
    chars: list[str] | None = None
    marks: list[int] = []
    for regex, is_mark in ((kb.drop, False), (kb.may_contain, True)):
        for m in regex.finditer(text):
            if m.end() > m.start():
                if chars is None:
                    chars = list(text)
                chars[m.start() : m.end()] = "," + " " * (m.end() - m.start() - 1)
                if is_mark:
                    marks.append(m.start())
    return ("".join(chars) if chars is not None else text), marks


def _split(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """Top-level pieces of ``masked[start:end]``."""
    pieces, depth, begin = [], 0, start
    for stop in _SPLIT_STOPS.finditer(masked, start, end):
        i = stop.start()
        ch = masked[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            between_digits = ch == "," and 0 < i < end - 1 and masked[i - 1].isdigit() and (masked[i + 1].isdigit())
            if not between_digits:
                pieces.append((begin, i))
                begin = i + 1
    pieces.append((begin, end))
    return pieces


def _trim(masked: str, start: int, end: int) -> tuple[int, int]:
    while start < end and masked[start] in _TRIM_START:
        start += 1
    while end > start and masked[end - 1] in _TRIM:
        end -= 1
    return start, end


def _brackets(masked: str, start: int, end: int) -> tuple[str, list[tuple[int, int]]]:
    """The head text (outside top-level brackets) and the spans inside them."""
    head, inner, depth, begin, outside = [], [], 0, start, start
    for stop in _BRACKETS.finditer(masked, start, end):
        i = stop.start()
        if masked[i] in _OPEN:
            if depth == 0:
                head.append(masked[outside:i])
                begin = i + 1
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                inner.append((begin, i))
                outside = i + 1
        # a closing bracket with none open stays part of the head
    if depth > 0:  # an unclosed bracket: keep what follows it as a group
        inner.append((begin, end))
    else:
        head.append(masked[outside:end])
    return "".join(head), inner


def _top_level_colon(masked: str, start: int, end: int) -> int | None:
    depth = 0
    for stop in _COLON_STOPS.finditer(masked, start, end):
        i = stop.start()
        ch = masked[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            return i
    return None


class _Piece(NamedTuple):
    """An ingredient of one entry, before its place in the whole list is known."""

    as_written: str
    name: str
    alternatives: tuple[str, ...]
    concentration: str | None
    marked: bool  # a 'may contain' mark comes before it in its entry
    group: str | None


class _EntryParser:
    def __init__(self, kb: KnowledgeBase, text: str) -> None:
        self.kb = kb
        self.text = text
        self.out: list[_Piece] = []
        self.masked, self.marks = _blank(text, kb)

    def run(self) -> tuple[tuple[_Piece, ...], bool]:
        for start, end in _split(self.masked, 0, len(self.masked)):
            self.segment(start, end, None)
        return tuple(self.out), bool(self.marks)

    def _is_group(self, name: str) -> bool:
        return self.kb.normaliser.key(name) in self.kb.group_words

    def segment(self, start: int, end: int, group: str | None) -> None:
        text, masked = self.text, self.masked
        start, end = _trim(masked, start, end)
        if start >= end:
            return
        if _COLON_STOPS.search(masked, start, end) is None:  # a plain name: no colon, no brackets
            self._add(start, end, masked[start:end], [], group)
            return
        colon = _top_level_colon(masked, start, end)
        if colon is not None:
            header = text[start:colon].strip()
            if not self._is_group(header):
                self._add(start, colon, header, [], group)
            for s, e in _split(masked, colon + 1, end):
                self.segment(s, e, header or group)
            return
        head, inner = _brackets(masked, start, end)
        alternatives, children = [], []
        amount: str | None = None
        for s, e in inner:
            pieces = _split(masked, s, e)
            starts_blank = masked[s:e].lstrip().startswith(",")
            trailing = not any(ch.isalpha() for ch in masked[e + 1 : end])
            if trailing and (len(pieces) > 1 or starts_blank or self._is_group(head)):
                children.extend(pieces)
            elif _DIGIT.search(masked, s, e) and _AMOUNT.fullmatch(masked[s:e]):
                amount = text[s:e].strip()
            elif masked[s:e].strip():
                alternatives.append(text[s:e].strip())
        if inner and not children:
            whole = text[start:end]
            alternatives.insert(0, (_AMOUNT.sub(" ", whole) if _DIGIT.search(whole) else whole).strip())
        self._add(start, end, head, alternatives, group, amount)
        for s, e in children:
            self.segment(s, e, head.strip() or group)

    def _add(
        self, start: int, end: int, head: str, alts: list[str], group: str | None, concentration: str | None = None
    ) -> None:
        amount = _AMOUNT.search(head) if _DIGIT.search(head) else None  # an amount has a digit
        if amount:
            concentration = amount.group(0).strip(" ()[]")
            head = head[: amount.start()] + " " + head[amount.end() :]
        name = _MARKS.sub(" ", head).strip(_TRIM + " ")
        name = " ".join(name.split())
        if not name and alts:
            name, alts = alts[0], alts[1:]
        if not name or self._is_group(name) or not any(ch.isalnum() for ch in name):
            return
        parts = _SLASH.split(name) if "/" in name else ()
        if len(parts) > 1:
            alts = [*alts, *(p for p in parts if sum(ch.isalpha() for ch in p) >= 2)]
        marked = any(m < start for m in self.marks)
        as_written = self.text[start:end].strip()
        self.out.append(_Piece(as_written, name, tuple(alts), concentration, marked, group))


@lru_cache(maxsize=ENTRY_CACHE_SIZE)
def _parse_entry(kb: KnowledgeBase, text: str) -> tuple[tuple[_Piece, ...], bool]:
    """One entry's ingredients, and whether it holds a 'may contain' mark (cached: labels repeat)."""
    return _EntryParser(kb, text).run()


def parse_ingredients(entries: Sequence[str], kb: KnowledgeBase) -> list[ParsedIngredient]:
    """Every ingredient in the request's entries, in label order.

    A 'may contain' mark makes what follows it optional, to the end of the list.
    """
    out: list[ParsedIngredient] = []
    optional_from_now = False
    for index, text in enumerate(entries):
        pieces, has_mark = _parse_entry(kb, text)
        for p in pieces:
            optional = optional_from_now or p.marked
            out.append(
                ParsedIngredient(
                    len(out), index, p.as_written, p.name, p.alternatives, p.concentration, optional, p.group
                )
            )
        optional_from_now = optional_from_now or has_mark
    return out
