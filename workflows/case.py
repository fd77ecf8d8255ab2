"""``ValidationCase``: one candidate's case through the four stages of the 2012 recommendation.

Human steps are validated updates: each validator runs the stage rule from
``vnfil.cases.rules`` so a refused step never enters history, and each handler re-checks it
under the case lock (another step may have landed while it waited), changes state,
and, when a stage ends, has an activity write the stage record before answering.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from activities.cases import CaseActivities
    from activities.funding import FundingActivities
    from vnfil.accounts.schemas import Actor
    from vnfil.cases import rules
    from vnfil.cases.rules import RuleBroken
    from vnfil.cases.schemas import (
        AppealInput,
        AssessmentSession,
        AssessorDecision,
        AssignmentInput,
        AuditInput,
        CaseInput,
        CaseOutcome,
        CaseState,
        CaseStatus,
        ChairResolution,
        ConflictInput,
        CounsellingInput,
        CounsellingRecord,
        DeadlineInput,
        DecisionInput,
        ExtensionInput,
        FundingDecisionInput,
        FundingInput,
        FundingMoveInput,
        FundingRecordInput,
        FundingSource,
        IdentificationInput,
        IdentityCheckInput,
        IdentityRecord,
        IssuedUnit,
        MessageTemplate,
        NotificationInput,
        PanelInput,
        Result,
        ReviewInput,
        ReviewRecord,
        SessionInput,
        Stage,
        StageRecordInput,
        StepDone,
        WithdrawInput,
    )
    from vnfil.credentials.schemas import CertificationInput, CredentialInput, UnitIssue
    from vnfil.evidence.schemas import (
        EvidenceForgetInput,
        EvidenceRecordInput,
        EvidenceRef,
        EvidenceRemoval,
    )
    from vnfil.platform.errors import Refusal
    from vnfil.platform.temporal import STAGE, STATUS
    from vnfil.standards.units import achieved_units, plan_of
    from workflows.deadlines import Deadlines
    from workflows.options import SYSTEM, run_activity


def _refuse(exc: RuleBroken) -> ApplicationError:
    return ApplicationError(exc.message, type=exc.refusal.value, non_retryable=True)


@workflow.defn
class ValidationCase(Deadlines):
    @workflow.init
    def __init__(self, case: CaseInput) -> None:
        self._case = case
        self._std = case.standard.document
        self._lock = asyncio.Lock()
        self._state = CaseStatus(
            case_id=case.case_id,
            centre_id=case.centre_id,
            standard_id=case.standard.standard_id,
            candidate_id=case.candidate.id,
            stage=Stage.identification,
        )
        # Entry 0 of the audit chain ("case.opened") is written by the API with the case row.
        self._audit_seq = 1
        # Deadlines, reminders and expiry: on for every case started since they exist.
        self._tracking = False
        # Results wait for the candidate's appeal or acceptance (cases started since appeals).
        self._appeals = False
        # Disagreements go to the panel's chair (cases started since the chair rule).
        self._chair = False
        # Hand-off messages (cases started since "handoff-notices").
        self._notices = False
        self._removal = False
        self._revision = False
        self._units = False
        self._funding = False
        # A step may arrive before ``run`` starts: cases since "patches-at-start" read
        # their versions here, so the very first step already meets every rule.
        self._versions_read = False
        if workflow.patched("patches-at-start"):
            self._read_versions()
            self._state.bounded = workflow.patched("bounded-state")

    def _read_versions(self) -> None:
        self._appeals = workflow.patched("appeals")
        self._chair = workflow.patched("chair-resolution")
        self._state.eligibility_required = workflow.patched("eligibility")
        self._tracking = workflow.patched("deadlines")
        # Hand-offs tell the next person (cases since "handoff-notices"): the panel when
        # assigned, everyone concerned when a session is set, the candidate when the
        # result is ready and when the credential is issued.
        self._notices = workflow.patched("handoff-notices")
        # The candidate may take evidence back out before submitting (cases since then).
        self._removal = workflow.patched("evidence-removal")
        # An assessor may change their decision until the panel completes (cases since then).
        self._revision = workflow.patched("decision-revision")
        # A standard with units certifies each unit achieved (cases since then).
        self._units = workflow.patched("unit-credentials")
        # Who pays: sources reserved for the fee, decided by funders, settled at
        # certification, released if the case ends without it (cases since then).
        self._funding = workflow.patched("funding")
        if self._funding:
            self._state.funding.required = self._case.funding_required
        if self._tracking:
            self._state.deadline = self._deadline_for(Stage.identification)
        self._versions_read = True

    @workflow.run
    async def run(self, case: CaseInput) -> CaseOutcome:
        if not self._versions_read:
            self._read_versions()
        if self._tracking:
            await self._watch_deadlines()
        await workflow.wait_condition(lambda: not self._open())
        await workflow.wait_condition(workflow.all_handlers_finished)
        st = self._state
        return CaseOutcome(
            case_id=st.case_id,
            stage=st.stage,
            status=st.status,
            result=st.result,
            achieved_lo_ids=st.achieved_lo_ids,
            credential_id=st.credential_id,
            unit_credential_ids=[u.credential_id for u in st.unit_credentials],
            closed_reason=st.closed_reason,
        )

    def _counsellor(self) -> str | None:
        return self._state.counsellor_id or self._case.counsellor_id

    def _audience(self) -> list[str]:
        stage = self._state.stage
        if stage in (Stage.identification, Stage.documentation):
            return [self._state.candidate_id] + (
                [self._case.counsellor_id] if self._case.counsellor_id else []
            )
        if stage == Stage.assessment:
            decided = {d.assessor_id for d in self._state.decisions}
            return [a for a in self._state.assessor_ids if a not in decided]
        return []

    def _message_context(self, **extra: object) -> dict:
        return {
            "case_id": self._case.case_id,
            "title": self._std.title,
            "stage": self._state.stage.value,
            "deadline": self._state.deadline.strftime("%Y-%m-%d %H:%M UTC")
            if self._state.deadline
            else "",
            **extra,
        }

    async def _notice(
        self, key: str, template: MessageTemplate, to: list[str], **extra: object
    ) -> None:
        """A hand-off message to ``to`` (once per ``key``), for cases since the patch."""
        if not self._notices:
            return
        await run_activity(
            CaseActivities.notify,
            NotificationInput(
                key=f"{self._case.case_id}:{key}",
                case_id=self._case.case_id,
                template=template,
                audience=to,
                context=self._message_context(**extra),
            ),
        )

    async def _close(self, actor: Actor, status: CaseState, reason: str) -> None:
        """A clean end before completion: recorded, audited, announced; data kept."""
        action = "case.expired" if status == CaseState.expired else "case.withdrawn"
        await self._audit(actor, action, {"stage": self._state.stage.value, "reason": reason})
        await self._release_funding(actor, reason, "released", pay_stages=True)
        await run_activity(
            CaseActivities.record_stage,
            StageRecordInput(
                case_id=self._case.case_id,
                stage=self._state.stage,
                next_stage=self._state.stage,
                status=status,
                actor=actor,
                at=workflow.now(),
                inputs={"closed": status.value, "reason": reason},
                evidence=self._state.manifest
                or [
                    {"evidence_id": e.evidence_id, "object_key": e.object_key, "sha256": e.sha256}
                    for e in self._state.evidence
                ],
            ),
        )
        template: MessageTemplate = (
            "case-expired" if status == CaseState.expired else "case-withdrawn"
        )
        await run_activity(
            CaseActivities.notify,
            NotificationInput(
                key=f"{self._case.case_id}:{template}",
                case_id=self._case.case_id,
                template=template,
                audience=[self._state.candidate_id, *self._state.assessor_ids],
                centre_admins_of=self._case.centre_id,
                context=self._message_context(reason=reason),
            ),
        )
        self._state.status = status
        self._state.closed_reason = reason
        workflow.upsert_search_attributes([STATUS.value_set(status.value)])

    # --- at any stage ------------------------------------------------------------

    @workflow.update
    async def withdraw(self, actor: Actor, step: WithdrawInput) -> StepDone:
        async with self._lock:
            self._check(rules.check_withdrawal, actor)
            await self._close(actor, CaseState.withdrawn, step.reason)
        return self._done()

    @withdraw.validator
    def _validate_withdraw(self, actor: Actor, step: WithdrawInput) -> None:
        self._check_input(rules.input_size, step)
        self._check(rules.check_withdrawal, actor)

    @workflow.update
    async def extend_deadline(self, actor: Actor, step: ExtensionInput) -> StepDone:
        async with self._lock:
            self._check(rules.check_extension, actor, step)
            self._state.extensions += 1
            current = self._state.deadline or workflow.now()
            self._state.deadline = max(current, workflow.now()) + timedelta(days=step.days)
            await self._audit(
                actor,
                "deadline.extended",
                {
                    "stage": self._state.stage.value,
                    "days": step.days,
                    "reason": step.reason,
                    "deadline": self._state.deadline.isoformat(),
                },
            )
            await run_activity(
                CaseActivities.record_deadline,
                DeadlineInput(case_id=self._case.case_id, deadline=self._state.deadline),
            )
            await run_activity(
                CaseActivities.notify,
                NotificationInput(
                    key=f"{self._case.case_id}:extended:{self._state.deadline.isoformat()}",
                    case_id=self._case.case_id,
                    template="deadline-extended",
                    audience=[self._state.candidate_id, *self._audience()],
                    context=self._message_context(days=step.days, reason=step.reason),
                ),
            )
        return self._done()

    @extend_deadline.validator
    def _validate_extend(self, actor: Actor, step: ExtensionInput) -> None:
        self._check_input(rules.input_size, step)
        self._check(rules.check_extension, actor, step)

    @workflow.query
    def status(self) -> CaseStatus:
        return self._state

    def _done(self) -> StepDone:
        """What a step answers: small, so a case's history does not grow with its state."""
        s = self._state
        return StepDone(case_id=s.case_id, stage=s.stage, status=s.status)

    # --- helpers ---------------------------------------------------------------

    def _check(self, rule, *args) -> None:  # type: ignore[no-untyped-def]
        """A rule on the case's state: validator and handler (see vnfil/cases/rules.py)."""
        try:
            rule(self._state, *args)
        except RuleBroken as exc:
            raise _refuse(exc) from None

    def _count_extra(self, step: BaseModel) -> None:
        if self._state.bounded:
            self._state.extras_bytes += rules.size_of(step)

    @staticmethod
    def _check_input(rule, *args) -> None:  # type: ignore[no-untyped-def]
        """A rule on the step's own content: validator only (see vnfil/cases/rules.py)."""
        try:
            rule(*args)
        except RuleBroken as exc:
            raise _refuse(exc) from None

    async def _audit(self, actor: Actor, action: str, details: dict) -> None:
        """Append one link to the case's hash-chained audit trail."""
        if not workflow.patched("audit-trail"):
            return
        await run_activity(
            CaseActivities.append_audit,
            AuditInput(
                case_id=self._case.case_id,
                seq=self._audit_seq,
                at=workflow.now(),
                actor=actor,
                action=action,
                details=details,
            ),
        )
        self._audit_seq += 1

    async def _end_stage(
        self,
        actor: Actor,
        next_stage: Stage,
        inputs: dict,
        evidence: list[dict[str, str]] | None = None,
    ) -> None:
        """Write the stage record (S3 + DB), then move the case on."""
        await run_activity(
            CaseActivities.record_stage,
            StageRecordInput(
                case_id=self._case.case_id,
                stage=self._state.stage,
                next_stage=next_stage,
                actor=actor,
                at=workflow.now(),
                inputs=inputs,
                evidence=evidence or [],
                status=CaseState.completed if next_stage == Stage.completed else None,
                deadline=self._deadline_for(next_stage) if self._tracking else None,
            ),
        )
        self._state.stage = next_stage
        if next_stage == Stage.completed:
            self._state.status = CaseState.completed
        if not self._tracking:  # cases started before deadlines existed
            workflow.upsert_search_attributes([STAGE.value_set(next_stage.value)])
            return
        self._state.deadline = self._deadline_for(next_stage)
        workflow.upsert_search_attributes(
            [STAGE.value_set(next_stage.value), STATUS.value_set(self._state.status.value)]
        )

    # --- identification ----------------------------------------------------------

    @workflow.update
    async def complete_identification(self, actor: Actor, step: IdentificationInput) -> StepDone:
        async with self._lock:
            self._check(rules.check_identification, self._std, actor, step)
            self._state.selected_lo_ids = list(step.selected_lo_ids)
            await self._audit(
                actor, "identification.completed", {"selected_lo_ids": step.selected_lo_ids}
            )
            inputs = step.model_dump(mode="json")
            inputs["counselling"] = [c.model_dump(mode="json") for c in self._state.counselling]
            await self._end_stage(actor, Stage.documentation, inputs)
        return self._done()

    @complete_identification.validator
    def _validate_identification(self, actor: Actor, step: IdentificationInput) -> None:
        self._check_input(rules.input_identification, self._std, step)
        self._check(rules.check_identification, self._std, actor, step)

    @workflow.update
    async def record_counselling(self, actor: Actor, step: CounsellingInput) -> StepDone:
        """A counselling session; the first counsellor to hold one becomes the case's."""
        async with self._lock:
            self._check(rules.check_counselling, actor, step)
            self._count_extra(step)
            self._state.counselling.append(
                CounsellingRecord(
                    **step.model_dump(), counsellor_id=actor.user_id, at=workflow.now()
                )
            )
            self._state.counsellor_id = self._state.counsellor_id or actor.user_id
            await self._audit(actor, "counselling.recorded", step.model_dump(mode="json"))
        return self._done()

    @record_counselling.validator
    def _validate_counselling(self, actor: Actor, step: CounsellingInput) -> None:
        self._check_input(rules.input_counselling, self._std, step)
        self._check(rules.check_counselling, actor, step)

    # --- documentation ---------------------------------------------------------------

    @workflow.update
    async def review_portfolio(self, actor: Actor, step: ReviewInput) -> StepDone:
        """The counsellor's comments; 'changes-requested' holds submission until new evidence."""
        async with self._lock:
            self._check(rules.check_review, actor, step)
            self._count_extra(step)
            self._state.reviews.append(
                ReviewRecord(
                    **step.model_dump(),
                    counsellor_id=actor.user_id,
                    at=workflow.now(),
                    evidence_count=len(self._state.evidence),
                )
            )
            await self._audit(actor, "portfolio.reviewed", step.model_dump(mode="json"))
        return self._done()

    @review_portfolio.validator
    def _validate_review(self, actor: Actor, step: ReviewInput) -> None:
        self._check_input(rules.input_size, step)
        self._check(rules.check_review, actor, step)

    @workflow.update
    async def remove_evidence(self, actor: Actor, step: EvidenceRemoval) -> StepDone:
        """A piece out of the portfolio before submission: its record goes, the audit
        trail keeps that it was added and removed, and the orphan sweep frees its file."""
        async with self._lock:
            self._check_removal(actor, step.evidence_id)
            held = next(e for e in self._state.evidence if e.evidence_id == step.evidence_id)
            await run_activity(
                CaseActivities.forget_evidence,
                EvidenceForgetInput(case_id=self._case.case_id, evidence_id=step.evidence_id),
            )
            self._state.evidence.remove(held)
            await self._audit(
                actor,
                "evidence.removed",
                {"evidence_id": held.evidence_id, "sha256": held.sha256, "filename": held.filename},
            )
        return self._done()

    @remove_evidence.validator
    def _validate_removal(self, actor: Actor, step: EvidenceRemoval) -> None:
        self._check_removal(actor, step.evidence_id)

    def _check_removal(self, actor: Actor, evidence_id: str) -> None:
        """Validator and handler alike: the case's version allows it, and the rule holds."""
        if not self._removal:
            raise _refuse(
                RuleBroken(Refusal.wrong_stage, "this case began before evidence could be removed")
            )
        self._check(rules.check_evidence_removal, actor, evidence_id)

    @workflow.update
    async def add_evidence(self, actor: Actor, evidence: EvidenceRef) -> StepDone:
        async with self._lock:
            self._check(rules.check_evidence, actor, evidence)
            # Reserve the place first so a concurrent submission sees it; give it back if
            # the record is refused for good, so nothing is left half-written.
            self._state.evidence.append(evidence)
            try:
                await run_activity(
                    CaseActivities.record_evidence,
                    EvidenceRecordInput(
                        case_id=self._case.case_id,
                        evidence=evidence,
                        uploaded_by=actor.user_id,
                        at=workflow.now(),
                    ),
                )
            except ActivityError:
                self._state.evidence.remove(evidence)
                raise
            await self._audit(
                actor,
                "evidence.added",
                {
                    "evidence_id": evidence.evidence_id,
                    "sha256": evidence.sha256,
                    "filename": evidence.filename,
                    "lo_ids": evidence.lo_ids,
                },
            )
        return self._done()

    @add_evidence.validator
    def _validate_evidence(self, actor: Actor, evidence: EvidenceRef) -> None:
        self._check_input(rules.input_evidence, self._case.case_id, evidence)
        self._check(rules.check_evidence, actor, evidence)

    @workflow.update
    async def submit_portfolio(self, actor: Actor) -> StepDone:
        async with self._lock:
            self._check(rules.check_submission, actor)
            self._state.submitted = True
            self._state.manifest = [
                {"evidence_id": e.evidence_id, "object_key": e.object_key, "sha256": e.sha256}
                for e in self._state.evidence
            ]
            await self._audit(actor, "portfolio.submitted", {"manifest": self._state.manifest})
            await self._end_stage(
                actor,
                Stage.assessment,
                {"evidence_count": len(self._state.evidence)},
                self._state.manifest,
            )
        return self._done()

    @submit_portfolio.validator
    def _validate_submission(self, actor: Actor) -> None:
        self._check(rules.check_submission, actor)

    # --- assessment --------------------------------------------------------------------

    @workflow.update
    async def assign_panel(self, actor: Actor, step: PanelInput) -> StepDone:
        async with self._lock:
            self._check(rules.check_panel, self._std, actor, step, self._counsellor())
            await run_activity(
                CaseActivities.record_assignments,
                AssignmentInput(
                    case_id=self._case.case_id,
                    assessor_ids=step.assessor_ids,
                    supervisor_id=step.supervisor_id,
                ),
            )
            self._state.panels_assigned += 1
            self._state.assessor_ids = list(step.assessor_ids)
            self._state.supervisor_id = step.supervisor_id
            self._state.chair_id = step.chair_id or step.assessor_ids[0]
            await self._audit(actor, "panel.assigned", step.model_dump(mode="json"))
            panel = [*step.assessor_ids, *([step.supervisor_id] if step.supervisor_id else [])]
            await self._notice(f"panel:{self._state.panels_assigned}", "panel-assigned", panel)
        return self._done()

    @assign_panel.validator
    def _validate_panel(self, actor: Actor, step: PanelInput) -> None:
        self._check_input(rules.input_panel, self._std, step)
        self._check(rules.check_panel, self._std, actor, step, self._counsellor())

    @workflow.update
    async def schedule_session(self, actor: Actor, step: SessionInput) -> StepDone:
        """An assessment session for some outcomes, by a method the standard allows for them."""
        async with self._lock:
            self._check(rules.check_session, actor, step)
            self._count_extra(step)
            session = AssessmentSession(
                **step.model_dump(), session_id=str(workflow.uuid4()), scheduled_by=actor.user_id
            )
            self._state.sessions.append(session)
            await self._audit(actor, "session.scheduled", session.model_dump(mode="json"))
            await self._notice(
                f"session:{session.session_id}",
                "session-scheduled",
                [self._case.candidate.id, *self._state.assessor_ids],
                starts_at=session.starts_at.strftime("%Y-%m-%d %H:%M UTC"),
                method=session.method.value,
                where=session.place or session.online_url or "",
            )
        return self._done()

    @schedule_session.validator
    def _validate_session(self, actor: Actor, step: SessionInput) -> None:
        self._check_input(rules.input_session, self._std, step)
        self._check(rules.check_session, actor, step)

    @workflow.update
    async def verify_identity(self, actor: Actor, step: IdentityCheckInput) -> StepDone:
        async with self._lock:
            self._check(rules.check_identity, actor, step)
            self._state.identity_checks += 1
            self._state.identity = IdentityRecord(
                **step.model_dump(), supervisor_id=actor.user_id, at=workflow.now()
            )
            await self._audit(actor, "identity.checked", step.model_dump(mode="json"))
        return self._done()

    @verify_identity.validator
    def _validate_identity(self, actor: Actor, step: IdentityCheckInput) -> None:
        self._check_input(rules.input_identity, self._case.case_id, self._std, step)
        self._check(rules.check_identity, actor, step)

    @workflow.update
    async def record_decision(self, actor: Actor, step: DecisionInput) -> StepDone:
        async with self._lock:
            self._check(rules.check_decision, self._std, actor, step)
            self._state.decisions.append(
                AssessorDecision(**step.model_dump(), assessor_id=actor.user_id, at=workflow.now())
            )
            await self._audit(actor, "decision.recorded", step.model_dump(mode="json"))
            disputed = (
                rules.disputed_outcomes(self._state.selected_lo_ids, self._state.decisions)
                if self._chair
                else []
            )
            if len(self._state.decisions) < len(self._state.assessor_ids):
                pass
            elif disputed:
                self._state.disputed_lo_ids = disputed
                await self._audit(
                    actor, "panel.disagreed", {"lo_ids": disputed, "chair_id": self._state.chair_id}
                )
            else:
                await self._conclude(actor)
        return self._done()

    @workflow.update
    async def resolve_disagreement(self, actor: Actor, step: ChairResolution) -> StepDone:
        """The chair decides each outcome the assessors disagreed on, with a rationale."""
        async with self._lock:
            self._check(rules.check_resolution, actor, step)
            self._state.chair_resolutions = list(step.decisions)
            await self._audit(actor, "disagreement.resolved", step.model_dump(mode="json"))
            await self._conclude(actor)
        return self._done()

    @resolve_disagreement.validator
    def _validate_resolution(self, actor: Actor, step: ChairResolution) -> None:
        self._check_input(rules.input_decision, step)
        self._check(rules.check_resolution, actor, step)

    @workflow.update
    async def declare_conflict(self, actor: Actor, step: ConflictInput) -> StepDone:
        """A conflict of interest takes the person off this case's panel for good."""
        async with self._lock:
            self._check(rules.check_conflict, actor, step)
            s = self._state
            who = step.user_id or actor.user_id
            s.conflicts.append(
                {"user_id": who, "reason": step.reason, "declared_by": actor.user_id}
            )
            if who in s.assessor_ids or who == s.supervisor_id:
                s.assessor_ids = [a for a in s.assessor_ids if a != who]
                s.supervisor_id = None if s.supervisor_id == who else s.supervisor_id
                if s.chair_id == who:
                    s.chair_id = s.assessor_ids[0] if s.assessor_ids else None
                await run_activity(
                    CaseActivities.record_assignments,
                    AssignmentInput(
                        case_id=self._case.case_id,
                        assessor_ids=s.assessor_ids,
                        supervisor_id=s.supervisor_id,
                    ),
                )
            await self._audit(actor, "conflict.declared", {"user_id": who, "reason": step.reason})
        return self._done()

    @declare_conflict.validator
    def _validate_conflict(self, actor: Actor, step: ConflictInput) -> None:
        self._check_input(rules.input_size, step)
        self._check(rules.check_conflict, actor, step)

    async def _conclude(self, actor: Actor) -> None:
        """Every assessor has decided (and the chair, if they disagreed): the result."""
        result, achieved = rules.panel_result(
            self._state.selected_lo_ids,
            self._state.decisions,
            self._state.chair_resolutions,
        )
        self._state.result = result
        self._state.achieved_lo_ids = achieved
        window = self._std.appeal_window_days
        pending = self._appeals and not self._state.appealed and window > 0
        await self._audit(
            actor,
            "assessment.concluded",
            {"result": result.value, "achieved_lo_ids": achieved, "final": not pending},
        )
        if pending:
            # The candidate may appeal until the window closes (or accept at once).
            self._state.appeal_window_ends = workflow.now() + timedelta(days=window)
            if self._tracking:
                self._state.deadline = self._state.appeal_window_ends
        else:
            await self._finalize(actor)
        ends = self._state.appeal_window_ends
        await self._notice(
            "result:appeal" if self._state.appealed else "result",
            "result-ready",
            [self._case.candidate.id],
            result=result.value,
            appeal_until=ends.strftime("%Y-%m-%d %H:%M UTC") if pending and ends else "",
        )

    async def _finalize(self, actor: Actor) -> None:
        """The result is final: on to certification, or the end if nothing was validated."""
        assert self._state.result is not None
        self._state.result_final = True
        result = self._state.result
        next_stage = Stage.completed if result == Result.not_validated else Stage.certification
        inputs: dict = {
            "result": result.value,
            "achieved_lo_ids": self._state.achieved_lo_ids,
            "chair_resolutions": [r.model_dump(mode="json") for r in self._state.chair_resolutions],
            "identity": self._state.identity.model_dump(mode="json")
            if self._state.identity
            else None,
            "decisions": [d.model_dump(mode="json") for d in self._state.decisions],
        }
        if self._state.appealed:
            inputs["appeal"] = {
                "reason": self._state.appeal_reason,
                "first_panel": self._state.first_panel,
                "first_result": self._state.first_result,
                "first_decisions": [d.model_dump(mode="json") for d in self._state.first_decisions],
            }
        await self._end_stage(actor, next_stage, inputs, self._state.manifest)

    @workflow.update
    async def appeal(self, actor: Actor, step: AppealInput) -> StepDone:
        """The candidate contests the result; a new panel with no overlap reassesses."""
        async with self._lock:
            self._check(rules.check_appeal, actor, workflow.now())
            s = self._state
            s.appealed, s.appeal_reason = True, step.reason
            s.first_panel, s.first_decisions, s.first_result = s.assessor_ids, s.decisions, s.result
            s.assessor_ids, s.decisions, s.result, s.achieved_lo_ids = [], [], None, []
            s.chair_id, s.disputed_lo_ids, s.chair_resolutions = None, [], []
            s.appeal_window_ends = None
            if self._tracking:
                s.deadline = self._deadline_for(Stage.assessment)
            await self._audit(actor, "appeal.lodged", {"reason": step.reason})
            await run_activity(
                CaseActivities.record_assignments,
                AssignmentInput(
                    case_id=self._case.case_id, assessor_ids=[], supervisor_id=s.supervisor_id
                ),
            )
            await run_activity(
                CaseActivities.notify,
                NotificationInput(
                    key=f"{self._case.case_id}:appeal",
                    case_id=self._case.case_id,
                    template="appeal-lodged",
                    audience=[],
                    centre_admins_of=self._case.centre_id,
                    context=self._message_context(reason=step.reason),
                ),
            )
        return self._done()

    @appeal.validator
    def _validate_appeal(self, actor: Actor, step: AppealInput) -> None:
        self._check_input(rules.input_size, step)
        self._check(rules.check_appeal, actor, workflow.now())

    @workflow.update
    async def accept_result(self, actor: Actor) -> StepDone:
        """The candidate accepts the result and waives the appeal."""
        async with self._lock:
            self._check(rules.check_acceptance, actor)
            await self._audit(actor, "result.accepted", {"result": self._state.result})
            await self._finalize(actor)
        return self._done()

    @accept_result.validator
    def _validate_accept(self, actor: Actor) -> None:
        self._check(rules.check_acceptance, actor)

    @record_decision.validator
    def _validate_decision(self, actor: Actor, step: DecisionInput) -> None:
        self._check_input(rules.input_decision, step)
        self._check(rules.check_decision, self._std, actor, step)

    @workflow.update
    async def revise_decision(self, actor: Actor, step: DecisionInput) -> StepDone:
        """An assessor's saved decision, replaced while others are still deciding; the
        audit trail keeps both."""
        async with self._lock:
            self._check_revision(actor, step)
            revised = AssessorDecision(
                **step.model_dump(), assessor_id=actor.user_id, at=workflow.now()
            )
            self._state.decisions = [
                revised if d.assessor_id == actor.user_id else d for d in self._state.decisions
            ]
            await self._audit(actor, "decision.revised", step.model_dump(mode="json"))
        return self._done()

    @revise_decision.validator
    def _validate_revision(self, actor: Actor, step: DecisionInput) -> None:
        self._check_input(rules.input_decision, step)
        self._check_revision(actor, step)

    def _check_revision(self, actor: Actor, step: DecisionInput) -> None:
        """Validator and handler alike: the case's version allows it, and the rule holds."""
        if not self._revision:
            raise _refuse(
                RuleBroken(Refusal.wrong_stage, "this case began before decisions could be changed")
            )
        self._check(rules.check_revision, self._std, actor, step)

    # --- funding (cases since "funding") ---------------------------------------------

    @workflow.update
    async def request_funding(self, actor: Actor, step: FundingInput) -> StepDone:
        async with self._lock:
            self._check(rules.check_funding_request, actor, step)
            f = self._state.funding
            f.requests += 1
            f.sources, f.fee, f.reason = list(step.sources), step.fee, None
            f.stage_fees = dict(step.stage_fees)
            pending = any(s.status == "pending" for s in step.sources)
            f.status = "pending" if pending else "approved"
            f.decide_by = step.decide_by if pending else None
            await self._record_funding()
            await self._audit(
                actor,
                "funding.requested",
                {
                    "fee": step.fee,
                    "sources": [
                        {"kind": s.kind, "amount": s.amount, "programme_id": s.programme_id}
                        for s in step.sources
                    ],
                    "status": f.status,
                },
            )
            if pending and f.decide_by is not None:
                asyncio.create_task(self._await_decision(f.requests, f.decide_by))
        return self._done()

    @request_funding.validator
    def _validate_funding(self, actor: Actor, step: FundingInput) -> None:
        if not self._funding:
            raise _refuse(RuleBroken(Refusal.wrong_stage, "this case was opened before funding"))
        self._check(rules.check_funding_request, actor, step)

    @workflow.update
    async def decide_funding(self, actor: Actor, step: FundingDecisionInput) -> StepDone:
        async with self._lock:
            self._check(rules.check_funding_decision, actor, step)
            await self._decide(actor, step.programme_id, step.approve, step.reason)
        return self._done()

    @decide_funding.validator
    def _validate_funding_decision(self, actor: Actor, step: FundingDecisionInput) -> None:
        self._check(rules.check_funding_decision, actor, step)

    async def _decide(self, actor: Actor, programme_id: str, approve: bool, reason: str) -> None:
        f = self._state.funding
        if not approve:
            # Refused: every source goes back at once; the candidate may choose again.
            await self._release_funding(actor, reason, "refused", refused=programme_id)
            return
        f.sources = [
            s.model_copy(update={"status": "approved"}) if s.programme_id == programme_id else s
            for s in f.sources
        ]
        if not any(s.status == "pending" for s in f.sources):
            f.status, f.decide_by = "approved", None
        await self._record_funding(reason)
        await self._audit(
            actor, "funding.approved", {"programme_id": programme_id, "reason": reason}
        )

    async def _await_decision(self, request: int, decide_by: datetime) -> None:
        """No decision by the deadline is a refusal (the funder's silence never wedges
        the case): its sources go back, and the candidate may choose again."""
        f = self._state.funding
        try:
            await workflow.wait_condition(
                lambda: f.requests != request or f.status != "pending",
                timeout=max(decide_by - workflow.now(), timedelta(seconds=1)),
            )
        except TimeoutError:
            async with self._lock:
                if f.requests == request and f.status == "pending":
                    pending = next(s for s in f.sources if s.status == "pending")
                    await self._release_funding(
                        SYSTEM, "no decision in time", "refused", refused=pending.programme_id
                    )

    async def _record_funding(self, reason: str | None = None) -> None:
        f = self._state.funding
        await run_activity(
            FundingActivities.record_funding,
            FundingRecordInput(
                case_id=self._case.case_id,
                sources=f.sources,
                decide_by=f.decide_by,
                reason=reason,
                at=workflow.now(),
            ),
        )

    def _funding_move(self, reason: str, pay: dict[str, int] | None = None) -> FundingMoveInput:
        return FundingMoveInput(
            case_id=self._case.case_id,
            candidate_id=self._state.candidate_id,
            centre_id=self._case.centre_id,
            sources=self._state.funding.sources,
            at=workflow.now(),
            reason=reason,
            pay=pay or {},
        )

    def _owed_for_stages(self) -> dict[str, int]:
        """A case ending without a credential: with a fee per stage, the centre is owed
        the stages it completed, paid by each source in proportion to its part (those
        whose programme pays for completed stages); the rest goes back."""
        f = self._state.funding
        order = [s.value for s in Stage]
        done = order[: order.index(self._state.stage.value)]
        owed = sum(f.stage_fees.get(s, 0) for s in done)
        if not owed or not f.fee:
            return {}
        return {
            s.key: owed * s.amount // f.fee
            for s in f.sources
            if s.kind in ("account", "programme") and s.pays_stages
        }

    async def _release_funding(
        self,
        actor: Actor,
        reason: str,
        status: str,
        refused: str | None = None,
        pay_stages: bool = False,
    ) -> None:
        f = self._state.funding
        if not self._funding or f.status not in ("pending", "approved"):
            return
        # Stages completed are paid only from funding that was approved.
        pay = self._owed_for_stages() if pay_stages and f.status == "approved" else {}
        back: list[FundingSource] = await run_activity(
            FundingActivities.release_funding, self._funding_move(reason, pay)
        )
        f.sources = [
            s.model_copy(update={"status": "refused"})
            if s.programme_id == refused and refused
            else s
            for s in back
        ]
        f.status, f.decide_by, f.reason = status, None, reason  # type: ignore[assignment]
        await self._record_funding(reason)
        await self._audit(
            actor,
            "funding.refused" if status == "refused" else "funding.released",
            {
                "programme_id": refused,
                "reason": reason,
                "paid_for_stages": sum(s.paid for s in f.sources),
            },
        )

    async def _settle_funding(self, actor: Actor) -> None:
        f = self._state.funding
        if not self._funding or f.status != "approved":
            return
        f.sources = await run_activity(
            FundingActivities.settle_funding, self._funding_move("certified")
        )
        f.status = "settled"
        await self._record_funding()
        await self._audit(
            actor,
            "funding.settled",
            {"amount": sum(s.amount for s in f.sources if s.status == "settled")},
        )

    # --- certification -------------------------------------------------------------------

    @workflow.update
    async def certify(self, actor: Actor) -> StepDone:
        async with self._lock:
            self._check(rules.check_certification, actor)
            assert self._state.result is not None
            if self._units and self._std.units:
                await self._certify_units(actor)
                return self._done()
            ref = await run_activity(CaseActivities.issue_credential, self._credential_input(actor))
            self._state.credential_id = ref.credential_id
            self._state.credential_key = ref.object_key
            await self._audit(
                actor,
                "credential.issued",
                {"credential_id": ref.credential_id, "sha256": ref.sha256},
            )
            await self._notice(
                "credential",
                "credential-issued",
                [self._case.candidate.id],
                credential_id=ref.credential_id,
            )
            await self._settle_funding(actor)
            await self._end_stage(
                actor,
                Stage.completed,
                {"credential_id": ref.credential_id, "credential_sha256": ref.sha256},
                [{"object_key": ref.object_key, "sha256": ref.sha256}],
            )
        return self._done()

    def _credential_input(self, actor: Actor) -> CredentialInput:
        assert self._state.result is not None
        grades = [d.grade for d in self._state.decisions if d.grade]
        return CredentialInput(
            credential_id=str(workflow.uuid4()),
            case_id=self._case.case_id,
            candidate=self._case.candidate,
            standard=self._case.standard,
            result=self._state.result,
            achieved_lo_ids=self._state.achieved_lo_ids,
            identity=self._state.identity,
            evidence=self._state.evidence,
            grade=grades[0] if grades and len(set(grades)) == 1 else None,
            issued_at=workflow.now(),
            certified_by=actor,
        )

    async def _certify_units(self, actor: Actor) -> None:
        """A standard with units: the credential of each unit achieved, the full one only
        when every outcome of the standard is, and the plan of what is left otherwise."""
        achieved = self._state.achieved_lo_ids
        plan = plan_of(self._std, achieved)
        issue = CertificationInput(
            credential=self._credential_input(actor),
            full=plan.complete,
            units=[
                UnitIssue(unit_id=u.id, credential_id=str(workflow.uuid4()))
                for u in achieved_units(self._std, achieved)
                if u.credential
            ],
        )
        done = await run_activity(CaseActivities.issue_credentials, issue)
        self._state.unit_credentials = [
            IssuedUnit(unit_id=u.unit_id, credential_id=u.credential_id) for u in done.units
        ]
        self._state.plan = None if plan.complete else plan
        if done.full is not None:
            self._state.credential_id = done.full.credential_id
            self._state.credential_key = done.full.object_key
        refs = ([done.full] if done.full else []) + list(done.units)
        await self._audit(
            actor,
            "credential.issued",
            {
                "credential_id": done.full.credential_id if done.full else None,
                "sha256": done.full.sha256 if done.full else None,
                "units": [
                    {"unit_id": u.unit_id, "credential_id": u.credential_id, "sha256": u.sha256}
                    for u in done.units
                ],
            },
        )
        if refs:
            await self._notice(
                "credential",
                "credential-issued",
                [self._case.candidate.id],
                credential_id=", ".join(r.credential_id for r in refs),
            )
        await self._settle_funding(actor)
        await self._end_stage(
            actor,
            Stage.completed,
            {
                "credential_id": done.full.credential_id if done.full else None,
                "credential_sha256": done.full.sha256 if done.full else None,
                "unit_credentials": [
                    {"unit_id": u.unit_id, "credential_id": u.credential_id, "sha256": u.sha256}
                    for u in done.units
                ],
                "plan": None if plan.complete else plan.model_dump(mode="json"),
            },
            [{"object_key": r.object_key, "sha256": r.sha256} for r in refs],
        )

    @certify.validator
    def _validate_certify(self, actor: Actor) -> None:
        self._check(rules.check_certification, actor)
