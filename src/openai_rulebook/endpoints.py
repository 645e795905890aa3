"""Catalog endpoints (``"GET /v1/vector_stores/{vector_store_id}"``) turned into requests."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"{([a-z_]+)}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # the path below the base URL, e.g. /vector_stores/{vector_store_id}

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        method, path = text.split(" ", 1)
        return cls(method, path.removeprefix("/v1"))

    @property
    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(self.template)

    def path(self, **ids: str) -> str:
        missing = [name for name in self.placeholders if name not in ids]
        if missing:
            raise KeyError(f"{self}: no value for {', '.join(missing)}")
        return _PLACEHOLDER.sub(lambda match: ids[match.group(1)], self.template)

    def empty_body(self) -> dict[str, object] | None:
        """An empty JSON object for methods that carry a body, None for the others."""
        return {} if self.method in ("POST", "PUT", "PATCH") else None

    def __str__(self) -> str:
        return f"{self.method} /v1{self.template}"
