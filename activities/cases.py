"""Activities of a validation case: each writes to S3 and the DB, safe to retry.

Every write is keyed by something the workflow fixed (case id, stage, evidence id,
credential id), so a retry after a crash overwrites the same object and upserts the
same row instead of adding another.
"""

from __future__ import annotations

import asyncio
import functools
import smtplib
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.events import StartDelivery, dispatch
from vnfil.accounts.models import Centre, Membership, Notification, User
from vnfil.accounts.schemas import Role
from vnfil.accounts.service import message_text
from vnfil.cases.audit import append_entry
from vnfil.cases.models import Case, CaseAssignment, StageRecord
from vnfil.cases.schemas import (
    AssignmentInput,
    AuditInput,
    DeadlineInput,
    NotificationInput,
    Stage,
    StageRecordInput,
    StageRecordRef,
)
from vnfil.cases.tallies import keep_tallies
from vnfil.credentials.document import build_credential, outcomes_of
from vnfil.credentials.keys import KeyError_, active_key, issuer_did
from vnfil.credentials.models import Credential
from vnfil.credentials.schemas import (
    CertificationInput,
    Certified,
    CredentialInput,
    CredentialRef,
    UnitCredentialRef,
)
from vnfil.credentials.signing import sign
from vnfil.credentials.status import allocate, entry
from vnfil.events.models import Event
from vnfil.events.service import record_event
from vnfil.evidence.models import Evidence
from vnfil.evidence.schemas import EvidenceForgetInput, EvidenceRecordInput
from vnfil.evidence.store import EvidenceStore, StoredObject
from vnfil.platform.db import utcnow
from vnfil.platform.errors import Refusal
from vnfil.platform.rendering import environment, render_message
from vnfil.platform.settings import Settings
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument
from vnfil.trust.service import NotAccredited, accreditation_for

A = TypeVar("A")
R = TypeVar("R")


def permanent_on_bad_data(
    fn: Callable[[Any, A], Awaitable[R]],
) -> Callable[[Any, A], Awaitable[R]]:
    """A value the database refuses (``DataError``: a NUL byte, a number out of range) will
    be refused on every retry: end the step with a refusal instead of retrying forever
    with the case's lock held. Everything else (the database or S3 away) stays transient."""

    @functools.wraps(fn)
    async def classified(self: Any, inp: A) -> R:
        try:
            return await fn(self, inp)
        except DataError as exc:
            raise ApplicationError(
                f"the database refused a value of this step: {exc.orig}",
                type=Refusal.invalid.value,
                non_retryable=True,
            ) from exc

    return classified


class CaseActivities:
    def __init__(
        self,
        store: EvidenceStore,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        start_delivery: StartDelivery,
    ) -> None:
        self.store = store
        self.sessions = session_factory
        self.settings = settings
        self.start_delivery = start_delivery

    @activity.defn
    @permanent_on_bad_data
    async def record_stage(self, inp: StageRecordInput) -> StageRecordRef:
        """The stage record: who ended the stage, when, with what inputs and evidence."""
        key = f"cases/{inp.case_id}/stages/{inp.stage.value}.json"
        record = inp.model_dump(mode="json")
        if inp.stage == Stage.identification and inp.status is None:
            report = await self._identification_report(inp)
            record["report"] = {"object_key": report.key, "sha256": report.sha256}
        stored = await asyncio.to_thread(self.store.put_json, key, record)
        async with self.sessions.begin() as session, keep_tallies(session, inp.case_id):
            row = await session.scalar(
                select(StageRecord).where(
                    StageRecord.case_id == inp.case_id, StageRecord.stage == inp.stage.value
                )
            )
            if row is None:
                row = StageRecord(case_id=inp.case_id, stage=inp.stage.value)
                session.add(row)
            row.object_key, row.sha256, row.record = key, stored.sha256, record
            case = await session.get(Case, inp.case_id)
            events = []
            if case is not None:
                case.stage = inp.next_stage.value
                case.result = inp.inputs.get("result", case.result)
                case.status = inp.status.value if inp.status else case.status
                case.deadline = inp.deadline
                case.updated_at = utcnow()
                counselling = inp.inputs.get("counselling") or []
                if case.counsellor_id is None and counselling:
                    # The first counsellor to hold a session is the case's (as in the workflow).
                    case.counsellor_id = counselling[0]["counsellor_id"]
                standard = await session.get(Standard, case.standard_id)
                assert standard is not None
                events.append(
                    await record_event(
                        session,
                        type_="case.stage_changed",
                        subject=inp.case_id,
                        awarding_body_id=standard.awarding_body_id,
                        time=inp.at,
                        discriminator=f"{inp.stage.value}>{inp.next_stage.value}@{inp.at.isoformat()}",
                        data={
                            "case_id": inp.case_id,
                            "centre_id": case.centre_id,
                            "standard_id": case.standard_id,
                            "from": inp.stage.value,
                            "to": inp.next_stage.value,
                            "status": case.status,
                            "result": case.result,
                        },
                    )
                )
        await dispatch(self.sessions, self.settings, events, self.start_delivery)
        return StageRecordRef(object_key=key, sha256=stored.sha256)

    async def _identification_report(self, inp: StageRecordInput) -> StoredObject:
        """The identification report, rendered with Jinja2 and stored beside the record."""
        async with self.sessions() as session:
            case = await session.get(Case, inp.case_id)
            assert case is not None
            standard = await session.get(Standard, case.standard_id)
            candidate = await session.get(User, case.candidate_id)
            assert standard is not None and candidate is not None
        doc = StandardDocument.model_validate(standard.document)
        chosen = set(inp.inputs.get("selected_lo_ids", []))
        html = (
            environment()
            .get_template("identification-report.html.j2")
            .render(
                case_id=inp.case_id,
                candidate=candidate.name,
                at=inp.at.strftime("%Y-%m-%d %H:%M UTC"),
                standard=doc,
                selected=[lo for lo in doc.learning_outcomes if lo.id in chosen],
                self_assessment=inp.inputs.get("self_assessment", {}),
                plan=inp.inputs.get("plan", ""),
                milestones=inp.inputs.get("milestones", []),
                counselling=inp.inputs.get("counselling", []),
                actor=inp.actor,
            )
        )
        key = f"cases/{inp.case_id}/stages/identification.html"
        return await asyncio.to_thread(
            self.store.put_bytes, key, html.encode(), "text/html; charset=utf-8"
        )

    @activity.defn
    @permanent_on_bad_data
    async def append_audit(self, inp: AuditInput) -> None:
        """One link of the case's audit chain; the workflow fixes its sequence number."""
        async with self.sessions.begin() as session:
            await append_entry(
                session,
                case_id=inp.case_id,
                seq=inp.seq,
                at=inp.at,
                actor_id=inp.actor.user_id,
                actor_role=inp.actor.role.value,
                action=inp.action,
                details=inp.details,
            )

    @activity.defn
    @permanent_on_bad_data
    async def record_deadline(self, inp: DeadlineInput) -> None:
        async with self.sessions.begin() as session:
            case = await session.get(Case, inp.case_id)
            if case is not None:
                case.deadline = inp.deadline
                case.updated_at = utcnow()

    @activity.defn
    @permanent_on_bad_data
    async def notify(self, inp: NotificationInput) -> int:
        """Render a message per recipient into the outbox (once per key), then e-mail it."""
        written = 0
        async with self.sessions.begin() as session:
            ids = set(inp.audience)
            if inp.centre_admins_of:
                ids |= set(
                    await session.scalars(
                        select(Membership.user_id).where(
                            Membership.centre_id == inp.centre_admins_of,
                            Membership.role == Role.centre_admin,
                        )
                    )
                )
            people = list(await session.scalars(select(User).where(User.id.in_(sorted(ids)))))
            for person in people:
                key = f"{inp.key}:{person.id}"
                if await session.get(Notification, key) is not None:
                    continue
                subject, body = render_message(
                    inp.template, person.language, name=person.name, **inp.context
                )
                session.add(
                    Notification(
                        id=key,
                        case_id=inp.case_id,
                        recipient_id=person.id,
                        template=inp.template,
                        subject=subject,
                        body=body,
                    )
                )
                written += 1
        wanted = [p for p in people if p.email_notices]  # the others read them in the centre
        if self.settings.smtp_host and wanted:
            await self._deliver(
                [f"{inp.key}:{p.id}" for p in wanted], {p.id: p.email for p in wanted}
            )
        return written

    async def _deliver(self, keys: list[str], emails: dict[str, str]) -> None:
        """E-mail what is still unsent; a failure retries the activity, sent rows stay sent."""
        async with self.sessions() as session:
            for key in keys:
                row = await session.get(Notification, key)
                if row is None or row.sent_at is not None:
                    continue
                to = row.recipient_email or emails.get(row.recipient_id or "", "")
                await asyncio.to_thread(self._send_mail, to, row)
                row.sent_at = utcnow()
                row.sealed_body = None  # a sent invitation's link is kept nowhere but the mailbox
                await session.commit()

    @activity.defn
    async def deliver_message(self, key: str) -> bool:
        """E-mail one outbox message (an invitation, say); True once it has gone."""
        if not self.settings.smtp_host:
            return False
        async with self.sessions() as session:
            row = await session.get(Notification, key)
            if row is None:
                return False
            person = await session.get(User, row.recipient_id) if row.recipient_id else None
            emails = {person.id: person.email} if person else {}
        await self._deliver([key], emails)
        return True

    def _send_mail(self, to: str, row: Notification) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.settings.smtp_from, to, row.subject
        msg.set_content(message_text(row, self.settings.secret_key))
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=30) as smtp:
            smtp.send_message(msg)

    @activity.defn
    @permanent_on_bad_data
    async def record_evidence(self, inp: EvidenceRecordInput) -> None:
        ev = inp.evidence
        async with self.sessions.begin() as session:
            if await session.get(Evidence, ev.evidence_id) is not None:
                return
            session.add(
                Evidence(
                    id=ev.evidence_id,
                    case_id=inp.case_id,
                    object_key=ev.object_key,
                    filename=ev.filename,
                    media_type=ev.media_type,
                    size=ev.size,
                    sha256=ev.sha256,
                    kind=ev.kind.value,
                    lo_ids=list(ev.lo_ids),
                    uploaded_by=inp.uploaded_by,
                    created_at=inp.at,
                )
            )

    @activity.defn
    async def forget_evidence(self, inp: EvidenceForgetInput) -> None:
        """The record of a piece the candidate removed (again: nothing to do); its file is
        left to the orphan sweep, which frees what neither record nor case holds."""
        async with self.sessions.begin() as session:
            await session.execute(
                delete(Evidence).where(
                    Evidence.id == inp.evidence_id, Evidence.case_id == inp.case_id
                )
            )

    @activity.defn
    @permanent_on_bad_data
    async def record_assignments(self, inp: AssignmentInput) -> None:
        async with self.sessions.begin() as session, keep_tallies(session, inp.case_id):
            await session.execute(
                delete(CaseAssignment).where(CaseAssignment.case_id == inp.case_id)
            )
            for user_id in inp.assessor_ids:
                session.add(
                    CaseAssignment(case_id=inp.case_id, user_id=user_id, role=Role.assessor)
                )
            if inp.supervisor_id:
                session.add(
                    CaseAssignment(
                        case_id=inp.case_id, user_id=inp.supervisor_id, role=Role.supervisor
                    )
                )

    @activity.defn
    @permanent_on_bad_data
    async def issue_credential(self, inp: CredentialInput) -> CredentialRef:
        """Sign the credential with the awarding body's current key and give it a status slot.

        Without a key, or without the centre's accreditation for the standard at this
        moment, the step is refused (409), by the API and, should either go in between,
        here too; the case stays in certification until both hold.
        """
        async with self.sessions.begin() as session:
            row = await self._case_credential(session, inp)
            ref = CredentialRef(
                credential_id=inp.credential_id, object_key=row.object_key, sha256=row.sha256
            )
            events = [
                await self._issued_event(session, inp, row),
                await self._certified_event(session, inp, inp.credential_id, []),
            ]
        await dispatch(self.sessions, self.settings, events, self.start_delivery)
        return ref

    @activity.defn
    @permanent_on_bad_data
    async def issue_credentials(self, inp: CertificationInput) -> Certified:
        """A case whose standard has units: one credential per unit achieved and the full
        one when every outcome is, in one transaction (each kept by the id the workflow
        gave it, so a retry signs nothing twice); one ``case.certified`` names them all."""
        base = inp.credential
        async with self.sessions.begin() as session:
            full: CredentialRef | None = None
            units: list[UnitCredentialRef] = []
            events = []
            for issue in inp.units:
                one = base.model_copy(
                    update={"credential_id": issue.credential_id, "unit_id": issue.unit_id}
                )
                row = await self._case_credential(session, one)
                units.append(
                    UnitCredentialRef(
                        unit_id=issue.unit_id,
                        credential_id=row.id,
                        object_key=row.object_key,
                        sha256=row.sha256,
                    )
                )
                events.append(await self._issued_event(session, one, row))
            if inp.full:
                row = await self._case_credential(session, base)
                full = CredentialRef(
                    credential_id=row.id, object_key=row.object_key, sha256=row.sha256
                )
                events.append(await self._issued_event(session, base, row))
            events.append(
                await self._certified_event(
                    session, base, full.credential_id if full else None, units
                )
            )
        await dispatch(self.sessions, self.settings, events, self.start_delivery)
        return Certified(full=full, units=units)

    async def _case_credential(self, session: AsyncSession, inp: CredentialInput) -> Credential:
        """The case's credential ``inp.credential_id``, signed and stored once."""
        row = await session.get(Credential, inp.credential_id)
        if row is not None and "proof" in row.document:
            return row
        case = await session.get(Case, inp.case_id) if inp.case_id else None
        if case is None:  # every case's row is written before its workflow starts
            raise ApplicationError(
                f"no case {inp.case_id}", type=Refusal.wrong_stage.value, non_retryable=True
            )
        std = inp.standard.document
        try:
            await accreditation_for(
                session,
                centre_id=case.centre_id,
                awarding_body_id=inp.standard.issuer.id,
                code=std.code,
                version=std.version,
                at=utcnow(),
            )
        except NotAccredited as exc:
            raise ApplicationError(
                f"not certified: {exc}", type=Refusal.wrong_stage.value, non_retryable=True
            ) from exc
        centre = await session.get(Centre, case.centre_id)
        return await sign_and_store(
            session,
            self.settings,
            self.store,
            inp,
            None
            if centre is None
            else {
                "id": centre.id,
                "name": centre.name,
                "country": centre.country,
                "region": centre.region,
            },
        )

    @staticmethod
    async def _issued_event(session: AsyncSession, inp: CredentialInput, row: Credential) -> Event:
        return await record_event(
            session,
            type_="credential.issued",
            subject=row.id,
            awarding_body_id=inp.standard.issuer.id,
            time=inp.issued_at,
            data={
                "credential_id": row.id,
                "case_id": inp.case_id,
                "standard_id": inp.standard.standard_id,
                **({"unit_id": inp.unit_id} if inp.unit_id else {}),
                "credential": row.document,
            },
        )

    @staticmethod
    async def _certified_event(
        session: AsyncSession,
        inp: CredentialInput,
        credential_id: str | None,
        units: list[UnitCredentialRef],
    ) -> Event:
        assert inp.case_id is not None
        return await record_event(
            session,
            type_="case.certified",
            subject=inp.case_id,
            awarding_body_id=inp.standard.issuer.id,
            time=inp.issued_at,
            data={
                "case_id": inp.case_id,
                "credential_id": credential_id,
                **(
                    {"unit_credentials": {u.unit_id: u.credential_id for u in units}}
                    if units
                    else {}
                ),
                "result": inp.result.value,
                "achieved_lo_ids": inp.achieved_lo_ids,
                "certified_by": inp.certified_by.user_id,
            },
        )


async def sign_and_store(
    session: AsyncSession,
    settings: Settings,
    store: EvidenceStore,
    inp: CredentialInput,
    centre: dict[str, Any] | None,
) -> Credential:
    """Build, sign (the awarding body's current key), give a status slot, store in S3
    and keep the row of credential ``inp.credential_id`` (again over a row left unsigned).
    Without a key the step is refused, instead of retried until someone notices."""
    base = settings.public_base_url
    try:
        key = await active_key(session, settings.secret_key, inp.standard.issuer.id)
    except KeyError_ as exc:
        raise ApplicationError(
            str(exc), type=Refusal.wrong_stage.value, non_retryable=True
        ) from exc
    now = utcnow()
    status_list, index = await allocate(session, key, base, now)
    issuer = issuer_did(base, inp.standard.issuer.id)
    document = sign(
        build_credential(inp, base, issuer, entry(base, status_list.id, index), centre),
        key.private,
        key.method(base),
        now,
    )
    key_name = f"credentials/{inp.credential_id}.json"
    stored = await asyncio.to_thread(store.put_json, key_name, document)
    row = await session.get(Credential, inp.credential_id)
    if row is None:
        row = Credential(
            id=inp.credential_id,
            case_id=inp.case_id,
            holder_id=inp.candidate.id,
            unit_id=inp.unit_id,
            standard_id=inp.standard.standard_id,
            awarding_body_id=inp.standard.issuer.id,
            issued_at=inp.issued_at,
        )
        session.add(row)
    row.object_key, row.sha256, row.document = key_name, stored.sha256, document
    row.outcome_count = len(outcomes_of(document))
    row.key_id, row.status_list_id, row.status_index = key.row.id, status_list.id, index
    row.centre_id = centre["id"] if centre is not None and inp.case_id else None
    return row
