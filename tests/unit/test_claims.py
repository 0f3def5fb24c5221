"""The claims ledger: verdicts, roles, criteria, ids, and the tables rendered from it. The rule itself (prediction
interval and equivalence margin) is tested on synthetic draws in test_verdict_rule.py."""

import json
import math
import stat

import pytest

from lib.claims import (
    Claim,
    Ledger,
    at_least,
    at_most,
    counts,
    format_value,
    headline,
    is_true,
    matches,
)
from lib.claims_table import paper_vs_run, reading_choices
from lib.params import integer, param
from lib.results import write_results
from lib.studies import SECTIONS, resolve, study
from lib.study import ReadingChoice, Study, no_cross_rules
from lib.uncertainty import Measurement, exact, over_repeats


def claim(criterion=None, **kw):
    return Claim(id=kw.pop("id", "chen2017.t3.3.nn1.l1"), source="thesis Table 3.3", statement="1-layer L1 error",
                 paper=kw.pop("paper", 0.3083), criterion=criterion or matches(0.3083, "error"), **kw)


def one(c, measured, converged=True, note="", comparable=True):
    ledger = Ledger([c])
    if measured is not None:
        ledger.record(c.id, measured, converged, note, comparable)
    return ledger.evaluate()[0]


def tight(mean, sd=0.002, n=10):
    return Measurement(mean, sd, n, n - 1, "network seeds")


@pytest.mark.parametrize("measured, converged, comparable, verdict", [
    (None, True, True, "not run"), (tight(0.31), True, True, "reproduced"), (tight(0.40), True, True, "differs"),
    (tight(0.40), False, True, "not converged"), (tight(0.31), True, False, "not comparable"),
    (tight(float("nan")), True, True, "differs"), (Measurement(0.31, 0.2, 3, 2, "seeds"), True, True, "inconclusive"),
    (over_repeats([0.31]), True, True, "inconclusive"),
])
def test_verdicts(measured, converged, comparable, verdict):
    assert one(claim(), measured, converged, comparable=comparable)["verdict"] == verdict


def test_a_claim_on_unconverged_networks_never_differs():
    row = one(claim(), tight(5.0), converged=False)
    assert row["verdict"] == "not converged" and "epoch cap" in row["note"] and row["converged"] is False


def test_a_paper_that_contradicts_itself_is_not_judged():
    row = one(claim(inconsistent="L2_99 0.2621 below its own L1_99 0.9542"), tight(0.5))
    assert row["verdict"] == "paper inconsistent" and "0.2621" in row["note"]


def test_thresholds_judge_the_whole_prediction_interval():
    assert at_least(0.5).judge(0.5).verdict == "reproduced" and at_least(0.5).judge(0.49).verdict == "differs"
    assert at_most(1e-5).judge(1e-5).verdict == "reproduced" and at_most(1e-5).judge(2e-5).verdict == "differs"
    assert at_least(0.5).judge(tight(0.51, sd=0.05)).verdict == "inconclusive"
    assert at_least(0.5).judge(tight(0.7, sd=0.05)).verdict == "reproduced"
    for c in (at_least(0.5), at_most(0.5), matches(0.5, "accuracy")):  # one draw: no spread to judge against
        assert c.judge(over_repeats([0.7])).verdict == "inconclusive"
    assert at_least(0.5).judge(tight(0.3, sd=0.05)).verdict == "differs"
    assert is_true("x").judge(True).verdict == "reproduced" and is_true("x").judge(1).verdict == "differs"
    for c in (matches(0.0, "accuracy"), at_most(1.0), at_least(-1.0)):
        for bad in (float("nan"), None, "0.1", True):
            assert c.judge(bad).verdict == "differs"


def test_an_exact_number_is_judged_at_the_paper_s_rounding():
    assert matches(0.3083, "error").judge(exact(0.30834)).verdict == "reproduced"
    assert matches(0.3083, "error").judge(0.3084).verdict == "differs"


def test_claim_ids_follow_doc_where_what_and_roles_are_known():
    for bad in ("chen2017", "chen2017.t3", "smith2020.t1.acc", "chen2017..x", "chen2017.t 3.x"):
        with pytest.raises(ValueError, match="claim id"):
            claim(id=bad)
    assert claim(id="dtpb2020.s7.fmnist.perplexity").id
    with pytest.raises(ValueError, match="role"):
        claim(role="ours")
    with pytest.raises(ValueError, match="kind"):
        matches(1.0, "percentage")


def test_a_ledger_refuses_duplicated_and_unknown_ids():
    with pytest.raises(ValueError, match="declared twice"):
        Ledger([claim(), claim()])
    with pytest.raises(KeyError, match="no claim"):
        Ledger([claim()]).record("chen2017.t3.3.nn2.l1", 1.0)


def test_the_note_says_why_and_keeps_the_run_s_remark():
    row = one(claim(), tight(0.35), note="3 seeds")
    assert row["note"].startswith("the paper's 0.3083 lies outside the prediction interval [")
    assert row["note"].endswith("; 3 seeds") and row["remark"] == "3 seeds"
    assert row["margin"] > 1 and row["fragile"] is False and row["measured"]["sd"] == 0.002


def test_counts_headline_and_values_as_tables_show_them():
    rows = [one(claim(), v) for v in (None, tight(0.31), tight(0.5))]
    rows.append(one(claim(id="chen2017.beyond.x", role="check"), tight(0.31)))
    assert counts(rows)["reproduced"] == 2 and counts(rows, role="reproduction")["reproduced"] == 1
    assert headline(rows) == {"reproduced": 1, "differs": 1, "inconclusive": 0, "decided": 2, "claims": 3,
                              "share": 0.5}
    assert format_value({"mean": 0.31234, "sd": 0.0123, "n": 3}) == "0.312 ± 0.012 (n = 3)"
    assert format_value({"mean": 0.31234, "spread": 0.0, "n": 1}) == "0.3123"
    assert format_value(None) == "—" and format_value(True) == "yes" and format_value(1.5e-7) == "1.500e-07"
    assert format_value(math.inf) == "∞"


def test_paper_vs_run_has_a_row_and_a_badge_per_claim_and_escapes_text():
    rows = [one(claim(), tight(0.31)), one(claim(id="chen2017.t3.3.nn1.l2", paper="<b>", role="beyond"), None)]
    page = paper_vs_run(rows, "jump_detection").data
    assert page.count('<tr class="nw-claim-row') == 2 and 'class="verdict verdict-reproduced">reproduced<' in page
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
    path = write_results("data", resolve("data", "smoke"), {"x": 1.0}, 0.0, claims=[one(claim(), tight(0.31))])
    record = json.loads(path.read_text())
    assert record["claims"][0]["verdict"] == "reproduced" and "paper" not in record
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 and [p.name for p in tmp_path.iterdir()] == ["data.json"]


def test_a_stored_row_is_judged_again_to_the_same_verdict():
    from lib.reference import rejudge
    c = study("data").claims[0]
    ledger = Ledger(study("data").claims)
    ledger.record(c.id, tight(0.31), converged=True, note="remark", comparable=False)
    rows = json.loads(json.dumps(ledger.evaluate(), default=str))
    again = {r["id"]: r for r in rejudge({"section": "data", "claims": rows})}
    assert rows[0]["comparable"] is False and again[c.id]["verdict"] == "not comparable"
    assert again[c.id]["remark"] == "remark"
    del rows[0]["comparable"]  # a row stored before the field existed keeps its verdict's reading
    assert rejudge({"section": "data", "claims": rows})[0]["verdict"] == "not comparable"
