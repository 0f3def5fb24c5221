"""Numbers in prose: what counts as typed by hand, and a check over every chapter already in the ledger."""

import nbformat
import pytest

from lib.claims import Claim, matches
from lib.params import number, param
from lib.paths import REPO_ROOT
from lib.prose import typed_numbers, unsourced_numbers
from lib.studies import SECTIONS, study
from lib.study import Study, no_cross_rules

TOY = Study(name="toy", title="Toy", reproduces="", check=no_cross_rules,
            params=(param("sigma", 0.5, 1.05, 2.0, number(0.0, 10.0)),),
            claims=(Claim("chen2017.t3.3.nn1.l1", "Table 3.3", "L1", 0.3083, matches(0.3083, "error")),))


def test_references_code_math_and_glue_are_not_statements():
    text = ("See Fig. 3.2, Table 3.4 / 7.1, §4.3.2 and eq. 12-13; run `sigma=1.5`; $x = 0.5$; "
            "the error is {glue:text}`err:.3f`.")
    assert typed_numbers(text) == []


def test_decimals_and_percentages_are_found():
    assert typed_numbers("it reaches 93.8 % and then 0.929, at 95% of epochs, after 12 steps") == \
        ["93.8 %", "0.929", "95%"]


def test_paper_values_and_parameter_values_are_sourced_the_rest_is_not():
    assert unsourced_numbers("the thesis gives 0.3083 at σ = 1.05 (σ up to 2.0)", TOY) == []
    assert unsourced_numbers("this run gives 0.349, i.e. 30.83 % vs 34.9 %", TOY) == ["0.349", "34.9 %"]


@pytest.mark.parametrize("section", [s for s in SECTIONS if study(s).in_ledger])
def test_a_chapter_in_the_ledger_types_no_run_specific_number(section):
    nb = nbformat.read(REPO_ROOT / "notebooks" / f"{section}.ipynb", as_version=4)
    found = {n for cell in nb.cells if cell.cell_type == "markdown" for n in unsourced_numbers(cell.source,
                                                                                              study(section))}
    assert not found, f"{section}: numbers typed in prose, neither glued nor a claim's paper value: {sorted(found)}"
