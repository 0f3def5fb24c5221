"""The claims ledger: what the papers state, fixed in code before any run, and a verdict computed from the run by
one rule (book page "How verdicts are decided").

A study declares its `Claim`s (id, source, statement, the paper's value, a criterion, a role). A run records what
it measured for each (`Ledger.record`); `Ledger.evaluate` gives every claim its verdict:

- ``reproduced``         the paper's number lies inside our prediction interval for one more network, and that
                         interval lies inside the practical-equivalence margin of the measure's kind;
- ``differs``            the paper's number lies outside our prediction interval;
- ``inconclusive``       inside it, but the interval is too wide to call agreement (more seeds or draws needed);
- ``not converged``      a network the outcome depends on stopped at its epoch cap;
- ``not comparable``     the profile shrinks what the claim depends on below the paper's setting;
- ``paper inconsistent`` the paper contradicts itself here (the claim's note gives the evidence);
- ``not run``            nothing was measured for it with this profile.

Roles: only ``reproduction`` claims (what the papers claim) enter the headline; ``calibration`` claims (a paper
number used to fit an unstated choice), ``check`` claims (identities and sanity checks of our own code) and
``beyond`` claims (our own extensions) are judged by the same rule and listed apart.
"""

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lib.uncertainty import SIGNIFICANCE, Measurement, exact, prediction_interval, rerun_sd, rounding, sign_test

DOCUMENTS = ("chen2017", "davel2020", "hd2020", "dtpb2020")
VERDICTS = ("reproduced", "differs", "inconclusive", "not converged", "not comparable", "paper inconsistent",
            "not run")
JUDGED = ("reproduced", "differs", "inconclusive")  # what a criterion itself can return
ROLES = ("reproduction", "calibration", "check", "beyond")
FRAGILE = 1.0  # a margin below 1: a re-run with new seeds and draws could cross the boundary (> 2.5 % one-sided)
RERUN_RANGE = 1.96  # the margin's unit: 1.96 re-run standard deviations, the 95 % range of a re-run's move
CLAIM_ID = re.compile(rf"^({'|'.join(DOCUMENTS)})\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$")


@dataclass(frozen=True)
class Kind:
    """A kind of measure and its practical-equivalence margin, declared before any run: how far one network's
    number may sit from the paper's and still be the same result (absolute, or relative to the paper's value)."""

    name: str
    margin: float
    relative: bool
    why: str

    def bound(self, paper: float) -> float:
        """The margin around the paper's value, in the measure's units."""
        return self.margin * abs(paper) if self.relative else self.margin

    def describe(self) -> str:
        """The margin in words, e.g. '±10 % of the paper's value' or '±0.01'."""
        return f"±{self.margin:.0%} of the paper's value" if self.relative else f"±{self.margin:g}"


KINDS = {kind.name: kind for kind in (
    Kind("error", 0.10, True,
         "a mean error in the measure's own units (jump-position errors L1, L2, their 99 % versions): the thesis "
         "ranks architectures whose errors differ by 10 % or more (Table 3.3: 0.31 against 0.36 and 0.39), and "
         "treats smaller differences as one level (0.3065 against 0.3083)"),
    Kind("accuracy", 0.01, False,
         "a classification accuracy or error rate: the papers compare networks at the resolution of one "
         "percentage point (Davel 2020 Table 1: 0.936, 0.950; thesis Table 6.1: 0.98 against 0.10)"),
    Kind("proportion", 0.05, False,
         "a share of nodes, images or draws, or a probability, that is not an accuracy: the papers read such "
         "shares from figures at the resolution of a few percentage points"),
    Kind("ratio", 0.10, True,
         "a dimensionless quantity read on a multiplicative scale (a perplexity, a ratio, a deviation): 10 % of "
         "its value, the same resolution as for errors"),
    Kind("epoch", 0.50, True,
         "the epoch or step at which something happens (a loss minimum): such minima are flat, and the papers "
         "report them from one run to the nearest few tens of epochs, so half the paper's value"),
)}


@dataclass(frozen=True)
class Judgement:
    """What a criterion says of a measured value: a verdict in JUDGED, its margin (distance to the nearest
    decision boundary in units of the 95 % range a re-run could move it; None where there is no spread) and why,
    in words."""

    verdict: str
    margin: float | None
    why: str


@dataclass(frozen=True)
class Criterion:
    """When a measured value agrees with the paper: how it is judged and its description (fixed before any run)."""

    describe: str
    judge: Callable[[Any], Judgement] = field(repr=False)


def matches(paper: float, kind: str, quantity: str = "this run", decimals: int | None = None) -> Criterion:
    """The one rule for a paper's single number: differs outside our 95 % prediction interval for one more draw;
    reproduced inside it when the interval also lies within the kind's equivalence margin; else inconclusive.
    `decimals`: how many the paper printed, where the float cannot tell (0.950)."""
    margin = _kind(kind)
    shown = f"{paper:.{decimals}f}" if decimals is not None else format_number(paper)
    text = (f"the paper's {shown} inside the 95 % prediction interval of {quantity}, which lies within "
            f"{margin.describe()} ({kind})")
    resolution = rounding(paper, decimals)
    return Criterion(text, lambda m: judge_match(_measurement(m), paper, margin.bound(paper), resolution))


def judge_match(m: Measurement | None, paper: float, bound: float, rounded: float = 0.0) -> Judgement:
    """differs / reproduced / inconclusive for one paper number against a measurement (see `matches`); `rounded`
    is the paper's own resolution, half a unit of its last printed digit."""
    if m is None or not math.isfinite(m.mean):
        return Judgement("differs", None, "no finite value was measured")
    low, high = prediction_interval(m)
    gap = max(0.0, abs(m.mean - paper) - rounded)  # distance beyond the paper's own rounding
    if not math.isfinite(high - low):
        return Judgement("inconclusive", None, f"one draw ({m.sources}): no spread to judge against")
    half = (high - low) / 2
    s = rerun_sd(m, half)
    inside = f"the paper's {format_number(paper)} lies inside the prediction interval " \
             f"[{format_number(low)}, {format_number(high)}]"
    if gap > half:
        return Judgement("differs", _units(gap - half, s), inside.replace("inside", "outside"))
    to_equivalence = bound - (abs(m.mean - paper) + half)
    if to_equivalence >= 0:
        return Judgement("reproduced", _units(min(half - gap, to_equivalence), s),
                         f"{inside}, within ±{format_number(bound)} of it")
    return Judgement("inconclusive", _units(min(half - gap, -to_equivalence), s),
                     f"{inside}, which is wider than ±{format_number(bound)} around it: more seeds or draws needed")


def at_least(limit: float, quantity: str = "this run") -> Criterion:
    """A threshold the paper states: reproduced when one more draw lies at or above `limit` (the whole prediction
    interval), differs when it lies below (the whole interval), else inconclusive."""
    return Criterion(f"{quantity} ≥ {format_number(limit)}", lambda m: judge_side(_measurement(m), limit, above=True))


def at_most(limit: float, quantity: str = "this run") -> Criterion:
    """A threshold the paper states, from above: see `at_least`."""
    return Criterion(f"{quantity} ≤ {format_number(limit)}", lambda m: judge_side(_measurement(m), limit, above=False))


def judge_side(m: Measurement | None, limit: float, above: bool) -> Judgement:
    """Which side of a stated threshold one more draw falls on, judged on the whole prediction interval."""
    if m is None or not math.isfinite(m.mean):
        return Judgement("differs", None, "no finite value was measured")
    low, high = prediction_interval(m)
    if not math.isfinite(high - low):
        return Judgement("inconclusive", None, f"one draw ({m.sources}): no spread to judge against")
    good, bad = (low - limit, limit - high) if above else (limit - high, low - limit)
    s = rerun_sd(m, (high - low) / 2)
    where = f"prediction interval [{format_number(low)}, {format_number(high)}]" if high > low else \
        f"value {format_number(m.mean)}"
    side = "≥" if above else "≤"
    if good >= 0:
        return Judgement("reproduced", _units(good, s), f"the {where} lies {side} {format_number(limit)}")
    if bad > 0:
        return Judgement("differs", _units(bad, s), f"the {where} lies on the wrong side of {format_number(limit)}")
    return Judgement("inconclusive", _units(min(-good, -bad), s), f"the {where} straddles {format_number(limit)}")


def is_true(text: str) -> Criterion:
    """A qualitative claim: the study measures a bool that says whether the stated property holds (for 'every
    network', checked on every network)."""
    return Criterion(text, judge_bool)


def judge_bool(measured: Any) -> Judgement:
    """reproduced for True, differs for anything else."""
    holds = measured is True or (isinstance(measured, np.bool_) and bool(measured))
    return Judgement("reproduced" if holds else "differs", None, "the property holds" if holds else
                     "the property does not hold")


@dataclass(frozen=True)
class Offset:
    """A table's rows side by side: the median of (ours − paper)/paper, how many rows lie above and below the
    paper, and the two-sided sign test's p-value (a systematic offset across rows, not one row's noise)."""

    median_relative: float
    above: int
    below: int
    p_value: float

    def as_json(self) -> dict:
        return {"median_relative": self.median_relative, "above": self.above, "below": self.below,
                "p_value": self.p_value}


def offset(paper: Sequence[float], ours: Sequence[float]) -> Offset:
    """The systematic offset of our row means from the paper's rows (sign test over the rows)."""
    if len(paper) != len(ours) or not paper:
        raise ValueError("offset: expected two equally long, non-empty sequences of row values")
    relative = [(o - p) / abs(p) for p, o in zip(paper, ours)]
    return Offset(float(np.median(relative)), sum(r > 0 for r in relative), sum(r < 0 for r in relative),
                  sign_test(relative))


def no_offset(kind: str) -> Criterion:
    """The rows scatter around the paper's: differs when the sign test rejects an even split at SIGNIFICANCE;
    reproduced when it does not and the median relative difference lies within the kind's margin; else
    inconclusive."""
    margin = _kind(kind)
    if not margin.relative:
        raise ValueError(f"no_offset: kind {kind!r} has an absolute margin; a table's offset is relative")
    text = f"sign test over the rows p ≥ {SIGNIFICANCE:.2f} and the median difference within {margin.describe()}"
    return Criterion(text, lambda o: judge_offset(o, margin))


def judge_offset(o: Offset, margin: Kind) -> Judgement:
    """differs / reproduced / inconclusive for a table's systematic offset (see `no_offset`)."""
    why = (f"{o.above} rows above the paper, {o.below} below, median {o.median_relative:+.1%}, sign test "
           f"p = {o.p_value:.2g}")
    if o.p_value < SIGNIFICANCE:
        return Judgement("differs", None, why)
    inside = abs(o.median_relative) <= margin.margin
    return Judgement("reproduced" if inside else "inconclusive", None, why)


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: expected one of {', '.join(KINDS)}")
    return KINDS[kind]


def _measurement(value: Any) -> Measurement | None:
    """A measured value as a Measurement: a plain finite number is exact (no randomness behind it)."""
    if isinstance(value, Measurement):
        return value
    if isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_):
        return exact(float(value))
    return None


def _units(distance: float, s: float) -> float | None:
    """A distance to a decision boundary in units of the 95 % range a re-run could move it (RERUN_RANGE re-run
    standard deviations, lib.uncertainty.rerun_sd); None without a spread."""
    return distance / (RERUN_RANGE * s) if s > 0 else None


@dataclass(frozen=True)
class Claim:
    """A statement of a paper that the book recomputes (ARCHITECTURE.md, "How to add a claim")."""

    id: str  # <doc>.<where>.<what>, e.g. chen2017.t3.3.nn1.l1
    source: str  # document and table / figure / section, e.g. "thesis Table 3.3"
    statement: str  # what the paper says, quoted or closely paraphrased
    paper: float | str  # the paper's number, or its words for a qualitative claim
    criterion: Criterion
    role: str = "reproduction"  # reproduction | calibration | check | beyond (ROLES)
    label: str = ""  # a short human name for tables, e.g. "1-layer NN, L1"
    inconsistent: str = ""  # the paper contradicts itself here: the evidence (the verdict is "paper inconsistent")

    def __post_init__(self):
        if not CLAIM_ID.match(self.id):
            raise ValueError(f"claim id {self.id!r}: expected <doc>.<where>.<what> with doc one of "
                             f"{', '.join(DOCUMENTS)}")
        if self.role not in ROLES:
            raise ValueError(f"claim {self.id}: role must be one of {', '.join(ROLES)}, got {self.role!r}")


@dataclass
class Record:
    """What a run measured for one claim; `converged` False when a network the outcome depends on hit its cap,
    `comparable` False when the profile shrinks what the claim depends on."""

    measured: Any
    converged: bool = True
    note: str = ""
    comparable: bool = True


class Ledger:
    """A study's claims and what this run measured for them; `evaluate` gives each its verdict."""

    def __init__(self, claims: Sequence[Claim]):
        ids = [claim.id for claim in claims]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"claim ids declared twice: {', '.join(duplicated)}")
        self.claims = {claim.id: claim for claim in claims}
        self.records: dict[str, Record] = {}

    def record(self, claim_id: str, measured: Any, converged: bool = True, note: str = "",
               comparable: bool = True) -> None:
        """Store this run's measurement of a claim (see Record)."""
        if claim_id not in self.claims:
            raise KeyError(f"no claim {claim_id!r} in this ledger; it has: {', '.join(self.claims)}")
        if isinstance(measured, np.generic):
            measured = measured.item()
        self.records[claim_id] = Record(measured, bool(converged), note, bool(comparable))

    def evaluate(self) -> list[dict]:
        """Every claim with `measured`, `verdict`, `margin`, `converged` and a computed `note`, in declaration
        order."""
        return [evaluate(claim, self.records.get(claim.id)) for claim in self.claims.values()]


def judge(claim: Claim, record: Record | None) -> Judgement:
    """The verdict of one claim: not run, paper inconsistent, not comparable, not converged, else its criterion's."""
    if record is None or record.measured is None:
        return Judgement("not run", None, "not measured with this profile")
    if claim.inconsistent:
        return Judgement("paper inconsistent", None, claim.inconsistent)
    if not record.comparable:
        return Judgement("not comparable", None, "this profile shrinks what the claim depends on below the "
                                                 "paper's setting")
    if not record.converged:
        return Judgement("not converged", None, "a network the outcome depends on stopped at its epoch cap")
    return claim.criterion.judge(record.measured)


def evaluate(claim: Claim, record: Record | None) -> dict:
    """One row of the ledger as results/<section>.json stores it."""
    found = judge(claim, record)
    measured = record.measured if record else None
    return {"id": claim.id, "label": claim.label, "source": claim.source, "statement": claim.statement,
            "paper": claim.paper, "criterion": claim.criterion.describe, "role": claim.role,
            "measured": measured.as_json() if isinstance(measured, Measurement | Offset) else measured,
            "verdict": found.verdict, "margin": found.margin, "fragile": is_fragile(found.margin),
            "converged": bool(record.converged) if record else None,
            "comparable": bool(record.comparable) if record else None,
            "note": found.why + (f"; {record.note}" if record and record.note else ""),
            "remark": record.note if record else ""}


def is_fragile(margin: float | None) -> bool:
    """A verdict that a re-run with new seeds and draws could plausibly move across its boundary (margin < 1)."""
    return margin is not None and margin < FRAGILE


def format_value(value: Any) -> str:
    """A paper or measured value for a table: mean ± sd (n) to the precision the sd supports, yes/no, words."""
    if value is None:
        return "—"
    if isinstance(value, dict) and {"mean", "n"} <= set(value):
        return _format_measurement(value["mean"], value.get("sd", value.get("spread", 0.0)), value["n"])
    if isinstance(value, dict) and "median_relative" in value:
        return (f"median {value['median_relative']:+.1%}; {value['above']} above, {value['below']} below "
                f"(p = {value['p_value']:.2g})")
    if isinstance(value, Measurement | Offset):
        return format_value(value.as_json())
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.number):
        return format_number(float(value))
    return str(value)


def _format_measurement(mean: float, sd: float, n: int) -> str:
    """mean ± sd (n = …), the mean to the decimal of the sd's second significant digit; the bare mean for sd 0."""
    if not sd or not math.isfinite(sd):
        return format_number(mean) + (f" (n = {n})" if n > 1 else "")
    decimals = max(0, 1 - math.floor(math.log10(sd)))
    return f"{mean:.{decimals}f} ± {sd:.{decimals}f} (n = {n})"


def format_number(x: float) -> str:
    """4 significant digits, no exponent between 1e-4 and 1e6; ∞ for an unbounded value."""
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0 or math.isnan(x):
        return f"{x:g}"
    return f"{x:.4g}" if 1e-4 <= abs(x) < 1e6 else f"{x:.3e}"


def counts(claims: Iterable[dict], role: str | None = None) -> dict[str, int]:
    """Claims per verdict, in the order of VERDICTS (of one role, or all)."""
    found = [c["verdict"] for c in claims if role is None or c.get("role", "reproduction") == role]
    return {v: found.count(v) for v in VERDICTS}


def headline(claims: Iterable[dict]) -> dict:
    """Over the `reproduction` claims: reproduced, differs, inconclusive, and the share reproduced of those
    decided, reproduced / (reproduced + differs) (None when none is decided)."""
    found = counts(claims, role="reproduction")
    decided = found["reproduced"] + found["differs"]
    return {"reproduced": found["reproduced"], "differs": found["differs"], "inconclusive": found["inconclusive"],
            "decided": decided, "claims": sum(found.values()),
            "share": found["reproduced"] / decided if decided else None}
