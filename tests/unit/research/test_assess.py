"""Hazard assessment: hidden mechanisms, category and route rules, citations."""

from __future__ import annotations

import pytest

from tests.unit.research.conftest import Run, flagged_names


@pytest.mark.parametrize(
    ("ingredient", "mechanism"),
    [
        ("Sodium Laureth Sulfate", "1,4-dioxane and ethylene oxide left over from ethoxylation"),
        ("Ceteareth-20", "1,4-dioxane and ethylene oxide left over from ethoxylation"),
        ("Polysorbate 80", "1,4-dioxane and ethylene oxide left over from ethoxylation"),
        ("DMDM Hydantoin", "releases formaldehyde"),
        ("Quaternium-15", "releases formaldehyde"),
        ("Sodium Hydroxymethylglycinate", "releases formaldehyde"),
        ("2-Bromo-2-Nitropropane-1,3-Diol", "releases formaldehyde"),
        ("Cocamide DEA", "can form nitrosamines (DEA/TEA/MEA)"),
        ("Triethanolamine", "can form nitrosamines (DEA/TEA/MEA)"),
        ("Benzoyl Peroxide 5%", "benzene formed as benzoyl peroxide breaks down"),
        ("Talc", "possible asbestos contamination of talc"),
        ("Parfum", "an undisclosed fragrance mixture"),
        ("PTFE", "a PFAS ('forever chemical')"),
    ],
)
def test_hidden_mechanisms_are_flagged_with_their_mechanism(run: Run, ingredient: str, mechanism: str) -> None:
    (flag,) = run(["Water", ingredient]).report.flagged
    assert mechanism in {c.mechanism for c in flag.concerns}


def test_hydrocarbon_propellant_flags_benzene_and_makes_the_product_an_aerosol(run: Run) -> None:
    result = run(["Water", "Isobutane", "Titanium Dioxide"], name="Sunscreen lotion")
    flags = flagged_names(result)
    assert "Isobutane" in flags
    assert "Titanium Dioxide" in flags  # inhalable once sprayed
    assert "aerosol" in result.report.product_context


def test_titanium_dioxide_depends_on_category_and_form(run: Run) -> None:
    assert "Titanium Dioxide" not in flagged_names(run(["Water", "Titanium Dioxide"], name="Face cream"))
    powder = run(["Titanium Dioxide"], name="Loose setting powder")
    assert "Titanium Dioxide" in flagged_names(powder)
    food = run(["Sugar", "Titanium Dioxide (E171)"], category="food", name="Candy")
    (flag,) = food.report.flagged
    assert any("E171 removed" in c.classification for concern in flag.concerns for c in concern.citations)


def test_nitrite_is_flagged_in_food_not_in_toothpaste(run: Run) -> None:
    assert "Sodium Nitrite" in flagged_names(run(["Pork", "Sodium Nitrite"], category="food", name="Bacon"))
    assert flagged_names(run(["Potassium Nitrate", "Water"], category="personal care", name="Toothpaste")) == {}


def test_ethoxylation_contamination_is_not_applied_to_food_emulsifiers(run: Run) -> None:
    assert flagged_names(run(["Milk", "Polysorbate 80"], category="food", name="Ice cream")) == {}


def test_benzoate_is_flagged_only_together_with_vitamin_c(run: Run) -> None:
    assert flagged_names(run(["Water", "Sodium Benzoate"], category="food")) == {}
    flags = flagged_names(run(["Water", "Sodium Benzoate", "Ascorbic Acid"], category="food"))
    assert set(flags) == {"Sodium Benzoate"}


def test_unknown_category_applies_category_rules_and_says_so(run: Run) -> None:
    result = run(["Sodium Nitrite"], category="misc")
    (flag,) = result.report.flagged
    assert flag.concerns[0].context is not None
    assert "not recognised" in flag.concerns[0].context


def test_every_flag_cites_at_least_one_source_with_agency_and_year(run: Run, kb: object) -> None:
    result = run(
        ["Formaldehyde", "Coal Tar", "Red 3", "BHA", "Aspartame", "Carrageenan", "Lead Acetate", "Glyphosate",
         "Methylparaben", "Limonene", "Oxybenzone", "Triclosan", "Butane"],
        category="",
    )  # fmt: skip
    assert len(result.report.flagged) == 13
    for flag in result.report.flagged:
        for concern in flag.concerns:
            assert concern.citations
            for citation in concern.citations:
                assert citation.agency
                assert citation.document
                assert 1950 <= citation.year <= 2030


def test_a_group_1_carcinogen_outranks_a_weak_endocrine_signal(run: Run) -> None:
    flags = flagged_names(run(["Formaldehyde", "Methylparaben"]))
    assert flags == {"Formaldehyde": "high", "Methylparaben": "low"}
