"""The notebook sources are valid nbformat and carry no outputs (the executed copies live in book/, not in git)."""

import json
from collections import Counter
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_source_notebook_is_valid_and_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_cell_ids_are_present_and_unique_as_stored(path):
    """nbformat silently gives a missing or repeated cell id a new random one on read (another each run), so check
    the file."""
    cells = json.loads(path.read_text())["cells"]
    assert all("id" in c for c in cells), f"{path.stem}: cells without an id"
    ids = Counter(c["id"] for c in cells)
    assert not [i for i, n in ids.items() if n > 1], f"{path.stem}: repeated cell ids"


def code_lines(cell) -> list[str]:
    """The lines of a code cell that are code (not blank, not comments)."""
    return [line for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_are_thin_and_show_their_code(path):
    """No function, class or lambda defined in a notebook (they live in lib with a test); every code cell is
    available to the reader behind a toggle (hide-input), none removed."""
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    for cell in code:
        text = "\n".join(code_lines(cell))
        assert not ast_defines(text), f"{path.stem}: a notebook defines {ast_defines(text)}"
        assert "remove-input" not in cell.metadata.get("tags", []), f"{path.stem}: a code cell is hidden for good"


def ast_defines(text: str) -> list[str]:
    """Names of the functions, classes and lambdas a cell defines (IPython's ! and % lines read as Python)."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    found = []
    for node in ast.walk(ast.parse(TransformerManager().transform_cell(text))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append(node.name)
        elif isinstance(node, ast.Lambda):
            found.append("lambda")
    return found


def test_the_whole_book_holds_at_most_1200_lines_of_notebook_code():
    total = sum(len(code_lines(c)) for p in NOTEBOOKS for c in nbformat.read(p, as_version=4).cells
                if c.cell_type == "code")
    assert total <= 1200, f"{total} code lines in the notebooks"


def launch_cell(path):
    """The cell after the parameters cell, which every notebook keeps for Colab and bare Jupyter (#22)."""
    cells = nbformat.read(path, as_version=4).cells
    code = [c for c in cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    return code[1]


def test_every_notebook_has_the_same_launch_cell_after_its_parameters():
    sources = {launch_cell(p).source for p in NOTEBOOKS}
    assert len(sources) == 1 and 'find_spec("lib") is None' in sources.pop()


def test_the_launch_cell_does_nothing_where_lib_is_importable(monkeypatch):
    """Its IPython lines (git clone, %pip) run only outside a clone: here the shell is never called."""
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(launch_cell(NOTEBOOKS[0]).source)
    assert "get_ipython().system(" in python and "get_ipython().run_line_magic('pip'" in python

    def no_shell():
        raise AssertionError("the launch cell called the shell in a clone")

    monkeypatch.delenv("NODEWISE_REPOSITORY", raising=False)
    exec(compile(python, "launch", "exec"), {"get_ipython": no_shell})


def test_outside_a_clone_the_launch_cell_asks_for_the_repository(monkeypatch, tmp_path):
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(launch_cell(NOTEBOOKS[0]).source)
    python = python.replace('find_spec("lib")', 'find_spec("no_such_module_here")')
    monkeypatch.delenv("NODEWISE_REPOSITORY", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError, match="NODEWISE_REPOSITORY"):
        exec(compile(python, "launch", "exec"), {"get_ipython": None})
