"""Parsing ingredient lists as they are really printed."""

from __future__ import annotations

from worker.research.index import KnowledgeBase
from worker.research.parse import parse_ingredients


def names(kb: KnowledgeBase, *entries: str) -> list[str]:
    return [p.name for p in parse_ingredients(list(entries), kb)]


def test_whole_label_in_one_entry_is_split_on_top_level_commas(kb: KnowledgeBase) -> None:
    assert names(kb, "Water, Glycerin; Sodium Chloride.") == ["Water", "Glycerin", "Sodium Chloride"]


def test_comma_inside_a_chemical_name_is_not_a_separator(kb: KnowledgeBase) -> None:
    assert names(kb, "1,4-Dioxane, Water") == ["1,4-Dioxane", "Water"]


def test_percentages_and_concentrations_are_removed_and_kept(kb: KnowledgeBase) -> None:
    parsed = parse_ingredients(["Oxybenzone 4%", "Caffeine 20 mg/ml", "Zinc Oxide (20.0%)"], kb)
    assert [p.name for p in parsed] == ["Oxybenzone", "Caffeine", "Zinc Oxide"]
    assert [p.concentration for p in parsed] == ["4%", "20 mg/ml", "20.0%"]


def test_as_written_is_the_request_text_unchanged(kb: KnowledgeBase) -> None:
    parsed = parse_ingredients(["Titanium Dioxide (CI 77891)", "  Water , Aqua  "], kb)
    assert [p.as_written for p in parsed] == ["Titanium Dioxide (CI 77891)", "Water", "Aqua"]
    assert [p.entry for p in parsed] == [0, 1, 1]


def test_single_bracket_is_another_name(kb: KnowledgeBase) -> None:
    (parsed,) = parse_ingredients(["Sodium Benzoate (E211)"], kb)
    assert parsed.name == "Sodium Benzoate"
    assert "E211" in parsed.alternatives


def test_bracket_list_is_a_group_and_group_word_is_dropped(kb: KnowledgeBase) -> None:
    parsed = parse_ingredients(["Sugar, Colors (Red 40, Yellow 5)"], kb)
    assert [p.name for p in parsed] == ["Sugar", "Red 40", "Yellow 5"]
    assert parsed[1].group == "Colors"


def test_perfume_contains_keeps_the_perfume_and_its_allergens(kb: KnowledgeBase) -> None:
    assert names(kb, "Perfume (contains Limonene, Linalool)") == ["Perfume", "Limonene", "Linalool"]


def test_inci_and_separates_ingredients(kb: KnowledgeBase) -> None:
    assert names(kb, "Cyclopentasiloxane (and) Dimethiconol") == ["Cyclopentasiloxane", "Dimethiconol"]


def test_may_contain_marks_what_follows(kb: KnowledgeBase) -> None:
    parsed = parse_ingredients(["Talc, Mica, May Contain (+/-): CI 77491, CI 77891"], kb)
    assert [(p.name, p.may_contain) for p in parsed] == [
        ("Talc", False),
        ("Mica", False),
        ("CI 77491", True),
        ("CI 77891", True),
    ]


def test_plus_minus_in_brackets_marks_optional_colours(kb: KnowledgeBase) -> None:
    parsed = parse_ingredients(["Water", "[+/- CI 77891, CI 77491]"], kb)
    assert [p.may_contain for p in parsed] == [False, True, True]


def test_label_noise_is_dropped(kb: KnowledgeBase) -> None:
    got = names(kb, "Ingredients: Water, Contains 2% or less of: Salt, Inactive Ingredients: Glycerin")
    assert got == ["Water", "Salt", "Glycerin"]


def test_slash_alternatives_are_kept_as_other_names(kb: KnowledgeBase) -> None:
    (parsed,) = parse_ingredients(["Aqua/Water/Eau"], kb)
    assert parsed.alternatives == ("Aqua", "Water", "Eau")


def test_bracket_in_the_middle_of_a_name_is_a_note_not_a_group(kb: KnowledgeBase) -> None:
    (parsed,) = parse_ingredients(["Alkyl (50% C14, 40% C12) dimethyl benzyl ammonium chloride"], kb)
    assert parsed.name.startswith("Alkyl")


def test_punctuation_only_and_unicode_entries_do_not_crash(kb: KnowledgeBase) -> None:
    assert names(kb, "!!!", ",,,", "()") == []
    assert names(kb, "Crème de Ñame ✓, 水") == ["Crème de Ñame ✓", "水"]
