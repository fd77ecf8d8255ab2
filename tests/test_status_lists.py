"""Status lists under concurrency: no revocation bit is lost, and an awarding body has
one status list per purpose however many first certifications race for it.

Each test runs on SQLite and on PostgreSQL, with the work spread over two engines
(two pools, as two API or worker processes have) as well as over one.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from tests.conftest import Stack
from tests.factories import make_world, ok
from tests.issuance import credential_inputs, issue, other_process, revoke
from vnfil.credentials.models import Credential, StatusList
from vnfil.credentials.status import bit, decode
from vnfil.standards.models import Standard


async def _body_of(stack: Stack, standard_id: str) -> str:
    async with stack.sessions() as session:  # type: ignore[operator]
        std = await session.get(Standard, standard_id)
        assert std is not None
        return std.awarding_body_id


async def _lists(stack: Stack, body_id: str) -> list[StatusList]:
    async with stack.sessions() as session:  # type: ignore[operator]
        return list(
            await session.scalars(select(StatusList).where(StatusList.awarding_body_id == body_id))
        )


async def _credentials(stack: Stack, ids: list[str]) -> list[Credential]:
    async with stack.sessions() as session:  # type: ignore[operator]
        return list(await session.scalars(select(Credential).where(Credential.id.in_(ids))))


async def _verify(stack: Stack, doc: dict[str, Any]) -> dict[str, Any]:
    return ok(await stack.http.post("/verify", content=json.dumps(doc)))


async def test_first_certifications_at_once_make_one_status_list(stack: Stack) -> None:
    w = await make_world(stack)
    body = await _body_of(stack, w.standard_id)
    inputs = await credential_inputs(stack, w, 16)
    async with other_process(stack) as second:
        await issue(stack, inputs, [stack.sessions, second], concurrently=True)  # type: ignore[list-item]
    lists = await _lists(stack, body)
    assert len(lists) == 1, f"{len(lists)} status lists for one awarding body and purpose"
    assert lists[0].purpose == "revocation"
    creds = await _credentials(stack, [i.credential_id for i in inputs])
    assert len(creds) == 16 and {c.status_list_id for c in creds} == {lists[0].id}
    assert len({c.status_index for c in creds}) == 16


async def test_revocations_at_once_lose_no_bit(stack: Stack) -> None:
    """20 revocations at once, half through a second engine: every one of them holds."""
    w = await make_world(stack)
    body = await _body_of(stack, w.standard_id)
    inputs = await credential_inputs(stack, w, 21)
    await issue(stack, inputs, [stack.sessions], concurrently=False)  # type: ignore[list-item]
    ids = [i.credential_id for i in inputs]
    revoked, kept = ids[:20], ids[20]
    async with other_process(stack) as second:
        refs = await revoke(stack, w, revoked, [stack.sessions, second], "found forged")  # type: ignore[list-item]
    assert sorted(r.credential_id for r in refs) == sorted(revoked)

    [status_list] = await _lists(stack, body)
    bits = decode(status_list.credential["credentialSubject"]["encodedList"])
    assert bits == status_list.bits  # the signed list is the stored one
    creds = {c.id: c for c in await _credentials(stack, ids)}
    lost = [cid for cid in revoked if not bit(bits, creds[cid].status_index or 0)]
    assert lost == [], f"{len(lost)} of 20 revocation bits lost"
    assert not bit(bits, creds[kept].status_index or 0)

    # What a verifier sees: every revoked credential fails on status, the other holds.
    for cid in revoked:
        result = await _verify(stack, creds[cid].document)
        assert result["failed"] == "status", (cid, result)
        assert "found forged" in result["checks"][4]["detail"]  # status
    assert (await _verify(stack, creds[kept].document))["verified"] is True


async def test_revocations_at_once_through_the_api_lose_no_bit(stack: Stack) -> None:
    """The same through ``POST /credentials/{id}/revocation``: workflows, worker, database."""
    w = await make_world(stack)
    inputs = await credential_inputs(stack, w, 8)
    await issue(stack, inputs, [stack.sessions], concurrently=False)  # type: ignore[list-item]
    ids = [i.credential_id for i in inputs]
    answers = await asyncio.gather(
        *(
            stack.http.post(
                f"/credentials/{cid}/revocation",
                json={"reason": "issued in error"},
                headers=w.issuer.auth,
            )
            for cid in ids
        )
    )
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    for cred in await _credentials(stack, ids):
        result = await _verify(stack, cred.document)
        assert result["failed"] == "status", result


async def test_a_full_list_is_followed_by_one_next_list(stack: Stack) -> None:
    from sqlalchemy import update

    w = await make_world(stack)
    body = await _body_of(stack, w.standard_id)
    first, *rest = await credential_inputs(stack, w, 7)
    await issue(stack, [first], [stack.sessions], concurrently=False)  # type: ignore[list-item]
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(StatusList).where(StatusList.awarding_body_id == body).values(size=1)
        )
        # ... and its one slot is the one used: list 0 is now full.
        await session.execute(
            update(Credential).where(Credential.id == first.credential_id).values(status_index=0)
        )
    async with other_process(stack) as second:
        await issue(stack, rest, [stack.sessions, second], concurrently=True)  # type: ignore[list-item]
    lists = sorted(await _lists(stack, body), key=lambda sl: sl.number)
    assert [sl.number for sl in lists] == [0, 1]
    creds = await _credentials(stack, [i.credential_id for i in rest])
    assert {c.status_list_id for c in creds} == {lists[1].id}


async def test_a_slot_is_found_in_a_few_indexed_reads_whatever_the_list_holds(
    stack: Stack,
) -> None:
    """Issuing does not read every used slot of a list (it did: 90-196 ms at 30,000
    credentials): each allocation is the list's row and about one read of one slot."""
    from sqlalchemy import event

    from vnfil.credentials.keys import active_key
    from vnfil.credentials.status import allocate
    from vnfil.platform.db import utcnow

    w = await make_world(stack)
    body = await _body_of(stack, w.standard_id)
    await issue(stack, await credential_inputs(stack, w, 3), [stack.sessions], concurrently=False)  # type: ignore[list-item]
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    async with stack.sessions() as session:  # type: ignore[operator]
        key = await active_key(session, stack.settings.secret_key, body)
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            for _ in range(50):
                row, index = await allocate(session, key, stack.settings.public_base_url, utcnow())
                assert 0 <= index < row.size
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    on_credentials = [s for s in statements if "FROM credentials" in s]
    assert on_credentials and all("status_index =" in s for s in on_credentials), on_credentials
    assert len(statements) <= 50 * 3  # the list, a slot or two: never the whole list


async def test_a_nearly_full_lists_free_slot_is_found_by_the_database(stack: Stack) -> None:
    """When random picks keep missing, the lowest free slot is asked of the database: the
    used slots are never read into memory (131,072 of them in a full list)."""
    from sqlalchemy import event, update

    from vnfil.credentials.status import _first_free

    w = await make_world(stack)
    body = await _body_of(stack, w.standard_id)
    inputs = await credential_inputs(stack, w, 3)
    await issue(stack, inputs, [stack.sessions], concurrently=False)  # type: ignore[list-item]
    ids = [i.credential_id for i in inputs]
    [listed] = await _lists(stack, body)

    async def slots(*used: int) -> None:
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            for n, cid in enumerate(ids):  # out of the way first: a slot is unique
                await session.execute(
                    update(Credential).where(Credential.id == cid).values(status_index=1000 + n)
                )
            for cid, index in zip(ids, used, strict=True):
                await session.execute(
                    update(Credential).where(Credential.id == cid).values(status_index=index)
                )

    async def first_free(size: int) -> int | None:
        statements: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(" ".join(statement.split()))

        async with stack.sessions() as session:  # type: ignore[operator]
            row = await session.get(StatusList, listed.id)
            assert row is not None
            session.expunge(row)  # a smaller list, for this look only
            row.size = size
            engine = session.get_bind()
            event.listen(engine, "before_cursor_execute", seen)
            try:
                free = await _first_free(session, row)
            finally:
                event.remove(engine, "before_cursor_execute", seen)
        # An indexed read of slot 0, and one answer: no read of every used slot.
        assert len(statements) <= 2, statements
        assert all("status_index =" in s or "min(" in s for s in statements), statements
        return free

    await slots(0, 1, 3)
    assert await first_free(8) == 2
    await slots(1, 2, 3)
    assert await first_free(8) == 0
    await slots(0, 1, 2)
    assert await first_free(8) == 3
    assert await first_free(3) is None  # full
