"""Files: upload (multipart), list, retrieve, delete and download, as the official spec's schemas describe them.

Uploads are read as they stream (``multipart.read_form``): a file's bytes are kept only up to
``stored_files.KEEP_CONTENT_BYTES`` and counted beyond, so the 512 MB and 200 MB limits are judged without holding
the body. A body that declares far more than any limit allows is refused from its Content-Length, unread.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.multipart import Form, declared_length, read_form
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.core.state import Collection, StateDep
from openai_rulebook.server.files.stored import KEEP_CONTENT_BYTES, StoredFile, add_file

ENDPOINTS = "files.endpoints_exist"
OBJECT_TYPE = "files.object_type"
FILE_REQUIRED = "files.file_required"
PURPOSE_VALUES = "files.purpose_values"
MAX_SIZE = "files.max_size"
FINE_TUNE_JSONL = "files.fine_tune_jsonl_only"
BATCH_JSONL = "files.batch_jsonl_only"
BATCH_MAX_SIZE = "files.batch_max_size"
EXPIRES_AFTER = "files.expires_after_range"
BATCH_DEFAULT_EXPIRY = "files.batch_default_expiry"
PURPOSE_FILTER = "files.list.purpose_filter"
UNKNOWN_ID = "files.unknown_id"
DETACHES = "files.delete_detaches_from_vector_stores"  # acted on by attachments.prune, where stores are read
LIST = ListRules("files.list", default_limit=10_000, max_limit=10_000)

PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
MAX_BYTES = 512 * 1024 * 1024
BATCH_MAX_BYTES = 200 * 1024 * 1024
#: room for the multipart framing and the small fields around a file, when judging a body by its Content-Length
FRAMING_ALLOWANCE = 64 * 1024
EXPIRY_ANCHOR = "created_at"
EXPIRY_SECONDS = (3600, 2_592_000)
BATCH_EXPIRY_SECONDS = 2_592_000
_FIELDS = ("purpose", "expires_after[anchor]", "expires_after[seconds]")

register(
    Fault(
        "files.create_answers_201",
        rule=ENDPOINTS,
        description="POST /v1/files answers 201 instead of the documented 200 (the file object is unchanged)",
    ),
    Fault(
        "files.deleted_object_file_deleted",
        rule=OBJECT_TYPE,
        description="DELETE /v1/files/{file_id} answers object='file.deleted' instead of the spec's 'file'",
    ),
    Fault(
        "files.accept_missing_file",
        rule=FILE_REQUIRED,
        description="an upload without a file part is stored as an empty file named 'file'",
    ),
    Fault(
        "files.accept_any_purpose",
        rule=PURPOSE_VALUES,
        description="any purpose string is accepted and stored as sent (a missing purpose is still refused)",
    ),
    Fault(
        "files.accept_one_byte_over_512mb",
        rule=MAX_SIZE,
        description="a file of 512 MB + 1 byte is accepted; one of 512 MB + 2 is still refused",
    ),
    Fault(
        "files.fine_tune_accepts_any_extension",
        rule=FINE_TUNE_JSONL,
        description="purpose fine-tune accepts a file of any extension (.txt, .json, none)",
    ),
    Fault(
        "files.batch_accepts_any_extension",
        rule=BATCH_JSONL,
        description="purpose batch accepts a file of any extension (.txt, .json, none)",
    ),
    Fault(
        "files.batch_accepts_one_byte_over_200mb",
        rule=BATCH_MAX_SIZE,
        description="a batch file of 200 MB + 1 byte is accepted; one of 200 MB + 2 is still refused",
    ),
    Fault(
        "files.expires_after_off_by_one",
        rule=EXPIRES_AFTER,
        description="expires_after seconds of 3599 and 2,592,001 are accepted; 3598 and 2,592,002 are refused",
    ),
    Fault(
        "files.batch_files_never_expire",
        rule=BATCH_DEFAULT_EXPIRY,
        description="a batch file uploaded without expires_after has no expires_at",
    ),
    Fault(
        "files.list.ignore_purpose_filter",
        rule=PURPOSE_FILTER,
        description="GET /v1/files?purpose=X lists files of every purpose",
    ),
    Fault(
        "files.unknown_id_answers_400",
        rule=UNKNOWN_ID,
        description="retrieving or downloading an unknown file id answers 400 (param file_id) instead of 404; "
        "DELETE still answers 404 (so that clean-up, which takes a 404 as already gone, is not disturbed)",
    ),
    Fault(
        "files.deleted_file_stays_in_vector_stores",
        rule=DETACHES,
        description="a deleted file is 404 at /v1/files but stays listed in the vector stores it was attached to",
    ),
    Fault(
        "files.list.accept_limit_out_of_range",
        rule=LIST.limit_range,
        description="limit=0 and limit=10001 are accepted",
    ),
    Fault(
        "files.list.accept_any_order",
        rule=LIST.order_values,
        description="an order other than asc/desc is accepted and lists as desc",
    ),
    Fault(
        "files.list.after_includes_cursor",
        rule=LIST.cursor_pagination,
        description="the page after X starts with X itself, so walking pages repeats one file per page",
    ),
)

router = APIRouter(prefix="/files", tags=["files"])


async def _files(request: Request) -> Collection[StoredFile]:
    return request.app.state.rulebook.collection("files")


FilesDep = Annotated[Collection[StoredFile], Depends(_files)]


def _get(files: Collection[StoredFile], rules: Rules, file_id: str, *, deleting: bool = False) -> StoredFile:
    stored = files.get(file_id)
    if stored is None:
        status = 404 if deleting else rules.behaviour(UNKNOWN_ID, 404, 400)
        raise APIError(status, f"No such File object: {file_id}", param=None if status == 404 else "file_id")
    return stored


# -- upload -------------------------------------------------------------------------------------------------------------


def _check_declared_length(rules: Rules, request: Request) -> None:
    """Refuse, unread, a body whose Content-Length leaves no doubt that its file is over 512 MB."""
    length = declared_length(request)
    if length is None:
        return
    rules.enforce(
        MAX_SIZE,
        length <= MAX_BYTES + FRAMING_ALLOWANCE,
        broken_ok=length <= MAX_BYTES + 1 + FRAMING_ALLOWANCE,
        status=413,
        param="file",
        message=f"The request body is {length} bytes; a file may be at most {MAX_BYTES} bytes (512 MB).",
    )


def _expires_at(rules: Rules, form: Form, purpose: str, now: int) -> int | None:
    """``expires_after[anchor]`` and ``expires_after[seconds]`` as the SDKs send them, or the default by purpose."""
    anchor = form.fields.get("expires_after[anchor]")
    seconds_text = form.fields.get("expires_after[seconds]")
    if anchor is None and seconds_text is None:
        default = rules.behaviour(BATCH_DEFAULT_EXPIRY, BATCH_EXPIRY_SECONDS, None)
        return now + default if purpose == "batch" and default is not None else None
    if anchor != EXPIRY_ANCHOR:
        raise APIError(400, f"Invalid 'expires_after.anchor': expected '{EXPIRY_ANCHOR}', but got {anchor!r}.",
                       param="expires_after", code="invalid_value")
    if seconds_text is None or not seconds_text.strip().lstrip("+-").isdigit():
        raise APIError(400, f"Invalid 'expires_after.seconds': expected an integer, but got {seconds_text!r}.",
                       param="expires_after", code="invalid_type")
    seconds = int(seconds_text)
    low, high = EXPIRY_SECONDS
    rules.enforce_range(EXPIRES_AFTER, seconds, low, high, param="expires_after", name="expires_after.seconds")
    return now + seconds


@router.post("")
async def create_file(request: Request, state: StateDep, files: FilesDep, rules: RulesDep) -> Response:
    _check_declared_length(rules, request)
    # read no further than the loosest size any fault allows: beyond it the file is refused whatever the fault
    form = await read_form(request, file_fields=("file",), keep=KEEP_CONTENT_BYTES, stop_after=MAX_BYTES + 1)
    unknown = sorted(set(form.fields) - set(_FIELDS)) + sorted(set(form.files) - {"file"})
    if unknown:
        raise APIError(400, f"Unknown parameter: '{unknown[0]}'.", param=unknown[0], code="unknown_parameter")
    part = form.files.get("file")
    rules.enforce(
        FILE_REQUIRED,
        part is not None,
        param="file",
        code="missing_required_parameter",
        message="Missing required parameter: 'file'.",
    )
    purpose = form.fields.get("purpose")
    rules.enforce(
        PURPOSE_VALUES,
        purpose in PURPOSES,
        broken_ok=bool(purpose),
        param="purpose",
        code="missing_required_parameter" if purpose is None else "invalid_value",
        message=f"Invalid 'purpose': expected one of {', '.join(PURPOSES)}, but got {purpose!r}."
        if purpose is not None else "Missing required parameter: 'purpose'.",
    )
    assert purpose is not None
    size = part.size if part is not None else 0
    rules.enforce(
        MAX_SIZE,
        size <= MAX_BYTES and not form.truncated,
        broken_ok=size <= MAX_BYTES + 1 and not form.truncated,
        status=413,
        param="file",
        message=f"File is too large: {'more than ' if form.truncated else ''}{size} bytes; the maximum is "
        f"{MAX_BYTES} bytes (512 MB).",
    )
    filename = (part.filename if part is not None else None) or "file"
    jsonl = filename.lower().endswith(".jsonl")
    for rule, wanted in ((FINE_TUNE_JSONL, "fine-tune"), (BATCH_JSONL, "batch")):
        rules.enforce(
            rule,
            purpose != wanted or jsonl,
            param="file",
            code="invalid_file_format",
            message=f"Invalid file format for purpose {wanted!r}: only .jsonl files are supported, got {filename!r}.",
        )
    rules.enforce(
        BATCH_MAX_SIZE,
        purpose != "batch" or size <= BATCH_MAX_BYTES,
        broken_ok=purpose != "batch" or size <= BATCH_MAX_BYTES + 1,
        status=413,
        param="file",
        message=f"A batch input file may be at most {BATCH_MAX_BYTES} bytes (200 MB); this one is {size} bytes.",
    )
    now = state.clock.now()
    expires_at = _expires_at(rules, form, purpose, now)
    stored = add_file(
        state,
        filename=filename,
        purpose=purpose,
        size=size,
        content=part.content if part is not None else b"",
        expires_at=expires_at,
    )
    return JSONResponse(stored.to_json(), status_code=rules.behaviour(ENDPOINTS, 200, 201))


# -- list, retrieve, delete, content ------------------------------------------------------------------------------------


@router.get("")
async def list_files(
    files: FilesDep,
    rules: RulesDep,
    purpose: str | None = None,
    limit: str | None = None,  # parsed by list_page: FastAPI would take "5.0" and " 5" as integers
    order: str | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    listed = files.ordered()
    if purpose is not None and rules.behaviour(PURPOSE_FILTER, True, False):
        listed = [stored for stored in listed if stored.purpose == purpose]
    page = list_page(rules, LIST, listed, limit=limit, order=order, after=after, before=None)
    return page.body(StoredFile.to_json)


@router.get("/{file_id}")
async def retrieve_file(file_id: str, files: FilesDep, rules: RulesDep) -> dict[str, Any]:
    return _get(files, rules, file_id).to_json()


@router.delete("/{file_id}")
async def delete_file(file_id: str, files: FilesDep, rules: RulesDep) -> dict[str, Any]:
    _get(files, rules, file_id, deleting=True)
    files.remove(file_id)  # vector stores drop it when next read (attachments.prune)
    return {"id": file_id, "object": rules.behaviour(OBJECT_TYPE, "file", "file.deleted"), "deleted": True}


@router.get("/{file_id}/content")
async def download_file(file_id: str, files: FilesDep, rules: RulesDep) -> Response:
    """The bytes as uploaded, as ``application/octet-stream`` (what the live API sends; the spec says JSON)."""
    stored = _get(files, rules, file_id)
    if stored.content is None:
        raise APIError(
            501,
            f"The reference server keeps the content of files up to {KEEP_CONTENT_BYTES} bytes; {file_id} has "
            f"{stored.bytes}.",
        )
    return Response(stored.content, media_type="application/octet-stream")
