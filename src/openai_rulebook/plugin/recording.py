"""Cassettes (vcrpy): one per test at ``<cassette dir>/<module>/<test>.yaml``, secrets filtered before writing.

Requests are matched without host and port, so a set recorded against a server on a random port (or another host)
replays anywhere. Only the response headers in ``KEPT_RESPONSE_HEADERS`` reach disk.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from openai_rulebook import __version__
from openai_rulebook.atomic import write_atomically
from openai_rulebook.errors import CassetteError
from openai_rulebook.plugin.targets import META_FILE, META_SCHEMA, Target

REDACTED = "REDACTED"
SECRET_REQUEST_HEADERS = ("authorization", "openai-organization", "openai-project", "api-key", "cookie")
KEPT_RESPONSE_HEADERS = frozenset({"content-type", "x-request-id"})
MATCH_ON = ("method", "scheme", "path", "query", "body")
#: request bodies above this size are stored as their SHA-256 digest
LARGE_BODY = 64 * 1024

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def cassette_path(cassette_dir: Path, module: str, test_name: str) -> Path:
    """Predictable and file-system safe: ``<dir>/<module>/<test name>.yaml``."""
    safe = re.sub(r"[^A-Za-z0-9_.=-]+", "_", test_name).strip("_")[:150]
    return cassette_dir / module / f"{safe}.yaml"


_BOUNDARY = re.compile(r"multipart/form-data;\s*boundary=\"?([^\";]+)\"?", re.IGNORECASE)


def _fixed_boundary(request: Any) -> Any:
    """A multipart body whose boundary the sender drew at random (the SDK's) gets the harness's fixed one instead,
    in the body and the Content-Type, so that the same upload matches its recording."""
    from openai_rulebook.client import MULTIPART_BOUNDARY

    content_type = next((value for name, value in request.headers.items() if name.lower() == "content-type"), "")
    found = _BOUNDARY.search(str(content_type))
    body = request.body
    if not found or found.group(1) == MULTIPART_BOUNDARY or not body:
        return request
    drawn = found.group(1)
    request = copy.deepcopy(request)
    if isinstance(body, str):
        request.body = body.replace(drawn, MULTIPART_BOUNDARY)
    else:
        request.body = bytes(body).replace(drawn.encode(), MULTIPART_BOUNDARY.encode())
    for name in list(request.headers):
        if name.lower() == "content-type":
            request.headers[name] = str(content_type).replace(drawn, MULTIPART_BOUNDARY)
    return request


def _before_record_request(request: Any) -> Any:
    return _digest_large_body(_fixed_boundary(request))


def _digest_large_body(request: Any) -> Any:
    """Store a large request body (uploads, big JSONL files) as its digest: cassettes stay small, matching stays exact.

    vcrpy applies the same hook to each request it replays before matching, so a replayed body is digested too.
    """
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body is None or len(body) <= LARGE_BODY:
        return request
    request = copy.deepcopy(request)
    request.body = f"sha256:{hashlib.sha256(body).hexdigest()} ({len(body)} bytes)".encode()
    return request


def _keep_safe_headers(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {
        name: value for name, value in response.get("headers", {}).items() if name.lower() in KEPT_RESPONSE_HEADERS
    }
    return response


def make_vcr(mode: str) -> Any:
    import vcr

    return vcr.VCR(
        record_mode=mode,
        match_on=MATCH_ON,
        filter_headers=[(name, REDACTED) for name in SECRET_REQUEST_HEADERS],
        before_record_request=_before_record_request,
        before_record_response=_keep_safe_headers,
        decode_compressed_response=True,
    )


def check_cassette(path: Path, nodeid: str) -> None:
    """Before replaying: the cassette exists and is a vcrpy cassette."""
    if not path.is_file():
        raise CassetteError(
            f"{nodeid}: no cassette at {path}; record it with 'rulebook run --target record' "
            f"(or pass --cassette-dir to point at another set)"
        )
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise CassetteError(f"{nodeid}: cassette {path} is corrupt ({str(exc).splitlines()[0]}); re-record it") from exc
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(f"{nodeid}: cassette {path} has no 'interactions' list; re-record it")
    for number, interaction in enumerate(data["interactions"], start=1):
        problem = _interaction_problem(interaction)
        if problem:
            # valid YAML cut short (a copy interrupted, an edit): vcrpy would fail inside the test with a KeyError
            raise CassetteError(f"{nodeid}: cassette {path} is truncated or damaged: interaction {number} {problem}; "
                                "re-record it with 'rulebook run --target record'")


def _interaction_problem(interaction: Any) -> str:
    """What keeps one recorded interaction from being replayed, or ''."""
    if not isinstance(interaction, dict):
        return "is not a mapping"
    request, response = interaction.get("request"), interaction.get("response")
    if not isinstance(request, dict) or not {"method", "uri"} <= request.keys():
        return "has no request (method and uri)"
    described = f"({request['method']} {request['uri']})"
    if not isinstance(response, dict):
        return f"has a request {described} but no response"
    status = response.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("code"), int):
        return f"has a response to {described} without a status code"
    return ""


def write_empty_cassette(path: Path) -> None:
    """A test that sent nothing still gets a cassette, so that replay can tell 'recorded' from 'missing'."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump({"interactions": [], "version": 1}), encoding="utf-8")


def write_meta(target: Target, *, hypothesis: Mapping[str, Any], clock: str, max_wait: float) -> None:
    """Say where the cassette set came from and what a replay must do as the recording did, atomically.

    ``hypothesis``: the settings the drawn tests ran with (``Draws.as_meta``); ``clock``: ``jump`` or ``wait``;
    ``max_wait``: the longest a waiting clock waited before it skipped a test.
    """
    assert target.cassette_dir is not None
    meta = {
        "schema": META_SCHEMA,
        "target": target.source,
        "base_url": target.base_url,
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "harness_version": __version__,
        "tiers": sorted(target.tiers),
        "hypothesis": dict(hypothesis),
        "clock": clock,
        "max_wait": max_wait,
    }
    write_atomically(target.cassette_dir / META_FILE, json.dumps(meta, indent=2) + "\n")


# -- a replay that asks for what was not recorded -------------------------------------------------------------------
#: how much of a request body a replay miss shows
MISS_BODY = 300


def watch_misses(cassette: Any, on_miss: Callable[[str, int], None]) -> None:
    """Call ``on_miss(request, times held)`` for each request a write-protected (replayed) ``cassette`` cannot answer.

    vcrpy raises ``CannotOverwriteExistingCassetteException`` for it, which a drawn test turns into a hypothesis
    error (``Flaky…``) and clean-up into a leftover; watching the cassette itself names the request whatever
    becomes of the exception. Only this cassette object is wrapped, nothing global.
    """
    can_play = cassette.can_play_response_for

    def watched(request: Any) -> bool:
        playable = can_play(request)
        if not playable and cassette.write_protected:
            on_miss(*describe_miss(cassette, request))
        return playable

    cassette.can_play_response_for = watched


def describe_miss(cassette: Any, request: Any) -> tuple[str, int]:
    """``GET /v1/files?limit=2 {body}``, and how many times the cassette holds that request (all played already)."""
    from vcr.matchers import requests_match

    request = cassette._before_record_request(request) or request  # as vcrpy matched it: large bodies digested
    url = urlsplit(request.uri)
    target = url.path + (f"?{url.query}" if url.query else "")
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    kind = next((value for name, value in request.headers.items() if name.lower() == "content-type"), "")
    if body and "multipart" in str(kind):  # parts and boundaries say nothing a reader could match by eye
        shown = f" (multipart body, {len(body)} characters)"
    else:
        shown = f" {body[:MISS_BODY]}{'…' if len(body) > MISS_BODY else ''}" if body else ""
    held = sum(1 for recorded in cassette.requests if requests_match(request, recorded, cassette._match_on))
    return f"{request.method} {target}{shown}", held
