"""What each person may see of a case: the workflow's state is private, this is its face.

The workflow keeps one state (``CaseStatus``) for its own rules. The API never returns it;
it returns ``view_of(state, viewer)``, built for the caller's role:

- nobody sees the workflow's bookkeeping (reminders sent, counters, room used);
- only the centre's administrators see storage keys and every declared conflict;
- staff see the conflicts they declared or that concern them;
- the candidate sees their evidence by id and digest, no one's conflicts, no storage
  key of the identity photo, and the assessors' decisions once the panel has concluded.
"""

from __future__ import annotations

from pydantic import BaseModel

from vnfil.accounts.schemas import Role
from vnfil.cases.schemas import CaseFacts, CaseStatus
from vnfil.evidence.schemas import EvidenceKind

# Fields of the state that are the workflow's own bookkeeping, shown to nobody.
BOOKKEEPING = {
    "reminders_sent",
    "bounded",
    "panels_assigned",
    "identity_checks",
    "extensions",
    "extras_bytes",
}


class EvidenceView(BaseModel):
    evidence_id: str
    object_key: str | None = None  # the centre's administrators only
    sha256: str
    size: int
    filename: str
    media_type: str
    kind: EvidenceKind
    lo_ids: list[str]


class ManifestEntry(BaseModel):
    evidence_id: str | None = None
    object_key: str | None = None  # the centre's administrators only
    sha256: str


class ConflictView(BaseModel):
    user_id: str
    reason: str
    declared_by: str


class CaseView(CaseFacts):
    """A case as one person may see it (``GET /cases/{id}/status`` and every step's answer)."""

    evidence: list[EvidenceView] = []
    manifest: list[ManifestEntry] = []
    conflicts: list[ConflictView] = []
    credential_key: str | None = None  # the centre's administrators only


def view_of(state: CaseStatus, viewer_id: str, role: str) -> CaseView:
    """The case as ``viewer_id``, acting as ``role``, may see it."""
    data = state.model_dump(exclude=BOOKKEEPING)
    if role == Role.centre_admin:
        return CaseView.model_validate(data)
    for ev in data["evidence"]:
        ev["object_key"] = None
    data["manifest"] = [{**m, "object_key": None} for m in data["manifest"]]
    data["credential_key"] = None
    if viewer_id == state.candidate_id:
        data["conflicts"] = []
        if data["identity"]:
            data["identity"]["photo"] = None  # the centre keeps it
        if state.result is None:  # the panel is still deciding
            data["decisions"] = []
            data["chair_resolutions"] = []
            data["disputed_lo_ids"] = []
    else:
        data["conflicts"] = [
            c for c in data["conflicts"] if viewer_id in (c["user_id"], c["declared_by"])
        ]
    return CaseView.model_validate(data)
