"""The standards catalogue over HTTP: awarding bodies publish versions, everyone reads."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select

from api.deps import CurrentUser, SessionDep, require_roles
from vnfil.models import Role, Standard
from vnfil.schemas import StandardDocument, StandardRead
from vnfil.standards import (
    StandardFileError,
    dump_standard,
    find_version,
    import_standard,
    parse_standard,
)

router = APIRouter(prefix="/standards", tags=["standards"])

MAX_STANDARD_BYTES = 1024 * 1024


@router.get("")
async def list_standards(
    session: SessionDep, _: CurrentUser, code: str | None = None
) -> list[StandardRead]:
    q = select(Standard).order_by(Standard.code, Standard.version)
    if code:
        q = q.where(Standard.code == code)
    return [StandardRead.model_validate(r, from_attributes=True) for r in await session.scalars(q)]


@router.post(
    "",
    status_code=201,
    dependencies=[require_roles(Role.issuer)],
    responses={422: {"description": "the file's problems, each with field and line"}},
)
async def publish_standard(
    request: Request, session: SessionDep, user: CurrentUser
) -> StandardRead:
    """Publish a standard version (YAML or JSON body) for the caller's awarding body."""
    body = await request.body()
    if len(body) > MAX_STANDARD_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "a standard file is at most 1 MiB")
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
    if await find_version(session, doc.code, doc.version) is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{doc.code} version {doc.version} is already published; publish a new version",
        )
    assert user.awarding_body_id is not None
    row = await import_standard(session, doc, user.awarding_body_id)
    await session.commit()
    return StandardRead.model_validate(row, from_attributes=True)


async def _get(session: SessionDep, standard_id: str) -> Standard:
    row = await session.get(Standard, standard_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no standard {standard_id}")
    return row


@router.get("/{standard_id}")
async def get_standard(standard_id: str, session: SessionDep, _: CurrentUser) -> StandardRead:
    return StandardRead.model_validate(await _get(session, standard_id), from_attributes=True)


@router.get("/{standard_id}/export", response_class=PlainTextResponse)
async def export_standard(
    standard_id: str, session: SessionDep, _: CurrentUser, format: Literal["yaml", "json"] = "yaml"
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
