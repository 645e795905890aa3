"""Which catalog endpoint a request went to, and whether the target answered "no such route".

A server that lacks an endpoint is not breaking the endpoint's rules: it lacks them. The target's own answer to a
URL that exists nowhere (``/v1/rulebook-no-such-route``) is its *route-not-found fingerprint*: status and body, with
the method, the path and anything number-like blanked out. A later 404 with the same fingerprint, a 405 or a 501 says
the route is not served, which is how an unknown-id 404 ("no such vector store") is told from a missing route.

Limit, documented in the README: a server that answers unknown ids exactly as it answers unknown URLs (a bare
``{"detail": "Not Found"}`` for both) cannot be told apart; its unknown-id answers count as route-not-found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from openai_rulebook.endpoints import Endpoint

#: a path no OpenAI-compatible server serves, for the fingerprint
NO_SUCH_ROUTE = "/rulebook-no-such-route"
#: statuses that say "this method on this path is not served", whatever the body
NOT_SERVED = frozenset({405, 501})
_NUMBERLIKE = re.compile(r"[0-9a-fA-F-]{8,}|\d+")


class RouteIndex:
    """Catalog endpoints, matched against concrete request paths (``/v1/vector_stores/vs_1/files``)."""

    def __init__(self, endpoints: Iterable[str]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str], str]] = []
        for text in dict.fromkeys(endpoints):
            endpoint = Endpoint.parse(text)
            regex = re.escape(endpoint.template)
            regex = re.sub(r"\\{[a-z_]+\\}", "[^/]+", regex)
            self._patterns.append((endpoint.method, re.compile(f"^(/v1)?{regex}$"), text))
        # literal segments win over placeholders: /vector_stores/{id}/file_batches before /vector_stores/{id}/files/{x}
        self._patterns.sort(key=lambda entry: entry[2].count("{"))

    def match(self, method: str, path: str) -> str | None:
        """The catalog endpoint (``"GET /v1/files/{file_id}"``) a request went to, or None."""
        for wanted, pattern, text in self._patterns:
            if wanted == method and pattern.match(path):
                return text
        return None


def _normalized(response: httpx.Response, path: str) -> str:
    text = response.text
    for variant in sorted({path, path.removeprefix("/v1")}, key=len, reverse=True):
        text = text.replace(variant, "<path>")
    return f"{response.status_code} {_NUMBERLIKE.sub('#', text)}"


@dataclass
class RouteCheck:
    """The target's route-not-found fingerprint per method, and the test of a response against it."""

    #: method -> normalized answer to NO_SUCH_ROUTE; only 404 answers make a fingerprint
    fingerprints: dict[str, str] = field(default_factory=dict)

    def learn(self, method: str, response: httpx.Response) -> None:
        if response.status_code == 404:
            self.fingerprints[method] = _normalized(response, response.request.url.path)

    def not_served(self, response: httpx.Response) -> bool:
        """True when ``response`` is the target saying the request's method and path are not served."""
        if response.status_code in NOT_SERVED:
            return True
        if response.status_code != 404:
            return False
        request = response.request
        wanted = self.fingerprints.get(request.method) or next(iter(self.fingerprints.values()), None)
        return wanted is not None and _normalized(response, request.url.path) == wanted
