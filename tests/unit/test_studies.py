"""The registry of studies: one notebook and one book page per study, parameters that validate, claims declared
in code before any run, and no study importing another."""

import ast
import re

import nbformat
import papermill
import pytest

from lib.paths import REPO_ROOT
from lib.studies import SECTIONS, study

STUDIES = REPO_ROOT / "lib" / "studies"


def test_every_study_has_its_notebook_and_its_page_in_the_table_of_contents():
    assert sorted(SECTIONS) == sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
    toc = re.findall(r"file: book/(\w+)", (REPO_ROOT / "_toc.yml").read_text())
    assert [t for t in toc if t in SECTIONS] == list(SECTIONS), "the book's order is the registry's"


@pytest.mark.parametrize("section", SECTIONS)
def test_the_notebook_declares_exactly_the_studys_parameters(section):
    declared = set(papermill.inspect_notebook(str(REPO_ROOT / "notebooks" / f"{section}.ipynb")))
    assert declared == {"profile", *(p.name for p in study(section).params)}


@pytest.mark.parametrize("section", SECTIONS)
def test_a_study_imports_from_lib_but_never_from_another_study(section):
    for path in (STUDIES / section).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if name.startswith("lib.studies."):
                    assert name.split(".")[2] == section, f"{path.name} imports {name}"


@pytest.mark.parametrize("section", [s for s in SECTIONS if study(s).in_ledger])
def test_claims_of_a_study_in_the_ledger_quote_the_paper(section):
    for claim in study(section).claims:
        assert claim.statement and claim.source and claim.criterion.describe
        if claim.role in ("reproduction", "calibration"):
            assert claim.paper not in (None, ""), claim.id



@pytest.mark.parametrize("section", [s for s in SECTIONS if study(s).in_ledger])
def test_a_chapter_in_the_ledger_has_its_paper_vs_run_table_where_the_scorecard_links(section):
    cells = nbformat.read(REPO_ROOT / "notebooks" / f"{section}.ipynb", as_version=4).cells
    names = [c.metadata.get("mystnb", {}).get("figure", {}).get("name") for c in cells]
    assert f"tab-{section}-paper-vs-run" in names
    table = cells[names.index(f"tab-{section}-paper-vs-run")]
    assert "paper_vs_run(" in table.source and "NBVAL_CHECK_OUTPUT" in table.source
    assert "STUDY.name)" in table.source, "the table names its section, so a reference run shows beside it"
