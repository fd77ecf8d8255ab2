"""What each person may see of a case: the workflow's state is private, this is its face.

The workflow keeps one state (``CaseStatus``) for its own rules. The API never returns it;
it returns ``view_of(state, viewer)``, built for the caller's role:

- nobody sees the workflow's bookkeeping (reminders sent, counters, room used);
- only the centre's administrators see storage keys (evidence, manifest, credential,
  identity photo) and every declared conflict; others see the photo's digest only, as
  in the audit trail;
- staff see the conflicts they declared or that concern them;
- the candidate sees their evidence by id and digest, no one's conflicts, and the
  assessors' decisions once the panel has concluded.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from vnfil.accounts.schemas import Role
from vnfil.cases.schemas import CaseFacts, CaseStatus, IdentityRecord
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


class PhotoView(BaseModel):
    object_key: str | None = None  # the centre's administrators only
    sha256: str


class IdentityView(IdentityRecord):
    photo: PhotoView | None = None  # type: ignore[assignment]


class ConflictView(BaseModel):
    user_id: str
    reason: str
    declared_by: str


class CaseView(CaseFacts):
    """A case as one person may see it (``GET /cases/{id}/status`` and every step's answer)."""

    evidence: list[EvidenceView] = []
    manifest: list[ManifestEntry] = []
    conflicts: list[ConflictView] = []
    identity: IdentityView | None = None
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
    if data["identity"]:
        data["identity"] = without_storage_keys(data["identity"])
    if viewer_id == state.candidate_id:
        data["conflicts"] = []
        if state.result is None:  # the panel is still deciding
            data["decisions"] = []
            data["chair_resolutions"] = []
            data["disputed_lo_ids"] = []
    else:
        data["conflicts"] = [
            c for c in data["conflicts"] if viewer_id in (c["user_id"], c["declared_by"])
        ]
    return CaseView.model_validate(data)


# Fields that name where something is stored: the centre's administrators only.
STORAGE_FIELDS = frozenset({"object_key", "credential_key"})
# Audit actions that carry the panel's deliberation: the candidate sees them once the
# panel has concluded, as in the case's view.
PANEL_ACTIONS = frozenset({"decision.recorded", "disagreement.resolved"})


def without_storage_keys(value: Any) -> Any:
    """``value`` with every storage key, at any depth, set to None."""
    if isinstance(value, dict):
        return {
            k: None if k in STORAGE_FIELDS else without_storage_keys(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [without_storage_keys(v) for v in value]
    return value


def audit_view(
    entries: list[dict[str, Any]], viewer_id: str, role: str, candidate_id: str
) -> list[dict[str, Any]]:
    """The audit trail as this person may see it: every link stays (with its hashes, so
    the chain's shape is visible), but an entry they may not read keeps only its action,
    time and hashes (``redacted``). The same rules as :func:`view_of`: only the centre's
    administrators see storage keys and every declared conflict; staff see the conflicts
    they declared or that concern them; the candidate sees no one's conflicts and the
    panel's decisions only once it has concluded."""
    if role == Role.centre_admin:
        return [{**e, "redacted": False} for e in entries]
    concluded = max(
        (e["seq"] for e in entries if e["action"] == "assessment.concluded"), default=-1
    )
    shown = []
    for e in entries:
        if e["action"] == "conflict.declared":
            details = e["details"] or {}
            hidden = viewer_id == candidate_id or viewer_id not in (
                e["actor_id"],
                details.get("user_id"),
            )
        else:
            hidden = (
                viewer_id == candidate_id and e["action"] in PANEL_ACTIONS and e["seq"] > concluded
            )
        if hidden:
            shown.append({**e, "actor_id": None, "details": {}, "redacted": True})
        else:
            shown.append({**e, "details": without_storage_keys(e["details"]), "redacted": False})
    return shown


def stage_record_view(record: dict[str, Any], role: str) -> dict[str, Any]:
    """A stage record as this person may see it: storage keys for the centre's
    administrators only."""
    return record if role == Role.centre_admin else without_storage_keys(record)
