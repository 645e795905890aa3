"""Batches: create, retrieve, cancel and list, as the official spec's schemas describe them.

Create checks the request itself (required fields, ``endpoint``, ``completion_window``, ``output_expires_after``,
metadata, and an input file that exists with purpose ``batch``) and rejects it with a 400 when it breaks a rule.
The input file's contents are read at create too, but what they break only shows later, as the live API shows it:
the batch is created ``validating`` and moves to ``failed`` with ``errors`` (``batch_input``, ``batch_lifecycle``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.batches.input import InputCheck, check_input, failed
from openai_rulebook.server.batches.lifecycle import VALIDATING_SECONDS, Batch, cancel, settle
from openai_rulebook.server.requests.bodies import json_body
from openai_rulebook.server.core.errors import APIError, not_found
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.metadata.pairs import check_metadata
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.core.state import Collection, ServerState, StateDep
from openai_rulebook.server.files.stored import find_file

ENDPOINTS_EXIST = "batches.endpoints_exist"
OBJECT_TYPE = "batches.object_type"
UNKNOWN_ID = "batches.unknown_id"
INPUT_FILE_ID_REQUIRED = "batches.input_file_id_required"
INPUT_FILE_PURPOSE = "batches.input_file_purpose"
ENDPOINT_VALUES = "batches.endpoint_values"
COMPLETION_WINDOW_VALUES = "batches.completion_window_values"
OUTPUT_EXPIRES_AFTER_RANGE = "batches.output_expires_after_range"
#: the files area's rule on batch input files; checked again here, since an Upload can make a larger file
BATCH_FILE_MAX_SIZE = "files.batch_max_size"
LIST = ListRules("batches.list")

#: the rulebook's endpoints (R05.8.3); the spec's CreateBatchRequest.endpoint enum, and the live API, allow more
#: (/v1/responses, /v1/moderations, ...): the catalog records the dispute, and the reference server keeps the rulebook
ENDPOINTS = ("/v1/chat/completions", "/v1/embeddings", "/v1/completions")
COMPLETION_WINDOWS = ("24h",)
INPUT_PURPOSE = "batch"
OUTPUT_EXPIRY_ANCHOR = "created_at"
OUTPUT_EXPIRY_MIN = 3600
OUTPUT_EXPIRY_MAX = 2_592_000
INPUT_MAX_BYTES = 209_715_200

register(
    Fault(
        "batches.create_skips_validating",
        rule=ENDPOINTS_EXIST,
        description="a batch whose input is valid is created in_progress, never validating; invalid ones still fail",
    ),
    Fault(
        "batches.wrong_object_type",
        rule=OBJECT_TYPE,
        description="batch objects say object='batch_job'; the list object is unchanged",
    ),
    Fault(
        "batches.unknown_id_answers_400",
        rule=UNKNOWN_ID,
        description="retrieving or cancelling an unknown batch id answers 400 instead of 404 (envelope unchanged)",
    ),
    Fault(
        "batches.accept_missing_input_file_id",
        rule=INPUT_FILE_ID_REQUIRED,
        description="a create without input_file_id is accepted; the batch (input_file_id '') then fails validation",
    ),
    Fault(
        "batches.accept_any_input_purpose",
        rule=INPUT_FILE_PURPOSE,
        description="an input file of any purpose is accepted (unknown file ids are still refused)",
    ),
    Fault(
        "batches.accept_any_endpoint",
        rule=ENDPOINT_VALUES,
        description="any endpoint string is accepted, e.g. /v1/audio/speech",
    ),
    Fault(
        "batches.accept_any_completion_window",
        rule=COMPLETION_WINDOW_VALUES,
        description="any completion_window is accepted, e.g. 48h",
    ),
    Fault(
        "batches.accept_output_expiry_off_by_one",
        rule=OUTPUT_EXPIRES_AFTER_RANGE,
        description="output_expires_after.seconds of 3599 and 2592001 are accepted (3598 and 2592002 are not)",
    ),
    Fault(
        "batches.list.accept_limit_out_of_range",
        rule=LIST.limit_range,
        description="limit=0 and limit=101 are accepted; 101 returns up to 101 batches",
    ),
    Fault(
        "batches.list.default_limit_10",
        rule=LIST.limit_default,
        description="without limit, a page holds 10 batches instead of 20",
    ),
    Fault(
        "batches.list.after_includes_cursor",
        rule=LIST.cursor_pagination,
        description="the page after X starts with X itself, so walking pages repeats one batch per page",
    ),
)

router = APIRouter(prefix="/batches", tags=["batches"])


# -- the request body: CreateBatchRequest of the spec, loosely typed so that each rule is checked by its own code ---


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OutputExpiresAfter(_Strict):
    anchor: str
    seconds: int


class CreateBatchRequest(_Strict):
    input_file_id: str | None = None
    endpoint: str | None = None
    completion_window: str | None = None
    metadata: dict[str, Any] | None = None  # value types are checked by metadata.py, under their own rule
    output_expires_after: OutputExpiresAfter | None = None


# -- helpers ----------------------------------------------------------------------------------------------------------


async def _batches(request: Request) -> Collection[Batch]:
    return request.app.state.rulebook.collection("batches")


BatchesDep = Annotated[Collection[Batch], Depends(_batches)]


def _render(batch: Batch, rules: Rules) -> dict[str, Any]:
    return batch.render(rules.behaviour(OBJECT_TYPE, "batch", "batch_job"))


def _get(batches: Collection[Batch], batch_id: str, rules: Rules) -> Batch:
    batch = batches.get(batch_id)
    if batch is None:
        error = not_found("batch", batch_id)
        raise APIError(rules.behaviour(UNKNOWN_ID, error.status, 400), error.message)
    return batch


def _check_request(body: CreateBatchRequest, rules: Rules) -> None:
    """Reject a create that breaks a rule of the request itself, naming the parameter at fault."""
    missing = [name for name in ("input_file_id", "endpoint", "completion_window") if getattr(body, name) is None]
    rules.enforce(
        INPUT_FILE_ID_REQUIRED,
        not missing,
        broken_ok=missing in ([], ["input_file_id"]),
        param=missing[0] if missing else None,
        code="missing_required_parameter",
        message=f"Missing required parameter: '{missing[0] if missing else ''}'.",
    )
    rules.enforce(
        ENDPOINT_VALUES,
        body.endpoint in ENDPOINTS,
        param="endpoint",
        code="invalid_value",
        message=f"Invalid 'endpoint': expected one of {', '.join(ENDPOINTS)}, but got {body.endpoint!r} instead.",
    )
    rules.enforce(
        COMPLETION_WINDOW_VALUES,
        body.completion_window in COMPLETION_WINDOWS,
        param="completion_window",
        code="invalid_value",
        message=f"Invalid 'completion_window': expected '24h', but got {body.completion_window!r} instead.",
    )
    expiry = body.output_expires_after
    if expiry is not None:
        rules.enforce(
            OUTPUT_EXPIRES_AFTER_RANGE,
            expiry.anchor == OUTPUT_EXPIRY_ANCHOR and OUTPUT_EXPIRY_MIN <= expiry.seconds <= OUTPUT_EXPIRY_MAX,
            broken_ok=expiry.anchor == OUTPUT_EXPIRY_ANCHOR
            and OUTPUT_EXPIRY_MIN - 1 <= expiry.seconds <= OUTPUT_EXPIRY_MAX + 1,
            param="output_expires_after",
            code="invalid_value",
            message="Invalid 'output_expires_after': the anchor must be 'created_at' and seconds between "
            f"{OUTPUT_EXPIRY_MIN} and {OUTPUT_EXPIRY_MAX}, but got {expiry.anchor!r} and {expiry.seconds}.",
        )


def _read_input(body: CreateBatchRequest, state: ServerState, rules: Rules) -> InputCheck:
    """Find the input file and validate its contents; a file that is missing or of another purpose is a 400."""
    if body.input_file_id is None:  # only under the input_file_id_required fault
        return failed("missing_input_file", "The batch has no input file.", param="input_file_id")
    stored = find_file(state, body.input_file_id)
    rules.enforce(
        INPUT_FILE_PURPOSE,
        stored is not None and stored.purpose == INPUT_PURPOSE,
        broken_ok=stored is not None,
        param="input_file_id",
        message=f"Invalid 'input_file_id': no file found with id '{body.input_file_id}'." if stored is None else
        f"Invalid 'input_file_id': the file has purpose '{stored.purpose}'; batch input files need purpose "
        f"'{INPUT_PURPOSE}'.",
    )
    assert stored is not None
    rules.enforce(
        BATCH_FILE_MAX_SIZE,
        stored.bytes <= INPUT_MAX_BYTES,
        broken_ok=stored.bytes <= INPUT_MAX_BYTES + 1,
        param="input_file_id",
        message=f"Invalid 'input_file_id': the file is {stored.bytes} bytes; batch input files are at most "
        f"{INPUT_MAX_BYTES} bytes (200 MB).",
    )
    if stored.content is None:
        return failed(
            "file_not_readable",
            "The reference server keeps only the first 16 MB of a file and cannot validate this one's requests.",
        )
    assert body.endpoint is not None
    return check_input(rules, stored.content, body.endpoint)


# -- routes -----------------------------------------------------------------------------------------------------------


@router.post("")
async def create_batch(
    body: Annotated[CreateBatchRequest, Depends(json_body(CreateBatchRequest))],
    state: StateDep,
    batches: BatchesDep,
    rules: RulesDep,
) -> dict[str, Any]:
    _check_request(body, rules)
    metadata = check_metadata(rules, body.metadata)
    checked = _read_input(body, state, rules)
    assert body.endpoint is not None and body.completion_window is not None
    batch = Batch(
        id=state.ids.next("batch"),
        created_at=state.clock.now(),
        started=state.clock.exact(),
        endpoint=body.endpoint,
        input_file_id=body.input_file_id or "",
        completion_window=body.completion_window,
        input=checked,
        metadata=metadata,
        output_expiry=body.output_expires_after.seconds if body.output_expires_after else None,
        # the endpoints_exist fault skips validating for a valid input: the create answers in_progress
        validating_seconds=VALIDATING_SECONDS if not checked.valid else rules.behaviour(
            ENDPOINTS_EXIST, VALIDATING_SECONDS, 0),
    )
    return _render(settle(batches.add(batch), state, rules), rules)


@router.get("")
async def list_batches(
    state: StateDep,
    batches: BatchesDep,
    rules: RulesDep,
    limit: str | None = None,  # parsed by list_page: FastAPI would take "5.0" and " 5" as integers
    after: str | None = None,
) -> dict[str, Any]:
    """Newest first; the spec gives this list no ``order`` and no ``before``."""
    page = list_page(rules, LIST, batches.ordered(), limit=limit, order=None, after=after, before=None)
    return page.body(lambda batch: _render(settle(batch, state, rules), rules))


@router.get("/{batch_id}")
async def retrieve_batch(batch_id: str, state: StateDep, batches: BatchesDep, rules: RulesDep) -> dict[str, Any]:
    return _render(settle(_get(batches, batch_id, rules), state, rules), rules)


@router.post("/{batch_id}/cancel")
async def cancel_batch(batch_id: str, state: StateDep, batches: BatchesDep, rules: RulesDep) -> dict[str, Any]:
    return _render(cancel(_get(batches, batch_id, rules), state, rules), rules)
