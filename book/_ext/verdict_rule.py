"""Sphinx directives of the "How verdicts are decided" page, computed at build time from lib.claims:

- `verdict-kinds`: every kind of measure with its practical-equivalence margin and the reason for it (KINDS);
- `verdict-example`: the worked example (lib.verdict_example), one paper number judged against three runs.
"""

from docutils.parsers.rst import directives
from nodewise_book import badge, table_node
from sphinx.util.docutils import SphinxDirective

from lib.claims import KINDS, format_number
from lib.verdict_example import PAPER, worked_example


def kind_rows() -> list[list[str]]:
    """One row per kind of measure: its name, its margin in words, why."""
    return [[kind.name, kind.describe(), kind.why] for kind in KINDS.values()]


def example_rows() -> list[list]:
    """One row per case of the worked example: draws, mean ± sd, t, interval, band, verdict badge, margin."""
    rows = []
    for case in worked_example():
        interval, band = (", ".join(map(format_number, case[k])) for k in ("interval", "band"))
        rows.append([case["case"], ", ".join(f"{x:.3f}" for x in case["draws"]),
                     f"{case['mean']:.4f} ± {case['sd']:.4f} (n = {case['n']})", f"{case['t']:.2f}",
                     f"[{interval}]", f"[{band}]",
                     badge(case["verdict"]), "—" if case["margin"] is None else f"{case['margin']:.1f}"])
    return rows


class VerdictKinds(SphinxDirective):
    """The kinds of measure and their equivalence margins; the argument is the caption, `:name:` the label."""

    required_arguments, final_argument_whitespace = 1, True
    option_spec = {"name": directives.unchanged}

    def run(self):
        table = table_node(["kind", "margin", "why this margin"], kind_rows(), self.arguments[0], "verdict-kinds")
        self.add_name(table)
        return [table]


class VerdictExample(SphinxDirective):
    """The worked example; the argument is the caption, `:name:` the label."""

    required_arguments, final_argument_whitespace = 1, True
    option_spec = {"name": directives.unchanged}

    def run(self):
        header = ["run", "draws", "mean ± sd", "t", "95 % prediction interval",
                  f"equivalence band around {format_number(PAPER)}", "verdict", "margin (sd)"]
        table = table_node(header, example_rows(), self.arguments[0], "verdict-example")
        self.add_name(table)
        return [table]


def setup(app):
    app.add_directive("verdict-kinds", VerdictKinds)
    app.add_directive("verdict-example", VerdictExample)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
