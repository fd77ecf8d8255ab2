"""Side effects on accreditations: a grant (with the credential its awarding body signs)
or a status change, its event, and the event handed to the body's webhooks."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.events import StartDelivery, dispatch
from vnfil.platform.settings import Settings
from vnfil.trust.schemas import AccreditationRead, AccreditationRequest
from vnfil.trust.service import Refused, change_status, grant


class TrustActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        start_delivery: StartDelivery,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.start_delivery = start_delivery

    @activity.defn
    async def update_accreditation(self, inp: AccreditationRequest) -> AccreditationRead:
        """Grant or change, and its event, in one transaction; then the webhooks. A retry
        (a lost worker, a failed delivery start) finds what the first attempt did by the
        request's id and only hands the event out again. A refusal (no such centre, not
        the body's standard, a move that may not follow) is final: the caller says why."""
        try:
            async with self.sessions.begin() as session:
                if inp.grant is not None:
                    changed = await grant(
                        session,
                        awarding_body_id=inp.awarding_body_id,
                        actor_id=inp.actor_id,
                        data=inp.grant,
                        secret=self.settings.secret_key,
                        base_url=self.settings.public_base_url,
                        request_id=inp.request_id,
                    )
                else:
                    assert inp.accreditation_id and inp.change  # (the request's validator)
                    changed = await change_status(
                        session,
                        accreditation_id=inp.accreditation_id,
                        awarding_body_id=inp.awarding_body_id,
                        actor_id=inp.actor_id,
                        change=inp.change,
                        request_id=inp.request_id,
                    )
                read = AccreditationRead.model_validate(changed.accreditation)
        except Refused as exc:
            raise ApplicationError(str(exc), type=exc.why.value, non_retryable=True) from None
        await dispatch(self.sessions, self.settings, [changed.event], self.start_delivery)
        return read
