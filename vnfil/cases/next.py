"""Whose move it is: the steps a case waits for, who takes each and by when. Every case
page says it, so nobody reads "nothing to do" without knowing who acts next."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from vnfil.accounts.schemas import Role
from vnfil.cases.schemas import CaseFacts, CaseState, Stage


class NextStep(BaseModel):
    who: Role
    what: str  # a key of the pages' words: next_<what>
    due: datetime | None = None
    # The people expected to act, when the role alone does not say it (a panel's
    # assessors who have not decided yet, the chair); empty: anyone in that role.
    person_ids: list[str] = []

    def is_for(self, user_id: str, role: str) -> bool:
        return role == self.who and (not self.person_ids or user_id in self.person_ids)


def next_steps(case: CaseFacts) -> list[NextStep]:
    """What the case waits for now, in the order people usually act (empty once closed)."""
    if case.status != CaseState.open:
        return []
    due = case.deadline
    if case.stage == Stage.identification:
        if case.eligibility_required and not case.counselling:
            return [NextStep(who=Role.counsellor, what="counsel", due=due)]
        return [NextStep(who=Role.candidate, what="identify", due=due)]
    if case.stage == Stage.documentation:
        steps = [NextStep(who=Role.candidate, what="document", due=due)]
        if not case.assessor_ids:
            steps.append(NextStep(who=Role.centre_admin, what="assign_panel"))
        return steps
    if case.stage == Stage.assessment:
        if case.result is not None:
            if case.result_final or case.appealed:
                return []
            return [
                NextStep(who=Role.candidate, what="accept_or_appeal", due=case.appeal_window_ends)
            ]
        if not case.assessor_ids:
            return [NextStep(who=Role.centre_admin, what="assign_panel", due=due)]
        steps = []
        if case.supervisor_id and case.identity is None and not case.decisions:
            steps.append(
                NextStep(
                    who=Role.supervisor,
                    what="check_identity",
                    due=due,
                    person_ids=[case.supervisor_id],
                )
            )
        if case.disputed_lo_ids and not case.chair_resolutions and case.chair_id:
            return [
                NextStep(who=Role.assessor, what="resolve", due=due, person_ids=[case.chair_id])
            ]
        decided = {d.assessor_id for d in case.decisions}
        waiting = [a for a in case.assessor_ids if a not in decided]
        if waiting:
            steps.append(NextStep(who=Role.assessor, what="decide", due=due, person_ids=waiting))
        return steps
    if case.stage == Stage.certification and case.result_final:
        return [NextStep(who=Role.centre_admin, what="certify", due=due)]
    return []
