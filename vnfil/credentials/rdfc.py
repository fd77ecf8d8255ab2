"""RDF Dataset Canonicalization (RDFC-1.0) of vnfil's JSON-LD documents: offline, in safe mode.

``eddsa-rdfc-2022`` signs the canonical N-Quads of a document, not its JSON, which is why
the verifiers of the Open Badges ecosystem (Digital Bazaar's ``vc``, the DCC verifier,
1EdTech's validator) accept it. Two things follow, and this module holds both:

- Only the contexts vnfil ships are used, put in place of their URLs: nothing is fetched,
  and an inline context (or any other URL) is refused, as those verifiers load only the
  standard contexts.
- JSON-LD leaves out of the graph whatever its contexts do not define: an undefined term,
  a relative or malformed IRI, a key it does not know. Left out of the graph, it is left
  out of what is signed, and could be added or changed without breaking the signature
  while a page still shows it. Like Digital Bazaar's *safe mode*, such a document is
  refused (:class:`UnsafeDocument`) instead of canonicalised.

pyoxigraph (Rust) parses JSON-LD 1.1 and canonicalises. The tests hold it to the W3C
vc-di-eddsa test vector and to Digital Bazaar's jsonld.js on vnfil's own documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from vnfil.credentials.document import SHIPPED_CONTEXTS, shipped_context

# Where an undefined term or a relative IRI would land: nothing vnfil issues uses either,
# so finding one in the graph means the document holds something its contexts drop.
_UNDEFINED_TERM = "urn:vnfil:undefined-term:"
_RELATIVE_BASE = "https://relative-iri.invalid/"
_KEYWORDS = frozenset(
    {"@context", "@id", "@type", "@value", "@list", "@set", "@graph", "@included", "@index"}
)
# An absolute IRI as RFC 3987 allows it in N-Quads: a scheme, then no space, no control
# character and none of <>"{}|\^`. JSON-LD drops a node whose id is not one, silently.
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`\x7f]*")
_TERM = re.compile(r"[^\x00-\x20\x7f]+")


class UnsafeDocument(ValueError):
    """The document holds something its contexts do not define, so it would not be signed."""


@lru_cache
def _iri_valued_terms() -> frozenset[str]:
    """Terms of the shipped contexts whose values are IRIs (``"@type": "@id"``), at any
    depth of their scoped contexts: their values must be absolute IRIs."""
    found = {"id", "@id"}
    stack: list[Any] = []
    for url in SHIPPED_CONTEXTS:
        stack.append(shipped_context(url))
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for term, definition in value.items():
                if isinstance(definition, dict) and definition.get("@type") == "@id":
                    found.add(term)
                stack.append(definition)
        elif isinstance(value, list):
            stack.extend(value)
    return frozenset(found)


def _check_shape(document: dict[str, Any]) -> None:
    """What the graph cannot show once parsed: keys JSON-LD would drop, ids it would
    drop, values it would not map."""
    iri_terms = _iri_valued_terms()
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                if k.startswith("@") and k not in _KEYWORDS:
                    raise UnsafeDocument(f"{k!r} is not a JSON-LD keyword vnfil accepts")
                if k.startswith("_:") or not _TERM.fullmatch(k):
                    raise UnsafeDocument(f"the property {k!r} would be dropped")
                if k == "@context" and value is not document:
                    raise UnsafeDocument("a nested @context is not accepted")
                stack.append((k, v))
        elif isinstance(value, list):
            stack.extend((key, v) for v in value)
        elif isinstance(value, str):
            if key in iri_terms and not _ABSOLUTE_IRI.fullmatch(value):
                raise UnsafeDocument(f"{key} must be an absolute IRI, not {value[:60]!r}")
            if key in ("type", "@type") and not _TERM.fullmatch(value):
                raise UnsafeDocument(f"the type {value[:60]!r} would be dropped")
        elif isinstance(value, float) and not value.is_integer() and not 1e-6 <= abs(value) < 1e21:
            # jsonld.js writes such numbers otherwise than RDFC-1.0 does: refused, so a
            # credential means the same to every verifier.
            raise UnsafeDocument(f"the number {value!r} is outside what is signed alike")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
            raise UnsafeDocument("an integer beyond 2**53 is not signed alike everywhere")


def _with_shipped_contexts(
    document: dict[str, Any], extra: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    contexts = document.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    inlined: list[Any] = []
    for ctx in listed:
        if not isinstance(ctx, str):
            raise UnsafeDocument("an inline @context is not accepted: only the shipped ones")
        shipped = extra.get(ctx) or shipped_context(ctx)
        if shipped is None:
            raise UnsafeDocument(f"unknown context {ctx[:80]} (nothing is fetched)")
        inlined.append(shipped["@context"])
    # Last, so it reaches only what no context defines (a context with a @vocab of its
    # own, as the W3C examples context, defines every term already).
    if not any(isinstance(c, dict) and "@vocab" in c for c in inlined):
        inlined.append({"@vocab": _UNDEFINED_TERM})
    return {**document, "@context": inlined}


def canonical_nquads(
    document: dict[str, Any], *, extra_contexts: Mapping[str, dict[str, Any]] | None = None
) -> bytes:
    """The RDFC-1.0 canonical N-Quads of ``document``, or :class:`UnsafeDocument`.

    ``extra_contexts`` (URL → context document) adds to the shipped ones: the W3C test
    vector names the examples context, which vnfil's documents never do."""
    _check_shape(document)
    text = json.dumps(_with_shipped_contexts(document, extra_contexts or {}), ensure_ascii=False)
    try:
        quads = list(ox.parse(text, ox.RdfFormat.JSON_LD, base_iri=_RELATIVE_BASE))
    except (SyntaxError, ValueError) as exc:
        raise UnsafeDocument(f"not JSON-LD vnfil can read: {exc}") from None
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            iri = (
                term.datatype.value if isinstance(term, ox.Literal) else getattr(term, "value", "")
            )
            if isinstance(term, ox.NamedNode | ox.Literal) and iri.startswith(
                (_UNDEFINED_TERM, _RELATIVE_BASE)
            ):
                what = iri.removeprefix(_UNDEFINED_TERM).removeprefix(_RELATIVE_BASE)
                raise UnsafeDocument(f"{what[:60]!r} is not defined by the credential's contexts")
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    serialised = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""  # bytes without a file
    lines = serialised.decode().splitlines()
    return "".join(sorted(line + "\n" for line in lines if line)).encode()
