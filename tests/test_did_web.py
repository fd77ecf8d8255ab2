"""Awarding bodies' ``did:web`` identifiers, read as the did:web method specification
(https://w3c-ccg.github.io/did-method-web/, "Read (Resolve)") says a resolver reads them:
the DID vnfil builds for its public URL resolves to the URL where vnfil serves the DID
document, and that document names the same DID."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from api.main import create_app
from tests.conftest import Stack
from tests.factories import ok
from tests.outage import asgi_client
from vnfil.accounts.models import AwardingBody
from vnfil.credentials.keys import (
    body_of_issuer,
    create_key,
    did_document,
    issuer_did,
    issuer_url,
    method_id,
)
from vnfil.credentials.models import SigningKey

# A public URL with both things did:web must encode: a port and a base path.
BASE = "https://vnfil.example:8443/vnfil"
DID = "did:web:vnfil.example%3A8443:vnfil:issuers:b1"


def resolve(did: str) -> str:
    """The did:web spec's resolution, written from the spec alone (not from vnfil): ``:``
    separates the domain and the path segments, the domain's port colon is percent-encoded,
    a DID without a path reads ``/.well-known``, and the document is ``did.json``."""
    method, _, rest = did.removeprefix("did:").partition(":")
    assert method == "web" and rest, did
    domain, *path = rest.split(":")
    assert domain and all(path), did
    return f"https://{unquote(domain)}/{'/'.join(path or ['.well-known'])}/did.json"


@pytest.mark.parametrize(
    "did, url",
    [  # the specification's own examples, and the two shapes of the brief
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:host%3A8000:path:issuers:id", "https://host:8000/path/issuers/id/did.json"),
    ],
)
def test_the_resolver_here_follows_the_spec(did: str, url: str) -> None:
    assert resolve(did) == url


@pytest.mark.parametrize(
    "base, did",
    [
        ("https://example.com", "did:web:example.com:issuers:b1"),
        ("https://host:8000/path", "did:web:host%3A8000:path:issuers:b1"),
        (BASE, DID),
        ("https://vnfil.example/a/b", "did:web:vnfil.example:a:b:issuers:b1"),
    ],
)
def test_the_did_encodes_the_port_colon_and_the_path_segments(base: str, did: str) -> None:
    assert issuer_did(base, "b1") == did
    # did:web resolution of it reads the body's DID document under the public URL.
    assert resolve(did) == f"{base}/issuers/b1/did.json"


def test_the_did_document_and_its_methods_are_named_by_the_did() -> None:
    current = SigningKey(awarding_body_id="b1", public_multikey="z6MkCurrent")
    doc = did_document(BASE, "b1", [current])
    assert doc["id"] == DID
    assert doc["alsoKnownAs"] == [issuer_url(BASE, "b1")] == [f"{BASE}/issuers/b1"]
    assert method_id(BASE, current) == f"{DID}#z6MkCurrent"
    [method] = doc["verificationMethod"]
    assert method["id"] == method_id(BASE, current) and method["controller"] == DID
    assert doc["assertionMethod"] == [method_id(BASE, current)]


@pytest.mark.parametrize(
    "issuer, body",
    [
        (DID, "b1"),  # its DID
        (f"{BASE}/issuers/b1", "b1"),  # its page, the issuer id of older credentials
        (issuer_did(BASE, "a-Z_9"), "a-Z_9"),
        (f"{DID}:extra", None),  # something beneath a body
        (f"{BASE}/issuers/b1/extra", None),
        (f"{DID}#z6MkKey", None),  # a key, not the body
        (f"{DID}?service=x", None),
        (f"{DID}/x", None),
        (f"{DID}\n", None),
        ("did:web:vnfil.example%3A8443:vnfil:issuers:", None),  # no body at all
        (issuer_did(BASE, "b" * 65), None),  # longer than any body id
        ("did:web:other.example%3A8443:vnfil:issuers:b1", None),  # another host
        ("did:web:vnfil.example:vnfil:issuers:b1", None),  # another port
        ("did:web:vnfil.example%3A8443:issuers:b1", None),  # not under the base path
        ("did:web:vnfil.example%3A8443:vnfil:other:b1", None),  # beside the issuers
        ("https://other.example:8443/vnfil/issuers/b1", None),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", None),
        ("", None),
        ("junk", None),
    ],
)
def test_body_of_issuer_names_only_this_installations_bodies(issuer: str, body: str | None) -> None:
    assert body_of_issuer(BASE, issuer) == body


async def test_the_document_did_web_resolution_reads_names_the_did(stack: Stack) -> None:
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        awarding_body = AwardingBody(name="Body behind a port and a path", country="PL")
        session.add(awarding_body)
        await session.flush()
        key = await create_key(session, stack.settings.secret_key, awarding_body.id)
        body_id = awarding_body.id
    did = issuer_did(BASE, body_id)
    assert did == f"did:web:vnfil.example%3A8443:vnfil:issuers:{body_id}"

    # vnfil behind a proxy at BASE: what a resolver fetches reaches the app without BASE.
    url = resolve(did)
    assert url == f"{BASE}/issuers/{body_id}/did.json"
    app = create_app(stack.settings.model_copy(update={"public_base_url": BASE}))
    async with app.router.lifespan_context(app), asgi_client(app) as http:
        r = await http.get(url.removeprefix(BASE))
        profile = ok(await http.get(f"/issuers/{body_id}"))
    doc = ok(r)
    assert r.headers["content-type"] == "application/did+json"
    assert doc["id"] == did
    assert doc["alsoKnownAs"] == [issuer_url(BASE, body_id)]
    assert [m["id"] for m in doc["verificationMethod"]] == [method_id(BASE, key)]
    assert [m["controller"] for m in doc["verificationMethod"]] == [did]
    assert profile["id"] == did  # the OB 3.0 issuer Profile names the same DID
    assert body_of_issuer(BASE, doc["id"]) == body_id
