"""The standards catalogue: import/export, errors with line and field, versions kept by cases."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.factories import make_world, new_case, ok
from vnfil.cli import app as cli
from vnfil.standards import CATALOGUE, dump_standard, json_schema, parse_standard, sample_documents

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
