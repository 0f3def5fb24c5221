"""Section parameters: profiles fill in defaults, explicit values win, everything is validated before work starts.

Each study declares its parameters with the rules below (`lib/studies/<section>/params.py`) and a `check(cfg)`
for the rules that join several parameters; `lib.studies.resolve` applies both before any work. This module is a
leaf: the vocabulary of parameters, never the registry of studies.
"""

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

PROFILES = ("smoke", "default", "paper")


class ParameterError(ValueError):
    """A section was asked to run with a parameter it does not have, or a value it does not allow."""


@dataclass(frozen=True)
class Param:
    """One section parameter: its per-profile defaults and the values it allows."""

    name: str
    defaults: dict[str, Any]  # profile -> value
    allowed: str  # human-readable description of the allowed values
    check: Callable[[Any], bool] = field(repr=False)
    doc: str = ""


def integer(lo: int, hi: int | None = None) -> tuple[str, Callable[[Any], bool]]:
    """An int in [lo, hi] (bool is not an int here)."""
    text = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"
    return text, lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v and (hi is None or v <= hi)


def number(lo: float, hi: float) -> tuple[str, Callable[[Any], bool]]:
    """A real number in [lo, hi]."""
    return f"a number in [{lo}, {hi}]", lambda v: _is_number(v) and lo <= v <= hi


def number_or_range(lo: float, hi: float) -> tuple[str, Callable[[Any], bool]]:
    """A number in [lo, hi], or a pair (a, b) with lo <= a <= b <= hi (a range to draw from)."""
    def ok(v: Any) -> bool:
        if isinstance(v, (tuple, list)):
            return len(v) == 2 and all(_is_number(x) for x in v) and lo <= v[0] <= v[1] <= hi
        return _is_number(v) and lo <= v <= hi
    return f"a number in [{lo}, {hi}] or a pair (a, b) with {lo} <= a <= b <= {hi}", ok


def choice(*options: str) -> tuple[str, Callable[[Any], bool]]:
    """One of a fixed set of strings."""
    return "one of " + ", ".join(repr(o) for o in options), lambda v: isinstance(v, str) and v in options


def int_list(lo: int, hi: int, max_len: int | None = None) -> tuple[str, Callable[[Any], bool]]:
    """A non-empty list of distinct integers in [lo, hi] (at most max_len of them)."""
    def ok(v: Any) -> bool:
        items = list(v) if isinstance(v, (list, tuple)) else []
        return (0 < len(items) <= (max_len or len(items)) and all(integer(lo, hi)[1](x) for x in items)
                and len(set(items)) == len(items))  # set() only once every item is known to be an int
    most = f"1 to {max_len} " if max_len else ""
    return f"a list of {most}distinct integers in [{lo}, {hi}]", ok


def number_list(lo: float, hi: float) -> tuple[str, Callable[[Any], bool]]:
    """A non-empty list of numbers in [lo, hi]."""
    def ok(v: Any) -> bool:
        items = list(v) if isinstance(v, (list, tuple)) else []
        return bool(items) and all(number(lo, hi)[1](x) for x in items)
    return f"a list of numbers in [{lo}, {hi}]", ok


def _is_number(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and v == v


def param(name: str, smoke: Any, default: Any, paper: Any, rule: tuple[str, Callable], doc: str = "") -> Param:
    """A parameter with its smoke / default / paper values and its allowed values."""
    allowed, check = rule
    return Param(name, {"smoke": smoke, "default": default, "paper": paper}, allowed, check, doc)


ASSIGNMENT = re.compile(r"(?:^|\s+)([A-Za-z_]\w*)=")


def read_value(text: str) -> Any:
    """A parameter value as make, the runner and papermill all read it: a Python literal (1.5, 0.5,2.0 or
    [0.5, 2.0] or (0.5, 2.0) for a pair, [1, 2] for a list), else the text itself (a choice such as adam)."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text.strip()


def split_assignments(text: str) -> list[str]:
    """'sigma=(0.5, 2.0) n_tsne=2000' -> ['sigma=(0.5, 2.0)', 'n_tsne=2000']: a new pair starts at a blank
    followed by name=, so values may hold blanks (make's P="..."); text before the first pair is refused."""
    starts = [m.start(1) for m in ASSIGNMENT.finditer(text)]
    if text.strip() and (not starts or text[:starts[0]].strip()):
        raise ParameterError(f"cannot read {text.strip()!r}: write parameters as key=value, e.g. sigma=1.5")
    return [text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)])]


def allows(spec: Param, value: Any) -> bool:
    """Whether the parameter allows the value; a check that fails on a value of an unexpected form (a nested list,
    a dict) refuses it rather than crash."""
    try:
        return bool(spec.check(value))
    except Exception:  # e.g. TypeError: unhashable type: 'list' from a set() of nested values
        return False


def shown(value: Any, limit: int = 120) -> str:
    """repr(value), cut to `limit` characters (a fuzzed or pasted value may be long)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def freeze(value: Any) -> Any:
    """A list as a tuple (a frozen config holds no mutable value); anything else as it is."""
    return tuple(value) if isinstance(value, list) else value
