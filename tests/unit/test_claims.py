"""The claims ledger: verdicts, criteria, ids, measurements over repeats, and the tables rendered from it."""

import json
import math
import stat
import statistics

import pytest

from lib.claims import (
    Claim,
    Ledger,
    at_least,
    at_most,
    counts,
    format_value,
    is_true,
    over_repeats,
    within,
)
from lib.claims_table import paper_vs_run, reading_choices
from lib.params import integer, param, resolve
from lib.results import write_results
from lib.studies import SECTIONS, study
from lib.study import ReadingChoice, Study, no_cross_rules


def claim(criterion=None, **kw):
    return Claim(id=kw.pop("id", "chen2017.t3.3.nn1.l1"), source="thesis Table 3.3", statement="1-layer L1 error",
                 paper=kw.pop("paper", 0.3083), criterion=criterion or within(0.3083, abs_tol=0.02), **kw)


def one(c, measured, converged=True, note=""):
    ledger = Ledger([c])
    if measured is not None:
        ledger.record(c.id, measured, converged, note)
    return ledger.evaluate()[0]


@pytest.mark.parametrize("measured, converged, verdict", [
    (None, True, "not run"), (0.31, True, "reproduced"), (0.40, True, "differs"),
    (0.40, False, "not converged"), (0.31, False, "not converged"), (float("nan"), True, "differs"),
])
def test_verdicts(measured, converged, verdict):
    assert one(claim(), measured, converged)["verdict"] == verdict


def test_a_claim_on_unconverged_networks_never_differs():
    row = one(claim(), 5.0, converged=False)
    assert row["verdict"] == "not converged" and "epoch cap" in row["note"] and row["converged"] is False


def test_criteria_at_their_edges():
    assert within(1.0, abs_tol=0.25).holds(1.25) and not within(1.0, abs_tol=0.25).holds(1.2501)
    assert within(200.0, rel_tol=0.05).holds(210.0) and not within(200.0, rel_tol=0.05).holds(210.5)
    assert at_most(1e-5).holds(1e-5) and not at_most(1e-5).holds(2e-5)
    assert at_least(0.5).holds(0.5) and not at_least(0.5).holds(0.49)
    assert is_true("x").holds(True) and not is_true("x").holds(False) and not is_true("x").holds(1)
    for c in (within(0.0, abs_tol=1.0), at_most(1.0), at_least(-1.0)):
        assert not c.holds(float("nan")) and not c.holds(None) and not c.holds("0.1") and not c.holds(True)


def test_a_measurement_over_seeds_is_judged_by_its_mean_and_stored_with_spread():
    values = [0.30, 0.32, 0.31, 0.35]
    m = over_repeats(values)
    assert m.mean == pytest.approx(statistics.mean(values)) and m.spread == pytest.approx(statistics.stdev(values))
    assert m.n == 4
    row = one(claim(), m)
    assert row["measured"] == {"mean": m.mean, "spread": m.spread, "n": 4} and row["verdict"] == "reproduced"
    assert over_repeats([2.0]).spread == 0.0
    with pytest.raises(ValueError):
        over_repeats([])


def test_claim_ids_follow_doc_where_what():
    for bad in ("chen2017", "chen2017.t3", "smith2020.t1.acc", "chen2017..x", "chen2017.t 3.x"):
        with pytest.raises(ValueError, match="claim id"):
            claim(id=bad)
    assert claim(id="dtpb2020.s7.fmnist.perplexity").id
    with pytest.raises(ValueError, match="origin"):
        claim(origin="ours")


def test_a_ledger_refuses_duplicated_and_unknown_ids():
    with pytest.raises(ValueError, match="declared twice"):
        Ledger([claim(), claim()])
    with pytest.raises(KeyError, match="no claim"):
        Ledger([claim()]).record("chen2017.t3.3.nn2.l1", 1.0)


def test_the_note_is_computed_from_the_comparison():
    row = one(claim(), 0.35, note="3 seeds")
    assert row["note"].startswith("criterion fails: |this run − paper| ≤ 0.02") and "0.0417" in row["note"]
    assert row["note"].endswith("; 3 seeds")


def test_counts_and_values_as_tables_show_them():
    rows = [one(claim(), v) for v in (None, 0.31, 0.5)]
    assert counts(rows) == {"reproduced": 1, "differs": 1, "not converged": 0, "not run": 1}
    assert format_value({"mean": 0.31234, "spread": 0.0123, "n": 3}) == "0.3123 ± 0.0123 (n = 3)"
    assert format_value(None) == "—" and format_value(True) == "yes" and format_value(1.5e-7) == "1.500e-07"
    assert format_value(math.inf) == "inf"


def test_paper_vs_run_has_a_row_and_a_badge_per_claim_and_escapes_text():
    rows = [one(claim(), 0.31), one(claim(id="chen2017.t3.3.nn1.l2", paper="<b>", origin="beyond"), None)]
    page = paper_vs_run(rows, "jump_detection").data
    assert page.count("<tr>") == 3 and 'class="verdict verdict-reproduced">reproduced<' in page
    assert "verdict-not-run" in page and "<b>" not in page and "beyond the paper" in page
    assert "None" not in page and "nan" not in page


def test_reading_choices_need_evidence_for_every_choice():
    s = Study(name="x", title="X", reproduces="", params=(param("init", 0, 0, 0, integer(0, 2)),),
              check=no_cross_rules, reading_choices=(ReadingChoice("init", "initialisation", "not stated", (0, 1)),))
    cfg = type("Cfg", (), {"init": 1})()
    assert "<code>init</code> = 1" in reading_choices(s, cfg, {"init": "measured"}).data
    with pytest.raises(ValueError, match="without evidence: init"):
        reading_choices(s, cfg, {})
    with pytest.raises(ValueError, match="unknown parameters"):
        Study(name="x", title="X", reproduces="", params=(), check=no_cross_rules,
              reading_choices=(ReadingChoice("init", "i", "not stated", (0,)),))


def test_claim_ids_are_unique_across_the_book():
    ids = [c.id for s in SECTIONS for c in study(s).claims]
    assert len(ids) == len(set(ids))


def test_results_are_written_atomically_readable_and_without_leftovers(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_RESULTS", str(tmp_path))
    path = write_results("data", resolve("data", "smoke"), {"x": 1.0}, 0.0, claims=[one(claim(), 0.31)])
    record = json.loads(path.read_text())
    assert record["claims"][0]["verdict"] == "reproduced" and "paper" not in record
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 and [p.name for p in tmp_path.iterdir()] == ["data.json"]
