"""The registry of studies: section name → its `lib.study.Study`, in the order of the book.

Each study is a package `lib/studies/<section>/`: its parameters (`params.py`), its claims (`claims.py`), its
computations and its figures. A study imports from `lib` only, never from another study.
"""

from importlib import import_module

from lib.params import ParameterError
from lib.study import Study

SECTIONS = ("data", "jump_detection", "bottleneck", "memorisation", "summary_layers", "training_dynamics",
            "cooperating_classifiers")


def study(section: str) -> Study:
    """The registered study of a section; ParameterError naming the sections for an unknown one."""
    if section not in SECTIONS:
        raise ParameterError(f"unknown section {section!r}; sections are: {', '.join(SECTIONS)}")
    return import_module(f"lib.studies.{section}").STUDY
