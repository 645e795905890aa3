"""The Authorization header: present, and ``Bearer <key>``. Any key is accepted; there is no key database."""

from __future__ import annotations

import re

from fastapi import Request

from openai_rulebook.server.core.faults import Fault, RulesDep, register

HEADER_REQUIRED = "auth.header_required"
BEARER_SCHEME = "auth.bearer_scheme"

register(
    Fault(
        "auth.accept_missing_header",
        rule=HEADER_REQUIRED,
        description="requests without an Authorization header are served",
    ),
    Fault(
        "auth.accept_any_scheme",
        rule=BEARER_SCHEME,
        description="any Authorization value is accepted ('Basic x', a bare key); a missing header is still a 401",
    ),
)

#: the scheme is case-insensitive (RFC 9110); the key is one run of non-space characters
_BEARER = re.compile(r"bearer (\S+)", re.IGNORECASE)

_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)


async def require_api_key(request: Request, rules: RulesDep) -> None:
    """A router dependency: 401 unless the request carries ``Authorization: Bearer <key>``."""
    header = request.headers.get("authorization")
    rules.enforce(HEADER_REQUIRED, header is not None, status=401, message=_NO_KEY)
    rules.enforce(
        BEARER_SCHEME,
        header is None or _BEARER.fullmatch(header) is not None,
        status=401,
        code="invalid_api_key",
        message="Incorrect API key format: the Authorization header must be 'Bearer <API key>'.",
    )


#: how the reference server tells an admin key from a project key: OpenAI's admin keys start ``sk-admin-``; a project
#: key (``sk-proj-…``) or any other Bearer key is a project key
ADMIN_KEY_PREFIX = "sk-admin-"


def is_admin_key(request: Request) -> bool:
    """Whether the request's Bearer key is an admin key (the router dependency has checked the scheme already)."""
    match = _BEARER.fullmatch(request.headers.get("authorization") or "")
    return match is not None and match.group(1).startswith(ADMIN_KEY_PREFIX)
