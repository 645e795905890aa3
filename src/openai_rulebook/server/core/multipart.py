"""Multipart request bodies read as they stream: small fields kept, file parts counted and kept only up to a size.

``POST /v1/files`` and ``POST /v1/uploads/{upload_id}/parts`` carry files of up to 512 MB and 64 MB. Starlette's
``request.form()`` would spool them to disk; this reader holds at most ``keep`` bytes of a file part, counts the
rest as it goes by, and stops reading once a part passes ``stop_after``, so that size rules are judged without the
body ever being held. What the sizes mean is the routes' business: nothing here rejects a file for its size.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from openai_rulebook.server.requests.bodies import media_type
from openai_rulebook.server.core.errors import APIError

MEDIA_TYPE = "multipart/form-data"
#: a text field (``purpose``, ``expires_after[seconds]``) longer than this is refused rather than held
FIELD_MAX_BYTES = 64 * 1024
#: the first bytes of every file part are kept whatever its size, so that a route can sniff its format (an image's
#: header gives its type and dimensions) without holding the rest
HEAD_BYTES = 64 * 1024


@dataclass
class FilePart:
    """One file part: its name, what its headers said, and its size; the bytes only while they fit ``keep``."""

    name: str
    #: the Content-Disposition ``filename``; None when the part named none
    filename: str | None
    content_type: str | None
    size: int = 0
    kept: bytearray | None = field(default_factory=bytearray)
    #: the first ``HEAD_BYTES`` bytes, kept even when the part is too large to keep
    head: bytearray = field(default_factory=bytearray)

    @property
    def content(self) -> bytes | None:
        """The part's bytes, or None when it was larger than the reader kept."""
        return bytes(self.kept) if self.kept is not None else None


@dataclass
class Form:
    """A multipart body as read: text fields by name (the last of a repeated name wins) and file parts by name."""

    fields: dict[str, str]
    files: dict[str, FilePart]
    #: every file part in the order sent (a repeated name, such as ``image[]``, appears once per part)
    parts: list[FilePart] = field(default_factory=list)
    #: every value of each text field, in order (``include[]``, ``timestamp_granularities[]`` repeat their name)
    repeated: dict[str, list[str]] = field(default_factory=dict)
    #: reading stopped early because a file part passed ``stop_after``: its ``size`` is a lower bound
    truncated: bool = False


def declared_length(request: Request) -> int | None:
    """The request's Content-Length as an integer; None when it is absent (chunked) or not a number."""
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


class _Reader:
    """The parser's callbacks: build ``Form`` from the events of one body."""

    def __init__(self, file_fields: Collection[str], keep: int, field_max: int = FIELD_MAX_BYTES) -> None:
        self.file_fields = file_fields
        self.keep = keep
        self.field_max = field_max
        self.form = Form(fields={}, files={})
        self.ended = False
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._text: bytearray | None = None
        self._file: FilePart | None = None

    def on_part_begin(self) -> None:
        self._headers, self._name, self._text, self._file = {}, "", None, None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise APIError(400, "Each part of a multipart body needs a Content-Disposition header with a name.")
        self._name = _decode(options[b"name"], "name")
        filename = options.get(b"filename")
        # a part is a file when the route expects one under its name, or when it says it is one (a filename)
        if self._name in self.file_fields or filename is not None:
            content_type = self._headers.get(b"content-type")
            self._file = FilePart(
                name=self._name,
                filename=_decode(filename, self._name) if filename is not None else None,
                content_type=content_type.decode("latin-1") if content_type is not None else None,
            )
            self.form.files[self._name] = self._file
            self.form.parts.append(self._file)
        else:
            self._text = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            part = self._file
            part.size += end - start
            if len(part.head) < HEAD_BYTES:
                part.head += data[start:min(end, start + HEAD_BYTES - len(part.head))]
            if part.kept is not None:
                if part.size <= self.keep:
                    part.kept += data[start:end]
                else:
                    part.kept = None  # too large to keep: from now on only counted
        elif self._text is not None:
            self._text += data[start:end]
            if len(self._text) > self.field_max:
                raise APIError(400, f"The field '{self._name}' is longer than {self.field_max} bytes.",
                               param=self._name)

    def on_part_end(self) -> None:
        if self._text is not None:
            self.form.fields[self._name] = _decode(bytes(self._text), self._name)
            self.form.repeated.setdefault(self._name, []).append(self.form.fields[self._name])

    def on_end(self) -> None:
        self.ended = True


def _decode(raw: bytes, param: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise APIError(400, f"The field '{param}' is not valid UTF-8.", param=param) from None


async def read_form(
    request: Request, *, file_fields: Collection[str], keep: int, stop_after: int | None = None,
    field_max: int = FIELD_MAX_BYTES,
) -> Form:
    """Read ``request``'s multipart body; parts named in ``file_fields`` (or carrying a filename) are files.

    A file part keeps its bytes while it is at most ``keep`` bytes long. Once one passes ``stop_after`` bytes the
    rest of the body is left unread and the form comes back ``truncated``. A body that is not multipart, or not
    well formed, is a 400.
    """
    content_type = request.headers.get("content-type", "")
    if media_type(content_type) != MEDIA_TYPE:
        raise APIError(400, f"Unsupported Content-Type {content_type!r}: send the body as {MEDIA_TYPE}.")
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise APIError(400, f"The {MEDIA_TYPE} Content-Type names no boundary.")
    reader = _Reader(file_fields, keep, field_max)
    callbacks = {name: getattr(reader, name) for name in dir(reader) if name.startswith("on_")}
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if stop_after is not None and any(part.size > stop_after for part in reader.form.parts):
                reader.form.truncated = True
                return reader.form
    except FormParserError as exc:
        raise APIError(400, f"The multipart body could not be parsed: {exc}.") from None
    if not reader.ended:
        raise APIError(400, "The multipart body ended before its closing boundary.")
    return reader.form
