"""Released workflow code must replay the histories it produced (see workflow.patched)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.factories import make_world, new_case, ok
from vnfil.platform.temporal import workflow_id
from workflows.case import ValidationCase

HISTORIES = Path(__file__).parent / "histories"


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("v*.json")), ids=lambda p: p.stem)
async def test_committed_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(
        workflows=[ValidationCase], data_converter=pydantic_data_converter
    ).replay_workflow(history)


async def test_fresh_full_case_replays(stack) -> None:
    """A case just run replays too; with VNFIL_RECORD_HISTORY=<name> it is kept for the future."""
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    ok(await run.decide(run.assessors[0], {"DC4": False}))
    ok(await run.decide(run.assessors[1]))
    ok(await run.resolve({"DC4": False}))
    ok(await run.accept())
    ok(await run.certify())
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    await handle.result()
    history = await handle.fetch_history()
    await Replayer(
        workflows=[ValidationCase], data_converter=pydantic_data_converter
    ).replay_workflow(history)
    name = os.environ.get("VNFIL_RECORD_HISTORY")
    if name:  # e.g. VNFIL_RECORD_HISTORY=v2-audit-trail
        (HISTORIES / f"{name}.json").write_text(history.to_json())


# --- the guard: state rules and the workflow change only with a patch or a history -----

GUARD = HISTORIES / "guard.json"


def _state_models() -> list[type]:
    """The models the workflow's state is made of (``CaseStatus`` and every model its
    fields hold, at any depth): their defaults and shapes are what old histories replay to."""
    import typing

    from pydantic import BaseModel

    from vnfil.cases.schemas import CaseStatus

    seen: dict[str, type] = {}
    todo: list[object] = [CaseStatus]
    while todo:
        t = todo.pop()
        if isinstance(t, type) and issubclass(t, BaseModel):
            if t.__qualname__ in seen:
                continue
            seen[t.__qualname__] = t
            todo.extend(f.annotation for f in t.model_fields.values())
        else:
            todo.extend(typing.get_args(t))
    return [seen[name] for name in sorted(seen)]


def _fingerprint() -> dict[str, object]:
    """What replay depends on: the rules on a case's state (their code and the module's
    constants they read), the models of the state, and the workflow's code."""
    import hashlib
    import inspect
    import re

    from vnfil.cases import rules

    state_rules = sorted(
        (name, inspect.getsource(fn))
        for name, fn in vars(rules).items()
        if callable(fn)
        and getattr(fn, "__module__", "") == rules.__name__
        and not name.startswith("input_")
    )
    # Limits and tables the rules read: MAX_REPEATS = 3 instead of 10 refuses on replay
    # what an old history accepted.
    constants = sorted(
        (name, repr(sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value))
        for name, value in vars(rules).items()
        if name.isupper() and isinstance(value, (int, float, str, tuple, set, frozenset, dict))
    )
    models = [(m.__qualname__, inspect.getsource(m)) for m in _state_models()]
    # The workflow and the modules it is made of (its deadlines, its activity options).
    folder = Path(inspect.getsourcefile(ValidationCase) or "").parent
    workflow_source = "".join(
        (folder / name).read_text() for name in ("case.py", "deadlines.py", "options.py")
    )
    digest = hashlib.sha256()
    for name, source in [*state_rules, *constants, *models]:
        digest.update(name.encode() + b"\0" + source.encode() + b"\0")
    digest.update(workflow_source.encode())
    return {
        "sha256": digest.hexdigest(),
        "patches": sorted(set(re.findall(r'workflow\.patched\("([^"]+)"\)', workflow_source))),
        "histories": sorted(p.name for p in HISTORIES.glob("v*.json")),
    }


def test_the_guard_sees_the_rules_limits_and_the_state_models() -> None:
    """The fingerprint changes with a constant a state rule reads and with a state model."""
    from vnfil.cases import rules
    from vnfil.cases.schemas import CaseStatus

    before = _fingerprint()["sha256"]
    saved = rules.MAX_REPEATS
    rules.MAX_REPEATS = saved - 1
    try:
        assert _fingerprint()["sha256"] != before
    finally:
        rules.MAX_REPEATS = saved
    assert _fingerprint()["sha256"] == before
    names = {m.__name__ for m in _state_models()}
    assert {"CaseStatus", "AssessorDecision", "PhotoRef"} <= names, names
    assert CaseStatus in _state_models()


def test_state_rules_change_only_with_a_patch_or_a_new_history() -> None:
    """Handlers re-run the state rules on replay: changing them, or the workflow, without a
    new ``workflow.patched`` id or a new committed history breaks cases in flight unseen.

    After such a change (with its patch, and a history recorded by ``VNFIL_RECORD_HISTORY``)
    record the new fingerprint: ``VNFIL_UPDATE_GUARD=1 pytest tests/test_replay.py -k state_rules``.
    """
    import json

    now = _fingerprint()
    if not GUARD.exists() and os.environ.get("VNFIL_UPDATE_GUARD"):
        GUARD.write_text(json.dumps(now, indent=2) + "\n")
    recorded = json.loads(GUARD.read_text())
    if now["sha256"] == recorded["sha256"]:
        return
    new_patches = set(now["patches"]) - set(recorded["patches"])  # type: ignore[arg-type]
    new_histories = set(now["histories"]) - set(recorded["histories"])  # type: ignore[arg-type]
    assert new_patches or new_histories, (
        "vnfil/cases/rules.py (a rule on state) or workflows/case.py changed, with no new "
        "workflow.patched id and no new history in tests/histories: old cases would replay "
        "differently. Put the change behind workflow.patched(...) and record a history."
    )
    if os.environ.get("VNFIL_UPDATE_GUARD"):
        GUARD.write_text(json.dumps(now, indent=2) + "\n")
        return
    pytest.fail(
        f"new patches {sorted(new_patches)} / histories {sorted(new_histories)}: "
        "record the guard with VNFIL_UPDATE_GUARD=1 pytest tests/test_replay.py -k state_rules"
    )
