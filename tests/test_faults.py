"""A small run of the fault harness (``bench/faults.py``), asserted.

Four cases on SQLite through one API process and one worker process, while the worker
is SIGKILLed once, S3 stops for a few seconds, and the API is SIGKILLed in the middle of
a large upload; then revocations at once and the orphan sweep. Nothing may be lost,
duplicated, orphaned or left half-uploaded, no revoked credential may verify, and no
request may answer 500. The harness starts its own servers (its own Temporal, SeaweedFS
and SQLite file), so it shares nothing with the rest of the suite; it asserts no timing.
The bigger runs (100 cases, PostgreSQL with 2 API + 2 workers, a Temporal restart) are
``python -m bench.faults``'s job, not the suite's.
"""

from __future__ import annotations

from pathlib import Path

from bench.faults import Options, render, run


def test_a_small_run_under_faults_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    opts = Options(
        cases=4,
        db="sqlite",
        apis=1,
        workers=1,
        faults=("worker-kill", "s3-outage", "api-kill-upload"),
        seed=7,
        duration=900,  # generous: a busy 2-core machine is slow, never wrong
        kill_every=(2.0, 5.0),
        worker_kills=1,
        s3_down=(6.0, 6.0),
        s3_at=0.2,
        big_mib=8,
        revocations=3,
        workdir=tmp_path / "run",
        quiet=True,
    )
    report = run(opts)  # its own event loop: a plain (not async) test
    print(render(report))  # shown by pytest when an assertion fails

    # The faults happened (the harness notes any it could not exercise).
    assert report["faults"]["worker_kills"] == 1, report["faults"]
    kinds = [o["kind"] for o in report["faults"]["outages"]]
    assert kinds == ["api-kill-upload", "s3-outage"], (kinds, report["notes"])
    assert "multipart upload open" in report["faults"]["outages"][0]["detail"]
    assert report["sweep"]["incomplete_uploads_before"] >= 1  # the killed API's upload

    assert report["cases"]["completed"] == 4, report["cases"]["failed"]
    d, o = report["duplicates"], report["objects"]
    assert d["credentials"] == 0 and d["completed_cases_without_credential"] == 0
    assert d["evidence"] == 0 and d["cases_with_evidence_count_not_2"] == 0
    assert d["status_lists_beyond_one"] == 0
    assert o["evidence_rows_without_object"] == 0 and o["manifest_keys_without_object"] == 0
    assert o["stage_records_without_object"] == 0 and o["credentials_without_object"] == 0
    assert o["objects_without_row"] == {}, o
    assert o["incomplete_uploads_after_sweep"] == 0
    assert report["audit"]["broken"] == []
    assert d["events"] == 0 and report["events"]["completed_cases_unlike_the_most_common"] == 0
    assert report["events"]["per_completed_case"]["min"] == 6  # the six events of a case
    assert report["audit"]["completed_cases_unlike_the_most_common"] == 0
    assert report["revocations"]["requested"] == 3
    assert report["revocations"]["still_verify"] == 0, report["revocations"]
    assert report["revocations"]["unrevoked_failing_verification"] == []
    assert report["http"]["500"] == 0, report["http"]
    assert report["anomalies"] == []
    assert report["ok"], report["invariants"]
