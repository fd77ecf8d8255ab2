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
from python_multipart.multipart import MultipartParser, parse_options_header


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


@dataclass
class _PartState:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    hname: bytes = b""
    value: bytes = b""
    in_file: bool = False
    file_seen: bool = False
    headers_done: bool = False
    done: bool = False
    data: list[bytes] = field(default_factory=list)


async def incoming_file(request: Request, filename: str | None) -> IncomingFile:
    """The uploaded file's name, declared type and a stream of its bytes."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        if not filename:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "a raw upload needs ?filename=...; or send multipart/form-data with a 'file' part",
            )
        media_type = content_type.decode("latin-1") or "application/octet-stream"
        return IncomingFile(clean_filename(filename), media_type, request.stream())
    boundary = params.get(b"boundary")
    if not boundary:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "multipart/form-data without a boundary")
    st = _PartState()

    def on_part_begin() -> None:
        st.headers = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        st.hname += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
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
            st.headers[b"__filename"] = disp.get(b"filename", b"")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if st.in_file:
            st.data.append(data[start:end])

    def on_part_end() -> None:
        if st.in_file:
            st.in_file = False
            st.done = True

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
        },  # type: ignore[arg-type]
    )
    body = request.stream()
    # Read until the file part's headers are known.
    async for chunk in body:
        parser.write(chunk)
        if st.headers_done:
            break
    if not st.headers_done:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the form has no 'file' part")
    name = clean_filename(st.headers[b"__filename"].decode("utf-8", "replace")) or filename or ""
    if not name:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the 'file' part has no filename"
        )
    media_type = parse_options_header(st.headers.get(b"content-type", b"application/octet-stream"))[
        0
    ].decode("latin-1")

    async def chunks() -> AsyncIterator[bytes]:
        while True:
            if st.data:
                out, st.data[:] = b"".join(st.data), []
                yield out
            if st.done:
                return
            chunk = await anext(body, None)  # type: ignore[arg-type]
            if chunk is None:
                if not st.done:
                    raise HTTPException(status.HTTP_400_BAD_REQUEST, "the upload ended mid-file")
                return
            parser.write(chunk)

    return IncomingFile(name, media_type, chunks())
