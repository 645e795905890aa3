"""Images the suites send, made at run time with Pillow: small, of exact dimensions and, when a size limit is the
point, of an exact byte count (a valid PNG padded with a private ancillary chunk, which decoders skip).

Nothing large is committed or held: ``padded_png_chunks`` yields a PNG of any size a megabyte at a time.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator

from PIL import Image

#: a private, ancillary, safe-to-copy chunk type: every PNG reader skips it
PAD_CHUNK = b"rbPd"
_STEP = 1024 * 1024


def image(width: int, height: int, fmt: str = "png", *, transparent_corner: bool = True) -> bytes:
    """A ``width`` x ``height`` image (png, jpeg, webp, gif). PNG and WebP get a transparent top-left quarter, which
    dall-e-2 edits need when no mask is sent."""
    mode = "RGBA" if fmt in ("png", "webp") else "RGB"
    picture = Image.new(mode, (width, height), (40, 120, 200, 255) if mode == "RGBA" else (40, 120, 200))
    if mode == "RGBA" and transparent_corner:
        picture.paste((0, 0, 0, 0), (0, 0, max(1, width // 2), max(1, height // 2)))
    out = io.BytesIO()
    picture.save(out, {"jpg": "JPEG", "jpeg": "JPEG"}.get(fmt, fmt.upper()))
    return out.getvalue()


def _split(png: bytes) -> tuple[bytes, bytes]:
    """The PNG before its IEND chunk, and the IEND chunk (its last 12 bytes)."""
    return png[:-12], png[-12:]


def padded_png_chunks(width: int, height: int, total: int) -> Iterator[bytes]:
    """A valid ``width`` x ``height`` PNG of exactly ``total`` bytes, yielded in pieces of at most a megabyte."""
    head, end = _split(image(width, height))
    pad = total - len(head) - len(end) - 12
    if pad < 0:
        raise ValueError(f"a {width}x{height} PNG is already {len(head) + len(end) + 12} bytes; asked for {total}")
    yield head + struct.pack(">I", pad) + PAD_CHUNK
    crc = zlib.crc32(PAD_CHUNK)
    zeros = bytes(min(_STEP, pad))
    left = pad
    while left:
        piece = zeros if left >= len(zeros) else zeros[:left]
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
        yield piece
    yield struct.pack(">I", crc & 0xFFFFFFFF) + end


def padded_png(width: int, height: int, total: int) -> bytes:
    """``padded_png_chunks`` joined: for sizes small enough to hold (a few megabytes)."""
    return b"".join(padded_png_chunks(width, height, total))
