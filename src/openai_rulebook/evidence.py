"""Evidence a person can act on: headers redacted the way cassettes are, and a ``curl`` line that resends a request.

Redaction keeps what a reader needs and nothing secret: the scheme of an ``Authorization`` header but never the
run's key (a malformed value a test sends on purpose stays readable, so that ``Basic …`` shows as such);
organization and project ids, cookies and API-key headers as ``REDACTED``; anything that looks like an OpenAI key
(``sk-…``) in any header or body as ``REDACTED``. The reproduction sends the key as ``$OPENAI_API_KEY``, never its value.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

REDACTED = "REDACTED"
#: request headers whose whole value is secret (their presence is what a reader needs)
SECRET_HEADERS = frozenset({"openai-organization", "openai-project", "api-key", "cookie", "x-api-key"})
#: response headers worth keeping in evidence
RESPONSE_HEADERS = frozenset({"content-type", "x-request-id", "openai-processing-ms", "retry-after"})
#: request headers that say nothing a reader needs (httpx's own)
_NOISE = frozenset({"host", "accept", "accept-encoding", "connection", "user-agent", "content-length"})
KEY_LIKE = re.compile(r"sk-(?:proj-|admin-|svcacct-)?[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9_.-]{20,}")


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets and anything key-like replaced by ``REDACTED``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return KEY_LIKE.sub(REDACTED, text)


def request_headers(headers: Iterable[tuple[str, str]], secrets: Iterable[str] = ()) -> dict[str, str]:
    """The headers of a request as evidence: lower-case names, secrets redacted, transport noise left out."""
    secrets = tuple(secrets)
    kept: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in _NOISE:
            continue
        if lower in SECRET_HEADERS:
            kept[lower] = REDACTED
        elif lower == "authorization":
            # the harness sends no credential but the run's key: a malformed value a test sends on purpose (a
            # Basic scheme, a bare key-less word) stays readable, so that the reader sees what was sent
            scheme, _, credential = value.partition(" ")
            if credential and credential in secrets:
                kept[lower] = f"{scheme} {REDACTED}"
            else:
                kept[lower] = redact_text(value, secrets)
        else:
            kept[lower] = redact_text(value, secrets)
    return kept


def response_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers if name.lower() in RESPONSE_HEADERS}


def curl(method: str, url: str, headers: Mapping[str, str], body: str, *, key_env: str = "OPENAI_API_KEY",
         body_complete: bool = True) -> str:
    """A shell command that resends the request: the key as ``$OPENAI_API_KEY``, other secrets as placeholders.

    ``headers`` are the redacted evidence headers: a ``Bearer REDACTED`` becomes the variable again; any other
    redacted value stays a visible ``REDACTED`` placeholder (the org or project id: set your own).
    """
    parts = ["curl", "-sS", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        if name == "authorization" and value == f"Bearer {REDACTED}":
            parts += ["-H", f'"Authorization: Bearer ${key_env}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["--data-binary", shlex.quote(body)]
    line = " ".join(parts)
    return line if body_complete else line + "  # the body above is cut: the original was larger"
