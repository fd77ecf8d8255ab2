"""The shape of the house: data flows api → workflows → activities → domain, with no cycle,
and no import hidden inside a function to get round one."""

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
# The worker process builds everything it runs: workflows and their activities.
COMPOSITION_ROOTS = {"activities.worker"}


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
