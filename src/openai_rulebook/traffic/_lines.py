"""The corpus's line format (its README.md) as typed, frozen exchanges, read one family file at a time.

The corpus is about 30 MB, two thirds of it chat and responses: a family file is parsed only when asked for, and
the error scan over every file parses only the lines whose raw text shows a 4xx status.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from openai_rulebook.errors import UsageError

#: environment variable that overrides the corpus location
CORPUS_ENV = "RULEBOOK_TRAFFIC"
#: where the corpus sits relative to the project root, next to the official spec
DEFAULT_RELATIVE = Path("..") / "shared" / "real-traffic"

# Every line writes "status" right before "response_headers" (the README's key order): a cheap prefilter that
# never decides alone; the parsed status does.
_ERROR_STATUS = re.compile(r'"status": 4\d\d, "response_headers"')


def default_corpus_path(root: Path) -> Path:
    """``$RULEBOOK_TRAFFIC`` if set, else ``../shared/real-traffic`` from the project root ``root``."""
    text = os.environ.get(CORPUS_ENV)
    path = Path(text).expanduser() if text else DEFAULT_RELATIVE
    return path if path.is_absolute() else (root / path).resolve()


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded request and response."""

    family: str  #: the corpus file it came from, without ``.jsonl``
    source: str  #: ``owner/repo:path@commit`` of the recording
    seq: int  #: its position in that recording
    recorded_at: str | None  #: the response's Date header as sent (or a cassette timestamp), None when removed
    method: str
    path: str  #: starts at ``/v1/``, no query
    query: dict[str, Any]
    request_body: Any
    status: int
    response_headers: dict[str, str]
    response_body: Any
    #: the request headers the corpus keeps (``content-type``, ``openai-beta``), for the client rules
    request_headers: dict[str, str] = field(default_factory=dict)

    @property
    def cite(self) -> str:
        """How a dispute names this line: ``<family>.jsonl <source> seq <n>``."""
        return f"{self.family}.jsonl {self.source} seq {self.seq}"

    @property
    def content_type(self) -> str | None:
        return self.response_headers.get("content-type")

    @property
    def json_body(self) -> Any:
        """The body when it was JSON (not a stream, a binary stand-in or text), else None."""
        kind = (self.content_type or "").split(";", 1)[0].strip()
        return self.response_body if kind == "application/json" else None

    @property
    def when(self) -> datetime | None:
        """``recorded_at`` as a UTC datetime, else the body's ``created_at``/``created``, else None."""
        if self.recorded_at:
            try:
                return parsedate_to_datetime(self.recorded_at)
            except (TypeError, ValueError):
                try:
                    return datetime.fromisoformat(self.recorded_at).replace(tzinfo=timezone.utc)
                except ValueError:
                    pass
        body = self.response_body
        stamp = (body.get("created_at") or body.get("created")) if isinstance(body, dict) else None
        return datetime.fromtimestamp(stamp, timezone.utc) if isinstance(stamp, int) else None


def parse_line(family: str, text: str) -> Exchange:
    raw = json.loads(text)
    return Exchange(
        family=family,
        source=raw["source"],
        seq=raw["seq"],
        recorded_at=raw.get("recorded_at"),
        method=raw["method"].upper(),
        path=raw["path"],
        query=raw.get("query") or {},
        request_body=raw.get("request_body"),
        status=raw["status"],
        response_headers=raw.get("response_headers") or {},
        response_body=raw.get("response_body"),
        request_headers=raw.get("request_headers") or {},
    )


@dataclass
class Corpus:
    """The corpus at ``root``: one ``<family>.jsonl`` per endpoint family; each family is parsed once, on demand."""

    root: Path
    _families: dict[str, tuple[Exchange, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.root.is_dir():
            raise UsageError(f"no real-traffic corpus at {self.root}; set {CORPUS_ENV} to its directory")

    @cached_property
    def family_names(self) -> tuple[str, ...]:
        return tuple(sorted(path.stem for path in self.root.glob("*.jsonl")))

    def family(self, name: str) -> tuple[Exchange, ...]:
        if name not in self._families:
            path = self.root / f"{name}.jsonl"
            if not path.is_file():
                raise UsageError(f"{path}: no such corpus file; known families: {', '.join(self.family_names)}")
            with path.open(encoding="utf-8") as stream:
                self._families[name] = tuple(parse_line(name, line) for line in stream if line.strip())
        return self._families[name]

    def exchanges(self, families: Iterable[str]) -> Iterator[Exchange]:
        for name in families:
            yield from self.family(name)

    def client_errors(self) -> Iterator[Exchange]:
        """Every 4xx exchange of every family; families not yet parsed are only scanned, not parsed."""
        for name in self.family_names:
            if name in self._families:
                yield from (line for line in self._families[name] if 400 <= line.status < 500)
                continue
            with (self.root / f"{name}.jsonl").open(encoding="utf-8") as stream:
                for text in stream:
                    if _ERROR_STATUS.search(text):
                        line = parse_line(name, text)
                        if 400 <= line.status < 500:
                            yield line
