"""The rules of each stage, as pure functions; nothing here does I/O.

Two kinds, because Temporal runs validators only when a step arrives but re-runs
handlers on every replay:

- ``input_*`` check a step's own content against the standard (which a case keeps
  for life). Only the update's validator calls them, so they may change freely: a
  stricter input rule never touches a step already in history.
- ``check_*`` check a step against the case's state. The validator calls them, and
  the handler again under the case lock (another step may have landed meanwhile).
  Changing one changes what old histories replay to: do it only behind
  ``workflow.patched(...)``; ``tests/test_replay.py::test_state_rules_change_only_with_a_patch``
  holds the fingerprint of these functions and of the workflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel

from vnfil.accounts.schemas import Actor, Role
from vnfil.cases.schemas import (
    AssessorDecision,
    CaseState,
    CaseStatus,
    ChairResolution,
    ConflictInput,
    CounsellingInput,
    DecisionInput,
    ExtensionInput,
    FundingDecisionInput,
    FundingInput,
    IdentificationInput,
    IdentityCheckInput,
    LODecision,
    PanelInput,
    Result,
    ReviewInput,
    SessionInput,
    Stage,
)
from vnfil.evidence.schemas import EvidenceRef
from vnfil.platform.errors import Refusal
from vnfil.standards.schemas import StandardDocument, SupervisionLevel

# The largest step a person may send, as UTF-8 JSON. With the counts below it keeps the
# largest case within its budget (tests/test_limits.py): its state, which a query returns
# whole, under Temporal's 2 MiB payload limit, and its history under 8 MiB.
STEP_MAX_BYTES = 64 * 1024
# Counselling notes, review comments and sessions share this much of a case. The steps
# that move a case on or protect it (identification, evidence, identity, conflicts,
# extensions, decisions, appeal) never wait on it: each has its own count and size.
EXTRAS_MAX_BYTES = 256 * 1024
# How many of each repeatable step one case takes (cases since "bounded-state").
MAX_EVIDENCE = 100
MAX_REPEATS = 10  # counselling sessions, reviews, sessions, conflicts, panels, identity checks
MAX_EXTENSIONS = 10
MAX_PANEL = 7  # assessors on one panel


class RuleBroken(Exception):
    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.message = message


def _require(cond: bool, refusal: Refusal, message: str) -> None:
    if not cond:
        raise RuleBroken(refusal, message)


def require_stage(state: CaseStatus, *stages: Stage) -> None:
    _require(
        state.status == CaseState.open,
        Refusal.wrong_stage,
        f"the case is closed ({state.status.value}); it takes no more steps",
    )
    _require(
        state.stage in stages,
        Refusal.wrong_stage,
        f"the case is in {state.stage.value}; this step belongs to {', '.join(s.value for s in stages)}",
    )


def _unknown(ids: Iterable[str], known: Iterable[str]) -> list[str]:
    known_set = set(known)
    return sorted({i for i in ids if i not in known_set})


def _twice(ids: list[str]) -> list[str]:
    return sorted({i for i in ids if ids.count(i) > 1})


def input_size(step: BaseModel) -> None:
    """Every step: at most ``STEP_MAX_BYTES`` of JSON."""
    size = size_of(step)
    _require(
        size <= STEP_MAX_BYTES,
        Refusal.invalid,
        f"this step is too large ({size // 1024} KiB); the limit is {STEP_MAX_BYTES // 1024} KiB",
    )


def size_of(step: BaseModel) -> int:
    return len(step.model_dump_json().encode())


def check_extras(state: CaseStatus, step: BaseModel) -> None:
    """A repeatable step fits in what is left of the case's room for notes and comments."""
    if state.bounded:
        _require(
            state.extras_bytes + size_of(step) <= EXTRAS_MAX_BYTES,
            Refusal.invalid,
            f"this case already holds {state.extras_bytes // 1024} KiB of notes and comments; "
            f"the limit is {EXTRAS_MAX_BYTES // 1024} KiB",
        )


def _bounded(state: CaseStatus, count: int, limit: int, what: str) -> None:
    if state.bounded:
        _require(count < limit, Refusal.invalid, f"a case takes at most {limit} {what}")


def input_identification(std: StandardDocument, step: IdentificationInput) -> None:
    input_size(step)
    all_ids = [lo.id for lo in std.learning_outcomes]
    unknown = _unknown(step.selected_lo_ids, all_ids)
    _require(not unknown, Refusal.invalid, f"unknown learning outcomes: {', '.join(unknown)}")
    _require(
        len(set(step.selected_lo_ids)) == len(step.selected_lo_ids),
        Refusal.invalid,
        "a learning outcome is selected twice",
    )
    if not std.partial_allowed:
        missing = _unknown(all_ids, step.selected_lo_ids)
        _require(
            not missing,
            Refusal.invalid,
            f"this standard validates all outcomes together; missing: {', '.join(missing)}",
        )
    dues = [m.due for m in step.milestones]
    _require(dues == sorted(dues), Refusal.invalid, "the plan's milestones must be in date order")
    off_plan = _unknown(step.self_assessment, step.selected_lo_ids)
    _require(
        not off_plan,
        Refusal.invalid,
        f"self-assessment names outcomes not selected: {', '.join(off_plan)}",
    )


def check_identification(
    state: CaseStatus, std: StandardDocument, actor: Actor, step: IdentificationInput
) -> None:
    require_stage(state, Stage.identification)
    _require(
        actor.user_id == state.candidate_id or actor.role in (Role.counsellor, Role.centre_admin),
        Refusal.forbidden,
        "only the candidate, a counsellor or the centre may complete identification",
    )
    if state.eligibility_required and std.prerequisites:
        _require(
            bool(state.counselling),
            Refusal.wrong_stage,
            "a counsellor must first confirm the prerequisites: " + "; ".join(std.prerequisites),
        )
        confirmed = state.counselling[-1].prerequisites_met
        unmet = [p for p, met in zip(std.prerequisites, confirmed, strict=True) if not met]
        _require(
            not unmet, Refusal.invalid, "not eligible; prerequisites not met: " + "; ".join(unmet)
        )


def input_counselling(std: StandardDocument, step: CounsellingInput) -> None:
    input_size(step)
    _require(
        len(step.prerequisites_met) == len(std.prerequisites),
        Refusal.invalid,
        f"answer each of the standard's {len(std.prerequisites)} prerequisites, in order",
    )


def check_counselling(state: CaseStatus, actor: Actor, step: CounsellingInput) -> None:
    require_stage(state, Stage.identification, Stage.documentation)
    _require(
        actor.role == Role.counsellor, Refusal.forbidden, "only a counsellor records counselling"
    )
    _bounded(state, len(state.counselling), MAX_REPEATS, "counselling sessions")
    check_extras(state, step)


def check_review(state: CaseStatus, actor: Actor, step: ReviewInput) -> None:
    require_stage(state, Stage.documentation)
    _bounded(state, len(state.reviews), MAX_REPEATS, "portfolio reviews")
    check_extras(state, step)
    _require(not state.submitted, Refusal.wrong_stage, "the portfolio is already submitted")
    _require(
        actor.role == Role.counsellor, Refusal.forbidden, "only a counsellor reviews the portfolio"
    )
    _require(
        state.counsellor_id in (None, actor.user_id),
        Refusal.forbidden,
        "only the case's own counsellor reviews its portfolio",
    )


def input_evidence(case_id: str, ev: EvidenceRef) -> None:
    input_size(ev)
    twice = _twice(ev.lo_ids)
    _require(not twice, Refusal.invalid, f"an outcome is named twice: {', '.join(twice)}")
    _require(
        ev.object_key.startswith(f"cases/{case_id}/evidence/"),
        Refusal.invalid,
        "the file must be one uploaded to this case's portfolio",
    )


def check_evidence_removal(state: CaseStatus, actor: Actor, evidence_id: str) -> None:
    """Before submission only, by the candidate, a piece the portfolio holds."""
    require_stage(state, Stage.documentation)
    _require(
        actor.user_id == state.candidate_id,
        Refusal.forbidden,
        "only the candidate removes evidence from the portfolio",
    )
    _require(not state.submitted, Refusal.wrong_stage, "the portfolio was submitted: it is frozen")
    _require(
        any(e.evidence_id == evidence_id for e in state.evidence),
        Refusal.invalid,
        f"the portfolio holds no evidence {evidence_id}",
    )


def check_evidence(state: CaseStatus, actor: Actor, ev: EvidenceRef) -> None:
    # Submission ends documentation, so the stage check also refuses late evidence.
    require_stage(state, Stage.documentation)
    _bounded(state, len(state.evidence), MAX_EVIDENCE, "pieces of evidence")
    _require(
        actor.user_id == state.candidate_id,
        Refusal.forbidden,
        "only the candidate adds evidence to the portfolio",
    )
    unknown = _unknown(ev.lo_ids, state.selected_lo_ids)
    _require(
        not unknown,
        Refusal.invalid,
        f"evidence maps to outcomes not selected: {', '.join(unknown)}",
    )
    _require(
        all(e.evidence_id != ev.evidence_id for e in state.evidence),
        Refusal.invalid,
        "this evidence is already in the portfolio",
    )


def uncovered_outcomes(state: CaseStatus) -> list[str]:
    covered = {lo for ev in state.evidence for lo in ev.lo_ids}
    return [lo for lo in state.selected_lo_ids if lo not in covered]


def check_submission(state: CaseStatus, actor: Actor) -> None:
    require_stage(state, Stage.documentation)
    _require(actor.user_id == state.candidate_id, Refusal.forbidden, "only the candidate submits")
    uncovered = uncovered_outcomes(state)
    _require(
        not uncovered, Refusal.invalid, f"no evidence yet for outcomes: {', '.join(uncovered)}"
    )
    # Cases since "funding" whose centre requires it: paid for before assessment starts.
    funding = state.funding
    _require(
        not funding.required or funding.status == "approved",
        Refusal.invalid,
        "the centre requires the validation to be funded before assessment: "
        + {
            "none": "choose who pays first",
            "pending": "the funder has not decided yet",
            "refused": "the funding was refused; choose other sources",
            "released": "choose who pays first",
            "approved": "",
            "settled": "",
        }[funding.status],
    )
    if state.reviews and state.reviews[-1].verdict == "changes-requested":
        _require(
            len(state.evidence) > state.reviews[-1].evidence_count,
            Refusal.invalid,
            "the counsellor requested changes: add evidence before resubmitting",
        )


def check_panel(
    state: CaseStatus,
    std: StandardDocument,
    actor: Actor,
    step: PanelInput,
    counsellor_id: str | None,
) -> None:
    require_stage(state, Stage.identification, Stage.documentation, Stage.assessment)
    _require(not state.decisions, Refusal.wrong_stage, "the panel has already started deciding")
    _require(actor.role == Role.centre_admin, Refusal.forbidden, "only the centre assigns a panel")
    _bounded(state, state.panels_assigned, MAX_REPEATS, "panel assignments")
    conflicted = {state.candidate_id, counsellor_id} & set(step.assessor_ids)
    _require(
        not conflicted,
        Refusal.invalid,
        "the candidate or the case's counsellor cannot assess the case",
    )
    declared = sorted(
        {c["user_id"] for c in state.conflicts} & {*step.assessor_ids, step.supervisor_id}
    )
    _require(
        not declared,
        Refusal.invalid,
        f"declared a conflict of interest with this case: {', '.join(declared)}",
    )
    _require(
        step.supervisor_id not in (state.candidate_id,),
        Refusal.invalid,
        "the candidate cannot supervise their own assessment",
    )
    if state.appealed:
        overlap = sorted(set(step.assessor_ids) & set(state.first_panel))
        _require(
            not overlap,
            Refusal.invalid,
            f"the appeal panel must not include the first panel's assessors: {', '.join(overlap)}",
        )


def input_panel(std: StandardDocument, step: PanelInput) -> None:
    input_size(step)
    _require(
        len(set(step.assessor_ids)) == len(step.assessor_ids),
        Refusal.invalid,
        "an assessor is listed twice",
    )
    _require(
        len(step.assessor_ids) >= std.min_panel_size,
        Refusal.invalid,
        f"the panel needs at least {std.min_panel_size} assessors",
    )
    _require(
        len(step.assessor_ids) <= MAX_PANEL,
        Refusal.invalid,
        f"a panel has at most {MAX_PANEL} assessors",
    )
    chair = step.chair_id or step.assessor_ids[0]
    _require(chair in step.assessor_ids, Refusal.invalid, "the chair must be one of the assessors")
    if std.requires_identity_check:
        _require(
            step.supervisor_id is not None,
            Refusal.invalid,
            "this standard requires identity supervision: name a supervisor",
        )


def input_identity(case_id: str, std: StandardDocument, step: IdentityCheckInput) -> None:
    input_size(step)
    _require(
        std.supervision != SupervisionLevel.onsite_id or step.method == "onsite",
        Refusal.invalid,
        "this standard requires identity verification on site",
    )
    _require(
        step.photo is None or step.photo.object_key.startswith(f"cases/{case_id}/identity/"),
        Refusal.invalid,
        "the photo must be one uploaded for this case's identity check",
    )


def check_identity(state: CaseStatus, actor: Actor, step: IdentityCheckInput) -> None:
    require_stage(state, Stage.assessment)
    _require(
        state.supervisor_id is not None and actor.user_id == state.supervisor_id,
        Refusal.forbidden,
        "only the case's supervisor verifies identity",
    )
    _require(not state.decisions, Refusal.wrong_stage, "decisions have already been recorded")
    _bounded(state, state.identity_checks, MAX_REPEATS, "identity checks")


def input_session(std: StandardDocument, step: SessionInput) -> None:
    input_size(step)
    _require(
        (step.place is None) != (step.online_url is None),
        Refusal.invalid,
        "give either a place or an online link",
    )
    allowed = {lo.id: lo.methods for lo in std.learning_outcomes}
    unknown = _unknown(step.lo_ids, allowed)
    _require(not unknown, Refusal.invalid, f"outcomes not under validation: {', '.join(unknown)}")
    wrong = [lo for lo in step.lo_ids if step.method not in allowed[lo]]
    _require(
        not wrong,
        Refusal.invalid,
        f"the standard does not allow {step.method.value} for: {', '.join(wrong)}",
    )


def check_session(state: CaseStatus, actor: Actor, step: SessionInput) -> None:
    require_stage(state, Stage.documentation, Stage.assessment)
    _require(
        actor.role == Role.centre_admin, Refusal.forbidden, "only the centre schedules sessions"
    )
    unknown = _unknown(step.lo_ids, state.selected_lo_ids)
    _require(not unknown, Refusal.invalid, f"outcomes not under validation: {', '.join(unknown)}")
    _bounded(state, len(state.sessions), MAX_REPEATS, "assessment sessions")
    check_extras(state, step)


def input_decision(step: DecisionInput | ChairResolution) -> None:
    input_size(step)
    twice = _twice([d.lo_id for d in step.decisions])
    _require(not twice, Refusal.invalid, "an outcome is decided twice")


def check_decision(
    state: CaseStatus, std: StandardDocument, actor: Actor, step: DecisionInput
) -> None:
    require_stage(state, Stage.assessment)
    _require(
        actor.user_id in state.assessor_ids,
        Refusal.forbidden,
        "only an assessor assigned to this case's panel decides",
    )
    _require(
        all(d.assessor_id != actor.user_id for d in state.decisions),
        Refusal.invalid,
        "this assessor has already decided",
    )
    _require(
        len(state.assessor_ids) >= std.min_panel_size,
        Refusal.wrong_stage,
        f"the panel is short of {std.min_panel_size} assessors; the centre must assign a replacement",
    )
    _require(
        not state.disputed_lo_ids,
        Refusal.wrong_stage,
        "the panel has decided; the chair resolves the disagreement",
    )
    if std.requires_identity_check:
        _require(
            state.identity is not None and state.identity.result == "verified",
            Refusal.wrong_stage,
            "the candidate's identity must be verified by the supervisor before any decision",
        )
    _decision_content(state, step)


def check_revision(
    state: CaseStatus, std: StandardDocument, actor: Actor, step: DecisionInput
) -> None:
    """An assessor changes their saved decision while the panel has not completed: until
    every assessor has decided (then the result, or the chair, takes over)."""
    require_stage(state, Stage.assessment)
    _require(
        actor.user_id in state.assessor_ids,
        Refusal.forbidden,
        "only an assessor assigned to this case's panel decides",
    )
    _require(
        any(d.assessor_id == actor.user_id for d in state.decisions),
        Refusal.invalid,
        "there is no decision of yours to change yet: record it first",
    )
    _require(
        state.result is None
        and not state.disputed_lo_ids
        and len(state.decisions) < len(state.assessor_ids),
        Refusal.wrong_stage,
        "every assessor has decided: the decisions can no longer change",
    )
    _decision_content(state, step)


def _decision_content(state: CaseStatus, step: DecisionInput) -> None:
    """A decision names every outcome under assessment, once, and only evidence held."""
    ids = [d.lo_id for d in step.decisions]
    unknown = _unknown(ids, state.selected_lo_ids)
    _require(not unknown, Refusal.invalid, f"outcomes not under assessment: {', '.join(unknown)}")
    missing = _unknown(state.selected_lo_ids, ids)
    _require(not missing, Refusal.invalid, f"no decision for outcomes: {', '.join(missing)}")
    known_evidence = {e.evidence_id for e in state.evidence}
    bad_refs = sorted({r for d in step.decisions for r in d.evidence_ids} - known_evidence)
    _require(not bad_refs, Refusal.invalid, f"unknown evidence: {', '.join(bad_refs)}")


def _verdicts(lo: str, decisions: list[AssessorDecision]) -> set[bool]:
    return {d.achieved for ad in decisions for d in ad.decisions if d.lo_id == lo}


def disputed_outcomes(selected: list[str], decisions: list[AssessorDecision]) -> list[str]:
    """Outcomes on which the assessors do not all agree: the chair decides them."""
    return [lo for lo in selected if len(_verdicts(lo, decisions)) > 1]


def panel_result(
    selected: list[str],
    decisions: list[AssessorDecision],
    resolutions: list[LODecision] | None = None,
) -> tuple[Result, list[str]]:
    """An outcome is achieved when the assessors agree it is, or the chair resolves it so."""
    chair = {r.lo_id: r.achieved for r in resolutions or []}
    achieved = [lo for lo in selected if chair.get(lo, _verdicts(lo, decisions) == {True})]
    if len(achieved) == len(selected):
        return Result.full, achieved
    if achieved:
        return Result.partial, achieved
    return Result.not_validated, achieved


def check_resolution(state: CaseStatus, actor: Actor, step: ChairResolution) -> None:
    require_stage(state, Stage.assessment)
    _require(
        bool(state.disputed_lo_ids) and not state.chair_resolutions,
        Refusal.wrong_stage,
        "there is no disagreement for the chair to resolve",
    )
    _require(actor.user_id == state.chair_id, Refusal.forbidden, "only the panel's chair resolves")
    ids = [r.lo_id for r in step.decisions]
    _require(
        sorted(ids) == sorted(state.disputed_lo_ids),
        Refusal.invalid,
        f"resolve exactly the disputed outcomes: {', '.join(state.disputed_lo_ids)}",
    )


def check_conflict(state: CaseStatus, actor: Actor, step: ConflictInput) -> None:
    _require(
        state.status == CaseState.open and state.stage != Stage.completed,
        Refusal.wrong_stage,
        "the case is closed",
    )
    _bounded(state, len(state.conflicts), MAX_REPEATS, "declared conflicts")
    who = step.user_id or actor.user_id
    _require(
        who == actor.user_id or actor.role == Role.centre_admin,
        Refusal.forbidden,
        "staff declare their own conflicts; the centre records anyone's",
    )
    _require(
        all(d.assessor_id != who for d in state.decisions),
        Refusal.wrong_stage,
        "this assessor has already decided; the decision stands in the audit trail",
    )
    _require(
        all(c["user_id"] != who for c in state.conflicts),
        Refusal.invalid,
        "this conflict is already declared",
    )


def _pending_result(state: CaseStatus) -> None:
    require_stage(state, Stage.assessment)
    _require(
        state.result is not None and not state.result_final,
        Refusal.wrong_stage,
        "there is no result waiting for the candidate's answer",
    )


def check_appeal(state: CaseStatus, actor: Actor, now: datetime) -> None:
    _pending_result(state)
    _require(actor.user_id == state.candidate_id, Refusal.forbidden, "only the candidate appeals")
    _require(not state.appealed, Refusal.wrong_stage, "the result after an appeal is final")
    _require(
        state.appeal_window_ends is not None and now < state.appeal_window_ends,
        Refusal.wrong_stage,
        "the appeal window has closed",
    )


def check_acceptance(state: CaseStatus, actor: Actor) -> None:
    _pending_result(state)
    _require(
        actor.user_id == state.candidate_id,
        Refusal.forbidden,
        "only the candidate accepts the result (and so waives the appeal)",
    )


def check_certification(state: CaseStatus, actor: Actor) -> None:
    require_stage(state, Stage.certification)
    _require(
        actor.role == Role.centre_admin,
        Refusal.forbidden,
        "only the centre certifies, on behalf of the awarding body",
    )


def check_withdrawal(state: CaseStatus, actor: Actor) -> None:
    _require(
        state.status == CaseState.open and state.stage != Stage.completed,
        Refusal.wrong_stage,
        f"the case is already closed ({state.status.value})",
    )
    _require(
        actor.user_id == state.candidate_id,
        Refusal.forbidden,
        "only the candidate withdraws their case",
    )


def check_extension(state: CaseStatus, actor: Actor, step: ExtensionInput) -> None:
    _require(
        state.status == CaseState.open and state.stage != Stage.completed,
        Refusal.wrong_stage,
        f"the case is closed ({state.status.value}); there is no deadline to extend",
    )
    _require(
        actor.role == Role.centre_admin, Refusal.forbidden, "only the centre extends a deadline"
    )
    _bounded(state, state.extensions, MAX_EXTENSIONS, "deadline extensions")


def check_funding_request(state: CaseStatus, actor: Actor, step: FundingInput) -> None:
    """The candidate says who pays, before assessment, while no request is pending or
    approved (after a refusal, they choose again)."""
    require_stage(state, Stage.identification, Stage.documentation)
    _require(
        actor.user_id == state.candidate_id,
        Refusal.forbidden,
        "only the candidate asks for funding",
    )
    _require(
        state.funding.status not in ("pending", "approved"),
        Refusal.wrong_stage,
        f"the case's funding is already {state.funding.status}",
    )
    _require(
        sum(s.amount for s in step.sources) == step.fee,
        Refusal.invalid,
        "the sources do not add up to the fee",
    )
    _require(
        len({s.unit for s in step.sources}) == 1, Refusal.invalid, "the sources are in one unit"
    )


def check_funding_decision(state: CaseStatus, actor: Actor, step: FundingDecisionInput) -> None:
    """A funder decides on its programme's part of a pending request."""
    _require(actor.role == Role.funder, Refusal.forbidden, "only a funder decides on funding")
    _require(
        state.status == CaseState.open and state.funding.status == "pending",
        Refusal.wrong_stage,
        f"no funding request is waiting for a decision ({state.funding.status})",
    )
    _require(
        any(
            s.programme_id == step.programme_id and s.status == "pending"
            for s in state.funding.sources
        ),
        Refusal.invalid,
        f"the request asks nothing of programme {step.programme_id}",
    )
