"""The tables a chapter renders from its ledger: "Paper vs this run" (one row per claim, a coloured verdict badge
with its word) and "Reading choices" (what the paper leaves unstated, what this book uses, and the evidence)."""

import html
from typing import Any

from IPython.display import HTML

from lib.claims import format_value
from lib.reference import claim_verdicts, is_stale, load_reference
from lib.study import Study


def verdict_badge(verdict: str) -> str:
    """The verdict as an HTML badge: its word, coloured by class verdict-<word>."""
    return f'<span class="verdict verdict-{verdict.replace(" ", "-")}">{html.escape(verdict)}</span>'


def html_table(header: list[str], rows: list[list[str]], css_class: str) -> HTML:
    """A plain HTML table; cells are HTML already (escape text with html.escape before)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td{cls}>{cell}</td>" for cls, cell in row) + "</tr>" for row in rows)
    return HTML(f'<table class="table {css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def paper_vs_run(claims: list[dict], section: str) -> HTML:
    """One row per claim of the ledger: claim, source, statement, paper, this run, verdict, note; and, when the
    section has a committed reference run of its `paper` profile (lib.reference), what that run measured."""
    reference = load_reference(section)
    rows = [[(' class="claim-id"', html.escape(c["id"])), ("", html.escape(c["source"])),
             ("", html.escape(c["statement"])),
             ("", "— (beyond the paper)" if c.get("role") == "beyond" else html.escape(format_value(c["paper"]))),
             ("", html.escape(format_value(c["measured"]))), ("", verdict_badge(c["verdict"])),
             ("", html.escape(c["note"]))] for c in claims]
    header = ["claim", "source", "statement", "paper", "this run", "verdict", "note"]
    if reference is not None:
        found, stale = claim_verdicts(reference), is_stale(reference)
        header.append("paper profile (reference run)")
        for row, claim in zip(rows, claims):
            row.append(("", reference_cell(found.get(claim["id"]), stale)))
    return html_table(header, rows, "claims-table")


def reference_cell(claim: dict | None, stale: bool) -> str:
    """What the reference run measured for a claim, with its verdict badge (and a stale mark), as HTML."""
    if claim is None:
        return "— (not in the reference run)"
    cell = f"{html.escape(format_value(claim['measured']))} {verdict_badge(claim['verdict'])}"
    return cell + (" (stale: the paper profile changed since)" if stale else "")


def reading_choices(study: Study, config: Any, evidence: dict[str, str]) -> HTML:
    """One row per reading choice of the study: the choice, the paper's words, the alternatives, this book's
    value (from the run's config) and the measured evidence (a sentence computed by the run)."""
    missing = [c.parameter for c in study.reading_choices if c.parameter not in evidence]
    if missing:
        raise ValueError(f"reading choices without evidence: {', '.join(missing)}")
    rows = [[("", html.escape(c.what)), ("", html.escape(c.paper_says)),
             ("", html.escape(", ".join(map(str, c.alternatives)))), ("", used(c.parameter, config)),
             ("", html.escape(evidence[c.parameter]))] for c in study.reading_choices]
    return html_table(["choice", "the paper says", "alternatives", "this book uses", "evidence from this run"],
                      rows, "reading-choices")


def used(parameter: str, config: Any) -> str:
    """`parameter` = the value this run used, as HTML."""
    return f"<code>{html.escape(parameter)}</code> = {html.escape(format_value(getattr(config, parameter)))}"
