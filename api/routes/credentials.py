"""Issued credentials: reading, the public verification page, certificates, revocation."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Select, select

from api.deps import (
    SESSION_COOKIE,
    CurrentUser,
    PageDep,
    PathId,
    Principal,
    SessionDep,
    SettingsDep,
    SignaturesDep,
    TemporalDep,
    can_see_case,
    current_user,
    release_connection,
)
from vnfil.accounts.schemas import Actor, Role
from vnfil.cases.models import Case
from vnfil.credentials.certificate import render_certificate_html, render_certificate_pdf
from vnfil.credentials.document import eu_elements_of, outcomes_of
from vnfil.credentials.elm import MEDIA_TYPE as ELM_MEDIA_TYPE
from vnfil.credentials.elm import elm_document
from vnfil.credentials.models import Credential
from vnfil.credentials.schemas import (
    CredentialRead,
    RevocationInput,
    RevocationRef,
    RevocationRequest,
)
from vnfil.credentials.verification import verify_credential
from vnfil.platform.db import utcnow
from vnfil.platform.paging import Keyset
from vnfil.platform.rendering import environment
from vnfil.trust.registry import DatabaseRegistry
from workflows.revocation import CredentialRevocation

router = APIRouter(prefix="/credentials", tags=["credentials"])


async def _may_see(session: SessionDep, user: Principal, cred: Credential) -> bool:
    if user.role == Role.issuer:
        return cred.awarding_body_id == user.awarding_body_id
    if cred.case_id is None:  # claimed from unit credentials: its holder's
        return user.role == Role.candidate and cred.holder_id == user.id
    case = await session.get(Case, cred.case_id)
    return case is not None and await can_see_case(session, user, case)


# Every list of credentials: newest first, equal times by id.
CREDENTIAL_ORDER = Keyset("credentials", (Credential.issued_at, Credential.id))


def visible_credentials(user: Principal) -> Select[Credential]:
    """The credentials this person may list: each role's filter is the first column of
    one of the indexes on ``credentials`` (then ``CREDENTIAL_ORDER``'s columns)."""
    q = select(Credential)
    if user.role == Role.issuer:
        return q.where(Credential.awarding_body_id == user.awarding_body_id)
    if user.role == Role.candidate:
        return q.where(Credential.holder_id == user.id)
    if user.role in (Role.centre_admin, Role.counsellor):
        return q.where(Credential.centre_id == user.centre_id)
    raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {user.role} does not list credentials")


@router.get("")
async def list_credentials(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
) -> list[CredentialRead]:
    """Newest first, a page at a time (the next page's cursor in the ``Link`` and
    ``X-Next-Cursor`` headers)."""
    at = page.at(CREDENTIAL_ORDER)
    rows = await session.scalars(CREDENTIAL_ORDER.window(visible_credentials(user), at, page.limit))
    return [CredentialRead.model_validate(r) for r in page.done(CREDENTIAL_ORDER, list(rows), at)]


async def _credential(session: SessionDep, credential_id: str) -> Credential:
    cred = await session.get(Credential, credential_id)
    if cred is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no credential {credential_id}")
    return cred


async def _visible(session: SessionDep, user: Principal, credential_id: str) -> Credential:
    cred = await _credential(session, credential_id)
    if not await _may_see(session, user, cred):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "issuers see only credentials of their own standards; others only their cases'",
        )
    return cred


def verification_url(base_url: str, credential_id: str) -> str:
    return f"{base_url}/credentials/{credential_id}/verification"


@router.get("/{credential_id}")
async def get_credential(
    credential_id: PathId, session: SessionDep, user: CurrentUser
) -> CredentialRead:
    return CredentialRead.model_validate(await _visible(session, user, credential_id))


@router.get("/{credential_id}/credential.json")
async def credential_file(
    credential_id: PathId, session: SessionDep, user: CurrentUser
) -> Response:
    """The signed credential alone, as a file: what a wallet imports, what ``vnfil verify``
    and any W3C verifier check (``GET /credentials/{id}`` wraps it with vnfil's fields)."""
    cred = await _visible(session, user, credential_id)
    return Response(
        json.dumps(cred.document, ensure_ascii=False, indent=2),
        media_type="application/vc+ld+json",
        headers={"content-disposition": f'attachment; filename="credential-{cred.id}.json"'},
    )


HIDDEN = "the holder of this credential does not show it here; ask them for a link"


async def _seer(request: Request, session: SessionDep, cred: Credential) -> bool:
    """Whether the caller, if signed in at all, is one who may see the credential."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    bearer = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
        if scheme.lower() == "bearer" and token.strip()
        else None
    )
    if bearer is None and not request.cookies.get(SESSION_COOKIE):
        return False
    try:
        user = await current_user(request, session, bearer)
    except HTTPException:
        return False
    return await _may_see(session, user, cred)


@router.get("/{credential_id}/elm.json")
async def elm_file(
    credential_id: PathId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The credential as a European Learning Model (Europass) document, derived from the
    signed credential. Public as its verification page is (it says what that page shows);
    when the holder hides the page, only the holder and those who may see the credential
    get it."""
    cred = await _credential(session, credential_id)
    if not cred.public_page and not await _seer(request, session, cred):
        raise HTTPException(status.HTTP_404_NOT_FOUND, HIDDEN)
    doc = elm_document(cred.document, settings.public_base_url, cred.id)
    return Response(
        json.dumps(doc, ensure_ascii=False, indent=2),
        media_type=ELM_MEDIA_TYPE,
        headers={"content-disposition": f'attachment; filename="credential-{cred.id}-elm.json"'},
    )


@router.get("/{credential_id}/verification", response_class=HTMLResponse)
async def verification_page(
    credential_id: PathId,
    session: SessionDep,
    settings: SettingsDep,
    signatures: SignaturesDep,
    request: Request,
) -> Response:
    """Public: anyone holding the link (or the certificate's QR code) sees if it is valid,
    unless its holder hid the page (the credential itself still verifies)."""
    cred = await _credential(session, credential_id)
    wants_json = "application/json" in request.headers.get("accept", "")
    if not cred.public_page:
        if wants_json:
            raise HTTPException(status.HTTP_404_NOT_FOUND, HIDDEN)
        return HTMLResponse(
            environment().get_template("credential-hidden.html.j2").render(), status_code=404
        )
    result = await verify_credential(
        cred.document,
        DatabaseRegistry(session, settings.public_base_url),
        checker=signatures,
    )
    if wants_json:
        return Response(result.model_dump_json(), media_type="application/json")
    return HTMLResponse(verification_html(cred, result, elm=f"/credentials/{cred.id}/elm.json"))


def verification_html(cred: Credential, result: Any, **shown: Any) -> str:
    """The verification page of a credential (``shown``: a share link's name, the parts
    it leaves out, where its file downloads, where its European Learning Model document
    downloads)."""
    return (
        environment()
        .get_template("credential-verification.html.j2")
        .render(
            credential=cred.document,
            result=result,
            credential_id=cred.id,
            eu=eu_elements_of(cred.document),
            outcomes=outcomes_of(cred.document),
            share_name=shown.get("share_name"),
            hidden=shown.get("hidden", []),
            download=shown.get("download"),
            elm=shown.get("elm"),
        )
    )


async def _certificate_inputs(
    session: SessionDep, settings: SettingsDep, user: Principal, credential_id: str
) -> tuple[Credential, str]:
    cred = await _visible(session, user, credential_id)
    return cred, verification_url(settings.public_base_url, cred.id)


@router.get("/{credential_id}/certificate.html", response_class=HTMLResponse)
async def certificate_html(
    credential_id: PathId, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> HTMLResponse:
    cred, url = await _certificate_inputs(session, settings, user, credential_id)
    return HTMLResponse(
        render_certificate_html(cred.document, url, revoked=cred.revoked_at is not None)
    )


@router.get("/{credential_id}/certificate.pdf")
async def certificate_pdf(
    credential_id: PathId, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    cred, url = await _certificate_inputs(session, settings, user, credential_id)
    pdf = render_certificate_pdf(cred.document, url, revoked=cred.revoked_at is not None)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="certificate-{cred.id}.pdf"'},
    )


@router.post("/{credential_id}/revocation")
async def revoke(
    credential_id: PathId,
    body: RevocationInput,
    session: SessionDep,
    user: CurrentUser,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> RevocationRef:
    """The awarding body, or the centre that ran the case, revokes with a reason."""
    cred = await _credential(session, credential_id)
    case = await session.get(Case, cred.case_id) if cred.case_id else None
    allowed = (user.role == Role.issuer and user.awarding_body_id == cred.awarding_body_id) or (
        user.role == Role.centre_admin and case is not None and case.centre_id == user.centre_id
    )
    if not allowed:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "only the credential's awarding body or the centre that ran the case may revoke it",
        )
    if cred.revoked_at is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"credential {credential_id} was already revoked on {cred.revoked_at:%Y-%m-%d}",
        )
    if cred.status_list_id is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"credential {credential_id} was issued unsigned, without a status entry",
        )
    request = RevocationRequest(
        credential_id=cred.id,
        reason=body.reason,
        actor=Actor(user_id=user.id, role=Role(user.role), name=user.name),
        at=utcnow(),
    )
    await release_connection()  # no connection held while the workflow runs
    return await temporal.execute_workflow(
        CredentialRevocation.run,
        request,
        id=f"revocation-{request.credential_id}",
        task_queue=settings.task_queue,
    )
