"""Demo data: a platform operator, one centre and one awarding body onboarded through the
operator's path (``vnfil.trust.institutions``, the functions behind ``POST /centres``
and ``POST /awarding-bodies``), the sample standards, the centre's accreditations signed
by the body (``vnfil.trust.service.grant``, behind ``POST /accreditations``) and one user
per role.

Idempotent: running it again keeps what exists. Tokens are written once to
``<data_dir>/demo.json`` (mode 0600); if that file is lost, the demo users get new
tokens so the demo still works.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vnfil.accounts.models import AwardingBody, Centre, User
from vnfil.accounts.schemas import AwardingBodyCreate, CentreCreate, Role
from vnfil.accounts.service import STAFF_ROLES, create_user, hash_password, hash_token, new_token
from vnfil.credentials.keys import create_key
from vnfil.credentials.models import SigningKey
from vnfil.platform.db import utcnow
from vnfil.platform.settings import Settings
from vnfil.standards.service import import_standard, sample_documents
from vnfil.trust.institutions import create_awarding_body, create_centre
from vnfil.trust.models import Accreditation
from vnfil.trust.schemas import AccreditationCreate
from vnfil.trust.service import grant

CENTRE_NAME = "Centrum Walidacji Kompetencji Cyfrowych (demo)"
BODY_NAME = "Fundacja Rozwoju Kwalifikacji (demo awarding body)"
BODY_ID = "frk-demo"  # its DID ends ``:issuers:frk-demo``

DEMO_STAFF: list[tuple[str, str, Role]] = [
    ("admin", "Anna Kowalska", Role.centre_admin),
    ("counsellor", "Piotr Nowak", Role.counsellor),
    ("assessor1", "Maria Wiśniewska", Role.assessor),
    ("assessor2", "Tomasz Wójcik", Role.assessor),
    ("assessor3", "Ewa Kamińska", Role.assessor),
    ("assessor4", "Krzysztof Szymański", Role.assessor),
    ("supervisor", "Jan Lewandowski", Role.supervisor),
    ("issuer", "Katarzyna Zielińska", Role.issuer),
    ("operator", "Olga Operatorska", Role.operator),
    ("candidate", "Zofia Dąbrowska", Role.candidate),
]


async def _one(session: AsyncSession, model: Any, **where: Any) -> Any:
    return await session.scalar(select(model).filter_by(**where))


async def seed_demo(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> dict[str, Any]:
    path = settings.data_dir / "demo.json"
    known: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    async with sessions.begin() as session:
        centre = await _one(session, Centre, name=CENTRE_NAME)
        if centre is None:
            centre = await create_centre(
                session, CentreCreate(name=CENTRE_NAME, country="PL", region="Mazowieckie")
            )
        body = await _one(session, AwardingBody, name=BODY_NAME)
        if body is None:
            body = await create_awarding_body(
                session,
                settings.secret_key,
                AwardingBodyCreate(
                    id=BODY_ID, name=BODY_NAME, country="PL", url="https://example.org/frk"
                ),
            )
        if await _one(session, SigningKey, awarding_body_id=body.id) is None:
            await create_key(session, settings.secret_key, body.id)
        standards = [await import_standard(session, doc, body.id) for doc in sample_documents()]
        for std in standards:  # the demo centre is accredited for every sample standard
            if (
                await _one(session, Accreditation, centre_id=centre.id, standard_code=std.code)
                is None
            ):
                now = utcnow()
                await grant(
                    session,
                    awarding_body_id=body.id,
                    actor_id="seed",
                    data=AccreditationCreate(
                        centre_id=centre.id,
                        standard_code=std.code,
                        valid_from=now,
                        valid_until=now + timedelta(days=3 * 365),
                        scope="demo: every outcome, every assessment method",
                        qa_body="Demo external QA body",
                        qa_reference="DEMO-QA-1",
                    ),
                    secret=settings.secret_key,
                    base_url=settings.public_base_url,
                )
        tokens: dict[str, str] = {}
        users: dict[str, str] = {}
        # One password for every demo account, made once per installation.
        password = known.get("password") or secrets.token_urlsafe(9)
        for key, name, role in DEMO_STAFF:
            email = f"{key}@demo.vnfil.example"
            user = await _one(session, User, email=email)
            token = known.get("tokens", {}).get(key)
            if user is None:
                user, token = await create_user(
                    session,
                    name=name,
                    email=email,
                    role=role,
                    centre_id=centre.id if role in STAFF_ROLES else None,
                    awarding_body_id=body.id if role == Role.issuer else None,
                )
            elif token is None or user.token_hash != hash_token(token):
                token = new_token()
                user.token_hash = hash_token(token)
            if user.password_hash is None:
                user.password_hash = hash_password(password)
            tokens[key] = token
            users[key] = user.id
    demo = {
        "centre_id": centre.id,
        "awarding_body_id": body.id,
        "standards": {s.code: s.id for s in standards},
        "users": users,
        "tokens": tokens,
        "emails": {key: f"{key}@demo.vnfil.example" for key, _, _ in DEMO_STAFF},
        "password": password,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(demo, fh, indent=2)
    return demo
