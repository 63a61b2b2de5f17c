"""Recognising ingredients: exact names, identifiers, patterns, fuzzy matches, data gaps."""

from __future__ import annotations

import pytest

from shared.report import MatchMethod
from worker.research.identify import identify
from worker.research.index import KnowledgeBase
from worker.research.models import Identified
from worker.research.parse import parse_ingredients


def one(kb: KnowledgeBase, text: str) -> Identified:
    (item,) = identify(parse_ingredients([text], kb), kb)
    return item


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("SODIUM LAURETH SULFATE", "Sodium laureth sulfate"),
        ("sodium laureth sulphate", "Sodium laureth sulfate"),
        ("Aqua", "Water"),
        ("Glycerine", "Glycerin"),
        ("FD&C Red No. 40", "Allura Red AC (FD&C Red No. 40)"),
        ("Red 40 Lake", "Allura Red AC (FD&C Red No. 40)"),
        ("Yellow #5", "Tartrazine (FD&C Yellow No. 5)"),
        ("Titanium Dioxide (CI 77891)", "Titanium dioxide"),
        ("Paraffinum Liquidum", "Mineral oil"),
        ("Colour caramel", "Caramel colour (class unspecified)"),
    ],
)
def test_names_spellings_and_colour_names_are_recognised(kb: KnowledgeBase, text: str, canonical: str) -> None:
    item = one(kb, text)
    assert item.canonical_name == canonical
    assert item.match is not None
    assert item.match.confidence == 100


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("E171", "Titanium dioxide"),
        ("CI 77891", "Titanium dioxide"),
        ("13463-67-7", "Titanium dioxide"),
        ("E 320", "Butylated hydroxyanisole (BHA)"),
        ("Colour (E150d)", "Ammonia or sulfite-ammonia caramel (class III/IV)"),
    ],
)
def test_identifiers_e_ci_and_cas_numbers(kb: KnowledgeBase, text: str, canonical: str) -> None:
    item = one(kb, text)
    assert item.canonical_name == canonical
    assert item.match is not None
    assert item.match.method == MatchMethod.IDENTIFIER


def test_typo_is_a_fuzzy_match_with_a_confidence(kb: KnowledgeBase) -> None:
    item = one(kb, "Methylisothiazolinon")
    assert item.canonical_name == "Methylisothiazolinone"
    assert item.match is not None
    assert item.match.method == MatchMethod.FUZZY
    assert 90 <= item.match.confidence < 100


def test_fuzzy_never_changes_a_number(kb: KnowledgeBase) -> None:
    item = one(kb, "Laureth-5")  # not listed by name: the pattern catches it, fuzzy would say laureth-4
    assert item.match is not None
    assert item.match.method == MatchMethod.PATTERN


def test_trailing_grade_number_may_be_dropped_for_a_fuzzy_match(kb: KnowledgeBase) -> None:
    item = one(kb, "Polyethulene Glycol 1500")
    assert item.canonical_name == "Polyethylene glycol (PEG-n)"
    assert item.match is not None
    assert item.match.method == MatchMethod.FUZZY


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("PEG-45 Almond Glycerides", "ethoxylated"),
        ("Sodium C14-15 Pareth-8 Carboxylate", "ethoxylated"),
        ("Perfluorononyl Dimethicone", "pfas"),
        ("Polytetrafluoroethylene", "pfas"),
        ("Soyamide MEA", "ethanolamine-compound"),
        ("Fragrance from the Scent Palette", "fragrance"),
    ],
)
def test_data_driven_patterns_catch_unlisted_names(kb: KnowledgeBase, text: str, entry_id: str) -> None:
    item = one(kb, text)
    assert item.entry_id == entry_id
    assert item.match is not None
    assert item.match.method == MatchMethod.PATTERN


def test_plant_parts_are_recognised_by_a_benign_pattern(kb: KnowledgeBase) -> None:
    item = one(kb, "Kigelia Africana Fruit Extract")
    assert item.entry_id == "benign"


def test_a_hazard_named_inside_a_sentence_is_found(kb: KnowledgeBase) -> None:
    assert one(kb, "BHT has been added to the packaging").entry_id == "bht"


def test_unknown_ingredient_is_a_data_gap(kb: KnowledgeBase) -> None:
    item = one(kb, "Zorblax Quintessence")
    assert item.entry_id is None
    assert item.match is None
