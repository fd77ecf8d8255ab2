"""Who holds a role in a centre comes from memberships, never from a person's first role."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import invited, make_world, new_case, ok, registered
from vnfil.accounts.models import Notification, User

PASSWORD = "a long enough password 7"


async def _join(stack, w, role: str) -> str:  # type: ignore[no-untyped-def]
    """Someone whose first role is candidate elsewhere, invited to ``w``'s centre as ``role``."""
    email = await registered(stack, PASSWORD, name=f"Second-centre {role}")
    _, token = await invited(stack, w, email, role)
    ok(
        await stack.http.post(f"/invitations/{token}/acceptance", json={"password": PASSWORD}),
        201,
    )
    async with stack.sessions() as session:
        return (await session.scalars(select(User.id).where(User.email == email))).one()


async def test_a_person_invited_to_a_second_centre_serves_there(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    newcomer = await _join(stack, w, "assessor")
    # On the panel of the centre they were invited to, though their first role differs.
    status = ok(
        await w.http.put(
            f"{run.url}/panel",
            json={
                "assessor_ids": [run.assessors[0].id, newcomer],
                "supervisor_id": run.supervisor.id,  # type: ignore[union-attr]
            },
            headers=w.admin.auth,
        )
    )
    assert newcomer in status["assessor_ids"]
    # A person with no membership here is still refused, by name.
    stranger = await _join(stack, await make_world(stack), "assessor")
    r = await w.http.put(
        f"{run.url}/panel",
        json={"assessor_ids": [run.assessors[0].id, stranger]},
        headers=w.admin.auth,
    )
    assert r.status_code == 422 and f"{stranger} is not a assessor" in r.json()["detail"]

    # An administrator by invitation is told what the centre's administrators are told.
    admin = await _join(stack, w, "centre_admin")
    ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "moving abroad"}, headers=run.candidate.auth
        )
    )
    async with stack.sessions() as session:
        told = set(
            await session.scalars(
                select(Notification.recipient_id).where(
                    Notification.case_id == run.case_id, Notification.template == "case-withdrawn"
                )
            )
        )
    assert {admin, w.admin.id} <= told
