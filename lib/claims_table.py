"""The tables a chapter renders from its ledger: "Paper vs this run" and "Reading choices".

The claim table is one component, shared by the chapters and the scorecard (book/_ext/nodewise_book.py), and
designed to be read at a glance (issue #29): per claim a short human label (the id on hover and in the details),
the paper's value, this run's value with its uncertainty, the verdict badge (marked *fragile* when its margin is
below one: a re-run could move it across its boundary), the role for claims that are not reproductions, and the
verdict of the section's paper-scale reference run; the statement sits in a compact line under the row and opens,
on demand (`<details>`), onto the criterion, the notes and the id. _static/nodewise.css lays it out: five columns
that fit the 768 px article column at 1400 px, cards with the badge first on a phone, every column and note in
print.
"""

import html
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
from IPython.display import HTML

from lib.claims import format_value
from lib.reference import claim_verdicts, is_stale, load_reference
from lib.study import Study


def set_table_style() -> None:
    """pandas' display options for the book's notebook tables: no cell text cut short with "..." (pandas cuts at
    50 characters by default). Set when this module is imported, as every chapter notebook does; the book build
    writes the numbers of every notebook table in one style (book/_ext/nodewise_book.py, `tidy_text`)."""
    pd.set_option("display.max_colwidth", None)


set_table_style()

ROLE_WORDS = {"reproduction": "reproduction", "calibration": "calibration: a paper number fits an unstated choice",
              "check": "check of our own code (an identity or sanity check)",
              "beyond": "beyond the paper: this book's own extension"}
WHERE = re.compile(r"^(t|s|f|fig|eq|tab|sec|app)?\d+[a-z]?$", re.I)  # t3, 3, s4, fig3, 10, eq12: where in a paper
ABBREVIATIONS = {"nn1": "1-layer NN", "l1_99": "L1₉₉", "l2_99": "L2₉₉", "l1": "L1", "l2": "L2", "mlp": "MLP",
                 "cnn": "CNN", "mnist": "MNIST", "tsne": "t-SNE"}
WORDS = {"nn": "NN", "mlp": "MLP", "cnn": "CNN", "mse": "MSE", "ce": "CE", "mnist": "MNIST", "tsne": "t-SNE",
         "relu": "ReLU", "sgd": "SGD", "l1": "L1", "l2": "L2", "cnns": "CNNs", "mlps": "MLPs",
         "fmnist": "Fashion-MNIST", "acc": "accuracy", "pct": "%", "ge": "≥", "le": "≤"}


def claim_label(claim: dict) -> str:
    """The claim's short human name: its `label`, else one derived from the id's last parts (the document and the
    place in it dropped, underscores read as blanks), e.g. chen2017.s4.2.shallow_no_dead_nodes → "Shallow no dead
    nodes", chen2017.t3.3.nn1.l1 → "1-layer NN, L1"."""
    if claim.get("label"):
        return claim["label"]
    parts = claim["id"].split(".")[1:]
    while len(parts) > 1 and WHERE.match(parts[0]):
        parts = parts[1:]
    words = [ABBREVIATIONS.get(p.lower()) or network_name(p) or " ".join(WORDS.get(w.lower(), w) for w in p.split("_"))
             for p in parts]
    text = ", ".join(words)
    return text if text.startswith("t-SNE") else text[:1].upper() + text[1:]


NETWORK = re.compile(r"^(nn|mlp|cnn)(\d+)$", re.I)


def network_name(part: str) -> str | None:
    """mlp2 → "2-layer MLP", cnn1 → "1-conv CNN", nn1 → "1-layer NN"; None for any other part."""
    match = NETWORK.match(part)
    if match is None:
        return None
    kind, depth = match.group(1).lower(), match.group(2)
    return f"{depth}-conv CNN" if kind == "cnn" else f"{depth}-layer {kind.upper()}"


def anchor(claim_id: str) -> str:
    """The HTML id of a claim's row: claim-<id> with dots as dashes (a valid, readable fragment)."""
    return "claim-" + re.sub(r"[^A-Za-z0-9_-]", "-", claim_id)


def verdict_badge(verdict: str, fragile: bool = False, margin: float | None = None) -> str:
    """The verdict as an HTML badge (its word, coloured by class verdict-<word>), with a "fragile" mark when its
    margin lies below one (lib.claims.is_fragile)."""
    badge = f'<span class="verdict verdict-{verdict.replace(" ", "-")}">{html.escape(verdict)}</span>'
    if fragile:
        why = "a re-run with another seed could change it" + (
            f" (margin {margin:.2g} predictive sd)" if margin is not None else "")
        badge += f' <span class="nw-fragile" title="{html.escape(why)}">fragile</span>'
    return badge


def value_html(value: Any) -> str:
    """A value for a table cell: the number, then its uncertainty ("± sd (n = …)") in a span that may wrap."""
    text = format_value(value)
    if " ± " in text:
        mean, spread = text.split(" ± ", 1)
        return (f'<span class="nw-value">{html.escape(mean)}</span> '
                f'<span class="nw-unc">± {html.escape(spread)}</span>')
    if text.endswith(")") and " (n = " in text:
        mean, n = text.split(" (n = ", 1)
        return f'<span class="nw-value">{html.escape(mean)}</span> <span class="nw-unc">(n = {html.escape(n)}</span>'
    return f'<span class="nw-value">{html.escape(text)}</span>'


def paper_html(claim: dict) -> str:
    """The paper's value; a `beyond` claim has none of the paper's."""
    if claim.get("role") == "beyond":
        return '<span class="nw-muted">— (beyond the paper)</span>'
    return value_html(claim["paper"])


def reference_html(found: dict | None, stale: bool) -> str:
    """The reference run's verdict badge (with its fragile mark), or why there is none."""
    if found is None:
        return '<span class="nw-muted">not in that run</span>'
    cell = verdict_badge(found["verdict"], found.get("fragile", False), found.get("margin"))
    return cell + (' <span class="nw-stale" title="the paper profile changed since this run">stale</span>'
                   if stale else "")


def facts_html(claim: dict, found: dict | None, has_reference: bool) -> str:
    """What opens under a row: the criterion, this run's note, the reference run's value and note, the id."""
    facts = [("source", html.escape(claim.get("source", ""))),
             ("criterion", html.escape(claim.get("criterion", ""))),
             ("this run", html.escape(claim.get("note", "")) or "—")]
    if claim.get("margin") is not None:
        facts.append(("margin", f"{claim['margin']:.2g} predictive sd to the decision boundary"
                      + (" (fragile)" if claim.get("fragile") else "")))
    if has_reference:
        facts.append(("paper-scale run", "not in that run" if found is None else
                      f"{html.escape(format_value(found['measured']))}: {html.escape(found.get('note', ''))}"))
    if claim.get("role", "reproduction") != "reproduction":
        facts.append(("role", html.escape(ROLE_WORDS.get(claim["role"], claim["role"]))))
    facts.append(("claim id", f"<code>{html.escape(claim['id'])}</code>"))
    return "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)


def claim_rows_html(claim: dict, found: dict | None, has_reference: bool, stale: bool, columns: int,
                    href: str | None = None, prefix: str = "") -> str:
    """One claim: its row (label, linked to `href` if given; paper, this run, verdict, reference) and the line
    under it (statement; the facts on demand); the row's id is `prefix` + anchor(id)."""
    role = claim.get("role", "reproduction")
    tag = "" if role == "reproduction" else \
        f' <span class="nw-role nw-role-{html.escape(role)}" title="{html.escape(ROLE_WORDS.get(role, role))}">' \
        f'{html.escape(role)}</span>'
    name = html.escape(claim_label(claim))
    name = f'<a href="{html.escape(href)}">{name}</a>' if href else name
    label = (f'<span class="nw-label" title="{html.escape(claim["id"])}">{name}</span>'
             f'{tag}<span class="nw-source">{html.escape(claim.get("source", ""))}</span>')
    cells = [("nw-claim", "claim", label), ("nw-paper", "paper", paper_html(claim)),
             ("nw-run", "this run", value_html(claim.get("measured"))),
             ("nw-verdict", "verdict", verdict_badge(claim["verdict"], claim.get("fragile", False),
                                                     claim.get("margin")))]
    if has_reference:
        cells.append(("nw-ref", "paper scale", reference_html(found, stale or bool(found and found.get("stale")))))
    row = "".join(f'<td class="{cls}" data-label="{name}">{cell}</td>' for cls, name, cell in cells)
    more = (f'<details><summary><span class="nw-statement">{html.escape(claim.get("statement", ""))}</span>'
            f'</summary><dl class="nw-facts">{facts_html(claim, found, has_reference)}</dl></details>')
    return (f'<tr class="nw-claim-row nw-role-row-{html.escape(role)}" id="{prefix}{anchor(claim["id"])}">{row}</tr>'
            f'<tr class="nw-more-row"><td colspan="{columns}">{more}</td></tr>')


def claims_table_html(claims: Iterable[dict], reference: dict[str, dict] | None = None, stale: bool = False,
                      group: Callable[[dict], str] | None = None, link: Callable[[dict], str] | None = None,
                      prefix: str = "") -> str:
    """The claim table as HTML: one row per claim and a line under it; a "paper scale" column with the reference
    run's verdicts when `reference` (claim id → that run's claim, lib.reference.claim_verdicts; one with "stale"
    True is marked stale, as all are when `stale`) is given; a group heading row (HTML from `group`) before each
    claim whose group differs from the previous one's; labels linked to `link(claim)`; row ids prefixed."""
    has_reference = reference is not None
    header = ["claim", "paper", "this run", "verdict"] + (["paper scale"] if has_reference else [])
    titles = {"paper scale": "the verdict of the committed reference run of the paper profile, judged by today's "
                             "rule", "this run": "mean ± standard deviation of one draw (n draws)"}
    head = "".join(f'<th class="nw-h-{h.replace(" ", "-")}"'
                   + (f' title="{html.escape(titles[h])}"' if h in titles else "") + f">{h}</th>" for h in header)
    body, current = [], None
    for claim in claims:
        if group is not None and (heading := group(claim)) != current:
            current = heading
            body.append(f'<tr class="nw-group-row"><th colspan="{len(header)}">{heading}</th></tr>')
        found = reference.get(claim["id"]) if has_reference else None
        body.append(claim_rows_html(claim, found, has_reference, stale, len(header),
                                    link(claim) if link else None, prefix))
    columns = "nw-cols-5" if has_reference else "nw-cols-4"
    return (f'<table class="table claims-table nw-claims {columns}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def html_table(header: list[str], rows: list[list[tuple[str, str]]], css_class: str) -> HTML:
    """A plain HTML table; cells are (attributes, HTML) pairs (escape text with html.escape before)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td{cls}>{cell}</td>" for cls, cell in row) + "</tr>" for row in rows)
    return HTML(f'<table class="table {css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def paper_vs_run(claims: list[dict], section: str) -> HTML:
    """The chapter's claim table (claims_table_html), with the verdicts of the section's committed paper-scale
    reference run (lib.reference, re-judged by today's rule) when it has one."""
    reference = load_reference(section)
    found = claim_verdicts(reference) if reference is not None else None
    return HTML(claims_table_html(claims, found, reference is not None and is_stale(reference)))


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


NUMBER = re.compile(r"^[-−]?(\d+\.\d+|\d+(\.\d+)?[eE][-+]?\d+)$")
INTEGER = re.compile(r"^[-−]?\d{5,}$")
MISSING = {"nan": "—", "NaN": "—", "None": "—", "<NA>": "—", "NaT": "—", "inf": "∞", "-inf": "−∞", "Infinity": "∞",
           "-Infinity": "−∞"}
NO_SPREAD = re.compile(r"^(.*?) ± 0(\.0+)? \(n = 1\)$")
MEAN_SD = re.compile(r"^([-−]?\d+(?:\.\d+)?) ± (\d+(?:\.\d+)?)((?: \(n = \d+\))?)$")
SUPERSCRIPT = str.maketrans("-−0123456789", "⁻⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def tidy_number(text: str) -> str:
    """One table cell's text as the book writes numbers (issue #29, one table style): a float to 4 significant
    digits without trailing zeros ("1.000000" → "1", "0.312345" → "0.3123"), 10,000 rather than 1e+04, a small
    number as 1 × 10⁻⁶, ∞ for inf, "—" for a missing value, and no "± 0 (n = 1)"; any other text unchanged."""
    stripped = text.strip()
    if stripped in MISSING:
        return MISSING[stripped]
    if match := NO_SPREAD.match(stripped):  # a single draw has no spread to show
        return match.group(1)
    if match := MEAN_SD.match(stripped):  # mean ± sd: the mean to the sd's second significant digit
        mean, sd = float(match.group(1).replace("−", "-")), float(match.group(2))
        if sd == 0:
            return tidy_number(match.group(1)) + match.group(3)
        decimals = max(0, 1 - math.floor(math.log10(sd)))
        return f"{mean:.{decimals}f} ± {sd:.{decimals}f}{match.group(3)}".replace("-", "−")
    if INTEGER.match(stripped):
        return f"{int(stripped.replace('−', '-')):,}".replace("-", "−")
    if not NUMBER.match(stripped):
        return text
    x = float(stripped.replace("−", "-"))
    if x == 0:
        return "0"
    if abs(x) >= 1e15 or abs(x) < 1e-3:
        mantissa, exponent = f"{x:.2e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPT)}".replace("-", "−")
    if x == round(x) and abs(x) >= 1:
        return f"{int(round(x)):,}".replace("-", "−") if abs(x) >= 10000 else str(int(round(x))).replace("-", "−")
    digits = f"{x:.4g}"
    if "e" in digits:  # 4 significant digits of a number >= 1e4 (e.g. 12345.6)
        return f"{round(x):,}".replace("-", "−")
    return digits.replace("-", "−")


EMBEDDED = re.compile(r"(?<![\w.])[-−]?\d+\.\d{5,}(?![\w.])|(?<![\w.])[-−]?\d+(\.\d+)?e[-+]\d+(?![\w.])")


def tidy_text(text: str) -> str:
    """A cell's text with tidy_number applied to the whole text, else to each long float or exponent inside it
    ("lr 0.100000" → "lr 0.1")."""
    whole = tidy_number(text)
    if whole != text:
        return whole
    return EMBEDDED.sub(lambda m: tidy_number(m.group(0)), text)
