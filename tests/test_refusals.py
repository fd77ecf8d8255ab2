"""Refusals in the person's language: every message the API, the case rules and the
services can refuse with has its Polish words (a test fails on one that has none), and a
Polish person meets them in Polish, beside the form, with names and values translated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import Stack
from tests.factories import make_world, new_case, ok
from vnfil.platform.refusals import PL, localize

ROOT = Path(__file__).parent.parent
# What raises or answers with words a person may read (their first text argument).
SPEAKERS = {
    "HTTPException",
    "_require",
    "RuleBroken",
    "Refused",
    "PublishRefused",
    "Taken",
    "NotAccredited",
    "UploadRejected",
    "TargetRefused",
    "StandardFileError",
    "Problem",
    "ApplicationError",
    "unavailable",
    "MalformedInput",
    "ProofError",
    "UnsafeDocument",
    "KeyError_",
    "ChainOutOfOrder",
    "ShareRefused",
}


def _template(node: ast.AST) -> str | None:
    """A message's English template: its literal text, ``{}`` where a value goes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def english_templates() -> dict[str, str]:
    """Every refusal's English template in the code, with where it is said first."""
    found: dict[str, str] = {}
    files = [
        p for d in ("api", "vnfil", "workflows", "activities") for p in (ROOT / d).rglob("*.py")
    ]
    for path in sorted(files):
        if path.name == "cli.py":  # the operator's terminal, in English
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ClassDef)
                and any(isinstance(b, ast.Name) and b.id == "StrEnum" for b in node.bases)
                and node.name == "Why"
            ):
                for item in node.body:
                    if isinstance(item, ast.Assign):
                        text = _template(item.value)
                        if text:
                            found.setdefault(text, f"{path.relative_to(ROOT)}:{item.lineno}")
            if (  # said = "…": words handed to a refusal a few lines on
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.startswith("said")
            ):
                text = _template(node.value)
                if text:
                    found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name not in SPEAKERS:
                continue
            args = [*node.args, *(k.value for k in node.keywords if k.arg in ("detail", "message"))]
            for arg in args:
                text = _template(arg)
                if text and " " in text.strip():
                    found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_refusal_in_the_code_has_its_polish_words() -> None:
    found = english_templates()
    assert len(found) > 150  # the collector still finds them
    missing = {text: where for text, where in found.items() if text not in PL}
    assert not missing, "refusals without Polish words (vnfil/platform/refusals_pl.py):\n" + (
        "\n".join(f"{where}: {text}" for text, where in missing.items())
    )
    for english, polish in PL.items():
        holes = english.count("{}")
        # Every value goes somewhere, once; no other braces.
        assert sorted(re.findall(r"\{(\d+)\}", polish)) == [str(i) for i in range(holes)], english
        polish.format(*range(holes))  # no stray brace


def test_a_refusal_is_said_in_polish_with_its_values_translated() -> None:
    said = localize(
        "pl", "the case is in documentation; this step belongs to identification, assessment"
    )
    assert said == (
        "sprawa jest na etapie: dokumentowanie; ten krok należy do etapu: identyfikacja, weryfikacja"
    )
    # Roles by their names; ids and outcome codes as they are.
    assert "administrator instytucji" in localize(
        "pl", "a centre_admin may not do this; allowed: candidate, counsellor"
    )
    assert localize("pl", "no evidence yet for outcomes: LO1, LO2").endswith(": LO1, LO2")
    # A refusal inside another is said in Polish too; an empty value at the end is fine.
    inner = "the centre's accreditation for DIG-1 version 2 is suspended: under review"
    assert localize("pl", f"not certified: {inner}") == (
        "nie można wydać certyfikatu: " + localize("pl", inner)
    ) and "w wersji 2" in localize("pl", inner)
    assert localize("pl", "p1: the signature does not match the credential's content") == (
        "p1: podpis nie zgadza się z treścią poświadczenia"
    )
    # English stays English; words nobody wrote stay as they are.
    assert localize("en", "the portfolio is already submitted") == (
        "the portfolio is already submitted"
    )
    assert localize("pl", "something nobody wrote") == "something nobody wrote"


POLISH = {"Accept-Language": "pl-PL,pl;q=0.9"}


async def test_a_polish_person_meets_each_kind_of_refusal_in_polish(stack: Stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    # A rule of the case's workflow (the submission has no evidence yet).
    r = await w.http.post(f"{run.url}/submission", headers=run.candidate.auth | POLISH)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("brak jeszcze dowodów dla efektów uczenia się: ")
    english = await w.http.post(f"{run.url}/submission", headers=run.candidate.auth)
    assert english.json()["detail"].startswith("no evidence yet for outcomes: ")
    # The stage, named in Polish: identification is over.
    r = await w.http.post(
        f"{run.url}/identification",
        json={"selected_lo_ids": [w.standard.learning_outcomes[0].id]},
        headers=run.candidate.auth | POLISH,
    )
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "sprawa jest na etapie: dokumentowanie; ten krok należy do etapu: identyfikacja"
    )
    # The API's own refusals: a role, a case that is not theirs, no token at all.
    other = await new_case(w)
    r = await w.http.get(other.url, headers=run.candidate.auth | POLISH)
    assert r.status_code == 403
    assert r.json()["detail"] == (
        f"brak dostępu do sprawy {other.case_id}: kandydat widzi tylko własne sprawy"
    )
    r = await w.http.get("/me", headers=POLISH)
    assert r.status_code == 401 and r.json()["detail"].startswith("brak tokenu dostępu")
    # Refused before any route reads the request; the page's own choice wins.
    r = await w.http.get("/health%00", headers={"Cookie": "vnfil_lang=pl"})
    assert r.status_code == 400 and r.json()["detail"].startswith("adres zawiera znak sterujący")
    big = await w.http.post(
        "/auth/login", content=b"x" * (300 * 1024), headers=POLISH | {"Content-Type": "text/plain"}
    )
    assert big.status_code == 413
    assert big.json()["detail"] == "treść żądania może mieć najwyżej 256 KiB"


if __name__ == "__main__":
    for text, where in english_templates().items():
        print(f"{where} | {text}")
