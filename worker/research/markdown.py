"""The report as readable Markdown: the ``full_report`` of a result, and the CLI's output.

It renders the report's JSON form (what the compile step builds); a concern's lines are rendered
once per process (:func:`concern_markdown`) and reused by every report that shows it.
"""

from __future__ import annotations

from typing import Any

from shared.report import MatchMethod, Report

JSONDict = dict[str, Any]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cite(c: JSONDict) -> str:
    text = f"{c['agency']}, {c['document']} ({c['year']}): {c['classification']}"
    return f"[{text}]({c['url']})" if c["url"] else text


def concern_markdown(concern: JSONDict) -> str:
    """A concern (as JSON) and its sources, as lines of the flagged-ingredient list."""
    head = f"- **{concern['concern']}** ({concern['level']}; severity {concern['severity']}"
    head += f", {concern['evidence']} evidence): {concern['summary']}"
    if concern["mechanism"]:
        head += f" Mechanism: {concern['mechanism']}."
    if concern["context"]:
        head += f" Context: {concern['context']}."
    return "\n".join([head, *(f"  - Source: {_cite(c)}" for c in concern["citations"])])


def _match_note(match: JSONDict) -> str:
    if match["method"] == MatchMethod.FUZZY:
        return f" (fuzzy match to '{match['matched']}', confidence {match['confidence']}%)"
    if match["method"] == MatchMethod.PATTERN:
        return f" (recognised by pattern: {match['matched']})"
    return ""


def _flagged(item: JSONDict, concerns: list[str]) -> list[str]:
    lines = [
        f"### {item['as_written']} - {item['level'].upper()}",
        "",
        f"- Identified as: {item['canonical_name']}{_match_note(item['match'])}",
    ]
    if item["may_contain"]:
        lines.append("- Listed as 'may contain': it may not be present in every batch.")
    lines.extend(concerns)
    lines.append("")
    return lines


def render_report(report: JSONDict, product_name: str, brand: str, concerns: list[list[str]] | None = None) -> str:
    """The full Markdown report from the report's JSON form; deterministic for the same report.

    ``concerns``: per flagged ingredient, its concerns already rendered (the compile step passes
    them from its cache); rendered here when not given.
    """
    title = f"{product_name} ({brand})" if brand else product_name
    c = report["counts"]
    rating = report["rating"]
    out = [
        f"# Ingredient research: {title}",
        "",
        f"**Overall rating: {rating['label']}.** {rating['reason']}",
        "",
        report["summary"],
        "",
        report["product_context"],
        "",
        "| Ingredients | Recognised | Flagged | High | Moderate | Low | Not recognised | Fuzzy |",
        "|---|---|---|---|---|---|---|---|",
        f"| {c['ingredients']} | {c['recognised']} | {c['flagged']} | {c['high']} | {c['moderate']} | {c['low']} "
        f"| {c['unrecognised']} | {c['fuzzy_matches']} |",
        "",
        "## Flagged ingredients",
        "",
    ]
    flagged = report["flagged"]
    if not flagged:
        out += ["None of the recognised ingredients has a listed concern.", ""]
    for n, item in enumerate(flagged):
        rendered = concerns[n] if concerns is not None else [concern_markdown(x) for x in item["concerns"]]
        out += _flagged(item, rendered)
    out += ["## Not recognised (data gaps)", ""]
    if report["unrecognised"]:
        out.append("These were not assessed; that does not mean they are safe.")
        out.append("")
        out += [f"- {_cell(u['as_written'])}" for u in report["unrecognised"]]
    else:
        out.append("Every ingredient was recognised.")
    out += ["", "## Recognised, no concern found", ""]
    if report["not_flagged"]:
        out += [
            ", ".join(
                r["as_written"] + (f" ({r['canonical_name']})" if r["canonical_name"] != r["as_written"] else "")
                for r in report["not_flagged"]
            )
        ]
    else:
        out.append("None.")
    out += ["", "## How the rating is worked out", ""]
    out += [f"- {line}" for line in report["scoring_rule"]]
    out += ["", f"Knowledge base version: {report['kb_version']}.", "", f"_{report['disclaimer']}_", ""]
    return "\n".join(out)


def render_markdown(report: Report, product_name: str, brand: str) -> str:
    """The full Markdown report for a :class:`Report` model (the CLI's ``--format markdown``)."""
    return render_report(report.model_dump(mode="json"), product_name, brand)
