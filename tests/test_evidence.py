"""Evidence uploads: limits, media types and digests, checked by reading S3 back."""

from __future__ import annotations

import hashlib

from tests.factories import PDF, PNG, make_world, new_case, ok, sha256, upload
from tests.outage import CountingBody


async def _documentation_case(stack):  # type: ignore[no-untyped-def]
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    return w, run


def _keys(stack, case_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        o.object_name
        for o in stack.store.client.list_objects(
            stack.settings.s3_bucket, prefix=f"cases/{case_id}/evidence/", recursive=True
        )
    ]


async def test_multipart_and_raw_uploads_store_exact_bytes(stack) -> None:
    w, run = await _documentation_case(stack)
    for multipart in (True, False):
        r = await upload(
            w,
            run.case_id,
            run.candidate,
            PDF,
            filename="Świadectwo pracy.pdf",
            los=["DC1"],
            multipart=multipart,
        )
        ev = ok(r, 201)
        assert ev["sha256"] == sha256(PDF) and ev["size"] == len(PDF)
        assert ev["filename"] == "Świadectwo pracy.pdf"
        # What S3 holds is byte for byte what was sent.
        listed = ok(await w.http.get(f"{run.url}/evidence", headers=run.candidate.auth))
        key = next(e for e in listed if e["id"] == ev["id"])
        assert key["sha256"] == sha256(PDF)
        down = await w.http.get(f"{run.url}/evidence/{ev['id']}", headers=run.candidate.auth)
        assert down.status_code == 200 and down.content == PDF
        assert "filename*=UTF-8''%C5%9Awiadectwo%20pracy.pdf" in down.headers["content-disposition"]
    keys = _keys(stack, run.case_id)
    assert len(keys) == 2
    for key in keys:
        assert hashlib.sha256(stack.store.get_bytes(key)).hexdigest() == sha256(PDF)


async def test_large_upload_goes_multipart_and_keeps_digest(stack) -> None:
    w, run = await _documentation_case(stack)
    # Bigger than one S3 part (8 MiB limit in tests, 5 MiB minimum part): several parts.
    big = b"%PDF-1.7\n" + bytes(range(256)) * (7 * 1024 * 4)
    ev = ok(await upload(w, run.case_id, run.candidate, big, los=["DC2"], multipart=False), 201)
    assert ev["size"] == len(big) and ev["sha256"] == sha256(big)
    [key] = _keys(stack, run.case_id)
    assert stack.store.get_bytes(key) == big


async def test_empty_file_is_422_and_nothing_stored(stack) -> None:
    w, run = await _documentation_case(stack)
    r = await upload(w, run.case_id, run.candidate, b"", los=["DC1"])
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    assert _keys(stack, run.case_id) == []
    assert ok(await w.http.get(f"{run.url}/evidence", headers=run.candidate.auth)) == []


async def test_file_over_limit_is_413_and_nothing_stored(stack) -> None:
    w, run = await _documentation_case(stack)
    limit = stack.settings.max_upload_bytes
    too_big = b"%PDF-1.7\n" + b"x" * limit

    async def body():  # no Content-Length: the limit is enforced while streaming
        for i in range(0, len(too_big), 1 << 20):
            yield too_big[i : i + (1 << 20)]

    r = await w.http.post(
        f"{run.url}/evidence",
        params={"kind": "certificate", "lo": "DC1", "filename": "big.pdf"},
        content=body(),
        headers={**run.candidate.auth, "Content-Type": "application/pdf"},
    )
    assert r.status_code == 413, r.text
    assert _keys(stack, run.case_id) == []
    # The declared length alone is refused before reading.
    r = await upload(
        w, run.case_id, run.candidate, too_big + b"x" * 70_000, los=["DC1"], multipart=False
    )
    assert r.status_code == 413
    # No multipart upload was left open either.
    uploads = list(
        stack.store.client._list_multipart_uploads(
            stack.settings.s3_bucket, prefix=f"cases/{run.case_id}/"
        ).uploads
    )
    assert uploads == []


async def test_media_type_not_allowed_is_415(stack) -> None:
    w, run = await _documentation_case(stack)
    r = await upload(
        w,
        run.case_id,
        run.candidate,
        b"MZ\x90\x00binary",
        filename="setup.exe",
        media_type="application/x-msdownload",
        los=["DC1"],
    )
    assert r.status_code == 415 and "application/x-msdownload" in r.json()["detail"]
    # A declared type that the bytes contradict is refused too.
    r = await upload(w, run.case_id, run.candidate, PNG, filename="fake.pdf", los=["DC1"])
    assert r.status_code == 415 and "not application/pdf" in r.json()["detail"]
    assert _keys(stack, run.case_id) == []


async def test_evidence_for_unselected_outcome_is_422(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify(["DC1", "DC2"]))
    r = await upload(w, run.case_id, run.candidate, PDF, los=["DC4"])
    assert r.status_code == 422 and "DC4" in r.json()["detail"]
    assert _keys(stack, run.case_id) == []


async def test_stored_evidence_cannot_be_replaced(stack) -> None:
    w, run = await _documentation_case(stack)
    ev = ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201)
    for method in ("PUT", "PATCH"):  # DELETE takes it out of the portfolio (see below)
        r = await w.http.request(
            method, f"{run.url}/evidence/{ev['id']}", headers=run.candidate.auth
        )
        assert r.status_code == 405
    # A second upload of the same file is a new object, the first stays as it was.
    ev2 = ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201)
    assert ev2["id"] != ev["id"] and len(_keys(stack, run.case_id)) == 2


MULTIPART = {"Content-Type": "multipart/form-data; boundary=XyZ"}


FILE_HEAD = (
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
    b"Content-Type: application/pdf\r\n\r\n"
)
MALFORMED = {
    "no closing boundary": FILE_HEAD + PDF,
    "cut after the file's boundary": FILE_HEAD + PDF + b"\r\n--XyZ",
    "boundary line but no end": FILE_HEAD + PDF + b"\r\n--XyZ\r\n",
    "garbage": b"this is not a form at all \x00\xff" * 50,
    "header without a colon": b"--XyZ\r\nthis header has no colon\r\n\r\n"
    + PDF
    + b"\r\n--XyZ--\r\n",
    "cut in the headers": b'--XyZ\r\nContent-Disposition: form-data; name="fi',
    "another boundary": FILE_HEAD.replace(b"XyZ", b"Other") + PDF + b"\r\n--Other--\r\n",
    "bare LF line ends": FILE_HEAD.replace(b"\r\n", b"\n") + PDF + b"\n--XyZ--\n",
    "empty body": b"",
    "a part without a name": b"--XyZ\r\nContent-Disposition: form-data\r\n\r\n"
    + PDF
    + b"\r\n--XyZ--\r\n",
    "no file part": b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\n'
    b"hi\r\n--XyZ--\r\n",
    "file without a filename": b'--XyZ\r\nContent-Disposition: form-data; name="file"\r\n'
    b"Content-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--XyZ--\r\n",
    "a header too large": b"--XyZ\r\nX-Padding: " + b"a" * 100_000 + b"\r\n" + FILE_HEAD[7:],
    "a field too large before the file": b"--XyZ\r\n"
    + b'Content-Disposition: form-data; name="n"\r\n\r\n'
    + b"n" * 100_000
    + b"\r\n"
    + FILE_HEAD
    + PDF
    + b"\r\n--XyZ--\r\n",
}


async def test_malformed_multipart_bodies_are_4xx_and_nothing_stored(stack) -> None:
    w, run = await _documentation_case(stack)
    too_long = {"Content-Type": "multipart/form-data; boundary=" + "b" * 71}
    cases = [(shape, body, MULTIPART) for shape, body in MALFORMED.items()]
    for shape, body, headers in [*cases, ("a boundary over 70", MALFORMED["garbage"], too_long)]:
        r = await w.http.post(
            f"{run.url}/evidence",
            params={"kind": "certificate", "lo": "DC1"},
            content=body,
            headers={**run.candidate.auth, **headers},
        )
        assert r.status_code in (400, 422), f"{shape}: {r.status_code} {r.text}"
        assert r.json()["detail"], shape
    assert _keys(stack, run.case_id) == []
    uploads = stack.store.client._list_multipart_uploads(
        stack.settings.s3_bucket, prefix=f"cases/{run.case_id}/"
    ).uploads
    assert list(uploads) == []
    # A well-formed form with other fields around the file is fine.
    good = (
        b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'
        + FILE_HEAD
        + PDF
        + b'\r\n--XyZ\r\nContent-Disposition: form-data; name="after"\r\n\r\nbye\r\n--XyZ--\r\n'
    )
    r = await w.http.post(
        f"{run.url}/evidence",
        params={"kind": "certificate", "lo": "DC1"},
        content=good,
        headers={**run.candidate.auth, **MULTIPART},
    )
    assert ok(r, 201)["sha256"] == sha256(PDF)


async def test_closed_case_refuses_an_upload_before_reading_it(stack) -> None:
    w, run = await _documentation_case(stack)
    ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "moving abroad"}, headers=run.candidate.auth
        )
    )
    body = CountingBody(b"%PDF-1.7\n" + b"x" * (4 << 20), chunk=64 * 1024)
    r = await w.http.post(
        f"{run.url}/evidence",
        params={"kind": "certificate", "lo": "DC1", "filename": "late.pdf"},
        content=body,
        headers={**run.candidate.auth, "Content-Type": "application/pdf"},
    )
    assert body.pulled <= body.chunk  # at most what the transport had in hand
    assert r.status_code == 409 and "withdrawn" in r.json()["detail"], r.text
    assert _keys(stack, run.case_id) == []


async def test_outcome_list_is_bounded(stack) -> None:
    w, run = await _documentation_case(stack)
    for los in (
        [f"LO{i}" for i in range(201)],  # too many
        ["DC1", "DC1"],  # twice the same
        ["D" * 65],  # too long
        [""],  # empty
    ):
        r = await upload(w, run.case_id, run.candidate, PDF, los=los)
        assert r.status_code == 422, r.text
        assert "lo" in r.json()["detail"]
    assert _keys(stack, run.case_id) == []


async def test_download_of_a_missing_file_is_404_before_any_byte(stack) -> None:
    w, run = await _documentation_case(stack)
    ev = ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201)
    [key] = _keys(stack, run.case_id)
    stack.store.remove(key)
    r = await w.http.get(f"{run.url}/evidence/{ev['id']}", headers=run.candidate.auth)
    assert r.status_code == 404 and "not in the store" in r.json()["detail"]


async def test_the_candidate_takes_evidence_back_out_before_submitting(stack) -> None:
    w, run = await _documentation_case(stack)
    los = [lo.id for lo in w.standard.learning_outcomes]
    kept = ok(await upload(w, run.case_id, run.candidate, PDF, los=los), 201)
    wrong = ok(
        await upload(
            w,
            run.case_id,
            run.candidate,
            PNG,
            filename="id-card.png",
            media_type="image/png",
            los=los,
        ),
        201,
    )
    url = f"/cases/{run.case_id}/evidence/{wrong['id']}"
    assert (await w.http.delete(url, headers=w.admin.auth)).status_code == 403
    state = ok(await w.http.delete(url, headers=run.candidate.auth))
    assert [e["evidence_id"] for e in state["evidence"]] == [kept["id"]]
    listed = ok(await w.http.get(f"/cases/{run.case_id}/evidence", headers=run.candidate.auth))
    assert [e["id"] for e in listed] == [kept["id"]]
    assert (await w.http.get(url, headers=run.candidate.auth)).status_code == 404
    again = await w.http.delete(url, headers=run.candidate.auth)
    assert again.status_code == 422 and "holds no evidence" in again.json()["detail"]
    trail = ok(await w.http.get(f"/cases/{run.case_id}/audit", headers=w.admin.auth))
    removed = [e for e in trail["entries"] if e["action"] == "evidence.removed"]
    assert [e["details"]["filename"] for e in removed] == ["id-card.png"]
    assert trail["valid"] is True
    # Once submitted, the portfolio is frozen.
    ok(await run.assign())
    ok(await run.submit())
    frozen = await w.http.delete(
        f"/cases/{run.case_id}/evidence/{kept['id']}", headers=run.candidate.auth
    )
    assert frozen.status_code == 409
