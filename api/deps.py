"""Typed dependencies: the session, the Temporal client, the current user, permissions."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement, Row, Select, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.callers import CallerCache
from vnfil.accounts.models import Membership, User
from vnfil.accounts.schemas import Role
from vnfil.accounts.service import (
    LoginThrottle,
    caller_by_cookie,
    caller_by_token,
    hash_token,
    primary_membership,
)
from vnfil.cases.models import Case, CaseAssignment
from vnfil.credentials.verification import SignatureChecker
from vnfil.evidence.store import EvidenceStore
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.i18n import LANG_COOKIE, pick_language
from vnfil.platform.paging import CURSOR_MAX, CursorRefused, Keyset, Position, page_of
from vnfil.platform.settings import Settings

T = TypeVar("T")

_request_session: ContextVar[AsyncSession | None] = ContextVar("vnfil_session", default=None)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        _request_session.set(session)
        yield session


async def release_connection() -> None:
    """End this request's transaction so its connection goes back to the pool.

    Called before every wait on Temporal or S3: a request must not hold one of the
    pool's few connections while another service is slow or down, or database-only
    reads (and /health) starve. The session stays usable: it checks a connection out
    again on its next query. Commit, not rollback: nothing a request wrote is lost.
    """
    session = _request_session.get()
    if session is not None:
        await session.commit()


def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """The app's session factory, for a read that outlives the handler (a streamed
    export opens its own session, for as long as the response is being sent)."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_temporal(request: Request) -> Client:
    """The app's Temporal client, connected: its first connection (lazy, so the API
    starts while Temporal is down) fails with a bare RuntimeError, made here an
    UNAVAILABLE like any later outage, so the caller gets a 503 and not a 500."""
    state = request.app.state
    client: Client = state.temporal
    if not getattr(state, "temporal_connected", False):
        await release_connection()  # the first connection may take seconds
        try:
            await client.service_client.check_health(timeout=timedelta(seconds=5))
        except RuntimeError as exc:  # the lazy connection could not be made
            raise RPCError(
                f"cannot connect to Temporal: {exc}", RPCStatusCode.UNAVAILABLE, b""
            ) from None
        state.temporal_connected = True
    return client


def get_store(request: Request) -> EvidenceStore:
    return request.app.state.store


def get_throttle(request: Request) -> LoginThrottle:
    return request.app.state.throttle


def get_signatures(request: Request) -> SignatureChecker:
    return request.app.state.signatures


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]
ThrottleDep = Annotated[LoginThrottle, Depends(get_throttle)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
StoreDep = Annotated[EvidenceStore, Depends(get_store)]
SignaturesDep = Annotated[SignatureChecker, Depends(get_signatures)]

_bearer = HTTPBearer(auto_error=False)
SESSION_COOKIE = "vnfil_session"
MEMBERSHIP_HEADER = "X-Vnfil-Membership"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """Who is asking, acting in one of their memberships (role + centre or awarding body).

    Every access rule reads this, never the user row: a person who is an assessor in
    one centre and an admin in another is only ever one of them per request.
    """

    id: str
    name: str
    email: str
    role: str
    centre_id: str | None
    awarding_body_id: str | None
    membership_id: str
    via: str  # "bearer" or "session"
    language: str | None = None  # the one chosen on the account, if any
    funder_id: str | None = None  # a funder's staff: which funder
    csrf_token: str | None = None  # a signed-in browser's, for the forms of its pages


def principal_of(user: User, m: Membership, via: str, csrf_token: str | None = None) -> Principal:
    return Principal(
        id=user.id,
        name=user.name,
        email=user.email,
        role=m.role,
        centre_id=m.centre_id,
        awarding_body_id=m.awarding_body_id,
        membership_id=m.id,
        via=via,
        language=user.language,
        funder_id=m.funder_id,
        csrf_token=csrf_token,
    )


async def current_user(
    request: Request,
    session: SessionDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """A bearer token (API) or the session cookie (web pages, with a CSRF header on writes),
    resolved with its account and membership in one query, and then remembered for a few
    seconds (``api.callers``: forgotten as soon as any account, membership or session
    changes through this process)."""
    return await caller_of(request, session, creds)


async def caller_of(
    request: Request, session: AsyncSession, creds: HTTPAuthorizationCredentials | None = None
) -> Principal:
    """``current_user`` for a route that reads its session itself (see ``get_case``)."""
    if creds is None:
        creds = await _bearer(request)
    callers: CallerCache = request.app.state.callers
    if creds is not None and creds.scheme.lower() == "bearer":
        wanted = request.headers.get(MEMBERSHIP_HEADER)
        key = ("bearer", hash_token(creds.credentials), wanted or "")
        if (caller := callers.get(key)) is None:
            generation = callers.generation
            caller = await _bearer_caller(session, creds.credentials, wanted)
            callers.put(key, caller, generation)
        return caller
    cookie = request.cookies.get(SESSION_COOKIE)
    key = ("cookie", hash_token(cookie or ""), "")
    if not cookie or (caller := callers.get(key)) is None:
        generation = callers.generation
        caller, until = await _cookie_caller(session, cookie)
        callers.put(key, caller, generation, until)
    if request.method not in _SAFE and request.headers.get("X-CSRF-Token") != caller.csrf_token:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "missing or wrong X-CSRF-Token for a signed-in session"
        )
    return caller


async def _bearer_caller(session: AsyncSession, token: str, wanted: str | None) -> Principal:
    found = await caller_by_token(session, token, wanted)
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown or revoked token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    user, m = found
    if m is None and wanted is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"membership {wanted} is not one of yours")
    return principal_of(user, m or await primary_membership(session, user), "bearer")


async def _cookie_caller(session: AsyncSession, cookie: str | None) -> tuple[Principal, float]:
    """The signed-in browser's caller, and the ``time.monotonic()`` instant its session
    ends (a remembered caller is forgotten then at the latest)."""
    signed_in = await caller_by_cookie(session, cookie) if cookie else None
    if signed_in is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token: send 'Authorization: Bearer <token>', or sign in",
            headers={"WWW-Authenticate": "Bearer"},
        )
    web, account, m = signed_in
    if account is None or m is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "this session's account is gone")
    left = (as_utc(web.expires_at) - utcnow()).total_seconds()
    return principal_of(account, m, "session", web.csrf_token), time.monotonic() + left


CurrentUser = Annotated[Principal, Depends(current_user)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """A router/route dependency: only these roles may call."""
    allowed = {r.value for r in roles}

    async def check(user: CurrentUser) -> Principal:
        if user.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"a {user.role} may not do this; allowed: {', '.join(sorted(allowed))}",
            )
        return user

    return Depends(check)


CASE_SCOPE = {
    Role.candidate: "candidates see only their own cases",
    Role.assessor: "assessors see only cases whose panel they sit on",
    Role.supervisor: "supervisors see only cases they supervise",
    Role.counsellor: "centre staff see only their centre's cases",
    Role.centre_admin: "centre staff see only their centre's cases",
    Role.issuer: "issuers see credentials of their standards, not cases",
    Role.operator: "the platform operator onboards institutions and sees no case",
    Role.funder: "funders see the funding requests made to them, not cases",
}


class CaseKeys(Protocol):
    """What the access rule reads of a case: a ``Case`` or a row of its columns."""

    @property
    def id(self) -> str: ...
    @property
    def candidate_id(self) -> str: ...
    @property
    def centre_id(self) -> str: ...


CaseKeysT = TypeVar("CaseKeysT", bound=CaseKeys)


async def can_see_case(session: AsyncSession, user: Principal, case: CaseKeys) -> bool:
    """The access rule for cases, in one place."""
    if user.role == Role.candidate:
        return case.candidate_id == user.id
    if user.role in (Role.assessor, Role.supervisor):
        assigned = await session.scalar(
            select(CaseAssignment.user_id).where(
                CaseAssignment.case_id == case.id, CaseAssignment.user_id == user.id
            )
        )
        return assigned is not None
    if user.role in (Role.counsellor, Role.centre_admin):
        return case.centre_id == user.centre_id
    return False


def person_matches(text: str) -> ColumnElement[bool]:
    """A person whose name or e-mail holds ``text`` (any case; LIKE's % and _ as letters)."""
    return or_(
        User.name.icontains(text, autoescape=True), User.email.icontains(text, autoescape=True)
    )


def visible_cases(
    user: Principal,
    *,
    stage: str | None = None,
    status_: str | None = None,
    overdue: bool = False,
    search: str | None = None,
    standard_id: str | None = None,
    assessor_id: str | None = None,
) -> Select[Case]:
    """The access rule for lists of cases (API and pages), the same as ``can_see_case``.
    ``search`` finds a case by its candidate's name or e-mail (any part, any case) or by
    its reference (the start of its id). Read a page of it with ``CASE_ORDER``: the
    indexes on ``cases`` (centre or candidate, then stage or status, then the order)
    match it, so a page is one index range whatever the centre holds."""
    q = select(Case)
    if user.role == Role.candidate:
        q = q.where(Case.candidate_id == user.id)
    elif user.role in (Role.assessor, Role.supervisor):
        # A semi-join, not a join: a person on a panel twice (two roles) sees it once.
        q = q.where(
            Case.id.in_(select(CaseAssignment.case_id).where(CaseAssignment.user_id == user.id))
        )
    elif user.role in (Role.counsellor, Role.centre_admin):
        q = q.where(Case.centre_id == user.centre_id)
    else:
        raise HTTPException(status.HTTP_403_FORBIDDEN, CASE_SCOPE[Role(user.role)])
    if stage:
        q = q.where(Case.stage == stage)
    if status_:
        q = q.where(Case.status == status_)
    if overdue:
        q = q.where(Case.status == "open", Case.deadline < utcnow())
    if search and search.strip():
        text = search.strip()
        people = select(User.id).where(person_matches(text))
        q = q.where(
            or_(Case.candidate_id.in_(people), Case.id.startswith(text.lower(), autoescape=True))
        )
    if standard_id:
        q = q.where(Case.standard_id == standard_id)
    if assessor_id:
        on_panel = select(CaseAssignment.case_id).where(
            CaseAssignment.user_id == assessor_id, CaseAssignment.role == Role.assessor
        )
        q = q.where(Case.id.in_(on_panel))
    return q


# Every list of cases: newest first, equal times by id.
CASE_ORDER = Keyset("cases", (Case.created_at, Case.id))


async def visible_case(case_id: str, session: SessionDep, user: CurrentUser) -> Case:
    case = await session.get(Case, case_id)
    return await _shown(session, user, case_id, case)


# A case's own columns, read as a row: ``GET /cases/{id}`` (the busiest read) needs no
# ORM object, and building one costs more than the query.
# One statement object, so its SQL and cache key are made once, not on every request.
_CASE_ROW = select(*Case.__table__.c).where(Case.__table__.c.id == bindparam("case_id"))


async def visible_case_row(session: AsyncSession, user: Principal, case_id: str) -> Row[Any]:
    """The case's row, under the same access rule as ``visible_case``."""
    row = (await session.execute(_CASE_ROW, {"case_id": case_id})).first()
    return await _shown(session, user, case_id, row)


async def _shown(
    session: AsyncSession, user: Principal, case_id: str, case: CaseKeysT | None
) -> CaseKeysT:
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {case_id}")
    if not await can_see_case(session, user, case):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"case {case_id} is not yours to see: {CASE_SCOPE[Role(user.role)]}",
        )
    return case


VisibleCase = Annotated[Case, Depends(visible_case)]


# --- pagination and request bodies: bounded, so no number or body a caller sends
# reaches the database or memory unchecked ------------------------------------------

LIMIT_MAX = 500

# Said when a list is asked for by ``?offset=`` (gone: see ``vnfil.platform.paging``) or
# with a cursor it did not give.
said_offset = 'lists are paged by cursor: follow the Link rel="next" header (offset is gone)'
said_cursor = (
    "not a cursor of this list ({}): start from the first page and follow its "
    'Link rel="next" header'
)


@dataclass(frozen=True)
class Page:
    """``?limit=&cursor=`` of a list: where its page starts and how many rows it shows.
    A route reads its rows with ``keyset.window(query, page.at(keyset), page.limit)``
    and answers ``page.done(keyset, rows, at)``, which says where the next page starts in
    the ``Link: <…>; rel="next"`` and ``X-Next-Cursor`` headers (none on the last page);
    the body stays the plain list it always was."""

    limit: int
    cursor: str | None
    secret: str
    url: str  # this request's address (without its cursor), for the next page's
    response: Response

    def at(self, *keysets: Keyset) -> Position | None:
        return self.at_any(*keysets)[1]

    def at_any(self, *keysets: Keyset) -> tuple[Keyset, Position | None]:
        """The keyset (of those a list reads in turn) whose cursor this is, and where."""
        if self.cursor is None:
            return keysets[0], None
        why = ""
        for keyset in keysets:
            try:
                return keyset, keyset.decode(self.secret, self.cursor)
            except CursorRefused as exc:
                why = why or str(exc)
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": said_cursor.format(why), "type": "paging.cursor"}]
        )

    def done(
        self,
        keyset: Keyset,
        rows: Sequence[T],
        at: Position | None,
        key: Callable[[T], Any] | None = None,
    ) -> list[T]:
        """The page's rows; the next page's address in the headers if there is one."""
        found = page_of(keyset, rows, at, self.limit, key)
        if found.older is not None:
            self.follow(keyset.encode(self.secret, found.older))
        return found.rows

    def follow_after(self, keyset: Keyset, row: Any) -> None:
        """The next page starts after ``row`` (a list read in parts, as a funder's requests)."""
        self.follow(keyset.encode(self.secret, Position(keyset.values_of(row))))

    def follow(self, cursor: str) -> None:
        sep = "&" if "?" in self.url else "?"
        self.response.headers["Link"] = f'<{self.url}{sep}cursor={cursor}>; rel="next"'
        self.response.headers["X-Next-Cursor"] = cursor


def paged(default: int = 50, maximum: int = LIMIT_MAX) -> Callable[..., Page]:
    """The ``Page`` dependency of a list of at most ``maximum`` rows a page."""

    def page(
        request: Request,
        response: Response,
        limit: int = Query(default, ge=1, le=maximum, description="rows per page"),
        cursor: str | None = Query(
            None,
            max_length=CURSOR_MAX,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="where the page starts: the previous page's X-Next-Cursor (its "
            'Link rel="next" holds it too); none for the first page',
        ),
        offset: str | None = Query(None, include_in_schema=False),
    ) -> Page:
        if offset is not None:
            raise RequestValidationError(
                [{"loc": ("query", "offset"), "msg": said_offset, "type": "paging.offset"}]
            )
        settings: Settings = request.app.state.settings
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        url = settings.public_base_url.rstrip("/") + request.url.path
        if kept:
            url += "?" + urlencode(kept)
        return Page(limit, cursor, settings.secret_key, url, response)

    page.lists_a_page = True  # type: ignore[attr-defined]
    return page


# What a paged list's answer carries besides its rows (in the OpenAPI document).
PAGE_HEADERS = {
    "Link": {
        "description": 'the next page\'s address, `<…&cursor=…>; rel="next"`; absent on the last',
        "schema": {"type": "string"},
    },
    "X-Next-Cursor": {
        "description": "the next page's `cursor` alone; absent on the last page",
        "schema": {"type": "string"},
    },
}


def document_pages(routes: Sequence[Any]) -> None:
    """Each paged list's 200 answer names the headers that lead to its next page."""
    for route in routes:
        dependant = getattr(route, "dependant", None)
        if dependant is None or not any(
            getattr(d.call, "lists_a_page", False) for d in dependant.dependencies
        ):
            continue
        ok = route.responses.setdefault(200, {})
        ok.setdefault("description", "one page of the list")
        ok.setdefault("headers", {}).update(PAGE_HEADERS)


PageDep = Annotated[Page, Depends(paged())]

# A path segment naming a row by vnfil's id (a uuid or hex token): anything else (a NUL
# byte, a megabyte) is a 422 before the database sees it.
PathId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


async def read_capped(request: Request, limit: int, what: str) -> bytes:
    """The request body, read chunk by chunk and refused (413) as soon as it passes
    ``limit`` bytes; a ``Content-Length`` above it is refused before reading anything."""
    too_large = HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"{what} is at most {limit // 1024} KiB"
    )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "Content-Length is not a number")
        if len(declared) > 18 or int(declared) > limit:
            raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def request_language(request: Request) -> str:
    """The language a refusal is said in: the one this browser chose, else the asker's
    ``Accept-Language`` (the pages' scripts send the page's own)."""
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
