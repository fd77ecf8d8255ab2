"""The ``vnfil`` command: migrate, seed and the demo that walks one case over HTTP."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.table import Table

from vnfil.credentials.document import eu_elements_of
from vnfil.platform.settings import get_settings

app = typer.Typer(
    help="vnfil: validation of non-formal and informal learning", no_args_is_help=True
)
# Long lines (addresses, DIDs) are never broken in two: a narrow or piped terminal wraps
# them itself, and a URL stays one word to copy.
console = Console(soft_wrap=True)


@app.command()
def migrate() -> None:
    """Apply database migrations (Alembic) to the configured database."""
    from vnfil.migrations import upgrade

    upgrade(get_settings())
    console.print("[green]database is at the latest revision[/]")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="address to listen on (VNFIL_API_HOST)"),
    port: int | None = typer.Option(None, help="port to listen on (VNFIL_API_PORT)"),
    workers: int | None = typer.Option(
        None, help="server processes (VNFIL_API_WORKERS; 1 in Kubernetes, which adds replicas)"
    ),
    access_log: bool = typer.Option(True, help="log one line per request"),
) -> None:
    """Serve the API as in production: uvicorn on uvloop and httptools, proxy headers from
    VNFIL_FORWARDED_ALLOW_IPS, a graceful stop on SIGTERM."""
    import uvicorn

    from vnfil.platform.serving import APP, uvicorn_options

    settings = get_settings()
    uvicorn.run(
        APP,
        **uvicorn_options(settings, host=host, port=port, workers=workers, access_log=access_log),
    )


@app.command("setup-temporal")
def setup_temporal(
    search_attributes: bool = typer.Option(
        True,
        help="register vnfil's search attributes (off where the cluster's operator does it, "
        "as on Temporal Cloud)",
    ),
) -> None:
    """Prepare the Temporal namespace: vnfil's search attributes and its schedules (the
    hourly orphan sweep and session purge). Idempotent: run it on every release."""
    from activities.worker import connect_patiently, ensure_schedules
    from vnfil.platform.temporal import ensure_search_attributes

    settings = get_settings()

    async def go() -> tuple[list[str], list[str]]:
        client = await connect_patiently(settings)
        added = await ensure_search_attributes(client) if search_attributes else []
        return added, await ensure_schedules(client, settings)

    added, created = asyncio.run(go())
    console.print(
        f"namespace {settings.temporal_namespace} at {settings.temporal_address}: "
        f"search attributes added: {', '.join(added) or 'none (all present)'}; "
        f"schedules created: {', '.join(created) or 'none (all present)'}"
    )


@app.command()
def seed() -> None:
    """Create the demo centre, awarding body, standards and one user per role."""
    from vnfil.platform.db import make_engine, make_session_factory
    from vnfil.seed import seed_demo

    settings = get_settings()

    async def go() -> dict[str, Any]:
        engine = make_engine(settings)
        try:
            return await seed_demo(make_session_factory(engine), settings)
        finally:
            await engine.dispose()

    demo = asyncio.run(go())
    console.print(f"demo data ready; tokens in {settings.data_dir / 'demo.json'}")
    for key, token in demo["tokens"].items():
        console.print(f"  {key:<11} {token}")


standards_app = typer.Typer(help="The standards catalogue: validate, import, export, schema")
app.add_typer(standards_app, name="standards")


@standards_app.command("validate")
def standards_validate(files: list[Path]) -> None:
    """Check standard files; every problem is named with its field and line."""
    from vnfil.standards.service import StandardFileError, parse_standard

    failed = False
    for f in files:
        try:
            doc = parse_standard(f.read_text(encoding="utf-8"))
            console.print(
                f"[green]{f}: ok[/] ({doc.code} v{doc.version}, {len(doc.learning_outcomes)} outcomes)"
            )
        except StandardFileError as exc:
            failed = True
            for p in exc.problems:
                console.print(f"[red]{f}:{p.line or ''}[/] {p.field or '(document)'}: {p.message}")
    if failed:
        raise typer.Exit(1)


@standards_app.command("import")
def standards_import(
    file: Path,
    awarding_body: str = typer.Option(..., help="id of the awarding body that publishes it"),
) -> None:
    """Import a standard version into the configured database."""
    from vnfil.accounts.models import AwardingBody
    from vnfil.platform.db import make_engine, make_session_factory
    from vnfil.standards.service import (
        PublishRefused,
        StandardFileError,
        find_version,
        import_standard,
        parse_standard,
    )

    try:
        doc = parse_standard(file.read_text(encoding="utf-8"))
    except StandardFileError as exc:
        for p in exc.problems:
            console.print(f"[red]{file}:{p.line or ''}[/] {p.field or '(document)'}: {p.message}")
        raise typer.Exit(1) from None
    settings = get_settings()

    async def go() -> str:
        engine = make_engine(settings)
        try:
            async with make_session_factory(engine).begin() as session:
                if await session.get(AwardingBody, awarding_body) is None:
                    raise CliError(f"no awarding body {awarding_body}")
                if await find_version(session, doc.code, doc.version) is not None:
                    raise CliError(f"{doc.code} v{doc.version} already exists; bump the version")
                try:
                    return (await import_standard(session, doc, awarding_body)).id
                except PublishRefused as exc:
                    raise CliError(str(exc)) from None
        finally:
            await engine.dispose()

    try:
        console.print(f"imported {doc.code} v{doc.version} as {asyncio.run(go())}")
    except CliError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


@standards_app.command("schema")
def standards_schema() -> None:
    """Print the JSON Schema of a standard file."""
    from vnfil.standards.service import json_schema

    print(json.dumps(json_schema(), indent=2))


audit_app = typer.Typer(help="The hash-chained audit trail of cases")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(case_id: str) -> None:
    """Check every link of a case's audit chain; name the first broken one."""
    from vnfil.cases.audit import chain_of, verify_chain
    from vnfil.platform.db import make_engine, make_session_factory

    settings = get_settings()

    async def go():  # type: ignore[no-untyped-def]
        engine = make_engine(settings)
        try:
            async with make_session_factory(engine)() as session:
                return verify_chain(await chain_of(session, case_id))
        finally:
            await engine.dispose()

    check = asyncio.run(go())
    if check.entries == 0:
        console.print(f"[red]no audit trail for case {case_id}[/]")
        raise typer.Exit(2)
    if not check.valid:
        console.print(
            f"[red]broken at entry {check.first_broken_seq}: {check.reason}[/] ({check.entries} entries)"
        )
        raise typer.Exit(1)
    console.print(f"[green]audit chain intact[/]: {check.entries} entries")


operator_app = typer.Typer(help="The platform operator, who onboards institutions")
app.add_typer(operator_app, name="operator")


@operator_app.command("add")
def operator_add(email: str, name: str) -> None:
    """Make a platform operator account and print its API token (shown this once). The
    operator then onboards awarding bodies and centres (``vnfil institutions``, the API
    or the /operator page) and invites their first administrators."""
    from vnfil.accounts.schemas import Role
    from vnfil.accounts.service import create_user, email_taken

    async def go(session: Any, settings: Any) -> str:
        if await email_taken(session, email):
            raise CliError(f"{email} already has an account")
        _, token = await create_user(session, name=name, email=email, role=Role.operator)
        return token

    try:
        token = _with_session(go)
    except CliError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    console.print(f"[green]operator {email}[/]: API token (shown once) {token}")


institutions_app = typer.Typer(help="Onboard awarding bodies and validation centres")


def _onboarded(go: Any) -> Any:
    """Run an onboarding step; a taken id or a wrong option ends with exit 2, saying
    which and what it must be."""
    from pydantic import ValidationError
    from sqlalchemy.exc import IntegrityError

    from vnfil.trust.institutions import Taken

    try:
        return _with_session(go)
    except IntegrityError as exc:  # the same id, made by someone else at the same moment
        console.print("[red]that id was taken meanwhile: choose another[/]")
        raise typer.Exit(2) from exc
    except Taken as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        _refuse(exc)


def _refuse(exc: Any) -> NoReturn:
    """Each wrong option, by name, with what it must be; exit 2."""
    for err in exc.errors():
        console.print(f"[red]--{'.'.join(map(str, err['loc']))}: {err['msg']}[/]")
    raise typer.Exit(2)


app.add_typer(institutions_app, name="institutions")


@institutions_app.command("add-body")
def institutions_add_body(
    name: str,
    country: str = typer.Option(..., help="ISO 3166-1 alpha-2, e.g. PL"),
    body_id: str = typer.Option(None, "--id", help="ends its DID (…:issuers:<id>)"),
    url: str = typer.Option(None, help="its public https page"),
) -> None:
    """An awarding body with its first signing key (a working did:web at once)."""
    from vnfil.accounts.schemas import AwardingBodyCreate
    from vnfil.credentials.keys import issuer_did
    from vnfil.trust.institutions import create_awarding_body

    async def go(session: Any, settings: Any) -> str:
        data = AwardingBodyCreate(id=body_id, name=name, country=country, url=url)
        row = await create_awarding_body(session, settings.secret_key, data)
        return f"{row.id} {issuer_did(settings.public_base_url, row.id)}"

    console.print(f"[green]awarding body[/] {_onboarded(go)}")


@institutions_app.command("add-centre")
def institutions_add_centre(
    name: str,
    country: str = typer.Option(..., help="ISO 3166-1 alpha-2, e.g. PL"),
    region: str = typer.Option(None, help="e.g. Mazowieckie"),
    centre_id: str = typer.Option(None, "--id"),
) -> None:
    """A validation centre; its awarding bodies then accredit it."""
    from vnfil.accounts.schemas import CentreCreate
    from vnfil.trust.institutions import create_centre

    async def go(session: Any, settings: Any) -> str:
        data = CentreCreate(id=centre_id, name=name, country=country, region=region)
        return (await create_centre(session, data)).id

    console.print(f"[green]centre[/] {_onboarded(go)}")


@institutions_app.command("invite")
def institutions_invite(
    email: str,
    centre: str = typer.Option(None, help="a centre's id: invites its administrator"),
    body: str = typer.Option(None, help="an awarding body's id: invites its issuer"),
    by: str = typer.Option(None, help="the inviting operator's e-mail (default: the first)"),
) -> None:
    """Invite an institution's first administrator. The link goes to the address through
    the outbox, e-mailed when SMTP is set (as an invitation made through the API); it is
    never printed here."""
    from sqlalchemy import select
    from temporalio.service import RPCError

    from vnfil.accounts.models import User
    from vnfil.accounts.schemas import FirstAdminInvitation, Role
    from vnfil.accounts.service import invitation_message_id, invite
    from vnfil.platform.temporal import connect
    from workflows.clients import start_message

    if (centre is None) == (body is None):
        console.print("[red]name one of --centre and --body[/]")
        raise typer.Exit(2)

    async def go(session: Any, settings: Any) -> str:
        query = select(User).where(User.role == Role.operator.value).order_by(User.created_at)
        operator = await session.scalar(query.where(User.email == by) if by else query)
        if operator is None:
            raise LookupError("no platform operator: run `vnfil operator add EMAIL NAME` first")
        row = await invite(
            session,
            email=FirstAdminInvitation(email=email).email,
            role=Role.centre_admin if centre else Role.issuer,
            centre_id=centre,
            awarding_body_id=body,
            invited_by=operator.id,
            inviter_name=operator.name,
            base_url=settings.public_base_url,
            secret=settings.secret_key,
        )
        return f"{row.id} ({row.role}), valid until {row.expires_at:%Y-%m-%d}"

    try:
        made = _with_session(go)
    except (LookupError, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    settings = get_settings()
    if settings.smtp_host:  # the committed invitation's message, to the mailer

        async def mail() -> None:
            await start_message(
                await connect(settings), settings, invitation_message_id(made.split()[0])
            )

        try:
            asyncio.run(mail())
        except (RPCError, RuntimeError) as exc:
            console.print(
                f"[yellow]not handed to the mailer now ({exc}); it waits in the outbox[/]"
            )
    console.print(f"[green]invitation[/] {made}: the link is in {email}'s outbox")


keys_app = typer.Typer(help="Awarding bodies' signing keys (Ed25519, sealed at rest)")
app.add_typer(keys_app, name="keys")


def _with_session(fn: Any) -> Any:
    """Run ``fn(session, settings)`` in one committed transaction on the configured DB."""
    import vnfil.models  # noqa: F401 (every table, so foreign keys resolve)
    from vnfil.platform.db import make_engine, make_session_factory

    settings = get_settings()

    async def go() -> Any:
        engine = make_engine(settings)
        try:
            async with make_session_factory(engine).begin() as session:
                return await fn(session, settings)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@keys_app.command("create")
def keys_create(awarding_body_id: str) -> None:
    """Create the awarding body's signing key; an existing one is retired (rotation).

    A retired key signs nothing more, but what it signed stays verifiable.
    """
    from vnfil.credentials.keys import KeyError_, create_key, method_id

    async def go(session: Any, settings: Any) -> str:
        return method_id(
            settings.public_base_url,
            await create_key(session, settings.secret_key, awarding_body_id),
        )

    try:
        method = _with_session(go)
    except KeyError_ as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    console.print(f"[green]new signing key[/] {method}")


@keys_app.command("rotate")
def keys_rotate(awarding_body_id: str) -> None:
    """The same as ``create``: a new key, the current one retired."""
    keys_create(awarding_body_id)


@keys_app.command("list")
def keys_list() -> None:
    """Every signing key, by awarding body, with when it was retired or revoked."""
    from sqlalchemy import select

    from vnfil.credentials.models import SigningKey

    async def go(session: Any, settings: Any) -> list[Any]:
        return list(await session.scalars(select(SigningKey).order_by(SigningKey.created_at)))

    table = Table("awarding body", "key (Multikey)", "created", "retired", "revoked")
    for k in _with_session(go):
        table.add_row(
            k.awarding_body_id,
            k.public_multikey,
            f"{k.created_at:%Y-%m-%d %H:%M}",
            f"{k.retired_at:%Y-%m-%d %H:%M}" if k.retired_at else "",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )
    console.print(table)


def _wrapped_document(raw: bytes) -> bytes | None:
    """The signed credential inside vnfil's own answer for one (``{"id", "document", …}``),
    or None when the file is something else (a credential itself, or not JSON)."""
    try:
        outer = json.loads(raw)
    except ValueError:
        return None
    if isinstance(outer, dict) and "@context" not in outer:
        inner = outer.get("document")
        if isinstance(inner, dict) and "@context" in inner:
            return json.dumps(inner).encode()
    return None


@app.command("verify")
def verify_file(
    file: Path,
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Verify a credential file offline, against this installation's keys and status lists.

    Exit 0 when valid, 1 when a check fails (named), 2 when the file cannot be read.
    """
    from vnfil.credentials.schemas import VerificationResult
    from vnfil.credentials.verification import verify_json
    from vnfil.trust.registry import DatabaseRegistry

    try:
        raw = file.read_bytes()
    except OSError as exc:
        console.print(f"[red]cannot read {file}: {exc.strerror}[/]")
        raise typer.Exit(2) from exc

    inner = _wrapped_document(raw)
    if inner is not None:
        raw = inner
        if not as_json:
            console.print(
                "(the file is GET /credentials/{id}'s answer: checking the signed credential"
                " it holds; GET /credentials/{id}/credential.json gives it alone)"
            )

    async def go(session: Any, settings: Any) -> VerificationResult:
        return await verify_json(raw, DatabaseRegistry(session, settings.public_base_url))

    result = _with_session(go)
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        for check in result.checks:
            mark = "[green]ok[/]  " if check.ok else "[red]FAIL[/]"
            console.print(f"{mark} {check.name:<9} {check.detail}")
        verdict = "[green]VALID[/]" if result.verified else f"[red]NOT VALID[/] ({result.failed})"
        console.print(verdict)
    raise typer.Exit(0 if result.verified else 1)


class CliError(Exception):
    pass


class _Api:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)

    def call(
        self, what: str, method: str, path: str, token: str | None, expect: int = 200, **kw: Any
    ) -> Any:
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        r = self.http.request(method, path, headers=headers, **kw)
        if r.status_code != expect:
            raise CliError(f"{what}: HTTP {r.status_code} {r.text}")
        return r.json()


def _demo_files() -> list[tuple[str, str, bytes, list[str], str]]:
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    notes = (
        b"Self-description: since 2023 I have coordinated a team of 12 volunteers in a food bank.\n"
        b"I set up our shared drive and the weekly task board; I removed access for people who left.\n"
    )
    return [
        ("volunteer-certificate.pdf", "application/pdf", pdf, ["DC1", "DC2"], "certificate"),
        ("self-description.txt", "text/plain", notes, ["DC3", "DC4"], "self-description"),
    ]


@app.command()
def demo(
    api: str = typer.Option(None, help="API base URL (default: the configured public URL)"),
    tokens: Path = typer.Option(None, help="demo.json written by 'make dev' / 'vnfil seed'"),
) -> None:
    """Drive one case through the public HTTP API, as its real users would."""
    settings = get_settings()
    base = api or settings.public_base_url
    path = tokens or settings.data_dir / "demo.json"
    if not path.exists():
        console.print(f"[red]{path} not found: start the stack with 'make dev' first[/]")
        raise typer.Exit(2)
    d = json.loads(path.read_text())
    t, u = d["tokens"], d["users"]
    a = _Api(base)
    try:
        health = a.http.get("/health")
        if health.status_code != 200:
            raise CliError(f"the stack at {base} is not healthy: {health.text}")
        stamp = int(time.time())
        me = a.call(
            "register",
            "POST",
            "/users/register",
            None,
            201,
            json={"name": "Zofia Demo", "email": f"zofia.{stamp}@demo.vnfil.example"},
        )
        ct = me["token"]
        std_id = d["standards"]["digital-collaboration"]
        case = a.call(
            "open case",
            "POST",
            "/cases",
            ct,
            201,
            json={"standard_id": std_id, "centre_id": d["centre_id"]},
        )
        cid = case["id"]
        console.rule(f"case {cid} (workflow {case['workflow_id']})")
        los = ["DC1", "DC2", "DC3", "DC4"]
        a.call(
            "counselling",
            "POST",
            f"/cases/{cid}/counselling",
            t["counsellor"],
            json={
                "held_on": time.strftime("%Y-%m-%d"),
                "mode": "online",
                "notes": "Walked through the standard; two years coordinating food-bank volunteers.",
                "prerequisites_met": [True],
            },
        )
        console.print("   counsellor held a session and confirmed the prerequisites")
        st = a.call(
            "identification",
            "POST",
            f"/cases/{cid}/identification",
            ct,
            json={
                "selected_lo_ids": los,
                "self_assessment": {"DC1": 4, "DC2": 4, "DC3": 3, "DC4": 5},
                "plan": "Portfolio by next week, interview after.",
                "milestones": [
                    {
                        "what": "Portfolio submitted",
                        "due": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 86400)),
                    },
                    {
                        "what": "Interview",
                        "due": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 21 * 86400)),
                    },
                ],
            },
        )
        console.print(f"1. identification done → stage [bold]{st['stage']}[/]")
        for name, mt, data, lo_ids, kind in _demo_files():
            ev = a.call(
                f"upload {name}",
                "POST",
                f"/cases/{cid}/evidence",
                ct,
                201,
                params=[("filename", name), ("kind", kind)] + [("lo", x) for x in lo_ids],
                content=data,
                headers={"Content-Type": mt},
            )
            console.print(f"   evidence {name}: {ev['size']} bytes, sha256 {ev['sha256'][:16]}…")
        a.call(
            "panel",
            "PUT",
            f"/cases/{cid}/panel",
            t["admin"],
            json={
                "assessor_ids": [u["assessor1"], u["assessor2"]],
                "supervisor_id": u["supervisor"],
            },
        )
        console.print("   centre assigned a panel of 2 assessors and a supervisor")
        st = a.call("submit", "POST", f"/cases/{cid}/submission", ct)
        console.print(
            f"2. portfolio submitted ({len(st['manifest'])} files frozen) → stage [bold]{st['stage']}[/]"
        )
        a.call(
            "identity",
            "POST",
            f"/cases/{cid}/identity",
            t["supervisor"],
            json={"method": "online", "document_type": "id-card", "result": "verified"},
        )
        console.print("   supervisor verified the candidate's identity (online, ID card)")

        def decide(who: str, not_achieved: set[str]) -> Any:
            decisions = [
                {
                    "lo_id": lo,
                    "achieved": lo not in not_achieved,
                    "rationale": f"{lo}: {'not ' if lo in not_achieved else ''}shown by the portfolio and interview",
                }
                for lo in los
            ]
            st = a.call(
                f"decision {who}",
                "POST",
                f"/cases/{cid}/decisions",
                t[who],
                json={"decisions": decisions},
            )
            console.print(
                f"   {who} decided"
                + (f" ({', '.join(sorted(not_achieved))} not achieved)" if not_achieved else "")
            )
            return st

        decide("assessor1", set())
        st = decide("assessor2", {"DC3"})
        console.print(
            f"   the assessors disagree on {', '.join(st['disputed_lo_ids'])}: the chair decides"
        )
        st = a.call(
            "chair",
            "POST",
            f"/cases/{cid}/resolution",
            t["assessor1"],
            json={
                "decisions": [
                    {
                        "lo_id": "DC3",
                        "achieved": False,
                        "rationale": "The portfolio shows no GDPR practice.",
                    }
                ]
            },
        )
        console.print(
            f"3. assessment result [bold]{st['result']}[/] (achieved {', '.join(st['achieved_lo_ids'])}); "
            f"appeal window open until {st['appeal_window_ends']}"
        )
        st = a.call(
            "appeal",
            "POST",
            f"/cases/{cid}/appeal",
            ct,
            json={"reason": "My reference letter from the food bank documents DC3."},
        )
        console.print("   candidate appealed; the first panel is stood down")
        a.call(
            "appeal panel",
            "PUT",
            f"/cases/{cid}/panel",
            t["admin"],
            json={
                "assessor_ids": [u["assessor3"], u["assessor4"]],
                "supervisor_id": u["supervisor"],
            },
        )
        console.print("   centre assigned a new panel (assessor3, assessor4) with no overlap")
        decide("assessor3", set())
        st = decide("assessor4", set())
        console.print(
            f"   after appeal: result [bold]{st['result']}[/] (final) → stage [bold]{st['stage']}[/]"
        )
        st = a.call("certify", "POST", f"/cases/{cid}/certification", t["admin"])
        console.print(f"4. certified → stage [bold]{st['stage']}[/]")
        cred = a.call("credential", "GET", f"/credentials/{st['credential_id']}", t["issuer"])
        check = a.call("verify", "POST", "/verify", None, json=cred["document"])
        if not check["verified"]:
            raise CliError(f"the issued credential does not verify: {check}")
        console.print(
            "5. the credential verifies: every check passed ("
            + ", ".join(c["name"] for c in check["checks"])
            + ")"
        )
        centre = a.call("registry", "GET", f"/centres/{d['centre_id']}", None)
        signatures = {  # each accreditation's credential, as its awarding body signed it
            e["id"]: a.call("accreditation", "GET", f"/accreditations/{e['id']}", None)[
                "credential"
            ]
            for e in centre["accreditations"]
        }
        bodies = a.call("registry", "GET", "/registry/awarding-bodies?limit=500", None)
        [body] = [b for b in bodies if b["id"] == cred["awarding_body_id"]]
        did = cred["document"]["issuer"]["id"]
    except (CliError, httpx.HTTPError) as exc:
        console.print(f"[red]demo failed: {exc}[/]")
        raise typer.Exit(1) from None
    table = Table(title="EU micro-credential elements")
    table.add_column("element")
    table.add_column("value")
    for k, v in eu_elements_of(cred["document"]).items():
        table.add_row(k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
    console.print(table)
    console.print_json(json.dumps(cred["document"], ensure_ascii=False))
    console.print(
        f"issuer: {did} (DID document: {base}/issuers/{cred['awarding_body_id']}/did.json)"
    )
    console.rule("trust registry")
    console.print(
        f"awarding body {body['name']}: {body['did']}, keys "
        + ", ".join(f"{k['state']} since {k['created_at'][:10]}" for k in body["keys"])
    )
    console.print(
        f"centre {centre['name']} ({centre['region']}, {centre['country']}): {centre['url']}"
    )
    for entry in centre["accreditations"]:
        signed = "signed by the body" if signatures.get(entry["id"]) else "unsigned"
        console.print(
            f"  accredited for {entry['standard_code']} ({entry['status']}, "
            f"{entry['valid_from'][:10]} – {entry['valid_until'][:10]}, "
            f"QA {entry['qa_reference']}; {signed})"
        )
    console.print(f"[green]case {cid} completed with credential {cred['id']}[/]")
    console.print(f"verification page: {base}/credentials/{cred['id']}/verification")
    console.print(f"certificate (PDF): {base}/credentials/{cred['id']}/certificate.pdf")
    console.print(f"signed credential (JSON): {base}/credentials/{cred['id']}/credential.json")
    console.print(f"see it in Temporal: .venv/bin/temporal workflow describe -w case-{cid}")


if __name__ == "__main__":
    sys.exit(app())
