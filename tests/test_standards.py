"""The standards catalogue: import/export, errors with line and field, versions kept by cases."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.factories import make_world, new_case, ok
from vnfil.cli import app as cli
from vnfil.standards.service import (
    CATALOGUE,
    StandardFileError,
    dump_standard,
    json_schema,
    parse_standard,
    sample_documents,
)

DOCS = Path(__file__).parent.parent / "docs"


def test_three_sample_standards_are_valid_and_distinct() -> None:
    docs = sample_documents()
    assert {d.code for d in docs} == {
        "digital-collaboration",
        "adult-training",
        "volunteer-coordination",
    }
    sets = {d.code: {lo.set for lo in d.learning_outcomes} for d in docs}
    assert len(sets["adult-training"]) >= 3  # a ZSK-style qualification with several sets
    assert {lo.type for d in docs for lo in d.learning_outcomes} == {
        "knowledge",
        "skill",
        "responsibility-autonomy",
    }


def test_a_standard_may_carry_its_words_in_other_languages_in_full() -> None:
    doc = next(d for d in sample_documents() if d.code == "digital-collaboration")
    polish = doc.in_language("pl")
    assert polish.language == "pl" and polish.title.startswith("Organizowanie pracy zespołu")
    assert [lo.id for lo in polish.learning_outcomes] == [lo.id for lo in doc.learning_outcomes]
    assert polish.learning_outcomes[2].criteria[0].startswith("stosuje zasadę minimalizacji")
    # What is not words stays the standard's own; a language it lacks shows it as it is.
    assert polish.learning_outcomes[0].methods == doc.learning_outcomes[0].methods
    assert doc.in_language("de") is doc and doc.in_language("en") is doc
    data = json.loads(dump_standard(doc, "json"))
    words = data["translations"]["pl"]
    for broken, why in (
        ({**data, "translations": {"en": words}}, "the standard's own language"),
        (
            {
                **data,
                "translations": {
                    "pl": {
                        **words,
                        "learning_outcomes": {
                            k: v for k, v in words["learning_outcomes"].items() if k != "DC4"
                        },
                    }
                },
            },
            "missing: DC4",
        ),
        (
            {
                **data,
                "translations": {
                    "pl": {
                        **words,
                        "learning_outcomes": {
                            **words["learning_outcomes"],
                            "DC1": {"statement": "x", "criteria": ["tylko jedno"]},
                        },
                    }
                },
            },
            "DC1: give its 2 criteria",
        ),
        ({**data, "translations": {"pl": {**words, "prerequisites": []}}}, "1 prerequisites"),
    ):
        try:
            parse_standard(json.dumps(broken))
        except StandardFileError as exc:
            assert why in str(exc), str(exc)
        else:
            raise AssertionError(f"accepted: {why}")


def test_export_then_import_round_trips() -> None:
    for doc in sample_documents():
        for fmt in ("yaml", "json"):
            assert parse_standard(dump_standard(doc, fmt)) == doc  # type: ignore[arg-type]


def test_committed_json_schema_is_current() -> None:
    assert json.loads((DOCS / "standard.schema.json").read_text()) == json_schema()


def test_cli_validate_names_line_and_field(tmp_path: Path) -> None:
    text = (
        (CATALOGUE / "adult-training.yaml").read_text().replace("type: knowledge", "type: wisdom")
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "type: wisdom" in ln)
    result = CliRunner().invoke(cli, ["standards", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"bad.yaml:{line}" in result.output and "learning_outcomes.1.type" in result.output


async def test_publish_refuses_bad_files_with_line_and_field(stack) -> None:
    w = await make_world(stack)
    text = (CATALOGUE / "volunteer-coordination.yaml").read_text()
    bad = text.replace("code: volunteer-coordination", "code: vc-bad").replace(
        "min_panel_size: 2", "min_panel_size: zero"
    )
    r = await w.http.post("/standards", content=bad.encode(), headers=w.issuer.auth)
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert err["field"] == "min_panel_size"
    assert err["line"] == next(
        i for i, ln in enumerate(bad.splitlines(), 1) if ln.startswith("min_panel_size")
    )
    r = await w.http.post("/standards", content=b'{\n  "code": "x",\n}', headers=w.issuer.auth)
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 3
    # Only an awarding body publishes.
    r = await w.http.post("/standards", content=text.encode(), headers=w.admin.auth)
    assert r.status_code == 403


async def test_a_case_keeps_the_version_it_started_on(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    v2 = w.standard.model_copy(update={"version": 2, "title": "Renamed in version 2"})
    published = ok(
        await w.http.post(
            "/standards", content=dump_standard(v2, "json").encode(), headers=w.issuer.auth
        ),
        201,
    )
    assert published["version"] == 2 and published["id"] != w.standard_id
    again = await w.http.post(
        "/standards", content=dump_standard(v2, "json").encode(), headers=w.issuer.auth
    )
    assert again.status_code == 409
    await run.ready_for_decisions()
    for a in run.assessors:
        ok(await run.decide(a))
    ok(await run.accept())
    status = ok(await run.certify())
    assert status["standard_id"] == w.standard_id
    cred = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    assert cred["document"]["name"] == w.standard.title
    exported = await w.http.get(
        f"/standards/{published['id']}/export?format=yaml", headers=run.candidate.auth
    )
    assert parse_standard(exported.text) == v2


def _file(w, **changes) -> bytes:  # type: ignore[no-untyped-def]
    return dump_standard(w.standard.model_copy(update=changes), "json").encode()


async def test_numbers_beyond_what_the_columns_hold_are_refused_by_field(stack) -> None:
    """A version of 2**70 (PostgreSQL's INTEGER ends at 2**31-1), or hours, ECTS or
    validity beyond their range, is a 422 naming the field: never a 500."""
    w = await make_world(stack)
    base = json.loads(_file(w, version=7))
    for field, value in (
        ("version", 2**70),
        ("version", 2**31),
        ("version", 0),
        ("workload_hours", 2**70),
        ("ects", "1e400"),
        ("ects", "NaN"),
        ("validity_years", 2**70),
        ("eqf_level", 2**70),
        ("min_panel_size", 2**70),
        ("appeal_window_days", -(2**70)),
    ):
        text = json.dumps({**base, field: "PLACEHOLDER"}).replace('"PLACEHOLDER"', str(value))
        r = await w.http.post("/standards", content=text.encode(), headers=w.issuer.auth)
        assert r.status_code == 422, (field, value, r.status_code, r.text[:200])
        assert [e["field"] for e in r.json()["errors"]] == [field], r.json()
    # The deadline days too (a nested field).
    text = json.dumps({**base, "deadlines": {"identification": 2**70}})
    r = await w.http.post("/standards", content=text.encode(), headers=w.issuer.auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "deadlines.identification"
    # At the limit, it is published.
    published = ok(
        await w.http.post("/standards", content=_file(w, version=2**31 - 1), headers=w.issuer.auth),
        201,
    )
    assert published["version"] == 2**31 - 1


async def test_only_the_owner_of_a_code_publishes_its_versions(stack) -> None:
    import asyncio

    from tests.factories import World

    w, other = await make_world(stack), await make_world(stack)
    r = await other.http.post("/standards", content=_file(w, version=2), headers=other.issuer.auth)
    assert r.status_code == 403 and "belongs to another awarding body" in r.json()["detail"]
    r = await other.http.post("/standards", content=_file(w, version=1), headers=other.issuer.auth)
    assert r.status_code == 403  # not even the published version: not a 409 telling it exists
    ok(await w.http.post("/standards", content=_file(w, version=2), headers=w.issuer.auth), 201)
    r = await w.http.post("/standards", content=_file(w, version=2), headers=w.issuer.auth)
    assert r.status_code == 409 and "already published" in r.json()["detail"]
    versions = ok(await w.http.get(f"/standards?code={w.standard.code}", headers=w.admin.auth))
    assert [(s["version"], s["awarding_body_id"]) for s in versions] == [
        (1, versions[0]["awarding_body_id"]),
        (2, versions[0]["awarding_body_id"]),
    ]

    # Two bodies racing to publish a new code (versions 1 and 5): one owns it.
    fresh = w.standard.model_copy(update={"code": f"{w.standard.code}-new"})

    async def publish(who: World, version: int) -> int:
        doc = dump_standard(fresh.model_copy(update={"version": version}), "json").encode()
        return (await who.http.post("/standards", content=doc, headers=who.issuer.auth)).status_code

    # Each tries three times: the winner publishes once (then 409), the other gets 403.
    codes = await asyncio.gather(*(publish(who, v) for who, v in ((w, 1), (other, 5)) * 3))
    assert sorted(codes) == [201, 403, 403, 403, 409, 409], codes
    owners = {
        s["awarding_body_id"]
        for s in ok(await w.http.get(f"/standards?code={fresh.code}", headers=w.admin.auth))
    }
    assert len(owners) == 1


async def test_standard_lists_are_paged_within_range(stack) -> None:
    w = await make_world(stack)
    for query, field in (
        (f"offset={2**70}", "offset"),
        ("offset=4000000000000", "offset"),
        ("offset=-1", "offset"),
        (f"limit={2**70}", "limit"),
        ("limit=4e12", "limit"),
        ("limit=501", "limit"),
        ("code=" + "a" * 101, "code"),
        ("cursor=" + "A" * 1025, "cursor"),
        ("cursor=a.b", "cursor"),
        ("cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cursor"),
    ):
        r = await w.http.get(f"/standards?{query}", headers=w.admin.auth)
        assert r.status_code == 422, (query, r.status_code, r.text[:200])
        assert [e["field"] for e in r.json()["errors"]] == [f"query.{field}"], r.json()
    [one] = ok(await w.http.get("/standards?limit=1", headers=w.admin.auth))
    assert one["id"]
    for path in ("/standards/x.y", "/standards/" + "x" * 65 + "/export"):
        r = await w.http.get(path, headers=w.admin.auth)
        assert r.status_code == 422, (path, r.status_code)
    # A control character anywhere in the address is refused before any route.
    for address in ("/standards/%00", "/standards?code=%00"):
        r = await w.http.get(address, headers=w.admin.auth)
        assert r.status_code == 400 and "control character" in r.json()["detail"], address


async def test_publishing_reads_no_more_than_its_limit(stack) -> None:
    w = await make_world(stack)
    sent = 0
    chunk = b"#" * 65536

    async def body():  # type: ignore[no-untyped-def]
        nonlocal sent
        for _ in range(64):  # 4 MiB, never announced
            sent += len(chunk)
            yield chunk

    r = await w.http.post("/standards", content=body(), headers=w.issuer.auth)
    assert r.status_code == 413 and sent <= 1024 * 1024 + 2 * len(chunk), sent


async def test_standard_texts_are_bounded_and_printable(stack) -> None:
    w = await make_world(stack)
    base = json.loads(_file(w, version=3))
    for field, value in (
        ("description", "a\u0000b"),
        ("title", "line\nbreak"),
        ("title", "T" * 301),
        ("language", "en\u0000"),
        ("language", "x" * 50),
        ("national_level", "PRK\u00005"),
        ("quality_assurance", "Q" * 4001),
        ("stackability", "\u001b[31m"),
    ):
        text = json.dumps({**base, field: value})
        r = await w.http.post("/standards", content=text.encode(), headers=w.issuer.auth)
        assert r.status_code == 422, (field, r.status_code, r.text[:200])
        assert [e["field"] for e in r.json()["errors"]] == [field], r.json()
