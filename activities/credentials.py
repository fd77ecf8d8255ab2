"""Side effects on issued credentials: revocation flips the status bit and tells issuers."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.events import StartDelivery, StartMessage, dispatch
from vnfil.accounts.models import Notification, User
from vnfil.cases.audit import append_entry
from vnfil.cases.models import AuditEntry
from vnfil.credentials.keys import active_key
from vnfil.credentials.models import Credential
from vnfil.credentials.schemas import RevocationRef, RevocationRequest
from vnfil.credentials.status import locked, set_revoked, status_list_url
from vnfil.events.models import Event
from vnfil.events.service import record_event
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.rendering import render_message
from vnfil.platform.settings import Settings

# Fresh reads of a status list that changed under a revocation, before Temporal retries.
STALE_RETRIES = 50


class CredentialActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        start_delivery: StartDelivery,
        start_message: StartMessage | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.start_delivery = start_delivery
        self.start_message = start_message

    @activity.defn
    async def revoke_credential(self, inp: RevocationRequest) -> RevocationRef:
        """Set the credential's bit and re-sign its status list, in one transaction.

        Revocations of credentials sharing a list race for its one row: PostgreSQL
        serialises them with a row lock, and on any database the list's version makes
        the write of a stale list fail, and then the whole transaction runs again on a
        fresh read (:data:`STALE_RETRIES` times here, then Temporal's retries): no bit
        is lost. A retry finds the credential revoked and only makes sure the event
        went out.
        """
        for attempt in range(STALE_RETRIES):
            try:
                ref, event, message = await self._revoke(inp)
                break
            except StaleDataError:
                # Another revocation re-signed the list since we read it.
                await asyncio.sleep(random.uniform(0, 0.02 * (attempt + 1)))
        else:
            raise ApplicationError(
                f"the status list of credential {inp.credential_id} kept changing; retrying"
            )
        await dispatch(self.sessions, self.settings, [event], self.start_delivery)
        if message is not None and self.start_message is not None:
            # E-mailed by its own workflow: a mail server that is down delays the e-mail,
            # never the revocation.
            await self.start_message(activity.client(), self.settings, message)
        return ref

    @staticmethod
    async def _tell_the_candidate(session: AsyncSession, cred: Credential) -> str | None:
        """The candidate's message (in the outbox, with the revocation's transaction, in
        their language); its key when it is also to be e-mailed."""
        person = await session.get(User, cred.holder_id)
        if person is None:
            return None
        key = f"{cred.case_id or cred.id}:revoked:{person.id}"
        if await session.get(Notification, key) is not None:
            return key if person.email_notices else None
        subject, body = render_message(
            "credential-revoked",
            person.language,
            name=person.name,
            title=str(cred.document.get("name", "")),
            credential_id=cred.id,
            case_id=cred.case_id or "",
            revoked_on=f"{as_utc(cred.revoked_at or utcnow()):%Y-%m-%d}",
            reason=cred.revocation_reason or "",
        )
        session.add(
            Notification(
                id=key,
                case_id=cred.case_id,
                recipient_id=person.id,
                template="credential-revoked",
                subject=subject,
                body=body,
            )
        )
        return key if person.email_notices else None

    async def _revoke(self, inp: RevocationRequest) -> tuple[RevocationRef, Event, str | None]:
        base = self.settings.public_base_url
        async with self.sessions.begin() as session:
            cred = await session.get(Credential, inp.credential_id)
            if cred is None or cred.status_list_id is None or cred.status_index is None:
                raise ApplicationError(
                    f"credential {inp.credential_id} has no status entry", non_retryable=True
                )
            if cred.revoked_at is None:
                status_list = await locked(session, cred.status_list_id)
                assert status_list is not None
                key = await active_key(session, self.settings.secret_key, cred.awarding_body_id)
                set_revoked(status_list, cred.status_index, key, base, inp.at)
                cred.revoked_at, cred.revoked_by = inp.at, inp.actor.user_id
                cred.revocation_reason = inp.reason
                # The case's own audit chain records it (its workflow has ended); a
                # credential claimed from units has no case.
                if cred.case_id is not None:
                    last = await session.scalar(
                        select(func.max(AuditEntry.seq)).where(AuditEntry.case_id == cred.case_id)
                    )
                    await append_entry(
                        session,
                        case_id=cred.case_id,
                        seq=0 if last is None else last + 1,
                        at=inp.at,
                        actor_id=inp.actor.user_id,
                        actor_role=inp.actor.role.value,
                        action="credential.revoked",
                        details={"credential_id": cred.id, "reason": inp.reason},
                    )
            # Written once (a retry finds it, and hands it to the mailer again: one e-mail).
            message = await self._tell_the_candidate(session, cred)
            event = await record_event(
                session,
                type_="credential.revoked",
                subject=cred.id,
                awarding_body_id=cred.awarding_body_id,
                time=as_utc(cred.revoked_at),
                data={
                    "credential_id": cred.id,
                    "case_id": cred.case_id,
                    "reason": cred.revocation_reason,
                    "revoked_by": cred.revoked_by,
                    "status_list": status_list_url(base, cred.status_list_id),
                    "status_index": cred.status_index,
                },
            )
            ref = RevocationRef(
                credential_id=cred.id,
                revoked_at=as_utc(cred.revoked_at),
                status_list_url=status_list_url(base, cred.status_list_id),
            )
        return ref, event, message
