"""Test data through the real paths: the DB for the world, the API for everything else."""

from __future__ import annotations

import hashlib
import itertools
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from vnfil.accounts.models import AwardingBody, Centre, Funder, Notification
from vnfil.accounts.schemas import Role
from vnfil.accounts.service import create_user, invitation_message_id, message_text
from vnfil.credentials.keys import create_key
from vnfil.standards.schemas import StandardDocument
from vnfil.standards.service import import_standard, sample_document
from vnfil.trust.models import Accreditation

PDF = b"%PDF-1.7\n% vnfil test certificate\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8

# Staff names as a Polish centre has them (and distinct, so pages show who is who).
STAFF_NAMES = itertools.cycle(
    f"{first} {last}"
    for last in ("Nowak", "Wiśniewska", "Kowalczyk", "Mazur", "Zielińska", "Wójcik")
    for first in ("Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Michał")
)


@dataclass
class Person:
    id: str
    token: str
    role: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """A centre with its staff, an awarding body with its issuer, and a standard."""

    http: httpx.AsyncClient
    sessions: Any  # async_sessionmaker of the test database
    centre_id: str
    standard_id: str
    standard: StandardDocument
    admin: Person
    issuer: Person
    staff: dict[str, Person] = field(default_factory=dict)

    async def person(self, role: Role) -> Person:
        email = f"{role.value}-{uuid.uuid4().hex[:10]}@test.example"
        if role == Role.candidate:
            r = await self.http.post(
                "/users/register", json={"name": "Zofia Gęślą-Jaźwińska", "email": email}
            )
        else:  # staff join by invitation in the product; test data goes straight in
            async with self.sessions.begin() as session:
                user, token = await create_user(
                    session,
                    name=next(STAFF_NAMES),
                    email=email,
                    role=role,
                    centre_id=self.centre_id,
                )
            return Person(user.id, token, role.value)
        assert r.status_code == 201, r.text
        body = r.json()
        return Person(body["id"], body["token"], role.value)

    async def open_case(self, candidate: Person) -> str:
        r = await self.http.post(
            "/cases",
            json={"standard_id": self.standard_id, "centre_id": self.centre_id},
            headers=candidate.auth,
        )
        assert r.status_code == 201, r.text
        return r.json()["id"]


async def accredit(session: Any, centre_id: str, body_id: str, code: str) -> Accreditation:
    """The centre may validate the code (test data goes straight into the database)."""
    now = datetime.now(UTC)
    row = Accreditation(
        awarding_body_id=body_id,
        centre_id=centre_id,
        standard_code=code,
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
        qa_body="Test QA body",
        qa_reference="QA-TEST-1",
    )
    session.add(row)
    await session.flush()
    return row


async def make_world(stack: Any, standard: StandardDocument | None = None) -> World:
    doc = standard or sample_document("digital-collaboration")
    if standard is None:
        # A code of its own, so worlds in one database never share a standard row.
        doc = doc.model_copy(update={"code": f"{doc.code}-{uuid.uuid4().hex[:8]}"})
    async with stack.sessions.begin() as session:
        centre = Centre(name=f"Ośrodek Walidacji {uuid.uuid4().hex[:6]}", country="PL")
        body = AwardingBody(name=f"Body {uuid.uuid4().hex[:6]}", country="PL")
        session.add_all([centre, body])
        await session.flush()
        await create_key(session, stack.settings.secret_key, body.id)
        std = await import_standard(session, doc, body.id)
        await accredit(session, centre.id, body.id, doc.code)
        admin, admin_token = await create_user(
            session,
            name="Admin",
            email=f"admin-{uuid.uuid4().hex[:10]}@test.example",
            role=Role.centre_admin,
            centre_id=centre.id,
        )
        issuer, issuer_token = await create_user(
            session,
            name="Issuer",
            email=f"issuer-{uuid.uuid4().hex[:10]}@test.example",
            role=Role.issuer,
            awarding_body_id=body.id,
        )
        ids = (centre.id, std.id, admin.id, issuer.id)
    return World(
        http=stack.http,
        sessions=stack.sessions,
        centre_id=ids[0],
        standard_id=ids[1],
        standard=doc,
        admin=Person(ids[2], admin_token, Role.centre_admin),
        issuer=Person(ids[3], issuer_token, Role.issuer),
    )


async def upload(
    w: World,
    case_id: str,
    who: Person,
    data: bytes,
    *,
    filename: str = "certificate.pdf",
    media_type: str = "application/pdf",
    los: list[str],
    kind: str = "certificate",
    multipart: bool = True,
) -> httpx.Response:
    params: list[tuple[str, str]] = [("kind", kind)] + [("lo", lo) for lo in los]
    if multipart:
        return await w.http.post(
            f"/cases/{case_id}/evidence",
            params=params,
            headers=who.auth,
            files={"file": (filename, data, media_type)},
        )
    params.append(("filename", filename))
    return await w.http.post(
        f"/cases/{case_id}/evidence",
        params=params,
        content=data,
        headers={**who.auth, "Content-Type": media_type},
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class CaseRun:
    """One case driven stage by stage, with the people it needs."""

    w: World
    candidate: Person
    case_id: str
    assessors: list[Person] = field(default_factory=list)
    supervisor: Person | None = None
    counsellor: Person | None = None

    @property
    def url(self) -> str:
        return f"/cases/{self.case_id}"

    async def counsel(self, met: bool = True) -> httpx.Response:
        self.counsellor = self.counsellor or await self.w.person(Role.counsellor)
        return await self.w.http.post(
            f"{self.url}/counselling",
            json={
                "held_on": "2026-11-20",
                "mode": "online",
                "notes": "Went through the standard and the candidate's volunteering.",
                "prerequisites_met": [met] * len(self.w.standard.prerequisites),
            },
            headers=self.counsellor.auth,
        )

    async def identify(self, los: list[str] | None = None, counsel: bool = True) -> httpx.Response:
        los = los or [lo.id for lo in self.w.standard.learning_outcomes]
        if counsel and self.counsellor is None:
            ok(await self.counsel())
        return await self.w.http.post(
            f"{self.url}/identification",
            json={
                "selected_lo_ids": los,
                "self_assessment": {los[0]: 4},
                "plan": "Portfolio first, then the interview.",
                "milestones": [
                    {"what": "Portfolio submitted", "due": "2026-12-15"},
                    {"what": "Interview", "due": "2027-01-10"},
                ],
            },
            headers=self.candidate.auth,
        )

    async def add_default_evidence(self) -> list[dict[str, Any]]:
        los = [lo.id for lo in self.w.standard.learning_outcomes]
        half = len(los) // 2
        out = []
        for data, name, mt, part in (
            (PDF, "cert.pdf", "application/pdf", los[:half]),
            (PNG, "board.png", "image/png", los[half:]),
        ):
            r = await upload(
                self.w, self.case_id, self.candidate, data, filename=name, media_type=mt, los=part
            )
            assert r.status_code == 201, r.text
            out.append(r.json())
        return out

    async def ready_for_decisions(self, assessors: int = 2) -> None:
        """Identification, two files, a panel, submission and identity: ready to decide."""
        ok(await self.identify())
        await self.add_default_evidence()
        ok(await self.assign(assessors))
        ok(await self.submit())
        ok(await self.verify_identity())

    async def submit(self) -> httpx.Response:
        return await self.w.http.post(f"{self.url}/submission", headers=self.candidate.auth)

    async def assign(self, n: int = 2) -> httpx.Response:
        self.assessors = [await self.w.person(Role.assessor) for _ in range(n)]
        self.supervisor = await self.w.person(Role.supervisor)
        return await self.w.http.put(
            f"{self.url}/panel",
            json={
                "assessor_ids": [a.id for a in self.assessors],
                "supervisor_id": self.supervisor.id,
            },
            headers=self.w.admin.auth,
        )

    async def verify_identity(self) -> httpx.Response:
        assert self.supervisor is not None
        return await self.w.http.post(
            f"{self.url}/identity",
            json={"method": "online", "document_type": "id-card", "result": "verified"},
            headers=self.supervisor.auth,
        )

    async def decide(
        self, assessor: Person, achieved: dict[str, bool] | None = None, *, revise: bool = False
    ) -> httpx.Response:
        """An assessor's decision on every outcome (all achieved unless ``achieved`` says
        otherwise); ``revise`` changes the one they saved."""
        status = (await self.w.http.get(f"{self.url}/status", headers=self.candidate.auth)).json()
        decisions = [
            {
                "lo_id": lo,
                "achieved": (achieved or {}).get(lo, True),
                "rationale": f"evidence shows {lo}",
            }
            for lo in status["selected_lo_ids"]
        ]
        if revise:
            return await self.w.http.put(
                f"{self.url}/decisions/mine", json={"decisions": decisions}, headers=assessor.auth
            )
        return await self.w.http.post(
            f"{self.url}/decisions", json={"decisions": decisions}, headers=assessor.auth
        )

    async def resolve(self, achieved: dict[str, bool]) -> httpx.Response:
        """The chair (first assessor) resolves the disputed outcomes."""
        decisions = [
            {"lo_id": lo, "achieved": ok_, "rationale": f"chair: {lo} weighed on the evidence"}
            for lo, ok_ in achieved.items()
        ]
        return await self.w.http.post(
            f"{self.url}/resolution", json={"decisions": decisions}, headers=self.assessors[0].auth
        )

    async def accept(self) -> httpx.Response:
        return await self.w.http.post(f"{self.url}/result-acceptance", headers=self.candidate.auth)

    async def appeal(
        self, reason: str = "the panel overlooked my reference letter"
    ) -> httpx.Response:
        return await self.w.http.post(
            f"{self.url}/appeal", json={"reason": reason}, headers=self.candidate.auth
        )

    async def certify(self) -> httpx.Response:
        return await self.w.http.post(f"{self.url}/certification", headers=self.w.admin.auth)


async def new_case(w: World) -> CaseRun:
    candidate = await w.person(Role.candidate)
    return CaseRun(w, candidate, await w.open_case(candidate))


def ok(r: httpx.Response, code: int = 200) -> Any:
    assert r.status_code == code, f"{r.status_code}: {r.text}"
    return r.json()


async def ready_to_certify(w: World, candidate: Person | None = None) -> CaseRun:
    """A case with a full result the candidate accepted: only certification is left (a
    new candidate's, or ``candidate``'s at this world's centre)."""
    if candidate is None:
        run = await new_case(w)
    else:
        run = CaseRun(w, candidate, await w.open_case(candidate))
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    ok(await run.submit())
    ok(await run.verify_identity())
    ok(await run.decide(run.assessors[0]))
    ok(await run.decide(run.assessors[1]))
    ok(await run.accept())
    return run


async def certified_case(
    w: World, candidate: Person | None = None
) -> tuple[CaseRun, dict[str, Any]]:
    """A case run to its signed credential; returns the run and the final status."""
    run = await ready_to_certify(w, candidate)
    return run, ok(await run.certify())


def browser_client(stack: Any) -> httpx.AsyncClient:
    """A second client on the same app with its own cookie jar, like a browser (the
    shared API client keeps no cookies)."""
    return httpx.AsyncClient(
        transport=stack.http._transport, base_url="http://testserver", timeout=60
    )


@asynccontextmanager
async def signed_in(stack: Any, person: Person, password: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of ``person``'s, signed in with a password set for it."""
    me = ok(await stack.http.get("/me", headers=person.auth))
    r = await stack.http.put("/me/password", json={"new_password": password}, headers=person.auth)
    assert r.status_code == 204, r.text
    async with browser_client(stack) as browser:
        ok(await browser.post("/auth/login", json={"email": me["email"], "password": password}))
        yield browser


async def operator(stack: Any) -> Person:
    """A platform operator (made by ``vnfil operator add`` in the product)."""
    async with stack.sessions.begin() as session:
        user, token = await create_user(
            session,
            name="Olga Operator",
            email=f"operator-{uuid.uuid4().hex[:10]}@test.example",
            role=Role.operator,
        )
    return Person(user.id, token, Role.operator.value)


async def funder_staff(
    stack: Any, name: str = "", kind: str = "public_programme"
) -> tuple[str, dict[str, str]]:
    """A new funder (a public programme unless ``kind`` says otherwise, e.g. "employer")
    and one of its staff: (the funder's id, their bearer header)."""
    async with stack.sessions.begin() as session:
        funder = Funder(name=name or f"Fundusz {uuid.uuid4().hex[:6]}", kind=kind, country="PL")
        session.add(funder)
        await session.flush()
        _, token = await create_user(
            session,
            name="Fiona Funder",
            email=f"funder-{uuid.uuid4().hex[:10]}@test.example",
            role=Role.funder,
            funder_id=funder.id,
        )
    return funder.id, {"Authorization": f"Bearer {token}"}


def token_in_outbox(text: str) -> str:
    found = re.search(r"/invitations/(inv_[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


async def invitation_token(stack: Any, invitation_id: str) -> str:
    """The link's token, read from the outbox as the invitee reads it from the e-mail."""
    async with stack.sessions() as session:
        row = await session.get(Notification, invitation_message_id(invitation_id))
        assert row is not None
        return token_in_outbox(message_text(row, stack.settings.secret_key))


async def registered(stack: Any, password: str, name: str = "Zofia Test") -> str:
    """A candidate who can sign in on the web; returns the e-mail."""
    email = f"c-{uuid.uuid4().hex[:10]}@test.example"
    ok(
        await stack.http.post(
            "/users/register", json={"name": name, "email": email, "password": password}
        ),
        201,
    )
    return email


async def invited(
    stack: Any, w: World, email: str, role: str, *, by: Person | None = None
) -> tuple[str, str]:
    """Invite ``email`` to ``w``'s centre and read the link's token from the outbox, as
    the invitee would from the e-mail (the reply never carries it): (invitation id, token)."""
    r = await w.http.post(
        f"/centres/{w.centre_id}/invitations",
        json={"email": email, "role": role},
        headers=(by or w.admin).auth,
    )
    assert r.status_code == 201, r.text
    assert "token" not in r.json()
    inv_id = r.json()["id"]
    return inv_id, await invitation_token(stack, inv_id)
