"""The platform operator onboards institutions: awarding bodies (each a did:web with its
first key) and validation centres; their first administrators are invited with
``POST /awarding-bodies/{id}/invitations`` and ``POST /centres/{id}/invitations``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.exc import IntegrityError

from api.deps import SessionDep, SettingsDep, require_roles
from vnfil.accounts.schemas import (
    AwardingBodyCreate,
    AwardingBodyRead,
    CentreCreate,
    CentreRead,
    Role,
)
from vnfil.credentials.keys import issuer_did
from vnfil.trust.institutions import Taken, create_awarding_body, create_centre

router = APIRouter(tags=["institutions"], dependencies=[require_roles(Role.operator)])


def _taken(what: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, what)


@router.post("/awarding-bodies", status_code=status.HTTP_201_CREATED)
async def new_awarding_body(
    body: AwardingBodyCreate, session: SessionDep, settings: SettingsDep
) -> AwardingBodyRead:
    """An awarding body with its first signing key: its DID resolves at once."""
    try:
        row = await create_awarding_body(session, settings.secret_key, body)
        await session.commit()
    except Taken as exc:
        raise _taken(str(exc)) from None
    except IntegrityError:  # the same id, made at the same moment
        await session.rollback()
        raise _taken(f"there is already an awarding body {body.id}") from None
    read = AwardingBodyRead.model_validate(row)
    read.did = issuer_did(settings.public_base_url, row.id)
    return read


@router.post("/centres", status_code=status.HTTP_201_CREATED)
async def new_centre(body: CentreCreate, session: SessionDep) -> CentreRead:
    """A validation centre; an awarding body then accredits it for its standards."""
    try:
        row = await create_centre(session, body)
        await session.commit()
    except Taken as exc:
        raise _taken(str(exc)) from None
    except IntegrityError:
        await session.rollback()
        raise _taken(f"there is already a centre {body.id}") from None
    return CentreRead.model_validate(row)
