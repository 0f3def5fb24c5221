"""The book's Sphinx extension: the student edition's removal of solutions and the scorecard's rows."""

import importlib.util

from docutils import nodes
from docutils.core import publish_doctree

from lib.paths import REPO_ROOT
from lib.studies import SECTIONS


def extension():
    """book/_ext/nodewise_book.py, imported as Sphinx imports it (a local extension, not a package)."""
    spec = importlib.util.spec_from_file_location("nodewise_book", REPO_ROOT / "book" / "_ext" / "nodewise_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_student_edition_drops_solutions_and_keeps_exercises_and_other_boxes():
    doctree = publish_doctree(".. admonition:: Solution\n\n   the answer\n\n"
                              ".. admonition:: Hint\n\n   a hint\n\nExercise: predict first.\n")
    assert extension().remove_solutions(doctree) == 1
    text = doctree.astext()
    assert "the answer" not in text and "a hint" in text and "predict first" in text


def claim(verdict, origin="paper"):
    return {"id": "chen2017.t3.3.nn1.l1", "statement": "L1", "paper": 0.3083, "origin": origin,
            "measured": {"mean": 0.31, "spread": 0.01, "n": 3}, "verdict": verdict}


def test_scorecard_counts_verdicts_per_chapter_and_says_why_a_chapter_has_none():
    ext = extension()
    records = {"data": {"profile": "default", "claims": [claim("reproduced"), claim("not converged")]},
               "jump_detection": {"profile": "default", "paper": {}}}
    rows = ext.summary_rows(records)
    assert len(rows) == len(SECTIONS)
    cells = [[c if isinstance(c, str) else c.astext() for c in row] for row in rows]
    assert cells[0] == ["Data", "default", "2", "1", "0", "1", "0"]
    assert cells[1][1] == "not yet in the ledger" and cells[2][1] == "not run yet"


def test_scorecard_lists_every_claim_with_its_badge_and_a_link_to_its_chapter_table():
    ext = extension()
    rows = ext.claim_rows({"data": {"claims": [claim("differs"), claim("reproduced", origin="beyond")]}})
    assert [r[2] for r in rows] == ["0.3083", "— (beyond the paper)"]
    assert rows[0][3] == "0.31 ± 0.01 (n = 3)"
    badge = rows[0][4]
    assert isinstance(badge, nodes.inline) and badge["classes"] == ["verdict", "verdict-differs"]
    assert rows[0][5]["reftarget"] == "tab-data-paper-vs-run"
    assert ext.claim_rows({})[0][0].startswith("(no chapter")
