"""Image bytes: what an uploaded file is (format, dimensions, decodable), and the images the server generates.

Uploads are judged with Pillow. A file small enough to be kept whole (``FULL_DECODE_BYTES``) is decoded entirely, so
that a truncated or corrupt image is refused; a larger one is judged by its header (the first bytes the multipart
reader always keeps), which gives the format and the dimensions without the body ever being held.

Generated images are flat colours derived from the prompt: deterministic, of exactly the requested size, and small
(a 1024x1024 flat PNG is a few kilobytes), encoded once per response however many images it holds.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, UnidentifiedImageError

from openai_rulebook.server.core.multipart import FilePart

#: files up to this size are kept whole and fully decoded; larger ones are judged by their header
FULL_DECODE_BYTES = 1024 * 1024
#: Pillow's names for the formats the rulebook speaks of, by the names the API uses
FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "GIF": "gif"}
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


@dataclass(frozen=True)
class Media:
    """An uploaded image as the server sees it; ``format`` is None when it is no image Pillow can read."""

    size: int  #: bytes (a lower bound when the reader stopped early)
    format: str | None  #: png, jpeg, webp, gif, or another lower-cased Pillow name
    width: int = 0
    height: int = 0

    @property
    def square(self) -> bool:
        return self.width == self.height

    @property
    def dimensions(self) -> tuple[int, int]:
        return self.width, self.height


def inspect(part: FilePart) -> Media:
    """The format and dimensions of an uploaded file part (fully decoded when it was kept whole)."""
    whole = part.content is not None and part.size <= FULL_DECODE_BYTES
    data = part.content if whole and part.content is not None else bytes(part.head)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if whole:
                image.load()
            name = image.format or ""
            return Media(part.size, FORMATS.get(name, name.lower()), image.width, image.height)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return Media(part.size, None)


def colour_of(prompt: str) -> tuple[int, int, int]:
    """The flat colour of a prompt's images: the first three bytes of its SHA-256."""
    digest = hashlib.sha256(prompt.encode("utf-8")).digest()
    return digest[0], digest[1], digest[2]


@lru_cache(maxsize=64)
def render(colour: tuple[int, int, int], width: int, height: int, fmt: str = "png", *, transparent: bool = False,
           compression: int = 100) -> bytes:
    """A ``width`` x ``height`` image of one colour, encoded as ``fmt`` (png, jpeg or webp)."""
    mode = "RGBA" if transparent and fmt != "jpeg" else "RGB"
    fill = (*colour, 0) if mode == "RGBA" else colour
    image = Image.new(mode, (width, height), fill)
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", optimize=False, compress_level=6)
    elif fmt == "jpeg":
        image.save(out, "JPEG", quality=max(1, min(95, compression)))
    else:
        image.save(out, "WEBP", quality=compression, lossless=False)
    return out.getvalue()
