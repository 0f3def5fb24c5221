"""The claim table a reader reads (lib.claims_table, issue #29): labels, badges with fragile marks, values with
their uncertainty, the reference run's verdict, the facts on demand; and the one number style of every table."""

import json
import re

import pytest
from bs4 import BeautifulSoup

from lib import claims_table, reference
from lib.claims_table import claim_label, claims_table_html, tidy_number, tidy_text, value_html, verdict_badge


def claim(verdict="reproduced", **fields):
    row = {"id": "chen2017.t3.3.nn1.l1", "label": "", "source": "thesis Table 3.3", "statement": "The <NN> error",
           "paper": 0.3065, "criterion": "inside the interval", "role": "reproduction",
           "measured": {"mean": 0.31234, "sd": 0.0123, "n": 3, "df": 2.0, "sources": "network seeds",
                        "interval": [0.25, 0.37]},
           "verdict": verdict, "margin": 2.0, "fragile": False, "converged": True, "note": "why it holds",
           "remark": ""}
    return {**row, **fields}


@pytest.mark.parametrize("claim_id, label", [
    ("chen2017.t3.3.nn1.l1", "1-layer NN, L1"), ("chen2017.t3.3.mlp2.l2_99", "2-layer MLP, L2₉₉"),
    ("chen2017.t3.4.cnn3.l1", "3-conv CNN, L1"), ("chen2017.s4.2.shallow_no_dead_nodes", "Shallow no dead nodes"),
    ("chen2017.t3.3.systematic_offset", "Systematic offset"), ("chen2017.fig3.10.nn_max_error", "NN max error"),
    ("chen2017.fig6.5.tsne_structure_loosens", "t-SNE structure loosens"),
    ("dtpb2020.fmnist.6x100.network_test_acc", "Fashion-MNIST, 6x100, network test accuracy")])
def test_a_claim_without_a_label_gets_a_readable_one_from_its_id(claim_id, label):
    assert claim_label({"id": claim_id, "label": ""}) == label
    assert claim_label({"id": claim_id, "label": "Mine"}) == "Mine"


def test_the_badge_carries_the_verdict_word_and_a_fragile_mark_with_its_margin():
    assert verdict_badge("not converged") == '<span class="verdict verdict-not-converged">not converged</span>'
    fragile = verdict_badge("differs", fragile=True, margin=0.42)
    assert 'class="nw-fragile"' in fragile and ">fragile<" in fragile and "margin 0.42 predictive sd" in fragile


def test_a_value_shows_its_uncertainty_apart_and_never_a_spread_of_zero():
    assert value_html({"mean": 0.31234, "sd": 0.0123, "n": 3}) == \
        '<span class="nw-value">0.312</span> <span class="nw-unc">± 0.012 (n = 3)</span>'
    assert value_html({"mean": 0.31234, "sd": 0.0, "n": 1}) == '<span class="nw-value">0.3123</span>'
    assert "n = 4" in value_html({"mean": 0.5, "sd": 0.0, "n": 4}) and "±" not in value_html({"mean": 0.5, "sd": 0,
                                                                                              "n": 4})
    assert value_html(None) == '<span class="nw-value">—</span>' and "∞" in value_html(float("inf"))


def rows_of(markup):
    soup = BeautifulSoup(markup, "html.parser")
    return soup, soup.select("tr.nw-claim-row"), soup.select("tr.nw-more-row")


def test_the_table_has_five_columns_a_row_and_a_line_under_it_per_claim_and_escapes_text():
    found = {"chen2017.t3.3.nn1.l1": claim("differs", fragile=True, margin=0.3,
                                           measured={"mean": 0.33, "sd": 0.002, "n": 5})}
    markup = claims_table_html([claim(), claim("inconclusive", id="chen2017.t3.3.nn1.l2", role="calibration",
                                               label="1-layer NN, L2 (fits σ)")], found)
    soup, rows, more = rows_of(markup)
    assert [th.get_text() for th in soup.select("thead th")] == ["claim", "paper", "this run", "verdict",
                                                                  "paper scale"]
    assert len(rows) == len(more) == 2 and all(len(r.find_all("td")) == 5 for r in rows)
    assert rows[0]["id"] == "claim-chen2017-t3-3-nn1-l1" and rows[0].select_one(".nw-label")["title"] == \
        "chen2017.t3.3.nn1.l1"
    first = rows[0].find_all("td")
    assert first[0].select_one(".nw-label").get_text() == "1-layer NN, L1"
    assert first[3].get_text() == "reproduced" and "differs" in first[4].get_text()
    assert first[4].select_one(".nw-fragile") is not None, "the reference's fragile mark"
    assert rows[1].select_one(".nw-role").get_text() == "calibration" and rows[0].select_one(".nw-role") is None
    assert "not in that run" in rows[1].find_all("td")[4].get_text()
    details = more[0].find("details")
    assert details.summary.get_text() == "The <NN> error" and "<NN>" not in markup
    facts = dict(zip([dt.get_text() for dt in details.find_all("dt")], [dd.get_text() for dd in details("dd")]))
    assert facts["criterion"] == "inside the interval" and facts["claim id"] == "chen2017.t3.3.nn1.l1"
    assert facts["paper-scale run"] == "0.3300 ± 0.0020 (n = 5): why it holds"
    assert more[0].td["colspan"] == "5"


def test_without_a_reference_the_table_has_four_columns_and_a_stale_one_says_so():
    soup, rows, _ = rows_of(claims_table_html([claim()]))
    assert len(soup.select("thead th")) == 4 and "nw-cols-4" in soup.table["class"]
    _, rows, _ = rows_of(claims_table_html([claim()], {"chen2017.t3.3.nn1.l1": claim()}, stale=True))
    assert rows[0].select_one(".nw-stale").get_text() == "stale"


def test_beyond_claims_have_no_paper_value_and_groups_get_a_heading_row():
    markup = claims_table_html([claim(role="beyond"), claim(id="chen2017.t3.3.nn1.l2")],
                               group=lambda c: c["id"][-2:], link=lambda c: f"x.html#{c['id']}", prefix="p-")
    soup, rows, _ = rows_of(markup)
    assert "beyond the paper" in rows[0].find_all("td")[1].get_text()
    assert [th.get_text() for th in soup.select("tr.nw-group-row th")] == ["l1", "l2"]
    assert rows[1]["id"] == "p-claim-chen2017-t3-3-nn1-l2" and rows[1].a["href"] == "x.html#chen2017.t3.3.nn1.l2"


def test_the_chapter_table_reads_the_reference_run_only_when_the_section_has_one(tmp_path, monkeypatch):
    monkeypatch.setattr(reference, "REFERENCE", tmp_path)
    assert "paper scale" not in claims_table.paper_vs_run([claim()], "data").data
    record = {"section": "data", "parameters": {}, "claims": [], "reference": {"date": "2026-12-01"}}
    (tmp_path / "data.json").write_text(json.dumps(record))
    monkeypatch.setattr(claims_table, "claim_verdicts", lambda ref: {"chen2017.t3.3.nn1.l1": claim("differs")})
    markup = claims_table.paper_vs_run([claim()], "data").data
    assert "paper scale" in markup and "stale" in markup  # {} parameters are not the paper profile's


@pytest.mark.parametrize("text, tidy", [
    ("1.000000", "1"), ("0.100000", "0.1"), ("0.312345", "0.3123"), ("1e+04", "10,000"), ("1000000", "1,000,000"),
    ("1e-06", "1 × 10⁻⁶"), ("inf", "∞"), ("-inf", "−∞"), ("nan", "—"), ("None", "—"), ("2017", "2017"),
    ("0.31 ± 0.0000 (n = 1)", "0.31"), ("12345.678", "12,346"), ("-0.004500", "−0.0045"), ("0.000000", "0"),
    ("L1", "L1"), ("a few words", "a few words"), ("19.7550 ± 1.2044", "19.8 ± 1.2"),
    ("22.578 ± 0.000", "22.58"), ("0.31234 ± 0.0123 (n = 3)", "0.312 ± 0.012 (n = 3)")])
def test_one_number_style_for_every_table(text, tidy):
    assert tidy_number(text) == tidy


def test_numbers_inside_a_cell_text_are_tidied_too():
    assert tidy_text("lr 0.100000, 48k/12k/10k train") == "lr 0.1, 48k/12k/10k train"
    assert tidy_text("step 1e+04") == "step 10,000" and tidy_text("thesis eq. 3.1") == "thesis eq. 3.1"


def test_no_six_decimal_floats_survive_the_style():
    for x in (1.0, 0.1, 1e4, 1e-6, 123.456789, 0.000123456, 98765.4321):
        assert not re.search(r"\d\.\d{6}", tidy_number(f"{x:f}"))
