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


def _extra_key(extra: Mapping[str, dict[str, Any]] | None) -> str:
    return json.dumps(extra, sort_keys=True) if extra else ""


def _names(value: Any, out: set[str]) -> set[str]:
    """Every key and string of ``value``, and the prefix of each compact IRI among them:
    what could name a term of a context."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.update(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            out.add(item)
            if ":" in item:
                out.add(item.split(":", 1)[0])
    return out


def _pruned(context: Any, used: frozenset[str]) -> Any:
    """``context`` without the term definitions nothing can reach: a term is kept when
    the document names it (as a key or a string, so as a type too) or a kept definition
    does (a prefix, a type, a scoped context), and its definition is kept whole but for
    its own scoped context, pruned the same way. Every kept term has the definition it
    has in the whole context and nothing the document says resolves otherwise, so the
    graph is the same; only less is processed (a credential uses a fifth of OB 3.0's
    terms)."""
    if not isinstance(context, dict):
        return context
    terms = {k for k in context if not k.startswith("@")}
    keep = terms & used
    frontier = list(keep)
    while frontier:
        for name in _names(context[frontier.pop()], set()) & terms - keep:
            keep.add(name)
            frontier.append(name)
    out: dict[str, Any] = {}
    for key, definition in context.items():
        if key.startswith("@") or key in keep:
            if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
                definition = {**definition, "@context": _pruned(definition["@context"], used)}
            out[key] = definition
    return out


@lru_cache(maxsize=32)
def _all_terms(urls: tuple[str, ...], extra_key: str) -> frozenset[str]:
    return frozenset(_names(json.loads(_contexts_json(urls, extra_key, None)), set()))


@lru_cache(maxsize=256)
def _contexts_json(urls: tuple[str, ...], extra_key: str, used: frozenset[str] | None) -> str:
    """The JSON of the contexts ``urls`` name, put in place of them (pruned to what
    ``used`` can reach, when given): made once for each list and set of terms (the two
    shipped contexts are 24 kB, the document itself a few)."""
    extra: dict[str, dict[str, Any]] = json.loads(extra_key) if extra_key else {}
    inlined: list[Any] = []
    for url in urls:
        shipped = extra.get(url) or shipped_context(url)
        if shipped is None:
            raise UnsafeDocument(f"unknown context {url[:80]} (nothing is fetched)")
        inlined.append(shipped["@context"] if used is None else _pruned(shipped["@context"], used))
    # Last, so it reaches only what no context defines (a context with a @vocab of its
    # own, as the W3C examples context, defines every term already).
    if not any(isinstance(c, dict) and "@vocab" in c for c in inlined):
        inlined.append({"@vocab": _UNDEFINED_TERM})
    return json.dumps(inlined, ensure_ascii=False)


def _with_shipped_contexts(document: dict[str, Any], extra_key: str, prune: bool = True) -> str:
    """The document as JSON-LD text, its contexts inlined (only shipped ones), pruned to
    the terms it can reach."""
    contexts = document.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    if not all(isinstance(ctx, str) for ctx in listed):
        raise UnsafeDocument("an inline @context is not accepted: only the shipped ones")
    rest = json.dumps({k: v for k, v in document.items() if k != "@context"}, ensure_ascii=False)
    if len(listed) > 4:  # not cached: a document naming one context 20,000 times
        head = _contexts_json.__wrapped__(tuple(listed), extra_key, None)
    else:
        urls = tuple(listed)
        used = None
        if prune:
            body = {k: v for k, v in document.items() if k != "@context"}
            used = frozenset(_names(body, set()) & _all_terms(urls, extra_key))
        head = _contexts_json(urls, extra_key, used)
    return '{"@context":' + head + ("," + rest[1:] if rest != "{}" else "}")


def _canonicalise(text: str) -> bytes:
    try:
        quads = list(ox.parse(text, ox.RdfFormat.JSON_LD, base_iri=_RELATIVE_BASE))
    except (SyntaxError, ValueError) as exc:
        raise UnsafeDocument(f"not JSON-LD vnfil can read: {exc}") from None
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    serialised = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""  # bytes without a file
    if _UNDEFINED_TERM.encode() in serialised or _RELATIVE_BASE.encode() in serialised:
        _refuse_undefined(quads)  # most likely: a string merely holding one is not refused
    lines = serialised.decode().splitlines()
    return "".join(sorted(line + "\n" for line in lines if line)).encode()


def _refuse_undefined(quads: list[ox.Quad]) -> None:
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


# A proof configuration (vc-di-eddsa §3.2.4: the proof's options under the document's
# @context) differs from one proof to the next only in ``created`` and in the key's
# fragment. Its N-Quads are worked out once for each set of contexts and fixed options
# with placeholders, by the full canonicalisation, then filled in. That gives the same
# bytes because, with these shapes checked: ``created`` is a typed literal whatever its
# digits (the shape below needs no escaping); ``verificationMethod`` is an absolute IRI
# of the same scheme (not a term, nor expanded from a prefix: the template must show it
# as written) made of characters valid anywhere in an IRI's path and fragment; the only
# node is one blank node (always ``_:c14n0``), so no label depends on the values; and
# the lines are sorted again afterwards. Anything else takes the full path.
_CONFIG_KEYS = frozenset(
    {"@context", "type", "cryptosuite", "created", "verificationMethod", "proofPurpose"}
)
_CREATED = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_METHOD = re.compile(
    r"([A-Za-z][A-Za-z0-9+.-]*):((?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})"
    r"(?:[A-Za-z0-9._~:-]|%[0-9A-Fa-f]{2})*#[A-Za-z0-9._~-]+)"
)
_CREATED_MARK = "1111-11-11T11:11:11Z"
_METHOD_MARK = "vnfil-proof-config-method"


@lru_cache(maxsize=64)
def _config_template(
    urls: tuple[str, ...], extra_key: str, scheme: str, fixed: tuple[str, str, str]
) -> tuple[str, str] | None:
    """The canonical N-Quads of a proof configuration with placeholders, split where the
    key's IRI goes; None when filling it in would not be exact."""
    proof_type, suite, purpose = fixed
    config = {
        "@context": list(urls),
        "type": proof_type,
        "cryptosuite": suite,
        "created": _CREATED_MARK,
        "verificationMethod": f"{scheme}:{_METHOD_MARK}",
        "proofPurpose": purpose,
    }
    try:
        _check_shape(config)
        text = _canonicalise(_with_shipped_contexts(config, extra_key)).decode()
    except UnsafeDocument:
        return None
    method = f"<{scheme}:{_METHOD_MARK}>"
    created = f'"{_CREATED_MARK}"^^'
    if (
        text.count(method) != 1
        or text.count(_METHOD_MARK) != 1
        or text.count(created) != 1
        or text.count(_CREATED_MARK) != 1
        or "_:c14n1" in text
    ):
        return None
    before, after = text.split(method)
    return before + "<" + scheme + ":", ">" + after


def _proof_config_nquads(document: dict[str, Any], extra_key: str) -> bytes | None:
    """The canonical N-Quads of a proof configuration from its template, or None."""
    if document.keys() != _CONFIG_KEYS or not all(
        isinstance(document[k], str) for k in _CONFIG_KEYS - {"@context"}
    ):
        return None
    contexts = document["@context"]
    method = _METHOD.fullmatch(document["verificationMethod"])
    fixed = (document["type"], document["cryptosuite"], document["proofPurpose"])
    if (
        not isinstance(contexts, list)
        or not 0 < len(contexts) <= 4
        or not all(isinstance(c, str) and len(c) <= 200 for c in contexts)
        or max(map(len, fixed)) > 64  # what is cached stays small
        or method is None
        or not _CREATED.fullmatch(document["created"])
    ):
        return None
    template = _config_template(tuple(contexts), extra_key, method[1], fixed)
    if template is None:
        return None
    created = document["created"]
    before, after = (part.replace(_CREATED_MARK, created) for part in template)
    text = before + method[2] + after  # (the key's IRI may hold anything, even the mark)
    if _UNDEFINED_TERM in text or _RELATIVE_BASE in text:
        return None  # the full path says why it is refused
    return "".join(sorted(text.splitlines(keepends=True))).encode()


def canonical_nquads(
    document: dict[str, Any], *, extra_contexts: Mapping[str, dict[str, Any]] | None = None
) -> bytes:
    """The RDFC-1.0 canonical N-Quads of ``document``, or :class:`UnsafeDocument`.

    ``extra_contexts`` (URL → context document) adds to the shipped ones: the W3C test
    vector names the examples context, which vnfil's documents never do."""
    key = _extra_key(extra_contexts)
    known = _proof_config_nquads(document, key)
    if known is not None:
        return known
    _check_shape(document)
    return _canonicalise(_with_shipped_contexts(document, key))
