"""The Learner Credential Wallet's VC-API exchange, end to end with a wallet written here
that takes LCW's steps (app/lib/deepLink.ts, app/lib/exchanges.ts): it reads the deep
link's ``request`` (``credentialRequestOrigin``, ``protocols.vcapi``), POSTs ``{}`` to the
exchange, answers the DIDAuthentication request with a presentation signed by its did:key
(by Digital Bazaar's vc and Ed25519Signature2020, as LCW signs; or eddsa-rdfc-2022), and
takes the credential from ``verifiablePresentation.verifiableCredential``. Once; it
expires; every refusal says which."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import segno
from sqlalchemy import select, update

from tests.conftest import Stack
from tests.factories import certified_case, make_world, ok, signed_in
from vnfil.accounts.schemas import Role
from vnfil.credentials.didauth import ED25519_2020_CONTEXT, _ed25519_2020_context
from vnfil.credentials.models import CredentialExchange
from vnfil.platform.db import utcnow

JS = Path(__file__).parent / "js"
DOMAIN = "http://testserver"  # the test stack's public base URL


def sign_did_auth(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """DID Authentication presentations signed by Digital Bazaar's JavaScript stack."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the wallet's signer (every machine has it)"
    if not (JS / "node_modules" / "@digitalbazaar" / "ed25519-signature-2020").exists():
        pytest.fail("tests/js/node_modules is missing: run make install (npm ci in tests/js)")
    done = subprocess.run(
        [node, str(JS / "didauth.mjs")],
        input=json.dumps({"requests": requests}),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=JS,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return list(json.loads(done.stdout))


def _path(url: str) -> str:
    """The test talks to the app in process: the URL without its host."""
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


class LearnerCredentialWallet:
    """LCW's steps, one by one, so a test can go wrong at each."""

    def __init__(self, http: httpx.AsyncClient, suite: str = "Ed25519Signature2020") -> None:
        self.http, self.suite = http, suite
        self.holder = ""

    @staticmethod
    def exchange_of(deep_link: str) -> str:
        """What LCW reads from a deep link: the request's VC-API exchange URL."""
        url = urlparse(deep_link)
        assert f"{url.scheme}://{url.netloc}{url.path}" == "https://lcw.app/request.html"
        request = json.loads(parse_qs(url.query)["request"][0])
        assert request["credentialRequestOrigin"] == DOMAIN
        return str(request["protocols"]["vcapi"])

    async def start(self, exchange: str) -> httpx.Response:
        return await self.http.post(_path(exchange), json={})

    def sign(self, vpr: dict[str, Any], **changes: str) -> dict[str, Any]:
        """The DID Authentication the request asks for (or with ``challenge`` / ``domain``
        changed, as a wallet that got them wrong)."""
        queries = vpr["query"] if isinstance(vpr["query"], list) else [vpr["query"]]
        assert [q["type"] for q in queries] == ["DIDAuthentication"]
        accepted = [c["cryptosuite"] for c in queries[0]["acceptedCryptosuites"]]
        assert self.suite in accepted
        request = {"challenge": vpr["challenge"], "domain": vpr["domain"], "suite": self.suite}
        signed = sign_did_auth([{**request, **changes}])[0]
        self.holder = signed["holder"]
        return dict(signed["presentation"])

    async def present(self, vpr: dict[str, Any], vp: Any) -> httpx.Response:
        # LCW posts to interact.service[0].serviceEndpoint (else the exchange URL).
        url = vpr["interact"]["service"][0]["serviceEndpoint"]
        return await self.http.post(_path(url), json={"verifiablePresentation": vp})

    async def receive(self, deep_link: str) -> dict[str, Any]:
        """The whole of it, as LCW runs it: the credential it stores."""
        started = await self.start(self.exchange_of(deep_link))
        assert started.status_code == 200, started.text
        vpr = started.json()["verifiablePresentationRequest"]
        got = await self.present(vpr, self.sign(vpr))
        assert got.status_code == 200, got.text
        credentials = got.json()["verifiablePresentation"]["verifiableCredential"]
        assert isinstance(credentials, list) and len(credentials) == 1
        return dict(credentials[0])


async def _exchange(w: Any, run: Any, cred_id: str) -> dict[str, Any]:
    return ok(
        await w.http.post(f"/me/credentials/{cred_id}/exchanges", headers=run.candidate.auth), 201
    )


def _refused(r: httpx.Response, status: int, detail: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["detail"] == detail, body


async def _row(stack: Stack, cred_id: str) -> CredentialExchange:
    async with stack.sessions() as session:  # type: ignore[operator]
        row = await session.scalar(
            select(CredentialExchange)
            .where(CredentialExchange.credential_id == cred_id)
            .order_by(CredentialExchange.created_at.desc())
            .limit(1)
        )
    assert row is not None
    return row


def test_the_shipped_ed25519_2020_context_is_the_one_wallets_bundle() -> None:
    npm = JS / "node_modules" / "ed25519-signature-2020-context" / "contexts"
    assert _ed25519_2020_context() == json.loads(
        (npm / "ed25519-signature-2020-v1.jsonld").read_text()
    )
    assert ED25519_2020_CONTEXT == "https://w3id.org/security/suites/ed25519-2020/v1"


@pytest.mark.one_database
async def test_the_learner_credential_wallet_takes_the_credential_once(stack: Stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    signed = ok(await w.http.get(f"/credentials/{cred_id}", headers=run.candidate.auth))["document"]
    made = await _exchange(w, run, cred_id)
    wallet = LearnerCredentialWallet(w.http)
    exchange = wallet.exchange_of(made["deep_link"])
    assert exchange == made["exchange_url"] and exchange.startswith(f"{DOMAIN}/exchanges/")

    # The QR code is the interaction URL (short, VCALM's): a wallet asking for JSON gets
    # the protocols; a browser (a phone's camera) is sent on to LCW's deep link.
    assert made["interaction_url"].endswith("?iuv=1") and len(made["interaction_url"]) < 100
    assert made["qr"] == segno.make(made["interaction_url"], error="l").svg_data_uri(
        scale=4, border=2
    )
    asked = await w.http.get(_path(made["interaction_url"]), headers={"Accept": "application/json"})
    assert ok(asked) == {"protocols": {"vcapi": exchange}}
    browser = await w.http.get(_path(made["interaction_url"]), headers={"Accept": "text/html"})
    assert browser.status_code == 303 and browser.headers["location"] == made["deep_link"]

    # {} starts it: a DIDAuthentication request with a challenge and vnfil's domain.
    started = await wallet.start(exchange)
    vpr = ok(started)["verifiablePresentationRequest"]
    assert vpr["domain"] == DOMAIN and len(vpr["challenge"]) >= 32
    assert vpr["interact"]["service"][0]["serviceEndpoint"] == exchange
    assert ok(await wallet.start(exchange))["verifiablePresentationRequest"] == vpr  # again

    # What is refused, and why: each answered as an RFC 9457 problem.
    good = wallet.sign(vpr)
    other_challenge, other_domain, other_key = (
        {"challenge": "a challenge vnfil never gave"},
        {"domain": "https://elsewhere.example"},
        {},
    )
    signed_wrong = [
        wallet.sign(vpr, **other_challenge),
        wallet.sign(vpr, **other_domain),
        wallet.sign(vpr, **other_key),  # a second wallet
    ]
    wallet.holder = good["holder"]
    tampered = {**good, "proof": {**good["proof"], "created": "2020-01-01T00:00:00Z"}}
    borrowed = {**good, "holder": signed_wrong[2]["holder"]}
    unsigned = {k: v for k, v in good.items() if k != "proof"}
    said_by_the_proof = {
        "the proof's challenge is not this exchange's",
        f"the proof is for another domain than {DOMAIN}",
        "the presentation's signature does not verify",
        "the proof is not made by the holder's did:key",
    }
    for vp, detail in [
        (signed_wrong[0], "the proof's challenge is not this exchange's"),
        (signed_wrong[1], f"the proof is for another domain than {DOMAIN}"),
        (tampered, "the presentation's signature does not verify"),
        (borrowed, "the proof is not made by the holder's did:key"),
        (
            {**good, "holder": "did:web:elsewhere.example"},
            "the presentation's holder must be an Ed25519 did:key",
        ),
        (
            {**good, "verifiableCredential": [[[["deep"]]]]},
            "a DID Authentication presentation holds only @context, id, type, holder and proof",
        ),
        (
            {**good, "proof": {**good["proof"], "domain": {"id": DOMAIN}}},
            "the presentation's values must be strings",
        ),
        (
            {**good, "proof": {**good["proof"], "type": "JsonWebSignature2020"}},
            "the presentation must be signed with Ed25519Signature2020 or eddsa-rdfc-2022",
        ),
        (
            {**good, "@context": ["https://www.w3.org/ns/credentials/v2"]},
            "the presentation is not JSON-LD vnfil can read: 'Ed25519Signature2020' is not "
            "defined by the credential's contexts",
        ),
        (unsigned, "the presentation must carry one proof"),
    ]:
        r = await wallet.present(vpr, vp)
        _refused(r, 400, detail)
        # A wrong challenge, domain, signature or key is the proof's; the rest, the form's.
        crypto = detail in said_by_the_proof
        problem = "CRYPTOGRAPHIC_SECURITY_ERROR" if crypto else "MALFORMED_VALUE_ERROR"
        assert r.json()["title"] == problem
        assert r.json()["type"] == f"https://www.w3.org/TR/vc-data-model-2.0#{problem}"
    for body, detail in [
        (b"{not json", None),
        (b"[]", "the body is not a JSON object"),
        (
            b'{"presentation": {}}',
            'send {} to start the exchange, then {"verifiablePresentation": …}',
        ),
        (
            b'{"verifiablePresentation": "' + b"x" * 70_000 + b'"}',
            "an exchange message is at most 64 KiB",
        ),
    ]:
        r = await w.http.post(
            _path(exchange), content=body, headers={"Content-Type": "application/json"}
        )
        if detail is None:
            assert r.status_code == 400 and r.json()["title"] == "PARSING_ERROR"
            assert r.json()["detail"].startswith("the body is not JSON"), r.text
        else:
            _refused(r, 413 if "KiB" in detail else 400, detail)

    # LCW's own presentation: the credential as issued, which verifies.
    got = await wallet.present(vpr, good)
    assert got.status_code == 200, got.text
    presented = got.json()["verifiablePresentation"]
    assert presented["type"] == ["VerifiablePresentation"]
    credential = presented["verifiableCredential"][0]
    assert credential == signed
    assert ok(await w.http.post("/verify", json=credential))["verified"] is True

    # Once: the same presentation again, a new start, the interaction URL.
    _refused(await wallet.present(vpr, good), 410, "this exchange was already used")
    _refused(await wallet.start(exchange), 410, "this exchange was already used")
    gone = await w.http.get(_path(made["interaction_url"]), headers={"Accept": "application/json"})
    _refused(gone, 410, "this exchange was already used")
    # A phone's camera opening the spent QR code: a page that says so, in both languages.
    page = await w.http.get(_path(made["interaction_url"]), headers={"Accept": "text/html"})
    assert page.status_code == 410 and page.headers["content-type"].startswith("text/html")
    assert "This wallet code no longer works" in page.text and "Poproś o nowy" in page.text

    # Every step on the exchange: the secret only as its hash.
    row = await _row(stack, cred_id)
    assert row.started_at and row.completed_at and row.started_at <= row.completed_at
    assert row.holder_did == good["holder"] and row.holder_proof == "Ed25519Signature2020"
    assert row.refusals == 10 and row.last_refusal == "the presentation must carry one proof"
    secret = exchange.rsplit("/", 1)[1]
    assert secret not in (row.exchange_hash, row.challenge) and len(row.exchange_hash) == 64


async def test_exchanges_expire_are_the_holders_and_revocation_reaches_them(
    stack: Stack,
) -> None:
    w, b = await make_world(stack), await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    wallet = LearnerCredentialWallet(w.http, "eddsa-rdfc-2022")

    # Expired: ten minutes, then nothing.
    made = await _exchange(w, run, cred_id)
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(update(CredentialExchange).values(expires_at=utcnow()))
    exchange = wallet.exchange_of(made["deep_link"])
    _refused(await wallet.start(exchange), 410, "this exchange has expired; ask for a new one")
    _refused(await w.http.post("/exchanges/no-such-exchange", json={}), 404, "no such exchange")

    # Only the holder makes one: staff of the case and another centre's candidate get 404.
    for who in [w.admin.auth, w.issuer.auth, (await b.person(Role.candidate)).auth]:
        r = await w.http.post(f"/me/credentials/{cred_id}/exchanges", headers=who)
        assert r.status_code == 404 and r.json()["detail"] == f"you hold no credential {cred_id}"

    # A wallet signing with eddsa-rdfc-2022 gets it too.
    made = await _exchange(w, run, cred_id)
    credential = await wallet.receive(made["deep_link"])
    row = await _row(stack, cred_id)
    assert row.holder_proof == "eddsa-rdfc-2022" and row.holder_did == wallet.holder

    # Revoked: an exchange made before gives nothing; no new one is made; the copy in the
    # wallet reads revoked through the same status list.
    pending = await _exchange(w, run, cred_id)
    vpr = ok(await wallet.start(wallet.exchange_of(pending["deep_link"])))[
        "verifiablePresentationRequest"
    ]
    ok(
        await w.http.post(
            f"/credentials/{cred_id}/revocation",
            json={"reason": "issued in error"},
            headers=w.admin.auth,
        )
    )
    _refused(await wallet.present(vpr, wallet.sign(vpr)), 410, "this credential was revoked")
    r = await w.http.post(f"/me/credentials/{cred_id}/exchanges", headers=run.candidate.auth)
    assert r.status_code == 409
    assert r.json()["detail"] == "this credential is revoked: a wallet would show it so"
    verdict = ok(await w.http.post("/verify", json=credential))
    assert verdict["verified"] is False and verdict["failed"] == "status", verdict


async def test_the_backpack_offers_the_learner_credential_wallet_in_both_languages(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    async with signed_in(stack, run.candidate, "lcw password 1") as browser:
        english = (await browser.get("/app/backpack?lang=en")).text
        polish = (await browser.get("/app/backpack?lang=pl")).text
    for page, words in [
        (
            english,
            [
                "<summary>Learner Credential Wallet</summary>",
                ">Show the code for the Learner Credential Wallet</button>",
                'alt="QR code for the Learner Credential Wallet"',
                ">Open in the Learner Credential Wallet on this phone</a>",
                "scan it with your phone&#39;s camera",
            ],
        ),
        (
            polish,
            [
                "<summary>Learner Credential Wallet</summary>",
                ">Pokaż kod dla Learner Credential Wallet</button>",
                'alt="Kod QR dla Learner Credential Wallet"',
                ">Otwórz w Learner Credential Wallet na tym telefonie</a>",
                "zeskanuj go aparatem telefonu",
            ],
        ),
    ]:
        card = page.split(f'data-credential="{cred_id}"')[1].split("</section>")[0]
        assert f'data-api="/me/credentials/{cred_id}/exchanges" data-show="qr deep_link"' in card
        for said in words:
            assert said in card, said
