"""Batch input files: reading the JSONL of requests as the live API's validation step does.

A batch whose input breaks these rules is still created (status ``validating``); what this module finds decides
whether it then moves to ``failed``, with the errors listed in ``errors.data``, or to ``in_progress``. So the rules
here never reject a request: each is a condition on the file, and its fault loosens that condition.

* every line is a JSON request object: ``custom_id`` (a string), ``method``, ``url`` and ``body`` (an object);
  empty lines (a last newline, CRLF endings) are skipped, and a file of nothing else holds no request
  (``batches.input_jsonl``)
* at most 50,000 requests (``batches.max_requests``)
* ``custom_id`` unique in the file (``batches.custom_id_unique``)
* ``method`` is ``POST`` (``batches.request_method_post``)
* ``url`` is the batch's ``endpoint`` (``batches.request_url_matches_endpoint``)
* a /v1/embeddings batch holds at most 50,000 embedding inputs across its requests (``batches.embedding_inputs_max``)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from openai_rulebook.server.core.faults import Fault, Rules, register

INPUT_JSONL = "batches.input_jsonl"
MAX_REQUESTS = "batches.max_requests"
CUSTOM_ID_UNIQUE = "batches.custom_id_unique"
METHOD_POST = "batches.request_method_post"
URL_MATCHES_ENDPOINT = "batches.request_url_matches_endpoint"
EMBEDDING_INPUTS_MAX = "batches.embedding_inputs_max"

#: the limits, as the catalog's ``params`` state them (a test keeps the two in step)
REQUESTS_MAX = 50_000
EMBEDDING_INPUTS = 50_000
EMBEDDINGS = "/v1/embeddings"
#: a file with many bad lines reports the first ones only, as errors.data would otherwise run to thousands
REPORTED_ERRORS_MAX = 100

register(
    Fault(
        "batches.skip_bad_lines",
        rule=INPUT_JSONL,
        description="lines that are not JSON request objects are skipped; a file of one good line and junk passes",
    ),
    Fault(
        "batches.accept_50001_requests",
        rule=MAX_REQUESTS,
        description="a file of 50,001 requests passes validation (50,002 does not)",
    ),
    Fault(
        "batches.accept_duplicate_custom_ids",
        rule=CUSTOM_ID_UNIQUE,
        description="a file that repeats a custom_id passes validation and runs",
    ),
    Fault(
        "batches.accept_any_method",
        rule=METHOD_POST,
        description="request lines with method GET, PUT, DELETE, ... pass validation",
    ),
    Fault(
        "batches.accept_mismatched_urls",
        rule=URL_MATCHES_ENDPOINT,
        description="a line's url need not be the batch's endpoint; any string passes validation",
    ),
    Fault(
        "batches.accept_50001_embedding_inputs",
        rule=EMBEDDING_INPUTS_MAX,
        description="a /v1/embeddings batch of 50,001 inputs passes validation (50,002 does not)",
    ),
)


@dataclass(frozen=True)
class BatchError:
    """One entry of the Batch object's ``errors.data`` (the spec's BatchError)."""

    code: str
    message: str
    param: str | None = None
    #: 1-based line of the input file, or None for an error about the whole file
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "param": self.param, "line": self.line}


@dataclass(frozen=True)
class Request:
    """One request line that passed validation: only what the output file needs (bodies can be large)."""

    custom_id: str
    model: str | None


@dataclass(frozen=True)
class InputCheck:
    """What validation found: the requests to run, or the errors that fail the batch."""

    requests: tuple[Request, ...] = ()
    errors: tuple[BatchError, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def model(self) -> str | None:
        """The model the requests name (the first one's), shown as the batch's ``model``."""
        return next((request.model for request in self.requests if request.model is not None), None)


def failed(code: str, message: str, param: str | None = None) -> InputCheck:
    """An input that fails as a whole (no file, a file we cannot read)."""
    return InputCheck(errors=(BatchError(code, message, param),))


def embedding_inputs(body: dict[str, Any]) -> int:
    """How many inputs an embeddings request embeds: a string or one token array is 1, a list of them its length."""
    value = body.get("input")
    if isinstance(value, list) and value and not all(isinstance(item, int) for item in value):
        return len(value)
    return 0 if value == [] else 1


def _request_object(line: str) -> dict[str, Any] | None:
    """The line as a request object, or None when it is not one (not JSON, not an object, fields missing)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if not isinstance(data.get("custom_id"), str) or not isinstance(data.get("body"), dict):
        return None
    if not isinstance(data.get("method"), str) or not isinstance(data.get("url"), str):
        return None
    return data


def check_input(rules: Rules, content: bytes, endpoint: str) -> InputCheck:
    """Validate ``content`` (the input file's bytes) for a batch on ``endpoint``."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return failed("invalid_file_encoding", "The input file is not UTF-8 encoded text.")
    lines = text.split("\n")
    count = len(lines) - lines.count("") - lines.count("\r")  # counted before parsing: 50,001 lines fail at once
    if count > rules.behaviour(MAX_REQUESTS, REQUESTS_MAX, REQUESTS_MAX + 1):
        return failed("too_many_tasks", f"The input file holds {count} requests; a batch holds at most {REQUESTS_MAX}.")
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line not in ("", "\r")]
    # each rule's condition, under its fault or not, read once rather than once a line
    check_lines = rules.behaviour(INPUT_JSONL, True, False)
    check_ids = rules.behaviour(CUSTOM_ID_UNIQUE, True, False)
    check_method = rules.behaviour(METHOD_POST, True, False)
    check_url = rules.behaviour(URL_MATCHES_ENDPOINT, True, False)
    errors: list[BatchError] = []
    requests: list[Request] = []
    seen: set[str] = set()
    inputs = 0
    for number, line in numbered:
        data = _request_object(line)
        if data is None:
            if check_lines:
                errors.append(BatchError(
                    "invalid_json_line",
                    "This line is not a JSON request object with custom_id, method, url and body.",
                    line=number,
                ))
            continue
        custom_id = data["custom_id"]
        if check_ids and custom_id in seen:
            errors.append(BatchError(
                "duplicate_custom_id",
                f"The custom_id {custom_id!r} repeats an earlier request's; each custom_id must be unique.",
                param="custom_id",
                line=number,
            ))
        if check_method and data["method"] != "POST":
            errors.append(BatchError(
                "invalid_method",
                f"The method {data['method']!r} is not supported; batch requests must use POST.",
                param="method",
                line=number,
            ))
        if check_url and data["url"] != endpoint:
            errors.append(BatchError(
                "url_mismatch",
                f"The url {data['url']!r} does not match the batch's endpoint {endpoint!r}.",
                param="url",
                line=number,
            ))
        seen.add(custom_id)
        body = data["body"]
        if endpoint == EMBEDDINGS:
            inputs += embedding_inputs(body)
        model = body.get("model")
        requests.append(Request(custom_id, model if isinstance(model, str) else None))
    if not numbered or (not requests and not errors):
        errors.append(BatchError("empty_file", "The input file holds no requests."))
    if inputs > rules.behaviour(EMBEDDING_INPUTS_MAX, EMBEDDING_INPUTS, EMBEDDING_INPUTS + 1):
        errors.append(BatchError(
            "too_many_embedding_inputs",
            f"The requests hold {inputs} embedding inputs; a /v1/embeddings batch holds at most {EMBEDDING_INPUTS}.",
        ))
    if errors:
        return InputCheck(errors=tuple(errors[:REPORTED_ERRORS_MAX]))
    return InputCheck(requests=tuple(requests))
