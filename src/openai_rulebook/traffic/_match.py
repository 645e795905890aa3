"""Which catalog endpoint a recorded request hit: ``GET /v1/files/file-abc`` -> ``GET /v1/files/{file_id}``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@dataclass(frozen=True, slots=True)
class _Template:
    endpoint: str  #: as the catalog writes it, ``GET /v1/files/{file_id}``
    method: str
    regex: re.Pattern[str]
    rank: tuple[int, ...]  #: 1 per literal segment, 0 per placeholder: literals win (``/files/search`` over ``/{id}``)


def _template(endpoint: str) -> _Template:
    method, path = endpoint.split(" ", 1)
    segments = path.strip("/").split("/")
    pattern = "/" + "/".join("[^/]+" if _PLACEHOLDER.fullmatch(s) else re.escape(s) for s in segments)
    rank = tuple(0 if _PLACEHOLDER.fullmatch(s) else 1 for s in segments)
    return _Template(endpoint, method, re.compile(pattern), rank)


class EndpointMatcher:
    """Catalog endpoint templates, most specific first."""

    def __init__(self, endpoints: Iterable[str]) -> None:
        templates = {_template(endpoint) for endpoint in set(endpoints)}
        self._templates = sorted(templates, key=lambda t: (len(t.rank), t.rank), reverse=True)

    def match(self, method: str, path: str) -> str | None:
        """The catalog endpoint for ``method`` and ``path`` (``/v1/...``, no query), or None."""
        method = method.upper()
        path = path.split("?", 1)[0].rstrip("/")
        return next(
            (t.endpoint for t in self._templates if t.method == method and t.regex.fullmatch(path)), None
        )
