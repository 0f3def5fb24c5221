"""The Notation and Methods pages name the `lib` functions that compute each symbol: every name must exist."""

import importlib
import re

import pytest

from lib.paths import REPO_ROOT

PAGES = ("notation.md", "methods.md")
NAME = re.compile(r"`(lib(?:\.\w+)+)")


def resolves(dotted: str) -> bool:
    """Whether lib.a.b.c is a module or an attribute of one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


@pytest.mark.parametrize("page", PAGES)
def test_every_lib_name_on_the_page_exists(page):
    names = set(NAME.findall((REPO_ROOT / "book" / page).read_text()))
    assert names, f"{page} names no lib function"
    missing = sorted(n for n in names if not resolves(n))
    assert not missing, f"{page} names what lib does not have: {missing}"
