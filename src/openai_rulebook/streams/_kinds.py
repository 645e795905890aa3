"""Which checker reads the stream of which request: by the catalog endpoint, and the query of a resumed stream."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from openai_rulebook.streams._chunks import check_chat_stream, check_completions_stream
from openai_rulebook.streams._findings import Finding
from openai_rulebook.streams._responses import check_responses_stream
from openai_rulebook.streams._sse import ServerEvent

Checker = Callable[[Sequence[ServerEvent], "Mapping[str, Any] | None"], list[Finding]]

#: the checker for each streaming endpoint, as the catalog writes endpoints
CHECKERS: dict[str, Checker] = {
    "POST /v1/chat/completions": check_chat_stream,
    "POST /v1/completions": check_completions_stream,
    "POST /v1/responses": check_responses_stream,
    "GET /v1/responses/{response_id}": check_responses_stream,
}


def checker_for(endpoint: str, query: Mapping[str, Any] | None = None) -> Checker | None:
    """The checker for a stream from ``endpoint`` (``GET /v1/responses/{response_id}`` with ``?starting_after=N``
    resumes a background response's stream after event N); None for a kind no checker knows (audio, assistants)."""
    checker = CHECKERS.get(endpoint)
    after = (query or {}).get("starting_after")
    if checker is check_responses_stream and isinstance(after, (str, int)) and str(after).isdigit():
        return functools.partial(check_responses_stream, starting_after=int(after))
    return checker
