"""The claims ledger: what the papers state, fixed in code before any run, and a verdict computed from the run.

A study declares its `Claim`s (id, source, statement, the paper's value, a criterion). A run records what it
measured for each (`Ledger.record`); `Ledger.evaluate` gives every claim its verdict:

- ``not run``        nothing was measured for it (e.g. the profile skips that experiment);
- ``not converged``  a network behind it stopped at its epoch cap, so the run cannot speak for the paper;
- ``reproduced``     the criterion holds for the measured value;
- ``differs``        it does not, on networks that all reached their validation minimum.

Claims of the project's own (sanity checks, extra measurements) carry ``origin="beyond"``: they get verdicts
but never a "paper" column of their own.
"""

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DOCUMENTS = ("chen2017", "davel2020", "hd2020", "dtpb2020")
VERDICTS = ("reproduced", "differs", "not converged", "not run")
ORIGINS = ("paper", "beyond")
CLAIM_ID = re.compile(rf"^({'|'.join(DOCUMENTS)})\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$")


@dataclass(frozen=True)
class Measurement:
    """A value measured over n repeats (seeds, draws): its mean and spread (sample standard deviation)."""

    mean: float
    spread: float
    n: int

    def as_json(self) -> dict:
        return {"mean": self.mean, "spread": self.spread, "n": self.n}


def over_repeats(values: Iterable[float]) -> Measurement:
    """Mean and sample standard deviation (ddof 1; 0 for one value) of a measurement repeated over seeds."""
    array = np.asarray(list(values), dtype=float)
    if array.size == 0:
        raise ValueError("over_repeats: expected at least one value")
    spread = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return Measurement(mean=float(array.mean()), spread=spread, n=int(array.size))


def central(measured: Any) -> Any:
    """The value a criterion judges: a Measurement's mean, else the value itself."""
    return measured.mean if isinstance(measured, Measurement) else measured


@dataclass(frozen=True)
class Criterion:
    """When a measured value agrees with the paper: a predicate and its description (fixed before any run)."""

    describe: str
    holds: Callable[[Any], bool] = field(repr=False)


def within(paper: float, *, abs_tol: float = 0.0, rel_tol: float = 0.0, quantity: str = "this run") -> Criterion:
    """|measured − paper| <= max(abs_tol, rel_tol · |paper|)."""
    bound = max(abs_tol, rel_tol * abs(paper))
    text = f"|{quantity} − paper| ≤ {_fmt(bound)}" + (f" ({rel_tol:.0%} of the paper's value)" if rel_tol else "")
    return Criterion(text, lambda m: _finite(m) and abs(float(m) - paper) <= bound)


def at_most(limit: float, quantity: str = "this run") -> Criterion:
    """measured <= limit; `quantity` names what is measured."""
    return Criterion(f"{quantity} ≤ {_fmt(limit)}", lambda m: _finite(m) and float(m) <= limit)


def at_least(limit: float, quantity: str = "this run") -> Criterion:
    """measured >= limit; `quantity` names what is measured."""
    return Criterion(f"{quantity} ≥ {_fmt(limit)}", lambda m: _finite(m) and float(m) >= limit)


def is_true(text: str) -> Criterion:
    """A qualitative claim: the measured value is a bool that says whether the stated property holds."""
    return Criterion(text, lambda m: m is True or (isinstance(m, np.bool_) and bool(m)))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Claim:
    """A statement of a paper that the book recomputes (DESIGN.md, Contracts: claims ledger)."""

    id: str  # <doc>.<where>.<what>, e.g. chen2017.t3.3.nn1.l1
    source: str  # document and table / figure / section, e.g. "thesis Table 3.3"
    statement: str  # what the paper says, quoted or closely paraphrased
    paper: float | str  # the paper's number, or its words for a qualitative claim
    criterion: Criterion
    origin: str = "paper"  # "beyond": the project's own check, not the paper's

    def __post_init__(self):
        if not CLAIM_ID.match(self.id):
            raise ValueError(f"claim id {self.id!r}: expected <doc>.<where>.<what> with doc one of "
                             f"{', '.join(DOCUMENTS)}")
        if self.origin not in ORIGINS:
            raise ValueError(f"claim {self.id}: origin must be one of {ORIGINS}, got {self.origin!r}")


@dataclass
class Record:
    """What a run measured for one claim."""

    measured: Any
    converged: bool
    note: str = ""


class Ledger:
    """A study's claims and what this run measured for them; `evaluate` gives each its verdict."""

    def __init__(self, claims: Sequence[Claim]):
        ids = [claim.id for claim in claims]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"claim ids declared twice: {', '.join(duplicated)}")
        self.claims = {claim.id: claim for claim in claims}
        self.records: dict[str, Record] = {}

    def record(self, claim_id: str, measured: Any, converged: bool = True, note: str = "") -> None:
        """Store this run's measurement of a claim; `converged` is False when any network behind it hit its cap."""
        if claim_id not in self.claims:
            raise KeyError(f"no claim {claim_id!r} in this ledger; it has: {', '.join(self.claims)}")
        if isinstance(measured, np.generic):
            measured = measured.item()
        self.records[claim_id] = Record(measured, bool(converged), note)

    def evaluate(self) -> list[dict]:
        """Every claim with `measured`, `verdict`, `converged` and a computed `note`, in declaration order."""
        return [evaluate(claim, self.records.get(claim.id)) for claim in self.claims.values()]


def verdict(claim: Claim, record: Record | None) -> str:
    """not run / not converged / reproduced / differs (a claim on unconverged networks never `differs`)."""
    if record is None or record.measured is None:
        return "not run"
    if not record.converged:
        return "not converged"
    return "reproduced" if claim.criterion.holds(central(record.measured)) else "differs"


def evaluate(claim: Claim, record: Record | None) -> dict:
    """One row of the ledger as results/<section>.json stores it."""
    found = verdict(claim, record)
    measured = record.measured if record else None
    return {"id": claim.id, "source": claim.source, "statement": claim.statement, "paper": claim.paper,
            "criterion": claim.criterion.describe, "origin": claim.origin,
            "measured": measured.as_json() if isinstance(measured, Measurement) else measured,
            "verdict": found, "converged": bool(record.converged) if record else None,
            "note": note(claim, record, found)}


def note(claim: Claim, record: Record | None, found: str) -> str:
    """The computed sentence beside a verdict: what was compared, and the run's own remark."""
    parts = {"not run": "not measured with this profile",
             "not converged": "a network behind it stopped at its epoch cap",
             "reproduced": f"criterion holds: {claim.criterion.describe}",
             "differs": f"criterion fails: {claim.criterion.describe}"}
    text = parts[found]
    if found in ("reproduced", "differs") and isinstance(claim.paper, int | float) \
            and _finite(central(record.measured)):
        text += f" (difference {_fmt(float(central(record.measured)) - claim.paper)})"
    if record and record.note:
        text += f"; {record.note}"
    return text


def format_value(value: Any) -> str:
    """A paper or measured value for a table: numbers to 4 significant digits, mean ± spread (n), yes/no."""
    if value is None:
        return "—"
    if isinstance(value, dict) and {"mean", "spread", "n"} <= set(value):
        return f"{_fmt(value['mean'])} ± {_fmt(value['spread'])} (n = {value['n']})"
    if isinstance(value, Measurement):
        return format_value(value.as_json())
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.number):
        return _fmt(float(value))
    return str(value)


def _fmt(x: float) -> str:
    """4 significant digits, no exponent between 1e-4 and 1e6."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    return f"{x:.4g}" if 1e-4 <= abs(x) < 1e6 else f"{x:.3e}"


def counts(claims: Iterable[dict]) -> dict[str, int]:
    """Claims per verdict, in the order of VERDICTS."""
    found = [c["verdict"] for c in claims]
    return {v: found.count(v) for v in VERDICTS}
