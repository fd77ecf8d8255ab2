"""Evidence uploads: limits, media types and digests, checked by reading S3 back."""

from __future__ import annotations

import hashlib

from tests.factories import PDF, PNG, make_world, new_case, ok, sha256, upload


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
    for method in ("PUT", "DELETE", "PATCH"):
        r = await w.http.request(
            method, f"{run.url}/evidence/{ev['id']}", headers=run.candidate.auth
        )
        assert r.status_code == 405
    # A second upload of the same file is a new object, the first stays as it was.
    ev2 = ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201)
    assert ev2["id"] != ev["id"] and len(_keys(stack, run.case_id)) == 2
