"""Reference runs: a section's `paper` profile run once, committed as results/reference/<section>.json, and shown
beside the book's `default` run in its chapter table and on the scorecard.

A reference record is the run's results (the same schema, with its claims) plus the commit, the device, the date
and the wall time. It is stale when its parameters no longer equal the current `paper` profile: a stale record is
shown as stale, never as evidence for the current profile. Its verdicts are recomputed from its stored
measurements with the current claims and rule (`rejudge`), so a change of the rule reaches the reference too.

    python -m lib.reference SECTION RUN_FOLDER     # after `make paper S=SECTION`: commit that run as the reference
"""

import argparse
import datetime
import json
import subprocess
import sys
from pathlib import Path

from lib.claims import Offset, Record, evaluate
from lib.paths import REPO_ROOT
from lib.results import to_json, write_json_atomic
from lib.studies import resolve, study
from lib.uncertainty import Measurement

REFERENCE = REPO_ROOT / "results" / "reference"


def reference_path(section: str) -> Path:
    """Where a section's reference run is committed."""
    return REFERENCE / f"{section}.json"


def load_reference(section: str) -> dict | None:
    """The committed reference record of a section, or None when it has none."""
    path = reference_path(section)
    return json.loads(path.read_text()) if path.exists() else None


def is_stale(record: dict) -> bool:
    """Whether a reference run's parameters differ from the section's current `paper` profile."""
    return record.get("parameters") != to_json(resolve(record["section"], "paper"))


def claim_verdicts(record: dict | None) -> dict[str, dict]:
    """Claim id → that claim of a reference record, judged by today's claims and rule (empty without a record)."""
    return {c["id"]: c for c in rejudge(record)} if record else {}


def rejudge(record: dict) -> list[dict]:
    """A reference run's stored measurements judged by the study's current claims and verdict rule; a claim whose
    statement changed since the run, or that it did not measure, is "not run" at that scale."""
    stored = {c["id"]: c for c in record.get("claims", [])}
    rows = []
    for claim in study(record["section"]).claims:
        row = stored.get(claim.id)
        same = row is not None and row.get("statement") == claim.statement and row.get("measured") is not None
        rows.append(evaluate(claim, Record(stored_value(row["measured"]), bool(row.get("converged", True)),
                                           row.get("remark", ""), comparable(row)) if same else None))
    return rows


def comparable(row: dict) -> bool:
    """Whether a stored row's run could speak for the claim (rows written before the field existed: from their
    verdict)."""
    return bool(row.get("comparable", row.get("verdict") != "not comparable"))


def stored_value(value):
    """A measured value as results JSON stores it, read back: a Measurement, an Offset, or the plain value."""
    if isinstance(value, dict) and {"mean", "n"} <= set(value):
        return Measurement.from_json(value)
    if isinstance(value, dict) and "median_relative" in value:
        return Offset(**value)
    return value


def git_commit() -> str:
    """The checked-out commit (with "+changes" when the work tree differs from it), or "unknown"."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def make_reference(run_results: Path) -> dict:
    """A finished `paper` run's results as a reference record: commit, device, date and wall time added."""
    record = json.loads(run_results.read_text())
    if record.get("profile") != "paper":
        raise ValueError(f"{run_results}: profile {record.get('profile')!r}; a reference run is a 'paper' run")
    if "claims" not in record or "wall_s" not in record:
        raise ValueError(f"{run_results}: not a finished run of a study in the ledger (no claims or wall time)")
    run_date = datetime.datetime.fromtimestamp(run_results.stat().st_mtime, datetime.UTC).strftime("%Y-%m-%d")
    return {**record, "reference": {"commit": git_commit(), "device": record["environment"].get("device", "?"),
                                    "date": run_date, "wall_s": record["wall_s"]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="commit a finished paper run as a section's reference run")
    parser.add_argument("section")
    parser.add_argument("run", type=Path, help="the run's folder, runs/<section>/<run-id>/")
    args = parser.parse_args(argv)
    try:
        record = make_reference(args.run / f"{args.section}.json")
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    REFERENCE.mkdir(parents=True, exist_ok=True)
    write_json_atomic(reference_path(args.section), record)
    print(f"{reference_path(args.section)}: reference run of {args.section} ({record['reference']['date']}, "
          f"{record['reference']['device']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
