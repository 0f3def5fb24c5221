"""What a study declares once (ARCHITECTURE.md, "How to add a study"): its name and title, what it reproduces,
its parameters and cross-parameter rules, the papers' claims and the reading choices it makes."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lib.claims import Claim, Ledger
from lib.params import Param


@dataclass(frozen=True)
class ReadingChoice:
    """A choice a paper leaves unstated: the study parameter that makes it, what the paper says, the options."""

    parameter: str  # the study parameter that holds the choice
    what: str  # e.g. "weight initialisation"
    paper_says: str  # the paper's words, quoted, or "not stated"
    alternatives: tuple[Any, ...]  # the values the parameter allows


@dataclass(frozen=True)
class Study:
    """One section of the book: registered in lib.studies, executed from notebooks/<name>.ipynb."""

    name: str
    title: str
    reproduces: str  # MyST with {cite} roles to references.bib, for the re-run box
    params: tuple[Param, ...]
    check: Callable[[Any], list[str]]  # cross-parameter rules: one message per broken rule, naming the parameters
    claims: tuple[Claim, ...] = ()  # empty: the study is not yet in the ledger
    reading_choices: tuple[ReadingChoice, ...] = ()
    precompute: Callable[[Any], None] | None = None  # CPU work of a run, into the cache before a GPU step

    def __post_init__(self):
        names = {p.name for p in self.params}
        unknown = [c.parameter for c in self.reading_choices if c.parameter not in names]
        if unknown:
            raise ValueError(f"study {self.name}: reading choices name unknown parameters {unknown}")

    @property
    def in_ledger(self) -> bool:
        """True once the study declares its claims."""
        return bool(self.claims)

    def ledger(self) -> Ledger:
        """A fresh ledger of this study's claims, for one run."""
        return Ledger(self.claims)


def no_cross_rules(cfg: Any) -> list[str]:
    """The check of a study whose parameters have no rules that join two of them."""
    return []
