"""Reading an uploaded file off the wire as a stream, raw or multipart/form-data.

Starlette's form parser spools files to disk; this reads the request body chunk by
chunk and hands on only the bytes of the ``file`` part, so a 1 GiB upload uses a few
MiB of memory and no disk.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import HTTPException, Request, status
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect


def clean_filename(name: str) -> str:
    """Keep the name a person gave the file, without paths or control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:255]


@dataclass
class IncomingFile:
    filename: str
    media_type: str
    chunks: AsyncIterator[bytes]


# What a form may carry besides the file's bytes (other fields, headers, the closing
# boundary): a body that is mostly something else is refused, not read on and on.
MAX_FORM_OVERHEAD = 64 * 1024


def _malformed(why: str) -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, f"malformed multipart/form-data body: {why}")


@dataclass
class _PartState:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    file_headers: dict[bytes, bytes] = field(default_factory=dict)  # kept past later parts
    hname: bytes = b""
    value: bytes = b""
    in_file: bool = False
    file_seen: bool = False
    headers_done: bool = False
    done: bool = False
    ended: bool = False
    overhead: int = 0
    data: list[bytes] = field(default_factory=list)


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body; a client that goes away mid-body is a 400, not a 500."""
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the upload ended mid-file") from None


async def incoming_file(request: Request, filename: str | None) -> IncomingFile:
    """The uploaded file's name, declared type and a stream of its bytes.

    A body that is not well-formed multipart (no closing boundary, garbage, a header
    without a colon, cut short) is a 400 with the reason, at whatever point it shows.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        if not filename:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "a raw upload needs ?filename=...; or send multipart/form-data with a 'file' part",
            )
        media_type = content_type.decode("latin-1") or "application/octet-stream"
        return IncomingFile(clean_filename(filename), media_type, _body(request))
    boundary = params.get(b"boundary")
    if not boundary:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "multipart/form-data without a boundary")
    if len(boundary) > 70:  # RFC 2046
        raise _malformed("the boundary is longer than 70 characters")
    st = _PartState()

    def count(n: int) -> None:
        st.overhead += n
        if st.overhead > MAX_FORM_OVERHEAD:
            raise _malformed(f"more than {MAX_FORM_OVERHEAD} bytes of headers and other fields")

    def on_part_begin() -> None:
        st.headers = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        count(end - start)
        st.hname += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        count(end - start)
        st.value += data[start:end]

    def on_header_end() -> None:
        st.headers[st.hname.lower()] = st.value
        st.hname, st.value = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(st.headers.get(b"content-disposition", b""))
        st.in_file = disp.get(b"name") == b"file" and not st.file_seen
        if st.in_file:
            st.file_seen = True
            st.headers_done = True
            st.file_headers = {**st.headers, b"__filename": disp.get(b"filename", b"")}

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if st.in_file:
            st.data.append(data[start:end])
        else:
            count(end - start)

    def on_part_end() -> None:
        if st.in_file:
            st.in_file = False
            st.done = True

    def on_end() -> None:
        st.ended = True

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_end": on_end,
        },  # type: ignore[arg-type]
    )

    def feed(chunk: bytes) -> None:
        try:
            parser.write(chunk)
        except MultipartParseError as exc:
            raise _malformed(str(exc)) from None

    body = _body(request)
    # Read until the file part's headers are known.
    async for chunk in body:
        feed(chunk)
        if st.headers_done:
            break
    if not st.headers_done:
        if not st.ended:
            raise _malformed("it ends before a 'file' part and the closing boundary")
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the form has no 'file' part")
    name = (
        clean_filename(st.file_headers[b"__filename"].decode("utf-8", "replace")) or filename or ""
    )
    if not name:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the 'file' part has no filename"
        )
    media_type = parse_options_header(
        st.file_headers.get(b"content-type", b"application/octet-stream")
    )[0].decode("latin-1")

    async def chunks() -> AsyncIterator[bytes]:
        while True:
            if st.data:
                out, st.data[:] = b"".join(st.data), []
                yield out
            if st.done:
                break
            chunk = await anext(body, None)  # type: ignore[arg-type]
            if chunk is None:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, "the upload ended mid-file")
            feed(chunk)
        # The file is whole; the rest of the form must still be well-formed and closed.
        async for chunk in body:
            feed(chunk)
        if not st.ended:
            raise _malformed("no closing boundary after the file")

    return IncomingFile(name, media_type, chunks())
