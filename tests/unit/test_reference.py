"""Reference runs of the `paper` profile: committed records, staleness, the third column of the chapter tables."""

import json

import pytest

from lib import claims_table, reference
from lib.results import to_json
from lib.studies import resolve


def claim(verdict, measured=0.31):
    return {"id": "chen2017.f3.2.manifold", "source": "s", "statement": "x", "paper": 0.3, "origin": "paper",
            "measured": measured, "verdict": verdict, "note": ""}


def run_record(profile="paper", **extra):
    return {"section": "data", "profile": profile, "parameters": to_json(resolve("data", profile)),
            "claims": [claim("reproduced")], "environment": {"device": "cuda (NVIDIA H200)"}, "wall_s": 61.5,
            **extra}


def test_a_finished_paper_run_becomes_a_reference_with_commit_device_date_and_wall_time(tmp_path, monkeypatch):
    run = tmp_path / "runs" / "data" / "20261130-1200-abc"
    run.mkdir(parents=True)
    (run / "data.json").write_text(json.dumps(run_record()))
    monkeypatch.setattr(reference, "REFERENCE", tmp_path / "results" / "reference")
    assert reference.main(["data", str(run)]) == 0
    stored = json.loads((tmp_path / "results" / "reference" / "data.json").read_text())
    meta = stored["reference"]
    assert meta["device"] == "cuda (NVIDIA H200)" and meta["wall_s"] == 61.5 and len(meta["date"]) == 10
    assert meta["commit"] == "unknown" or len(meta["commit"].split("+")[0]) == 40
    assert not reference.is_stale(stored)


def without_claims():
    record = run_record()
    record.pop("claims")
    return record


@pytest.mark.parametrize("record, why", [(run_record(profile="default"), "profile 'default'"),
                                         (without_claims(), "no claims")])
def test_only_finished_paper_runs_become_references(tmp_path, record, why):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match=why):
        reference.make_reference(path)


def test_a_reference_is_stale_once_the_paper_profile_changes():
    record = run_record()
    assert not reference.is_stale(record)
    record["parameters"] = {**record["parameters"], "seed": record["parameters"]["seed"] + 1}
    assert reference.is_stale(record)


def test_the_chapter_table_gets_a_reference_column_only_when_the_section_has_one(tmp_path, monkeypatch):
    monkeypatch.setattr(reference, "REFERENCE", tmp_path)
    claims = [claim("differs", 0.5), {**claim("reproduced"), "id": "chen2017.eq3.1.noise"}]
    assert "paper scale" not in claims_table.paper_vs_run(claims, "data").data
    (tmp_path / "data.json").write_text(json.dumps({**run_record(), "claims": [claim("reproduced", 0.31)],
                                                    "reference": {}}))
    html = claims_table.paper_vs_run(claims, "data").data
    assert "paper scale" in html  # the reference run's verdict per claim (lib.claims_table)
    assert '<td class="nw-ref" data-label="paper scale"><span class="verdict verdict-' in html
    assert "stale" not in html
