"""The registry of studies: section name → its `lib.study.Study`, in the order of the book, and the service that
resolves a section's parameters (profile defaults, explicit values, every rule) before any work.

Each study is a package `lib/studies/<section>/`: its parameters (`params.py`), its claims (`claims.py`), its
computations and its figures. A study imports from `lib` only, never from another study.
"""

from dataclasses import make_dataclass
from importlib import import_module
from typing import Any

from lib.params import PROFILES, Param, ParameterError, allows, freeze, read_value, shown
from lib.study import Study

SECTIONS = ("data", "jump_detection", "bottleneck", "memorisation", "summary_layers", "training_dynamics",
            "cooperating_classifiers")


def study(section: str) -> Study:
    """The registered study of a section; ParameterError naming the sections for an unknown one."""
    if section not in SECTIONS:
        raise ParameterError(f"unknown section {section!r}; sections are: {', '.join(SECTIONS)}")
    return import_module(f"lib.studies.{section}").STUDY


def section_params(section: str) -> dict[str, Param]:
    """The parameters of a section, by name, as its study declares them (lib.studies)."""
    return {p.name: p for p in study(section).params}


def problems(section: str, profile: Any, overrides: dict[str, Any]) -> list[str]:
    """Every problem with a request (unknown names, disallowed values, then the study's cross-parameter rules),
    one line each; empty when valid."""
    spec = section_params(section)
    if not (isinstance(profile, str) and profile in PROFILES):
        return [f"parameter 'profile': got {profile!r}, allowed: one of {', '.join(map(repr, PROFILES))}"]
    found = []
    for name, value in overrides.items():
        if name not in spec:
            found.append(f"unknown parameter {name!r}; section {section!r} has: profile, {', '.join(spec)}")
        elif value is not None and not allows(spec[name], value):
            found.append(f"parameter {name!r}: got {shown(value)}, allowed: {spec[name].allowed}")
    return found or study(section).check(_config(section, profile, overrides))


def resolve(section: str, profile: str = "default", **overrides: Any):
    """The frozen config of a section: profile defaults, explicit (non-None) values winning, all validated. A value
    given as text (papermill's `-p sigma 0.5,2.0`) is read as make and the runner read it (read_value)."""
    overrides = {k: read_value(v) if isinstance(v, str) else v for k, v in overrides.items()}
    found = problems(section, profile, overrides)
    if found:
        raise ParameterError(f"section {section!r} cannot run:\n  " + "\n  ".join(found))
    return _config(section, profile, overrides)


def _config(section: str, profile: str, overrides: dict[str, Any]):
    """The frozen dataclass of profile defaults with the explicit (non-None) values applied; not validated."""
    values = {name: p.defaults[profile] for name, p in section_params(section).items()}
    values.update({k: v for k, v in overrides.items() if v is not None})
    cls = make_dataclass(f"{section.title().replace('_', '')}Config", ["profile", *values], frozen=True)
    return cls(profile=profile, **{k: freeze(v) for k, v in values.items()})
