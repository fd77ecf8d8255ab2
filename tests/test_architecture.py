"""The shape of the house: data flows api → workflows → activities → domain, with no cycle,
and no import hidden inside a function to get round one. Inside the domain package, each
domain folder imports only the domains below it, and nothing above (the CLI, the seed, the
process boundaries)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vnfil", "workflows", "activities", "api")
# Who may import whom (besides itself).
ALLOWED = {
    "vnfil": set(),
    "activities": {"vnfil"},
    "workflows": {"vnfil", "activities"},
    "api": {"vnfil", "workflows", "activities"},
}
# The worker process builds everything it runs: workflows and their activities; the
# ``vnfil`` command is a process too, and starts the mailer's workflow for an invitation.
COMPOSITION_ROOTS = {"activities.worker", "vnfil.cli"}
# The domain folders of ``vnfil`` and which others each may import (besides itself).
DOMAINS = {
    "platform": set(),
    "accounts": {"platform"},
    "events": {"platform"},
    "evidence": {"platform"},
    "standards": {"platform", "accounts"},
    "cases": {"platform", "accounts", "standards", "evidence"},
    "credentials": {"platform", "accounts", "standards", "evidence", "cases"},
    # Who may issue: institutions, their keys and accreditations, the registry anyone reads.
    "trust": {"platform", "accounts", "standards", "events", "credentials"},
    # Paying for validation: learning accounts, entitlements and their ledger.
    "funding": {"platform", "accounts", "standards", "events", "cases", "credentials"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):  # nested imports too
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] in PACKAGES}


def test_layers_import_only_downwards() -> None:
    wrong = []
    for name, path in _modules().items():
        layer = name.split(".")[0]
        if name in COMPOSITION_ROOTS:
            continue
        for imported in _imports(path):
            target = imported.split(".")[0]
            if target != layer and target not in ALLOWED[layer]:
                wrong.append(f"{name} imports {imported}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_domain_folders_import_only_the_domains_below_them() -> None:
    """A domain folder imports no process boundary (api, workflows, activities), none of
    the modules at the top of ``vnfil`` (cli, seed, the ``models`` aggregator) and only
    the domains listed beneath it in ``DOMAINS``."""
    folders = {p.name for p in (ROOT / "vnfil").iterdir() if (p / "__init__.py").exists()}
    assert folders - {"migrations"} == set(DOMAINS), "a domain folder is missing from DOMAINS"
    wrong = []
    for name, path in _modules().items():
        parts = name.split(".")
        if parts[0] != "vnfil" or len(parts) < 3:
            continue
        domain = parts[1]
        for imported in _imports(path):
            target = imported.split(".")
            if target[0] != "vnfil" or len(target) < 2 or target[1] not in DOMAINS:
                wrong.append(f"{name} imports {imported}")
            elif target[1] != domain and target[1] not in DOMAINS[domain]:
                wrong.append(f"{name} imports {imported}")
    assert not wrong, "\n".join(sorted(wrong))


def test_every_model_lives_in_its_domain_and_alembic_sees_it() -> None:
    """ORM models are defined in ``vnfil/<domain>/models.py`` only, and ``vnfil.models``
    (what the migrations compare against) imports every one of those modules."""
    from vnfil.models import metadata
    from vnfil.platform.db import Base

    model_modules = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "vnfil").glob("*/models.py")
    }
    aggregated = {m for m in _imports(ROOT / "vnfil" / "models.py") if m in model_modules}
    assert aggregated == model_modules
    mapped = {m.class_ for m in Base.registry.mappers}
    assert {c.__module__ for c in mapped} == model_modules
    assert {c.__table__.name for c in mapped} == set(metadata.tables)  # type: ignore[attr-defined]
