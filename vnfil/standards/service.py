"""The standards catalogue: parse, validate, import and export standard versions.

Standards arrive as YAML or JSON (schema: ``docs/standards.md`` and
``docs/standard.schema.json``). A bad file is refused with every problem named by
field path and line, so an awarding body can fix it without guessing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import AwardingBody
from vnfil.platform.db import insert_unless_present, utcnow
from vnfil.standards.models import Standard, StandardCode
from vnfil.standards.schemas import Issuer, StandardDocument, StandardSnapshot

CATALOGUE = Path(__file__).parent / "catalogue"
Format = Literal["yaml", "json"]


@dataclass(frozen=True)
class Problem:
    field: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.field or '(document)'}: {self.message}"


class StandardFileError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class PublishRefused(Exception):
    """A well-formed standard that this awarding body may not publish as it is."""


class CodeOwnedElsewhere(PublishRefused):
    """The code belongs to another awarding body: only it publishes later versions."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"the standard code {code} belongs to another awarding body: only it publishes "
            "versions of it; publish yours under a code of your own"
        )


class VersionExists(PublishRefused):
    """Each (code, version) is published once and never changed."""

    def __init__(self, code: str, version: int) -> None:
        super().__init__(f"{code} version {version} is already published; publish a new version")


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest node along ``loc`` (1-based)."""
    if node is None:
        return None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def parse_standard(text: str) -> StandardDocument:
    """A standard from YAML or JSON text, or StandardFileError naming each problem."""
    is_json = text.lstrip().startswith("{")
    try:
        data = json.loads(text) if is_json else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise StandardFileError([Problem("", exc.lineno, f"not valid JSON: {exc.msg}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = getattr(exc, "problem", None) or str(exc)
        raise StandardFileError([Problem("", line, f"not valid YAML: {msg}")]) from None
    if not isinstance(data, dict):
        raise StandardFileError([Problem("", 1, "a standard must be a mapping of fields")])
    try:
        return StandardDocument.model_validate(data)
    except ValidationError as exc:
        try:
            root = yaml.compose(text)
        except yaml.YAMLError:  # JSON that YAML 1.1 cannot read: no line numbers
            root = None
        problems = [
            Problem(
                ".".join(str(p) for p in err["loc"]),
                _line_of(root, tuple(err["loc"])),
                err["msg"],
            )
            for err in exc.errors()
        ]
        raise StandardFileError(problems) from None


def dump_standard(doc: StandardDocument, fmt: Format = "yaml") -> str:
    data = doc.model_dump(mode="json")
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def sample_documents() -> list[StandardDocument]:
    files = sorted([*CATALOGUE.glob("*.json"), *CATALOGUE.glob("*.yaml")])
    return [parse_standard(p.read_text()) for p in files]


def sample_document(code: str) -> StandardDocument:
    return next(d for d in sample_documents() if d.code == code)


def json_schema() -> dict[str, Any]:
    return StandardDocument.model_json_schema()


async def find_version(session: AsyncSession, code: str, version: int) -> Standard | None:
    return await session.scalar(
        select(Standard).where(Standard.code == code, Standard.version == version)
    )


async def claim_code(session: AsyncSession, code: str, awarding_body_id: str) -> None:
    """Make the awarding body the owner of a new code, or check that it owns it.

    The first body to publish a code owns it (one row per code: of two bodies racing
    for a new code, one wins). Raises :class:`CodeOwnedElsewhere`.
    """
    await insert_unless_present(
        session,
        StandardCode,
        {"code": code, "awarding_body_id": awarding_body_id, "created_at": utcnow()},
        ["code"],
    )
    owner = await session.scalar(
        select(StandardCode.awarding_body_id).where(StandardCode.code == code)
    )
    if owner != awarding_body_id:
        raise CodeOwnedElsewhere(code)


async def import_standard(
    session: AsyncSession, doc: StandardDocument, awarding_body_id: str, *, existing_ok: bool = True
) -> Standard:
    """Add a standard version of the awarding body's code.

    An existing (code, version) is left as it is (or, unless ``existing_ok``, refused
    with :class:`VersionExists`); a code of another body is refused with
    :class:`CodeOwnedElsewhere`.
    """
    await claim_code(session, doc.code, awarding_body_id)
    existing = await find_version(session, doc.code, doc.version)
    if existing is not None:
        if not existing_ok:
            raise VersionExists(doc.code, doc.version)
        return existing
    row = Standard(
        code=doc.code,
        version=doc.version,
        title=doc.title,
        awarding_body_id=awarding_body_id,
        document=doc.model_dump(mode="json"),
    )
    session.add(row)
    await session.flush()
    return row


async def snapshot(session: AsyncSession, standard: Standard) -> StandardSnapshot:
    body = await session.get(AwardingBody, standard.awarding_body_id)
    assert body is not None
    return StandardSnapshot(
        standard_id=standard.id,
        issuer=Issuer(id=body.id, name=body.name, country=body.country, url=body.url),
        document=StandardDocument.model_validate(standard.document),
    )
