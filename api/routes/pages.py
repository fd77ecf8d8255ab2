"""Server-rendered pages for the four user groups (Jinja2; a little JavaScript posts the
forms to the same JSON API, with the session's CSRF token). Pages only read; every
change goes through the API routes and their permission checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, or_, select

from api.cases import case_view
from api.deps import (
    CASE_ORDER,
    PathId,
    Principal,
    SessionDep,
    SessionsDep,
    SettingsDep,
    TemporalDep,
    ThrottleDep,
    can_see_case,
    current_user,
    person_matches,
    release_connection,
    visible_cases,
)
from api.exports import csv_response
from api.routes.auth import (
    authenticate,
    check_login_form,
    login_form_token,
    set_login_form_cookie,
    set_session_cookie,
)
from api.routes.backpack import backpack_of
from api.routes.credentials import CREDENTIAL_ORDER
from api.routes.events import DELIVERY_ORDER
from api.routes.evidence import MAX_PHOTO_BYTES, credentials_found
from api.routes.users import NOTIFICATION_ORDER
from vnfil.accounts.models import Centre, Funder, Invitation, Notification, User
from vnfil.accounts.schemas import Role
from vnfil.accounts.service import (
    Refused,
    centre_staff,
    invitation_by_token,
    memberships_of,
    open_session,
    primary_membership,
    usable_reset,
    user_by_email,
)
from vnfil.cases.audit import chain_of
from vnfil.cases.figures import assessor_workload, centre_figures
from vnfil.cases.models import Case, StageRecord
from vnfil.cases.next import next_steps
from vnfil.cases.schemas import Stage
from vnfil.credentials.models import Credential
from vnfil.credentials.sharing import SHARE_YEARS_MAX
from vnfil.credentials.stacking import claimable_for
from vnfil.events.models import WebhookDelivery, WebhookSubscription
from vnfil.evidence import formats
from vnfil.evidence.models import Evidence
from vnfil.funding.accounts import learning_account
from vnfil.funding.programmes import options_for as funding_options
from vnfil.funding.reports import report as funding_report
from vnfil.funding.reports import requests_of as funding_requests_of
from vnfil.platform import bulk
from vnfil.platform.db import add_years, as_utc, utcnow
from vnfil.platform.i18n import LANG_COOKIE, pick_language, translator
from vnfil.platform.paging import CURSOR_MAX, CursorRefused, Keyset, Position, page_of
from vnfil.platform.rendering import environment
from vnfil.standards.models import Standard, StandardCode
from vnfil.standards.schemas import AssessmentMethod, StandardDocument
from vnfil.trust import registry
from vnfil.trust.models import Accreditation

router = APIRouter(include_in_schema=False)
PER_PAGE = 50  # rows of a long list's page (cases, credentials, deliveries)
T = TypeVar("T")
STAGES = [Stage.identification, Stage.documentation, Stage.assessment, Stage.certification]


async def page_user(request: Request, session: SessionDep) -> Principal | None:
    """The signed-in person, or None (the page then sends them to sign in)."""
    try:
        return await current_user(request, session, None)
    except HTTPException:
        return None


PageUser = Annotated[Principal | None, Depends(page_user)]


def page_language(request: Request, user: Principal | None) -> str:
    """The address's choice, then this browser's, then the account's, then the browser's
    languages: a person switching here is obeyed, and a new browser starts in theirs."""
    lang = request.query_params.get("lang") or pick_language(
        request.cookies.get(LANG_COOKIE) or (user.language if user else None),
        request.headers.get("accept-language"),
    )
    return lang if lang in ("en", "pl") else "en"


@dataclass(frozen=True)
class ShownStandard:
    """A standard as a list shows it: its title in the reader's language if it has one."""

    id: str
    version: int
    title: str
    language: str


def _shown(standard: Standard, lang: str) -> ShownStandard:
    words = (standard.document.get("translations") or {}).get(lang)
    if words:
        return ShownStandard(standard.id, standard.version, words["title"], lang)
    own = standard.document.get("language", "en")
    return ShownStandard(standard.id, standard.version, standard.title, own)


def _render(
    request: Request, template: str, user: Principal | None, **context: Any
) -> HTMLResponse:
    lang = page_language(request, user)
    html = (
        environment()
        .get_template(f"pages/{template}.html.j2")
        .render(t=translator(lang), lang=lang, user=user, stages=STAGES, **context)
    )
    response = HTMLResponse(html)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a page of this site, never another site's address
    (``//evil.example``, ``/\\evil.example``, ``https://…``)."""
    if (
        not value
        or len(value) > 2000
        or not value.startswith("/app")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x20 for c in value)
    ):
        return "/app"
    return value


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page (not a program asking the API)."""
    return request.method in ("GET", "HEAD") and "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status_code: int) -> HTMLResponse:
    """A refusal as a page in the person's language, with the way back (same status)."""
    kind = str(status_code) if status_code in (403, 404) else "other"
    page = _render(request, "error", None, kind=kind)
    page.status_code = status_code
    return page


def _to_login(request: Request) -> RedirectResponse:
    """To the sign-in page, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(
        f"/login?{urlencode({'next': safe_next(here)})}", status.HTTP_303_SEE_OTHER
    )


@router.get("/", response_class=HTMLResponse)
async def home(user: PageUser) -> Response:
    return RedirectResponse("/app" if user else "/login", status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
async def login_page(
    request: Request,
    settings: SettingsDep,
    error: bool = False,
    throttled: bool = False,
    expired: bool = False,
    registered: bool = False,
    reset: bool = False,
    next: str | None = None,  # noqa: A002 - the parameter's name in the address
) -> HTMLResponse:
    token = login_form_token(request)
    page = _render(
        request,
        "login",
        None,
        error=error,
        throttled=throttled,
        expired=expired,
        registered=registered,
        reset=reset,
        next=safe_next(next),
        login_csrf=token,
    )
    set_login_form_cookie(page, settings, token)
    return page


@router.post("/login")
async def login_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/app",  # noqa: A002 - the form's field
) -> Response:
    """The form sign-in (works without JavaScript); the JSON one is POST /auth/login.
    Afterwards the person is back on the page they were sent from (``next``)."""
    check_login_form(request, settings, csrf_token)
    back = safe_next(next)
    try:
        user = await authenticate(session, throttle, email, password)
    except HTTPException as exc:
        why = "throttled" if exc.status_code == status.HTTP_429_TOO_MANY_REQUESTS else "error"
        query = urlencode({why: 1, "next": back})
        return RedirectResponse(f"/login?{query}", status.HTTP_303_SEE_OTHER)
    cookie, _ = await open_session(session, user, await primary_membership(session, user))
    await session.commit()
    response = RedirectResponse(back, status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, settings, cookie)
    return response


@router.get("/password-reset", response_class=HTMLResponse)
async def password_reset_page(request: Request) -> HTMLResponse:
    """Forgot the password: the address to send a link to."""
    return _render(request, "password-reset", None, token=None, link_refused=False)


@router.get("/password-reset/{token}", response_class=HTMLResponse)
async def new_password_page(token: PathId, request: Request, session: SessionDep) -> Response:
    """The e-mailed link: a new password, if the link may still be used."""
    try:
        await usable_reset(session, token)
    except Refused:
        # Spent, expired or unknown: say so, and offer a new link on the same page.
        page = _render(request, "password-reset", None, token=None, link_refused=True)
        page.status_code = status.HTTP_410_GONE
        return page
    return _render(request, "password-reset", None, token=token)


@router.get("/register", response_class=HTMLResponse)
async def register_page(request: Request) -> HTMLResponse:
    """Candidates register themselves (the form posts to POST /users/register)."""
    return _render(request, "register", None)


@router.get("/invitations/{token}", response_class=HTMLResponse)
async def invitation_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The link in an invitation: choose a name and password, or give yours."""
    inv = await invitation_by_token(session, token)
    if inv is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such invitation")
    existing = await user_by_email(session, inv.email) is not None
    centre = await session.get(Centre, inv.centre_id)
    return _render(
        request,
        "invitation",
        None,
        invitation=inv,
        token=token,
        existing=existing,
        centre=centre.name if centre else "",
    )


def _csrf(user: Principal | None) -> str:
    """The signed-in browser's CSRF token, read with the session (no second query)."""
    return (user.csrf_token or "") if user else ""


async def _names(session: SessionDep, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(sorted(ids))))
    return {i: n for i, n in rows.all()}


def _at(keyset: Keyset, cursor: str | None, secret: str) -> Position | None:
    """Where a long list's page starts: its cursor's position, or the first page (a link
    from before a change of the server's secret, or mangled, starts the list again)."""
    if cursor is None:
        return None
    try:
        return keyset.decode(secret, cursor)
    except CursorRefused:
        return None


def _paged(
    request: Request,
    ctx: dict[str, Any],
    keyset: Keyset,
    rows: Sequence[T],
    at: Position | None,
    secret: str,
    key: Callable[[T], Any] | None = None,
) -> list[T]:
    """The rows of the page (read with ``keyset.window(query, at, PER_PAGE)``), and what
    the pager (``_pages.html.j2``) shows: this page's number, and the newer and older
    pages' addresses (a cursor each, the filters kept)."""
    found = page_of(keyset, rows, at, PER_PAGE, key)

    def url(to: Position | None) -> str | None:
        if to is None:
            return None
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        if not (to.backwards and to.number == 1):  # the first page is the list's own address
            kept.append(("cursor", keyset.encode(secret, to)))
        return request.url.path + ("?" + urlencode(kept) if kept else "")

    ctx["pager"] = {"number": found.number, "newer": url(found.newer), "older": url(found.older)}
    return found.rows


UNREAD_SHOWN = 99  # the header's badge counts this far, then says "99+"


async def _unread(session: SessionDep, user: Principal) -> str:
    """The person's messages not yet read, as the header's badge shows them: counted up
    to one past what it shows, so a centre with a million cases costs what ten do."""
    unread = (
        select(Notification.id)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .limit(UNREAD_SHOWN + 1)
        .subquery()
    )
    n = int(await session.scalar(select(func.count()).select_from(unread)) or 0)
    return f"{UNREAD_SHOWN}+" if n > UNREAD_SHOWN else str(n) if n else ""


@router.get("/app/notifications", response_class=HTMLResponse)
async def notifications_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX)] = None,
) -> Response:
    """The person's messages, newest first a page at a time (unread marked), and whether
    they also come by e-mail."""
    if user is None:
        return _to_login(request)
    at = _at(NOTIFICATION_ORDER, cursor, settings.secret_key)
    query = select(Notification).where(Notification.recipient_id == user.id)
    rows = list(await session.scalars(NOTIFICATION_ORDER.window(query, at, PER_PAGE)))
    person = await session.get(User, user.id)
    ctx: dict[str, Any] = {}
    notices = _paged(request, ctx, NOTIFICATION_ORDER, rows, at, settings.secret_key)
    return _render(
        request,
        "notifications",
        user,
        csrf=_csrf(user),
        unread=await _unread(session, user),
        notices=notices,
        email_notices=bool(person and person.email_notices),
        account_language=person.language if person else None,
        **ctx,
    )


@router.get("/app/backpack", response_class=HTMLResponse)
async def backpack_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """Every credential the person holds, from every centre: downloads, the public page's
    switch, LinkedIn, and the links they made to show one."""
    if user is None:
        return _to_login(request)
    return _render(
        request,
        "backpack",
        user,
        csrf=_csrf(user),
        unread=await _unread(session, user),
        memberships=await memberships_of(session, user.id),
        items=await backpack_of(session, user.id, settings.public_base_url),
        claimable=await claimable_for(session, user.id),
        today=f"{utcnow():%Y-%m-%d}",
        ten_years=f"{add_years(utcnow(), SHARE_YEARS_MAX):%Y-%m-%d}",
    )


@router.get("/app/learning-account", response_class=HTMLResponse)
async def learning_account_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The person's learning account: balance, entitlements with their end, movements."""
    if user is None:
        return _to_login(request)
    return _render(
        request,
        "learning-account",
        user,
        csrf=_csrf(user),
        unread=await _unread(session, user),
        memberships=await memberships_of(session, user.id),
        account=await learning_account(session, user.id),
    )


@router.get("/app", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    stage: str | None = None,
    state: str | None = None,
    overdue: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX)] = None,
) -> Response:
    if user is None:
        return _to_login(request)
    ctx: dict[str, Any] = {
        "unread": await _unread(session, user),
        "search": q or "",
        "state_filter": state or "",
        "overdue_filter": overdue,
        "csrf": _csrf(user),
        "memberships": await memberships_of(session, user.id),
        "centres_by_id": {c.id: c.name for c in await session.scalars(select(Centre))},
        "stage_filter": stage or "",
    }
    if user.role == Role.funder and user.funder_id:
        ctx["funder"] = await session.get(Funder, user.funder_id)
        ctx["report"] = await funding_report(session, user.funder_id)
        ctx["requests"] = await funding_requests_of(session, user.funder_id)
        return _render(request, "funder", user, **ctx)
    if user.role == Role.operator:
        base = settings.public_base_url
        ctx["bodies"] = (await registry.bodies(session, base, limit=500))[:500]
        ctx["centres"] = (await registry.centres(session, base, limit=500))[:500]
        ctx["invitations"] = list(
            await session.scalars(
                select(Invitation)
                .where(Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow())
                .order_by(Invitation.created_at.desc())
                .limit(200)
            )
        )
        ctx["org_names"] = {b.id: b.name for b in ctx["bodies"]} | {
            c.id: c.name for c in ctx["centres"]
        }
        return _render(request, "operator", user, **ctx)
    lang = page_language(request, user)
    standards = {s.id: _shown(s, lang) for s in await session.scalars(select(Standard))}
    ctx["standards"] = standards
    if user.role == Role.issuer:
        issued = (
            select(Credential, User.name, User.email)
            .join(User, User.id == Credential.holder_id)
            .where(Credential.awarding_body_id == user.awarding_body_id)
        )
        if q and q.strip():
            text = q.strip()
            issued = issued.where(
                or_(
                    person_matches(text),
                    Credential.id.startswith(text.lower(), autoescape=True),
                )
            )
        at = _at(CREDENTIAL_ORDER, cursor, settings.secret_key)
        ctx["credentials"] = _paged(
            request,
            ctx,
            CREDENTIAL_ORDER,
            (await session.execute(CREDENTIAL_ORDER.window(issued, at, PER_PAGE))).all(),
            at,
            settings.secret_key,
            key=lambda r: r[0],
        )
        ctx["webhooks"] = list(
            await session.scalars(
                select(WebhookSubscription).where(
                    WebhookSubscription.awarding_body_id == user.awarding_body_id
                )
            )
        )
        ctx["accreditations"] = list(
            await session.scalars(
                select(Accreditation)
                .where(Accreditation.awarding_body_id == user.awarding_body_id)
                .order_by(Accreditation.created_at.desc())
                .limit(500)
            )
        )
        ctx["own_codes"] = list(
            await session.scalars(
                select(StandardCode.code)
                .where(StandardCode.awarding_body_id == user.awarding_body_id)
                .order_by(StandardCode.code)
            )
        )
        now = utcnow().replace(microsecond=0)
        ctx["grant_from"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        ctx["grant_until"] = add_years(now, 3).strftime("%Y-%m-%dT%H:%M:%SZ")
        return _render(request, "issuer", user, **ctx)
    listed = visible_cases(user, stage=stage, status_=state, overdue=overdue, search=q)
    at = _at(CASE_ORDER, cursor, settings.secret_key)
    found = list(await session.scalars(CASE_ORDER.window(listed, at, PER_PAGE)))
    cases = _paged(request, ctx, CASE_ORDER, found, at, settings.secret_key)
    ctx["cases"] = cases
    ctx["names"] = await _names(session, {c.candidate_id for c in cases})
    if user.role == Role.centre_admin and user.centre_id:
        ctx["figures"] = await centre_figures(session, user.centre_id)
        ctx["workload"] = await assessor_workload(session, user.centre_id)
    return _render(request, "dashboard", user, **ctx)


@router.get("/app/webhooks/{sub_id}", response_class=HTMLResponse)
async def deliveries_page(
    sub_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX)] = None,
) -> Response:
    """An issuer's delivery log for one subscription, the latest first a page at a time,
    with a redeliver button per event."""
    if user is None:
        return _to_login(request)
    sub = await session.get(WebhookSubscription, sub_id)
    if sub is None or user.role != Role.issuer or sub.awarding_body_id != user.awarding_body_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription of yours")
    at = _at(DELIVERY_ORDER, cursor, settings.secret_key)
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
    rows = list(await session.scalars(DELIVERY_ORDER.window(query, at, PER_PAGE)))
    ctx: dict[str, Any] = {"csrf": _csrf(user), "subscription": sub}
    ctx["deliveries"] = _paged(request, ctx, DELIVERY_ORDER, rows, at, settings.secret_key)
    return _render(request, "deliveries", user, **ctx)


def _when(at: datetime | None) -> str:
    return as_utc(at).strftime("%Y-%m-%d %H:%M") if at else ""


CASES_CSV_HEADER = [
    "reference",
    "candidate",
    "candidate_email",
    "standard",
    "stage",
    "status",
    "result",
    "deadline_utc",
    "opened_utc",
    "case_id",
    "standard_id",
    "candidate_id",
]


def _case_cells(row: Any) -> list[str]:
    case_id, name, email, title, stage, state, result, deadline, opened, standard, person = row
    return [
        case_id[:8],
        bulk.spreadsheet_cell(name),
        bulk.spreadsheet_cell(email),
        bulk.spreadsheet_cell(title),
        stage,
        state,
        result or "",
        _when(deadline),
        _when(opened),
        case_id,
        standard,
        person,
    ]


@router.get("/app/cases.csv")
async def cases_csv(sessions: SessionsDep, user: PageUser) -> Response:
    """The centre's cases as CSV (centre admins), streamed a batch of rows at a time
    through a cursor of its own session: a centre with 100,000 cases is never in memory."""
    if user is None or user.role != Role.centre_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "centre admins export their cases")
    # The request's own session is done: its connection goes back to the pool while the
    # export reads through its own.
    await release_connection()
    query = (
        select(
            Case.id,
            User.name,
            User.email,
            Standard.title,
            Case.stage,
            Case.status,
            Case.result,
            Case.deadline,
            Case.created_at,
            Case.standard_id,
            Case.candidate_id,
        )
        .join(User, User.id == Case.candidate_id)
        .join(Standard, Standard.id == Case.standard_id)
        .where(Case.centre_id == user.centre_id)
        .order_by(Case.created_at, Case.id)
    )
    return await csv_response(
        bulk.csv_export(sessions, query, CASES_CSV_HEADER, _case_cells), "cases.csv"
    )


@router.get("/app/cases/{case_id}", response_class=HTMLResponse)
async def case_page(
    case_id: str,
    request: Request,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    if user is None:
        return _to_login(request)
    case = await session.get(Case, case_id)
    if case is None or not await can_see_case(session, user, case):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such case of yours")
    state = await case_view(temporal, case, user)
    standard = await session.get(Standard, case.standard_id)
    assert standard is not None
    # In the reader's language where the awarding body gave it one.
    doc = StandardDocument.model_validate(standard.document).in_language(
        page_language(request, user)
    )
    evidence = list(
        await session.scalars(
            select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.created_at)
        )
    )
    ctx: dict[str, Any] = {
        "csrf": _csrf(user),
        "unread": await _unread(session, user),
        "memberships": await memberships_of(session, user.id),
        "case": case,
        "state": state,
        "standard": doc,
        "evidence": evidence,
        "credentials_found": await credentials_found(
            session, [e.id for e in evidence], settings.public_base_url
        ),
        "los": {lo.id: lo for lo in doc.learning_outcomes},
        "units": {u.id: u for u in doc.units},
        "names": await _names(
            session,
            {
                case.candidate_id,
                *state.assessor_ids,
                *([state.supervisor_id] if state.supervisor_id else []),
            },
        ),
        "my_decision": next((d for d in state.decisions if d.assessor_id == user.id), None),
        "next_steps": next_steps(state),
        "methods": [m.value for m in AssessmentMethod],
        "photo_max_bytes": MAX_PHOTO_BYTES,
        "uploads": {
            "accept": formats.accept(settings.allowed_media_types),
            "types": formats.type_names(settings.allowed_media_types),
            "extensions": ",".join(formats.extensions(settings.allowed_media_types)),
            "max_bytes": settings.max_upload_bytes,
            "max_text": formats.size_text(settings.max_upload_bytes),
        },
    }
    ctx["credential"] = (
        await session.get(Credential, state.credential_id) if state.credential_id else None
    )
    # Who pays: the fee, the candidate's account, the programmes open to this case.
    centre = await session.get(Centre, case.centre_id)
    ctx["funding_options"] = (
        await funding_options(
            session,
            person_id=user.id,
            centre_id=case.centre_id,
            standard_code=standard.code,
            eqf_level=doc.eqf_level,
            region=centre.region if centre else None,
            at=utcnow(),
        )
        if user.id == case.candidate_id
        else None
    )
    ctx["identification"] = {}
    if user.role in (Role.assessor, Role.counsellor, Role.centre_admin, Role.supervisor):
        # What the candidate said of themselves (their plan, their self-assessment): the
        # identification's stage record, for the staff who assess and support them.
        record = await session.scalar(
            select(StageRecord.record).where(
                StageRecord.case_id == case.id, StageRecord.stage == Stage.identification
            )
        )
        ctx["identification"] = (record or {}).get("inputs", {})
    if user.role in (Role.centre_admin, Role.counsellor):
        ctx["audit"] = await chain_of(session, case.id)
    ctx["staff"] = []
    if user.role == Role.centre_admin:
        staff = await session.execute(centre_staff(case.centre_id, Role.assessor, Role.supervisor))
        ctx["staff"] = staff.all()
    return _render(request, "case", user, **ctx)
