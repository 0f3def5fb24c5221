"""The "How verdicts are decided" page: its directives read lib.claims (the margins) and lib.verdict_example (the
worked example), so the page cannot drift from the rule."""

import sys

from docutils import nodes

from lib.claims import KINDS
from lib.paths import REPO_ROOT
from lib.verdict_example import PAPER, worked_example

sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))  # as Sphinx's local_extensions does
import verdict_rule  # noqa: E402


def test_the_worked_example_shows_each_decided_verdict_once():
    rows = worked_example()
    assert [r["verdict"] for r in rows] == ["reproduced", "differs", "inconclusive"]
    reproduced, differs, inconclusive = rows
    assert reproduced["interval"][0] <= PAPER <= reproduced["interval"][1]
    assert reproduced["band"][0] <= reproduced["interval"][0] and reproduced["interval"][1] <= reproduced["band"][1]
    assert differs["interval"][0] > PAPER
    assert inconclusive["n"] == 2 and inconclusive["interval"][1] - inconclusive["interval"][0] > \
        inconclusive["band"][1] - inconclusive["band"][0]
    assert worked_example(seed=0) == worked_example(seed=0)


def test_the_page_tables_read_the_kinds_and_the_example():
    kinds = verdict_rule.kind_rows()
    assert [row[0] for row in kinds] == list(KINDS) and all(row[2] for row in kinds)
    example = verdict_rule.example_rows()
    assert len(example) == 3 and all(isinstance(row[6], nodes.inline) for row in example)
    assert [row[6].astext() for row in example] == ["reproduced", "differs", "inconclusive"]
    assert "(book/verdicts)" not in (REPO_ROOT / "_toc.yml").read_text() and \
        "file: book/verdicts" in (REPO_ROOT / "_toc.yml").read_text()
