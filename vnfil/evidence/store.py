"""The evidence store: S3 through ``minio``, streamed, digested on the way.

Uploads never hold a file in memory nor spool it to disk: an async chunk stream is
pulled by minio's multipart uploader in a worker thread, one part at a time, while
SHA-256 and the size are computed on the fly. Any failure aborts the multipart
upload, so an object either exists whole or not at all; an upload whose process died
is left incomplete in S3 and aborted later by the orphan sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import certifi
import urllib3
from minio import Minio
from minio.error import S3Error
from urllib3.util import Retry, Timeout

from vnfil.evidence.formats import size_text
from vnfil.platform.settings import Settings

MISSING = ("NoSuchKey", "NoSuchObject", "NotFound")


class UploadRejected(Exception):
    """The upload broke a rule; ``status`` is the HTTP status the API answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class IncompleteUpload:
    key: str
    upload_id: str


class ObjectReader:
    """An object S3 has already answered for: iterating streams its bytes, then lets go.

    Opened before a download answers 200, so a missing object or an unreachable store
    is a 404 or 503, never a response cut off after its headers.
    """

    def __init__(self, response: Any, chunk_size: int) -> None:
        self._response = response
        self._chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._response.stream(self._chunk_size)
        finally:
            self.close()

    def close(self) -> None:
        self._response.close()
        self._response.release_conn()


# Magic numbers of the media types we accept; a declared type must match the bytes.
_SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "application/pdf": ((0, b"%PDF-"),),
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/gif": ((0, b"GIF8"),),
    "image/webp": ((8, b"WEBP"),),
    "video/mp4": ((4, b"ftyp"),),
    "video/webm": ((0, b"\x1a\x45\xdf\xa3"),),
    "audio/mpeg": ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2")),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        (0, b"PK\x03\x04"),
    ),
    "application/vnd.oasis.opendocument.text": ((0, b"PK\x03\x04"),),
}
SNIFF_BYTES = 16


def content_matches(media_type: str, head: bytes) -> bool:
    """Whether the first bytes of a file are what its declared media type says."""
    if media_type == "text/plain":
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:  # a multi-byte char may be cut at the end
            return exc.start >= len(head) - 3
        return True
    if media_type in ("application/json", "application/vc+ld+json", "application/ld+json"):
        return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
    signatures = _SIGNATURES.get(media_type)
    if signatures is None:
        return True
    return any(head[off : off + len(sig)] == sig for off, sig in signatures)


class _PullReader(io.RawIOBase):
    """A blocking file-like object that pulls chunks from an async iterator on a loop."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = bytearray()
        self._eof = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (size < 0 or len(self._buf) < size):
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                self._eof = True
        if size < 0 or size >= len(self._buf):
            out = bytes(self._buf)
            self._buf = bytearray()
        else:
            with memoryview(self._buf) as view:
                out = bytes(view[:size])  # one copy, not two
            del self._buf[:size]
        return out


def _bridge(agen: AsyncIterator[bytes], loop: asyncio.AbstractEventLoop) -> Iterator[bytes]:
    """Iterate an async iterator from a worker thread (backpressure for free)."""
    while True:
        fut = asyncio.run_coroutine_threadsafe(anext(agen, None), loop)  # type: ignore[arg-type]
        chunk = fut.result()
        if chunk is None:
            return
        yield chunk


async def digest_stream(chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
    """SHA-256 and size of a stream, kept nowhere: to compare a retried upload with the
    one already recorded without writing its bytes a second time."""
    sha = hashlib.sha256()
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise UploadRejected(
                413, f"the file is larger than the limit of {size_text(max_bytes)}"
            )
        sha.update(chunk)
    return sha.hexdigest(), size


def _http_client(settings: Settings) -> urllib3.PoolManager:
    """minio's own pool, with a connect timeout that fits a request (its default is five
    minutes per attempt): an unreachable store becomes a 503 in seconds."""
    return urllib3.PoolManager(
        timeout=Timeout(connect=settings.s3_connect_timeout_seconds, read=300),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),  # as minio does
        retries=Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


class EvidenceStore:
    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket
        self.part_size = settings.s3_part_size
        self.client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
            http_client=_http_client(settings),
        )

    def ensure_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:  # created concurrently by another process
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def ping(self) -> None:
        self.client.bucket_exists(self.bucket)

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        media_type: str,
        max_bytes: int,
        metadata: dict[str, str] | None = None,
    ) -> StoredObject:
        """Stream ``chunks`` into ``key``; refuse empty, oversized or mislabelled files.

        Nothing is left in the bucket when this raises.
        """
        sha = hashlib.sha256()
        size = 0
        head = bytearray()

        async def checked() -> AsyncIterator[bytes]:
            nonlocal size
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(
                        413, f"the file is larger than the limit of {size_text(max_bytes)}"
                    )
                sha.update(chunk)
                yield chunk

        stream = checked()
        # Look at the first bytes before anything reaches S3.
        pending: list[bytes] = []
        async for chunk in stream:
            pending.append(chunk)
            head += chunk
            if len(head) >= SNIFF_BYTES:
                break
        if size == 0:
            raise UploadRejected(422, "the file is empty")
        if not content_matches(media_type, bytes(head[:4096])):
            raise UploadRejected(415, f"the file's content is not {media_type}")

        async def replay() -> AsyncIterator[bytes]:
            for chunk in pending:
                yield chunk
            async for chunk in stream:
                yield chunk

        loop = asyncio.get_running_loop()
        reader = _PullReader(_bridge(replay(), loop))
        try:
            await asyncio.to_thread(
                self.client.put_object,
                self.bucket,
                key,
                reader,  # type: ignore[arg-type]
                length=-1,
                part_size=self.part_size,
                content_type=media_type,
                metadata=metadata,  # type: ignore[arg-type]
            )
        except BaseException:
            # Best effort: if the store is down this fails too, and the first error is
            # the one to report (the orphan sweep removes whatever is left).
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.remove, key)
            raise
        return StoredObject(key=key, sha256=sha.hexdigest(), size=size)

    def put_bytes(self, key: str, data: bytes, media_type: str) -> StoredObject:
        self.client.put_object(
            self.bucket, key, io.BytesIO(data), len(data), content_type=media_type
        )
        return StoredObject(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    def put_json(self, key: str, document: Any) -> StoredObject:
        data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        return self.put_bytes(key, data.encode(), "application/json")

    def get_bytes(self, key: str) -> bytes:
        resp = self.client.get_object(self.bucket, key)
        try:
            return resp.read()
        finally:
            resp.close()
            resp.release_conn()

    def open_object(self, key: str, chunk_size: int = 256 * 1024) -> ObjectReader:
        """The object, once S3 has answered for it (raises ``S3Error`` with a code in
        ``MISSING`` when it is not there)."""
        return ObjectReader(self.client.get_object(self.bucket, key), chunk_size)

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in MISSING:
                return False
            raise
        return True

    def remove(self, key: str) -> None:
        self.client.remove_object(self.bucket, key)

    def keys_older_than(self, prefix: str, before: datetime) -> Iterator[str]:
        """Keys under ``prefix`` last written before ``before``, in key order, as S3 lists
        them (a page of 1,000 at a time): a bucket of millions is never a list here."""
        for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
            if o.object_name and o.last_modified is not None and o.last_modified < before:
                yield o.object_name

    def incomplete_uploads(self, prefix: str, before: datetime) -> Iterator[IncompleteUpload]:
        """Multipart uploads under ``prefix`` begun before ``before`` and never completed,
        a page of 1,000 at a time.

        minio has no public call for this; its ListMultipartUploads is used page by page
        (the next page starts after the last upload of this one).
        """
        key_marker: str | None = None
        upload_id_marker: str | None = None
        while True:
            page = self.client._list_multipart_uploads(
                self.bucket,
                prefix=prefix,
                key_marker=key_marker,
                upload_id_marker=upload_id_marker,
                max_uploads=1000,
            )
            for u in page.uploads:
                started = u.initiated_time
                if u.upload_id and (started is None or started < before):
                    yield IncompleteUpload(u.object_name, u.upload_id)
            if not page.is_truncated or not page.uploads:
                return
            key_marker, upload_id_marker = page.uploads[-1].object_name, page.uploads[-1].upload_id

    def abort_upload(self, upload: IncompleteUpload) -> None:
        try:
            self.client._abort_multipart_upload(self.bucket, upload.key, upload.upload_id)
        except S3Error as exc:  # completed or aborted meanwhile
            if exc.code != "NoSuchUpload":
                raise
