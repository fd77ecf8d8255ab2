"""``ValidationCase`` alone, with stub activities (as Temporal's samples test workflows): no
database, no S3. What it asks its activities to do, in which order, and how it answers
when one of them refuses for good."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from vnfil.accounts.schemas import Actor, CandidateRef, Role
from vnfil.cases.schemas import (
    AssignmentInput,
    AuditInput,
    CaseInput,
    CounsellingInput,
    DeadlineInput,
    DecisionInput,
    IdentificationInput,
    IdentityCheckInput,
    LODecision,
    NotificationInput,
    PanelInput,
    Stage,
    StageRecordInput,
    StageRecordRef,
)
from vnfil.credentials.schemas import (
    CertificationInput,
    Certified,
    CredentialInput,
    CredentialRef,
    UnitCredentialRef,
)
from vnfil.evidence.schemas import EvidenceRecordInput, EvidenceRef
from vnfil.platform.errors import Refusal
from vnfil.standards.schemas import Issuer, StandardSnapshot
from vnfil.standards.service import sample_document
from workflows.case import ValidationCase

SHA = "0" * 64
STD = sample_document("digital-collaboration")
LOS = [lo.id for lo in STD.learning_outcomes]
# The same standard with two units (its outcomes in two halves).
UNITS = STD.model_validate(
    {
        **STD.model_dump(),
        "translations": {},
        "units": [
            {"id": "WS", "title": "Workspaces", "outcomes": ["DC1", "DC4"], "workload_hours": 9},
            {"id": "CW", "title": "Coordination", "outcomes": ["DC2", "DC3"], "workload_hours": 9},
        ],
    }
)


class Stubs:
    """The case's activities, by name, recording what they were asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.refuse_evidence = False

    def all(self) -> list:  # type: ignore[type-arg]
        @activity.defn(name="record_stage")
        async def record_stage(inp: StageRecordInput) -> StageRecordRef:
            self.calls.append(("record_stage", (inp.stage, inp.next_stage)))
            return StageRecordRef(object_key=f"cases/x/stages/{inp.stage}.json", sha256=SHA)

        @activity.defn(name="append_audit")
        async def append_audit(inp: AuditInput) -> None:
            self.calls.append(("append_audit", (inp.seq, inp.action)))

        @activity.defn(name="record_deadline")
        async def record_deadline(inp: DeadlineInput) -> None:
            self.calls.append(("record_deadline", inp.deadline))

        @activity.defn(name="notify")
        async def notify(inp: NotificationInput) -> int:
            self.calls.append(("notify", inp.template))
            return len(inp.audience)

        @activity.defn(name="record_evidence")
        async def record_evidence(inp: EvidenceRecordInput) -> None:
            if self.refuse_evidence:
                raise ApplicationError("refused for good", type="InvalidStep", non_retryable=True)
            self.calls.append(("record_evidence", inp.evidence.evidence_id))

        @activity.defn(name="record_assignments")
        async def record_assignments(inp: AssignmentInput) -> None:
            self.calls.append(("record_assignments", tuple(inp.assessor_ids)))

        @activity.defn(name="issue_credential")
        async def issue_credential(inp: CredentialInput) -> CredentialRef:
            self.calls.append(("issue_credential", tuple(inp.achieved_lo_ids)))
            return CredentialRef(
                credential_id=inp.credential_id, object_key="credentials/x.json", sha256=SHA
            )

        @activity.defn(name="issue_credentials")
        async def issue_credentials(inp: CertificationInput) -> Certified:
            self.calls.append(
                ("issue_credentials", (inp.full, tuple(u.unit_id for u in inp.units)))
            )
            return Certified(
                full=None,
                units=[
                    UnitCredentialRef(
                        unit_id=u.unit_id,
                        credential_id=u.credential_id,
                        object_key=f"credentials/{u.credential_id}.json",
                        sha256=SHA,
                    )
                    for u in inp.units
                ],
            )

        return [
            issue_credentials,
            record_stage,
            append_audit,
            record_deadline,
            notify,
            record_evidence,
            record_assignments,
            issue_credential,
        ]

    def of(self, name: str) -> list[object]:
        return [arg for n, arg in self.calls if n == name]


def _evidence(case_id: str) -> EvidenceRef:
    eid = str(uuid.uuid4())
    return EvidenceRef(
        evidence_id=eid,
        object_key=f"cases/{case_id}/evidence/{eid}",
        sha256=SHA,
        size=10,
        filename="cert.pdf",
        media_type="application/pdf",
        kind="certificate",
        lo_ids=LOS,
    )


@pytest.mark.parametrize("units", [False, True], ids=["whole", "units"])
async def test_a_case_with_stub_activities(temporal_env, units: bool) -> None:
    client = temporal_env.client
    stubs = Stubs()
    queue = f"stubbed-{uuid.uuid4()}"
    case_id = str(uuid.uuid4())
    candidate = Actor(user_id="cand", role=Role.candidate)
    counsellor = Actor(user_id="coun", role=Role.counsellor)
    admin = Actor(user_id="adm", role=Role.centre_admin)
    supervisor = Actor(user_id="sup", role=Role.supervisor)
    panel = [Actor(user_id=f"a{i}", role=Role.assessor) for i in (1, 2)]
    inp = CaseInput(
        case_id=case_id,
        centre_id="centre",
        candidate=CandidateRef(id="cand", name="Zofia", email="z@test.example"),
        standard=StandardSnapshot(
            standard_id="std",
            issuer=Issuer(id="body", name="Body", country="PL"),
            document=UNITS if units else STD,
        ),
    )
    async with Worker(client, task_queue=queue, workflows=[ValidationCase], activities=stubs.all()):
        h = await client.start_workflow(
            ValidationCase.run, inp, id=f"case-{case_id}", task_queue=queue
        )

        # The very first step already meets every rule: identification needs counselling.
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(
                ValidationCase.complete_identification,
                args=[candidate, IdentificationInput(selected_lo_ids=LOS)],
            )
        assert err.value.cause.type == Refusal.wrong_stage  # type: ignore[union-attr]
        counselling = CounsellingInput(
            held_on=date(2026, 11, 20), mode="phone", notes="ok", prerequisites_met=[True]
        )
        await h.execute_update(ValidationCase.record_counselling, args=[counsellor, counselling])
        done = await h.execute_update(
            ValidationCase.complete_identification,
            args=[candidate, IdentificationInput(selected_lo_ids=LOS)],
        )
        # A step answers a receipt, not the case's whole state.
        assert done.stage == Stage.documentation and not hasattr(done, "evidence")

        # An activity that refuses for good ends the step, not the case, and leaves nothing
        # half-written: the evidence it would have added is not in the state.
        stubs.refuse_evidence = True
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(
                ValidationCase.add_evidence, args=[candidate, _evidence(case_id)]
            )
        assert isinstance(err.value.cause, ActivityError)
        assert (await h.query(ValidationCase.status)).evidence == []
        stubs.refuse_evidence = False
        ev = _evidence(case_id)
        await h.execute_update(ValidationCase.add_evidence, args=[candidate, ev])
        await h.execute_update(
            ValidationCase.assign_panel,
            args=[admin, PanelInput(assessor_ids=[a.user_id for a in panel], supervisor_id="sup")],
        )
        await h.execute_update(ValidationCase.submit_portfolio, args=[candidate])
        await h.execute_update(
            ValidationCase.verify_identity,
            args=[
                supervisor,
                IdentityCheckInput(method="online", document_type="passport", result="verified"),
            ],
        )
        for a in panel:
            decision = DecisionInput(
                decisions=[
                    LODecision(lo_id=lo, achieved=not (units and lo == "DC2"), rationale="seen")
                    for lo in LOS
                ]
            )
            await h.execute_update(ValidationCase.record_decision, args=[a, decision])
        await h.execute_update(ValidationCase.accept_result, args=[candidate])
        await h.execute_update(ValidationCase.certify, args=[admin])
        outcome = await h.result()
        final = await h.query(ValidationCase.status)
        # A worker lost mid-step costs seconds: every activity has a short timeout.
        timeouts = [
            e.activity_task_scheduled_event_attributes.start_to_close_timeout.ToSeconds()
            async for e in h.fetch_history_events()
            if e.HasField("activity_task_scheduled_event_attributes")
        ]
        assert timeouts and max(timeouts) <= 15, timeouts

    if units:
        # A partial result of a standard with units: the unit achieved, no full credential,
        # and the plan of what is left.
        assert outcome.result == "partial" and outcome.credential_id is None
        assert stubs.of("issue_credentials") == [(False, ("WS",))]
        assert stubs.of("issue_credential") == [] and len(outcome.unit_credential_ids) == 1
        assert final.plan is not None and final.plan.missing_lo_ids == ["DC2"]
        return
    assert outcome.status == "completed" and outcome.result == "full"
    assert outcome.credential_id and outcome.achieved_lo_ids == LOS
    # Each stage recorded once, in order; the audit chain without a gap.
    assert stubs.of("record_stage") == [
        (Stage.identification, Stage.documentation),
        (Stage.documentation, Stage.assessment),
        (Stage.assessment, Stage.certification),
        (Stage.certification, Stage.completed),
    ]
    seqs = [seq for seq, _ in stubs.of("append_audit")]  # type: ignore[misc]
    assert seqs == list(range(1, len(seqs) + 1))
    assert stubs.of("record_evidence") == [ev.evidence_id]
    assert stubs.of("issue_credential") == [tuple(LOS)]
    assert stubs.of("record_assignments") == [("a1", "a2")]
