"""Files as people know them: by extension (PDF, JPG) and size in MB, not media types and
bytes. The pages say what is allowed, and the browser checks a file before sending it
(the server still decides, by the same settings)."""

from __future__ import annotations

from collections.abc import Iterable

# Media types vnfil may be configured to take, and the extensions that carry them.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "video/mp4": ("mp4",),
    "video/webm": ("webm",),
    "audio/mpeg": ("mp3",),
    "text/plain": ("txt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/json": ("json",),
    "application/vc+ld+json": ("json",),
    "application/ld+json": ("jsonld",),
    "application/dc+sd-jwt": ("sd-jwt",),
}
MB = 1024 * 1024


def extensions(media_types: Iterable[str]) -> list[str]:
    return [ext for t in media_types for ext in EXTENSIONS.get(t, ())]


def type_names(media_types: Iterable[str]) -> str:
    """``PDF, PNG, JPG…``: each type by its first extension (or its subtype if unknown)."""
    return ", ".join(
        EXTENSIONS[t][0].upper() if t in EXTENSIONS else t.rsplit("/", 1)[-1].upper()
        for t in media_types
    )


def accept(media_types: Iterable[str]) -> str:
    """The ``accept`` attribute of a file input: types and extensions both."""
    listed = list(media_types)
    return ",".join([*listed, *(f".{e}" for e in extensions(listed))])


def size_text(size: int) -> str:
    """``512 MB``, ``1.5 MB``, ``820 kB``: what a person reads on a phone."""
    if size >= MB:
        value = size / MB
        return f"{value:.0f} MB" if value >= 10 or value.is_integer() else f"{value:.1f} MB"
    return f"{max(1, round(size / 1024))} kB"
