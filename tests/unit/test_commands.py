"""Every command the book prints — in the re-run boxes, the chapters' exercises and the text pages — parses and
passes the parameter checks (a reader who copies one gets a run, not an error)."""

import re
import shlex

import nbformat
import pytest

from lib import book, runner
from lib.params import ParameterError, read_value, split_assignments
from lib.paths import REPO_ROOT
from lib.results import to_json
from lib.studies import SECTIONS, resolve, study

MAKE = re.compile(r'make (?:section|sweep) S=(\w+)(?: P="([^"]*)")?')
PAPER = re.compile(r'make paper S=(\w+)(?: P="([^"]*)")?')
RUNNER = re.compile(r"-m lib\.runner (\w+)((?: [\w]+=[^\s`]+)*)")
PAPERMILL = re.compile(r"papermill notebooks/(\w+)\.ipynb \S+((?: -p [^\s`]+ [^\s`]+)*)")


def texts() -> dict[str, str]:
    """Every markdown cell of the notebooks and every text page, by where it comes from."""
    found = {}
    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        found[path.name] = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    for path in [*sorted((REPO_ROOT / "book").glob("*.md")), REPO_ROOT / "README.md"]:
        found[path.name] = path.read_text()
    return found


def commands(text: str) -> list[tuple[str, dict, bool]]:
    """(section, values, expected to be refused) of every make, runner and papermill command in a text; a command
    followed by a line starting "error:" is an example of a refusal. Placeholders (`key=value`) are left out."""
    found = []
    for pattern, read in ((MAKE, lambda p: runner.parse_assignments(split_assignments(p or ""))),
                          (PAPER, lambda p: runner.parse_assignments(split_assignments(f"profile=paper {p or ''}"))),
                          (RUNNER, lambda a: runner.parse_assignments(a.split())), (PAPERMILL, papermill_values)):
        for match in pattern.finditer(text):
            section, rest = match.groups()
            if "key=value" in (rest or ""):
                continue
            refused = text[match.end():].lstrip("`\" \n").startswith("error:")
            found.append((section, read(rest), refused))
    return found


def papermill_values(flags: str) -> dict:
    """-p name value pairs, values read as the notebook's resolve() reads papermill's text."""
    words = shlex.split(flags)
    return {k: read_value(v) for k, v in zip(words[1::3], words[2::3])}


@pytest.mark.parametrize("source", sorted(texts()))
def test_every_printed_command_is_a_valid_request(source):
    for section, values, refused in commands(texts()[source]):
        if refused:
            with pytest.raises(ParameterError):
                runner.check_request(section, values)
            continue
        try:
            runner.check_request(section, values)
        except ParameterError as error:
            pytest.fail(f"{source}: `{section} {values}` is refused: {error}")


@pytest.mark.parametrize("section", SECTIONS)
def test_the_rerun_box_commands_are_valid_requests(section):
    config = to_json(resolve(section, "smoke"))
    record = {"section": section, "profile": "smoke", "parameters": config, "elapsed_s": 1.0}
    declared = {p.name: {"help": p.doc} for p in study(section).params}
    box = book.rerun_box(section, record, declared, {"profile": "smoke"})
    found = commands(box)
    assert len(found) >= 3
    for name, values, refused in found:
        assert name == section and not refused
        runner.check_request(section, values)


def test_the_command_patterns_find_what_they_should():
    text = ('run `make section S=data P="sigma=(0.5, 2.0) n_tsne=400"`, then `.venv/bin/python -m lib.runner '
            "data sigma=1.5` or `papermill notebooks/data.ipynb out.ipynb -p sigma 1.5`")
    assert commands(text) == [("data", {"sigma": (0.5, 2.0), "n_tsne": 400}, False),
                              ("data", {"sigma": 1.5}, False), ("data", {"sigma": 1.5}, False)]
    assert commands('$ make section S=data P="sigma=-1"\nerror: section ...') == [("data", {"sigma": -1}, True)]
    assert commands('`make paper S=data P="seed=2"`') == [("data", {"profile": "paper", "seed": 2}, False)]
