"""The standards catalogue over HTTP: awarding bodies publish versions, everyone reads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.deps import CurrentUser, PageDep, PathId, SessionDep, read_capped, require_roles
from vnfil.accounts.schemas import Role
from vnfil.platform.paging import Keyset
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument, StandardRead
from vnfil.standards.service import (
    CodeOwnedElsewhere,
    StandardFileError,
    VersionExists,
    dump_standard,
    import_standard,
    parse_standard,
)

router = APIRouter(prefix="/standards", tags=["standards"])

MAX_STANDARD_BYTES = 1024 * 1024
# By code, then version: the pair is unique (and its constraint's index is the order).
STANDARD_ORDER = Keyset("standards", (Standard.code, Standard.version), descending=False)


@router.get("")
async def list_standards(
    session: SessionDep,
    _: CurrentUser,
    page: PageDep,
    code: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9-]+$")] = None,
) -> list[StandardRead]:
    """Every standard, by code and version, a page at a time (``Link``/``X-Next-Cursor``)."""
    q = select(Standard)
    if code:
        q = q.where(Standard.code == code)
    at = page.at(STANDARD_ORDER)
    rows = await session.scalars(STANDARD_ORDER.window(q, at, page.limit))
    return [
        StandardRead.model_validate(r, from_attributes=True)
        for r in page.done(STANDARD_ORDER, list(rows), at)
    ]


@router.post(
    "",
    status_code=201,
    dependencies=[require_roles(Role.issuer)],
    responses={
        403: {"description": "the code belongs to another awarding body"},
        409: {"description": "this version of the code is already published"},
        413: {"description": "the file is over 1 MiB (read no further than that)"},
        422: {"description": "the file's problems, each with field and line"},
    },
)
async def publish_standard(
    request: Request, session: SessionDep, user: CurrentUser
) -> StandardRead:
    """Publish a standard version (YAML or JSON body) for the caller's awarding body.

    The first body to publish a code owns it; only that body publishes its later versions.
    """
    body = await read_capped(request, MAX_STANDARD_BYTES, "a standard file")
    try:
        doc = parse_standard(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the file is not UTF-8 text"
        ) from None
    except StandardFileError as exc:
        return JSONResponse(  # type: ignore[return-value]
            {
                "detail": str(exc),
                "errors": [
                    {"field": p.field, "line": p.line, "message": p.message} for p in exc.problems
                ],
            },
            status_code=422,
        )
    assert user.awarding_body_id is not None
    try:
        row = await import_standard(session, doc, user.awarding_body_id, existing_ok=False)
        await session.commit()
    except CodeOwnedElsewhere as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except (VersionExists, IntegrityError):  # the same version published at the same time
        await session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, str(VersionExists(doc.code, doc.version))
        ) from None
    return StandardRead.model_validate(row, from_attributes=True)


async def _get(session: SessionDep, standard_id: str) -> Standard:
    row = await session.get(Standard, standard_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no standard {standard_id}")
    return row


@router.get("/{standard_id}")
async def get_standard(standard_id: PathId, session: SessionDep, _: CurrentUser) -> StandardRead:
    return StandardRead.model_validate(await _get(session, standard_id), from_attributes=True)


@router.get("/{standard_id}/export", response_class=PlainTextResponse)
async def export_standard(
    standard_id: PathId,
    session: SessionDep,
    _: CurrentUser,
    format: Literal["yaml", "json"] = "yaml",
) -> PlainTextResponse:
    row = await _get(session, standard_id)
    doc = StandardDocument.model_validate(row.document)
    media = "application/yaml" if format == "yaml" else "application/json"
    return PlainTextResponse(
        dump_standard(doc, format),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{doc.code}-v{doc.version}.{format}"'
        },
    )
