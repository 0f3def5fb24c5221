"""Numbers in a chapter's prose come from the run (glue) or from the paper (its claims), never typed by hand.

`typed_numbers` finds the numbers a markdown cell states itself (decimals and percentages), after removing what
is not a statement of a result: glue roles, inline and fenced code, math, and references such as "Fig. 3.2",
"Table 7.1", "§4.3.2" or "eq. 12-13". `unsourced_numbers` keeps those that are neither a paper value of one of
the study's claims nor a value of one of its parameters under some profile.
"""

import re
from collections.abc import Iterable

from lib.claims import KINDS
from lib.jump_errors import BEST_FRACTION
from lib.study import Study
from lib.uncertainty import LEVEL, SIGNIFICANCE

# the method's own definitions, which prose may state: the verdict rule's level and margins, the level of its
# tests, and the thesis's 99 % subset of the jump-position errors
DEFINITIONS = (LEVEL, SIGNIFICANCE, BEST_FRACTION, *(kind.margin for kind in KINDS.values()))

NOT_STATEMENTS = [
    re.compile(r"\{glue(:\w+)?\}`[^`]*`"),  # {glue:text}`name:.3f`
    re.compile(r"```.*?```", re.S),  # fenced code
    re.compile(r"`[^`]*`"),  # inline code (commands, parameter values a reader types)
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\$[^$]*\$"),  # inline math
    re.compile(r"\{(numref|ref|cite:[tp]|cite|eq|doc)\}`[^`]*`"),
    re.compile(r"\((?:https?://)[^)]*\)"),  # link targets
    re.compile(r"(?:Figs?\.?|Figures?|Tables?|Tabs?\.?|§+|[Ee]qs?\.|[Ee]quations?|[Cc]h\.|[Cc]hapters?|Sections?|"
               r"Algorithms?|Appendix|slides?)\s*[\d.]+(?:\s*(?:[-–/]|and|,|to)\s*[\d.]+)*"),
]
NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?\s?%|\d+\.\d+)(?![\w.]*\d)")


def typed_numbers(markdown: str) -> list[str]:
    """The decimals and percentages a markdown text states itself, in order."""
    for pattern in NOT_STATEMENTS:
        markdown = pattern.sub(" ", markdown)
    return [m.group(1) for m in NUMBER.finditer(markdown)]


def sourced_values(study: Study) -> set[float]:
    """Every number the paper gives in a claim, every profile value of a parameter and the method's DEFINITIONS,
    as floats (rounded)."""
    values = [c.paper for c in study.claims] + [v for p in study.params for v in p.defaults.values()] + \
        list(DEFINITIONS)
    return {round(float(x), 9) for x in _flatten(values) if isinstance(x, int | float) and not isinstance(x, bool)}


def unsourced_numbers(markdown: str, study: Study) -> list[str]:
    """The numbers of `markdown` that are neither a claim's paper value nor a parameter value (a percentage
    also matches a fraction: 95 % matches 0.95)."""
    allowed = sourced_values(study)
    found = []
    for text in typed_numbers(markdown):
        value = float(text.rstrip("% "))
        candidates = {round(value, 9), round(value / 100, 9)} if text.endswith("%") else {round(value, 9)}
        if not candidates & allowed:
            found.append(text)
    return found


def _flatten(values: Iterable) -> Iterable:
    for v in values:
        if isinstance(v, tuple | list):
            yield from _flatten(v)
        else:
            yield v
