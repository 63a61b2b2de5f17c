"""The report as readable Markdown: the ``full_report`` of a result, and the CLI's output."""

from __future__ import annotations

from shared.report import Citation, FlaggedIngredient, MatchMethod, Report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cite(c: Citation) -> str:
    text = f"{c.agency}, {c.document} ({c.year}): {c.classification}"
    return f"[{text}]({c.url})" if c.url else text


def _match_note(item: FlaggedIngredient) -> str:
    m = item.match
    if m.method == MatchMethod.FUZZY:
        return f" (fuzzy match to '{m.matched}', confidence {m.confidence}%)"
    if m.method == MatchMethod.PATTERN:
        return f" (recognised by pattern: {m.matched})"
    return ""


def _flagged(item: FlaggedIngredient) -> list[str]:
    lines = [
        f"### {item.as_written} - {item.level.value.upper()}",
        "",
        f"- Identified as: {item.canonical_name}{_match_note(item)}",
    ]
    if item.may_contain:
        lines.append("- Listed as 'may contain': it may not be present in every batch.")
    for concern in item.concerns:
        head = f"- **{concern.concern}** ({concern.level.value}; severity {concern.severity.value}"
        head += f", {concern.evidence.value} evidence): {concern.summary}"
        if concern.mechanism:
            head += f" Mechanism: {concern.mechanism}."
        if concern.context:
            head += f" Context: {concern.context}."
        lines.append(head)
        lines.extend(f"  - Source: {_cite(c)}" for c in concern.citations)
    lines.append("")
    return lines


def render_markdown(report: Report, product_name: str, brand: str) -> str:
    """The full Markdown report; deterministic for the same report."""
    title = f"{product_name} ({brand})" if brand else product_name
    c = report.counts
    out = [
        f"# Ingredient research: {title}",
        "",
        f"**Overall rating: {report.rating.label}.** {report.rating.reason}",
        "",
        report.summary,
        "",
        report.product_context,
        "",
        "| Ingredients | Recognised | Flagged | High | Moderate | Low | Not recognised | Fuzzy |",
        "|---|---|---|---|---|---|---|---|",
        f"| {c.ingredients} | {c.recognised} | {c.flagged} | {c.high} | {c.moderate} | {c.low} "
        f"| {c.unrecognised} | {c.fuzzy_matches} |",
        "",
        "## Flagged ingredients",
        "",
    ]
    if not report.flagged:
        out += ["None of the recognised ingredients has a listed concern.", ""]
    for item in report.flagged:
        out += _flagged(item)
    out += ["## Not recognised (data gaps)", ""]
    if report.unrecognised:
        out.append("These were not assessed; that does not mean they are safe.")
        out.append("")
        out += [f"- {_cell(u.as_written)}" for u in report.unrecognised]
    else:
        out.append("Every ingredient was recognised.")
    out += ["", "## Recognised, no concern found", ""]
    if report.not_flagged:
        out += [
            ", ".join(
                f"{r.as_written}" + (f" ({r.canonical_name})" if r.canonical_name != r.as_written else "")
                for r in report.not_flagged
            )
        ]
    else:
        out.append("None.")
    out += ["", "## How the rating is worked out", ""]
    out += [f"- {line}" for line in report.scoring_rule]
    out += ["", f"Knowledge base version: {report.kb_version}.", "", f"_{report.disclaimer}_", ""]
    return "\n".join(out)
