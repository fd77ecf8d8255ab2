"""Whose move it is, stage by stage: what every case page says under "What happens next"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from vnfil.accounts.schemas import Role
from vnfil.cases.next import next_steps
from vnfil.cases.schemas import (
    AssessorDecision,
    CaseFacts,
    CaseState,
    CounsellingRecord,
    LODecision,
    Result,
    Stage,
)

NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)
DUE = NOW + timedelta(days=14)


def case(**fields: Any) -> CaseFacts:
    base: dict[str, Any] = {
        "case_id": "c",
        "centre_id": "ctr",
        "standard_id": "s",
        "candidate_id": "cand",
        "stage": Stage.identification,
        "deadline": DUE,
        "selected_lo_ids": ["LO1", "LO2"],
    }
    return CaseFacts(**(base | fields))


def steps(facts: CaseFacts) -> list[tuple[str, str, list[str]]]:
    return [(s.who.value, s.what, s.person_ids) for s in next_steps(facts)]


def decision(assessor: str, achieved: bool) -> AssessorDecision:
    return AssessorDecision(
        assessor_id=assessor,
        at=NOW,
        decisions=[LODecision(lo_id="LO1", achieved=achieved, rationale="because")],
    )


def test_identification_waits_for_the_counsellor_then_the_candidate() -> None:
    assert steps(case(eligibility_required=True)) == [("counsellor", "counsel", [])]
    counselled = CounsellingRecord(
        held_on=NOW.date(), mode="online", notes="ok", counsellor_id="co", at=NOW
    )
    assert steps(case(eligibility_required=True, counselling=[counselled])) == [
        ("candidate", "identify", [])
    ]
    assert steps(case()) == [("candidate", "identify", [])]
    assert next_steps(case())[0].due == DUE


def test_documentation_waits_for_the_portfolio_and_a_panel() -> None:
    doc = case(stage=Stage.documentation)
    assert steps(doc) == [("candidate", "document", []), ("centre_admin", "assign_panel", [])]
    assert steps(case(stage=Stage.documentation, assessor_ids=["a1", "a2"])) == [
        ("candidate", "document", [])
    ]


def test_assessment_names_who_still_has_to_act() -> None:
    panel = {"stage": Stage.assessment, "assessor_ids": ["a1", "a2"], "chair_id": "a1"}
    assert steps(case(**panel, supervisor_id="sup")) == [
        ("supervisor", "check_identity", ["sup"]),
        ("assessor", "decide", ["a1", "a2"]),
    ]
    one = case(**panel, decisions=[decision("a1", True)])
    assert steps(one) == [("assessor", "decide", ["a2"])]
    [step] = next_steps(one)
    assert step.is_for("a2", Role.assessor) and not step.is_for("a1", Role.assessor)
    disputed = case(
        **panel, decisions=[decision("a1", True), decision("a2", False)], disputed_lo_ids=["LO1"]
    )
    assert steps(disputed) == [("assessor", "resolve", ["a1"])]
    # After an appeal the old panel is gone: the centre assigns a new one.
    assert steps(case(stage=Stage.assessment, appealed=True)) == [
        ("centre_admin", "assign_panel", [])
    ]


def test_a_result_waits_for_the_candidate_until_the_appeal_window_ends() -> None:
    ends = NOW + timedelta(days=7)
    result = case(
        stage=Stage.assessment,
        assessor_ids=["a1"],
        result=Result.partial,
        appeal_window_ends=ends,
    )
    assert steps(result) == [("candidate", "accept_or_appeal", [])]
    assert next_steps(result)[0].due == ends
    final = case(stage=Stage.certification, result=Result.full, result_final=True)
    assert steps(final) == [("centre_admin", "certify", [])]


def test_a_closed_case_waits_for_nobody() -> None:
    assert steps(case(status=CaseState.withdrawn)) == []
    assert steps(case(stage=Stage.completed, status=CaseState.completed)) == []
