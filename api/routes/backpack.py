"""The learner's backpack: every credential a person holds, from any centre; links they
make to show one; whether its public page is shown (``vnfil.credentials.sharing``)."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse

from api.deps import CurrentUser, PathId, SessionDep, SettingsDep, SignaturesDep
from api.routes.credentials import verification_html
from vnfil.credentials.models import Credential, CredentialShare
from vnfil.credentials.schemas import (
    BackpackItem,
    PublicPage,
    ShareCreate,
    ShareMade,
    ShareRead,
)
from vnfil.credentials.sharing import (
    ShareRefused,
    held_by,
    holder_of,
    links,
    live,
    make_share,
    shared,
    shares_of,
)
from vnfil.credentials.verification import verify_credential
from vnfil.platform.db import utcnow
from vnfil.platform.rendering import environment
from vnfil.trust.registry import DatabaseRegistry

router = APIRouter(tags=["backpack"])


def _share_read(share: CredentialShare) -> ShareRead:
    return ShareRead.model_validate(share).model_copy(update={"live": live(share)})


def backpack_item(cred: Credential, base_url: str, shares: list[CredentialShare]) -> BackpackItem:
    doc = cred.document

    def part(value: object) -> dict:
        return value if isinstance(value, dict) else {}

    issuer = part(doc.get("issuer"))
    centre = part(part(doc.get("credentialSubject")).get("source"))
    where = links(base_url, cred)
    return BackpackItem(
        id=cred.id,
        name=str(doc.get("name", "")),
        awarding_body=str(issuer.get("name", "")),
        centre=str(centre.get("name", "")),
        issued_at=cred.issued_at,
        valid_until=doc.get("validUntil"),
        revoked_at=cred.revoked_at,
        revocation_reason=cred.revocation_reason,
        public_page=cred.public_page,
        json_url=where.json,
        pdf_url=where.pdf,
        elm_url=where.elm,
        verification_url=where.verification,
        linkedin_url=where.linkedin,
        shares=[_share_read(s) for s in shares if s.credential_id == cred.id],
    )


async def mine(session: SessionDep, user: CurrentUser, credential_id: str) -> Credential:
    """A credential this person holds; the same 404 for one that is not theirs."""
    cred = await session.get(Credential, credential_id)
    if cred is None or await holder_of(session, cred) != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"you hold no credential {credential_id}")
    return cred


@router.get("/me/credentials")
async def my_credentials(
    session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> list[BackpackItem]:
    """Every credential the caller holds, from every centre and awarding body, with its
    downloads, its links and whether its public page is shown."""
    return await backpack_of(session, user.id, settings.public_base_url)


async def backpack_of(session: SessionDep, person_id: str, base_url: str) -> list[BackpackItem]:
    """What the backpack lists (the API and the page): each credential with its links."""
    held = await held_by(session, person_id)
    shares = await shares_of(session, [c.id for c in held])
    return [backpack_item(c, base_url, shares) for c in held]


@router.put("/me/credentials/{credential_id}/public-page")
async def set_public_page(
    credential_id: PathId,
    body: PublicPage,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> BackpackItem:
    """Show or hide the credential's public verification page; it verifies either way."""
    cred = await mine(session, user, credential_id)
    cred.public_page = body.public
    await session.commit()
    return backpack_item(cred, settings.public_base_url, await shares_of(session, [cred.id]))


@router.post("/me/credentials/{credential_id}/shares", status_code=201)
async def create_share(
    credential_id: PathId,
    body: ShareCreate,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> ShareMade:
    """A link to show the credential, named, until a date if given, without the parts in
    ``hide``; the link is in the answer this once."""
    cred = await mine(session, user, credential_id)
    try:
        share, token = await make_share(
            session, cred, name=body.name, expires_at=body.expires_at, hidden=body.hide
        )
    except ShareRefused as exc:
        raise HTTPException(exc.status, exc.message) from None
    await session.commit()
    return ShareMade(
        **_share_read(share).model_dump(), url=f"{settings.public_base_url}/shared/{token}"
    )


@router.delete("/me/credentials/{credential_id}/shares/{share_id}", status_code=204)
async def revoke_share(
    credential_id: PathId, share_id: PathId, session: SessionDep, user: CurrentUser
) -> Response:
    """The link stops showing the credential at once (and for good)."""
    cred = await mine(session, user, credential_id)
    share = await session.get(CredentialShare, share_id)
    if share is None or share.credential_id != cred.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no link {share_id} to this credential")
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        await session.commit()
    return Response(status_code=204)


# A holder's link is theirs to withdraw: nothing keeps a copy of what it showed.
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


async def _shared(session: SessionDep, token: str) -> tuple[CredentialShare, Credential]:
    try:
        found = await shared(session, token)
    except ShareRefused as exc:
        raise HTTPException(exc.status, exc.message, headers=PRIVATE) from None
    await session.commit()  # the visit counted
    return found


@router.get("/shared/{share_token}", response_class=HTMLResponse)
async def shared_page(
    share_token: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    signatures: SignaturesDep,
) -> Response:
    """Public: the credential a holder shared, verified now, without what they left out
    (and, when something is left out, without the credential's id, which would lead to
    its public page)."""
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        share, cred = await _shared(session, share_token)
    except HTTPException as exc:
        if wants_json:
            raise
        gone = environment().get_template("shared-gone.html.j2").render(status=exc.status_code)
        return HTMLResponse(gone, status_code=exc.status_code, headers=PRIVATE)
    result = await verify_credential(
        cred.document, DatabaseRegistry(session, settings.public_base_url), checker=signatures
    )
    if share.hidden:
        result = result.model_copy(update={"credential_id": None})
    if wants_json:
        return Response(result.model_dump_json(), media_type="application/json", headers=PRIVATE)
    page = verification_html(
        cred,
        result,
        share_name=share.name,
        hidden=list(share.hidden),
        download=None if share.hidden else f"/shared/{share_token}/credential.json",
    )
    return HTMLResponse(page, headers=PRIVATE)


@router.get("/shared/{share_token}/credential.json")
async def shared_file(share_token: PathId, session: SessionDep) -> Response:
    """The signed credential, when the link leaves nothing out (the signature covers every
    part: a file without some would not verify)."""
    share, cred = await _shared(session, share_token)
    if share.hidden:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "this link leaves parts of the credential out, so it does not offer the signed "
            "file, which holds them all",
        )
    return Response(
        json.dumps(cred.document, ensure_ascii=False, indent=2),
        media_type="application/vc+ld+json",
        headers={
            "content-disposition": f'attachment; filename="credential-{cred.id}.json"',
            **PRIVATE,
        },
    )
