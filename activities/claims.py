"""Activities of a claim of the full credential from unit credentials: check them, then
have the awarding body issue the full one (idempotent: the claim's key finds it again)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.cases import sign_and_store
from activities.events import StartDelivery, dispatch
from vnfil.cases.schemas import Result
from vnfil.credentials.models import Credential, QualificationClaim
from vnfil.credentials.schemas import CredentialInput
from vnfil.credentials.stacking import (
    ClaimChecked,
    ClaimDone,
    ClaimInput,
    ClaimIssue,
    Presented,
    Refused,
    UnitOf,
    check_units,
    credential_id_of,
)
from vnfil.events.service import record_event
from vnfil.evidence.store import EvidenceStore
from vnfil.platform.errors import Refusal
from vnfil.platform.settings import Settings
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument
from vnfil.standards.service import snapshot
from vnfil.trust.registry import DatabaseRegistry


class ClaimActivities:
    def __init__(
        self,
        store: EvidenceStore,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        start_delivery: StartDelivery,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.settings = settings
        self.start_delivery = start_delivery

    @staticmethod
    async def _standard(session: AsyncSession, standard_id: str) -> UnitOf | None:
        row = await session.get(Standard, standard_id)
        if row is None:
            return None
        return UnitOf(
            standard_id=row.id,
            awarding_body_id=row.awarding_body_id,
            document=StandardDocument.model_validate(row.document),
        )

    @activity.defn
    async def check_claim(self, inp: ClaimInput) -> ClaimChecked:
        """Each unit credential verified and matched to the standard's units; a refusal is
        final (422), naming the unit or the credential and why."""
        async with self.sessions() as session:
            target = await self._standard(session, inp.standard_id)
            if target is None:
                raise ApplicationError(
                    f"no standard {inp.standard_id}", type=Refusal.invalid.value, non_retryable=True
                )
            presented: list[Presented] = []
            for cid in inp.credential_ids:
                row = await session.get(Credential, cid)
                if row is None or row.holder_id != inp.holder.id:
                    raise ApplicationError(
                        f"you hold no credential {cid}",
                        type=Refusal.invalid.value,
                        non_retryable=True,
                    )
                presented.append(Presented(cid, row.document, row.sha256))
            for doc in inp.documents:
                cid = credential_id_of(doc) or "?"
                row = await session.get(Credential, cid) if cid != "?" else None
                presented.append(Presented(cid, doc, row.sha256 if row else None))

            async def standard_of(standard_id: str) -> UnitOf | None:
                return await self._standard(session, standard_id)

            try:
                return await check_units(
                    presented,
                    target=target,
                    holder_email=inp.holder.email,
                    registry=DatabaseRegistry(session, self.settings.public_base_url),
                    standard_of=standard_of,
                    now=inp.at,
                )
            except Refused as exc:
                raise ApplicationError(
                    exc.message, type=Refusal.invalid.value, non_retryable=True
                ) from None

    @activity.defn
    async def issue_claimed(self, inp: ClaimIssue) -> ClaimDone:
        """The awarding body's full credential, its units as its evidence, kept with the
        claim; the same claim again answers the credential it made."""
        claim = inp.claim
        async with self.sessions.begin() as session:
            done = await session.scalar(
                select(QualificationClaim).where(QualificationClaim.claim_key == claim.claim_key)
            )
            if done is not None:
                return ClaimDone(claim_id=done.id, credential_id=done.credential_id, created=False)
            standard = await session.get(Standard, claim.standard_id)
            assert standard is not None  # checked by check_claim; standards are never deleted
            snap = await snapshot(session, standard)
            std = snap.document
            credential = CredentialInput(
                credential_id=inp.credential_id,
                case_id=None,
                candidate=claim.holder,
                standard=snap,
                result=Result.full,
                achieved_lo_ids=[lo.id for lo in std.learning_outcomes],
                identity=None,
                evidence=[],
                grade=None,
                issued_at=claim.at,
                certified_by=claim.actor,
                stacked_from=inp.checked.units,
                supervision=inp.checked.supervision,
            )
            row = await sign_and_store(session, self.settings, self.store, credential, None)
            record = QualificationClaim(
                claim_key=claim.claim_key,
                holder_id=claim.holder.id,
                standard_id=claim.standard_id,
                unit_credential_ids=[u.credential_id for u in inp.checked.units],
                credential_id=row.id,
                created_at=claim.at,
            )
            session.add(record)
            await session.flush()
            event = await record_event(
                session,
                type_="credential.issued",
                subject=row.id,
                awarding_body_id=snap.issuer.id,
                time=claim.at,
                data={
                    "credential_id": row.id,
                    "case_id": None,
                    "standard_id": claim.standard_id,
                    "claimed_from": [u.credential_id for u in inp.checked.units],
                    "credential": row.document,
                },
            )
            done_ = ClaimDone(claim_id=record.id, credential_id=row.id, created=True)
        await dispatch(self.sessions, self.settings, [event], self.start_delivery)
        return done_
