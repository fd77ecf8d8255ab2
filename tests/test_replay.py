"""Released workflow code must replay the histories it produced (see workflow.patched)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.factories import make_world, new_case, ok
from vnfil.temporal import workflow_id
from workflows.case import ValidationCase

HISTORIES = Path(__file__).parent / "histories"


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
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
