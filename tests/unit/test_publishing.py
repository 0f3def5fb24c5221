"""The publishing workflow builds the book with the same `make book` a reader runs, and deploys exactly its output."""

import yaml

from lib.paths import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "book.yml"


def test_pages_workflow_publishes_what_make_book_builds():
    flow = yaml.safe_load(WORKFLOW.read_text())
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    runs = [step["run"].strip() for step in build["steps"] if "run" in step]
    assert runs == ["make book"], "the book job must run make book and nothing else that could change the book"
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])
    assert flow["permissions"]["pages"] == "write" and flow["permissions"]["id-token"] == "write"


def test_make_book_is_the_strict_build():
    recipe = (REPO_ROOT / "Makefile").read_text().split("\nbook:", 1)[1].split("\n\n", 1)[0]
    assert "jupyter-book build . -n -W --keep-going" in recipe
