"""Uploads: a large file sent in parts - create, add parts, complete (in the order of ``part_ids``) and cancel.

An Upload is ``pending`` until it is completed (which creates its File), cancelled, or reaches ``expires_at``
(``created_at`` + 3600 s on the server's clock), after which it reads ``expired``; only a pending Upload takes parts
or completes. Parts are read as they stream and counted, never held beyond ``stored_files.KEEP_CONTENT_BYTES``.
The spec has no route to retrieve an Upload: what a client sees of one is what these four routes answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from openai_rulebook.server.requests.bodies import json_body, media_type
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.multipart import declared_length, read_form
from openai_rulebook.server.core.state import Collection, StateDep
from openai_rulebook.server.files.stored import KEEP_CONTENT_BYTES, StoredFile, add_file

ENDPOINTS = "uploads.endpoints_exist"
OBJECT_TYPE = "uploads.object_type"
REQUIRED_FIELDS = "uploads.required_fields"
PURPOSE_VALUES = "uploads.purpose_values"
MIME_TYPE = "uploads.mime_type_matches_purpose"
MAX_TOTAL = "uploads.max_total_bytes"
PART_MAX = "uploads.part_max_size"
PART_IDS = "uploads.complete_requires_part_ids"
PART_ORDER = "uploads.complete_part_order"
BYTES_MATCH = "uploads.complete_bytes_match"
RETURNS_FILE = "uploads.complete_returns_file"
CANCEL = "uploads.cancel_status"
EXPIRY = "uploads.expires_after_one_hour"
NO_PARTS_AFTER_COMPLETE = "uploads.no_parts_after_complete"
NO_PARTS_AFTER_CANCEL = "uploads.no_parts_after_cancel"
UNKNOWN_ID = "uploads.unknown_id"

PURPOSES = ("assistants", "batch", "fine-tune", "vision")
#: what files.purpose_values allows and uploads do not: the purpose fault lets these through
OTHER_FILE_PURPOSES = ("user_data", "evals")
MAX_TOTAL_BYTES = 8 * 1024**3
PART_MAX_BYTES = 64 * 1024**2
#: room for the multipart framing around a part, when judging a body by its Content-Length
FRAMING_ALLOWANCE = 64 * 1024
EXPIRES_AFTER_SECONDS = 3600
BATCH_FILE_EXPIRY_SECONDS = 2_592_000

_JSONL = frozenset({"text/jsonl", "application/jsonl", "application/x-jsonlines", "application/x-ndjson",
                    "application/json"})
_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
#: the MIME types file search and code interpreter read (the official docs' lists of supported files)
_ASSISTANTS = frozenset({
    "text/x-c", "text/x-c++", "text/x-csharp", "text/css", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/x-golang", "text/html",
    "text/x-java", "text/javascript", "application/json", "text/markdown", "application/pdf", "text/x-php",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", "text/x-python",
    "text/x-script.python", "text/x-ruby", "application/x-sh", "text/x-tex", "application/typescript", "text/plain",
    "text/csv", "application/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/xml", "text/xml", "application/zip", "application/x-tar",
}) | _IMAGES  # fmt: skip
MIME_TYPES: dict[str, frozenset[str]] = {"assistants": _ASSISTANTS, "vision": _IMAGES, "batch": _JSONL,
                                         "fine-tune": _JSONL}

register(
    Fault(
        "uploads.part_without_upload_id",
        rule=ENDPOINTS,
        description="the Part object answered by POST /v1/uploads/{upload_id}/parts has no upload_id",
    ),
    Fault(
        "uploads.part_object_upload_part",
        rule=OBJECT_TYPE,
        description="Part objects say object='upload_part' instead of 'upload.part'; Upload objects are unchanged",
    ),
    Fault(
        "uploads.accept_missing_mime_type",
        rule=REQUIRED_FIELDS,
        description="an Upload created without mime_type is accepted (any other missing field is still refused)",
    ),
    Fault(
        "uploads.accept_file_purposes",
        rule=PURPOSE_VALUES,
        description="purposes user_data and evals (allowed for POST /v1/files, not for uploads) are accepted",
    ),
    Fault(
        "uploads.accept_any_mime_type",
        rule=MIME_TYPE,
        description="any mime_type is accepted whatever the purpose (image/png for batch)",
    ),
    Fault(
        "uploads.accept_one_byte_over_8gb",
        rule=MAX_TOTAL,
        description="bytes of 8 GB + 1 are accepted at create; 8 GB + 2 are still refused",
    ),
    Fault(
        "uploads.accept_part_one_byte_over_64mb",
        rule=PART_MAX,
        description="a part of 64 MB + 1 byte is accepted; one of 64 MB + 2 is still refused",
    ),
    Fault(
        "uploads.complete_null_part_ids_takes_all",
        rule=PART_IDS,
        description="complete with part_ids: null joins every part in the order added (an absent part_ids and "
        "wrong types are still refused)",
    ),
    Fault(
        "uploads.complete_ignores_part_order",
        rule=PART_ORDER,
        description="complete joins the listed parts in the order they were added, not the order of part_ids",
    ),
    Fault(
        "uploads.complete_accepts_any_byte_count",
        rule=BYTES_MATCH,
        description="complete succeeds when the parts do not add up to bytes; the File has the parts' size",
    ),
    Fault(
        "uploads.complete_without_file",
        rule=RETURNS_FILE,
        description="complete answers the completed Upload with file: null (the File is created all the same)",
    ),
    Fault(
        "uploads.cancel_twice",
        rule=CANCEL,
        description="cancelling a cancelled Upload is accepted and answers it again",
    ),
    Fault(
        "uploads.never_expire",
        rule=EXPIRY,
        description="an Upload stays pending past expires_at: parts and complete are still accepted",
    ),
    Fault(
        "uploads.parts_after_complete",
        rule=NO_PARTS_AFTER_COMPLETE,
        description="a part sent to a completed Upload is answered with a Part (and dropped)",
    ),
    Fault(
        "uploads.parts_after_cancel",
        rule=NO_PARTS_AFTER_CANCEL,
        description="a part sent to a cancelled Upload is answered with a Part (and dropped)",
    ),
    Fault(
        "uploads.unknown_id_answers_400",
        rule=UNKNOWN_ID,
        description="an unknown upload id answers 400 (param upload_id) instead of 404 on parts, complete and cancel",
    ),
)

router = APIRouter(prefix="/uploads", tags=["uploads"])


# -- request bodies: CreateUploadRequest and CompleteUploadRequest of the spec --------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class FileExpiration(_Strict):
    anchor: Literal["created_at"]
    seconds: int = Field(ge=3600, le=2_592_000)


class CreateUploadRequest(_Strict):
    # required by the spec, optional here: a missing field is judged under uploads.required_fields, in the handler
    bytes: int | None = Field(default=None, ge=0)
    filename: str | None = None
    mime_type: str | None = None
    purpose: str | None = None
    # absent is fine, an explicit null is not: the spec does not make it nullable
    expires_after: FileExpiration = None  # type: ignore[assignment]


class CompleteUploadRequest(_Strict):
    part_ids: Any = None  # checked under uploads.complete_requires_part_ids, in the handler
    md5: str = None  # type: ignore[assignment]  # absent is fine, null is not


# -- the stored objects -----------------------------------------------------------------------------------------------


@dataclass
class Part:
    id: str
    created_at: int
    upload_id: str
    size: int
    #: the bytes, while small enough to keep; None otherwise
    content: bytes | None

    def render(self, rules: Rules) -> dict[str, Any]:
        """The UploadPart object."""
        body = {"id": self.id, "object": rules.behaviour(OBJECT_TYPE, "upload.part", "upload_part"),
                "created_at": self.created_at, "upload_id": self.upload_id}
        if rules.behaviour(ENDPOINTS, False, True):
            del body["upload_id"]
        return body


@dataclass
class Upload:
    id: str
    created_at: int
    filename: str
    bytes: int
    purpose: str
    mime_type: str | None
    expires_at: int
    #: seconds after completion at which the File expires (``expires_after``); None: the purpose's default
    file_expires_after: int | None = None
    #: pending, completed or cancelled; ``expired`` is read from the clock (``is_expired``)
    state: str = "pending"
    parts: dict[str, Part] = field(default_factory=dict)
    received: int = 0
    file: StoredFile | None = None

    def is_expired(self, now: int) -> bool:
        return self.state == "pending" and now >= self.expires_at

    def status(self, now: int, rules: Rules) -> str:
        return "expired" if self.is_expired(now) and rules.behaviour(EXPIRY, True, False) else self.state

    def render(self, now: int, rules: Rules) -> dict[str, Any]:
        """The Upload object; ``file`` is null until the Upload is completed."""
        file = self.file.to_json() if self.file is not None else None
        return {
            "id": self.id,
            "object": "upload",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": self.status(now, rules),
            "expires_at": self.expires_at,
            "file": rules.behaviour(RETURNS_FILE, file, None),
        }


async def _uploads(request: Request) -> Collection[Upload]:
    return request.app.state.rulebook.collection("uploads")


UploadsDep = Annotated[Collection[Upload], Depends(_uploads)]


def _get(uploads: Collection[Upload], rules: Rules, upload_id: str) -> Upload:
    upload = uploads.get(upload_id)
    if upload is None:
        status = rules.behaviour(UNKNOWN_ID, 404, 400)
        raise APIError(status, f"Upload with id '{upload_id}' not found.",
                       param=None if status == 404 else "upload_id")
    return upload


def _refuse_if_expired(rules: Rules, upload: Upload, now: int, action: str) -> None:
    """An expired Upload takes no more parts and cannot be completed (uploads.expires_after_one_hour)."""
    rules.enforce(
        EXPIRY,
        not upload.is_expired(now),
        message=f"Upload {upload.id} expired at {upload.expires_at}: {action} is no longer possible.",
    )


# -- routes -----------------------------------------------------------------------------------------------------------


@router.post("")
async def create_upload(
    body: Annotated[CreateUploadRequest, Depends(json_body(CreateUploadRequest))],
    state: StateDep,
    uploads: UploadsDep,
    rules: RulesDep,
) -> dict[str, Any]:
    for name in ("bytes", "filename", "mime_type", "purpose"):
        rules.enforce(
            REQUIRED_FIELDS,
            getattr(body, name) is not None,
            broken_ok=getattr(body, name) is not None or name == "mime_type",
            param=name,
            code="missing_required_parameter",
            message=f"Missing required parameter: '{name}'.",
        )
    assert body.bytes is not None and body.filename is not None and body.purpose is not None
    purpose = body.purpose
    rules.enforce(
        PURPOSE_VALUES,
        purpose in PURPOSES,
        broken_ok=purpose in PURPOSES + OTHER_FILE_PURPOSES,
        param="purpose",
        code="invalid_value",
        message=f"Invalid 'purpose': expected one of {', '.join(PURPOSES)}, but got {purpose!r}.",
    )
    mime = media_type(body.mime_type) if body.mime_type is not None else None
    supported = MIME_TYPES.get(purpose)
    rules.enforce(
        MIME_TYPE,
        mime is None or supported is None or mime in supported,
        param="mime_type",
        code="invalid_value",
        message=f"Invalid 'mime_type': {body.mime_type!r} is not supported for purpose {purpose!r}.",
    )
    rules.enforce(
        MAX_TOTAL,
        body.bytes <= MAX_TOTAL_BYTES,
        broken_ok=body.bytes <= MAX_TOTAL_BYTES + 1,
        param="bytes",
        code="integer_above_max_value",
        message=f"Invalid 'bytes': an Upload can accept at most {MAX_TOTAL_BYTES} bytes (8 GB), got {body.bytes}.",
    )
    now = state.clock.now()
    upload = Upload(
        id=state.ids.next("upload"),
        created_at=now,
        filename=body.filename,
        bytes=body.bytes,
        purpose=purpose,
        mime_type=mime,
        expires_at=now + EXPIRES_AFTER_SECONDS,
        file_expires_after=body.expires_after.seconds if body.expires_after is not None else None,
    )
    return uploads.add(upload).render(now, rules)


@router.post("/{upload_id}/parts")
async def add_upload_part(
    upload_id: str, request: Request, state: StateDep, uploads: UploadsDep, rules: RulesDep
) -> dict[str, Any]:
    upload = _get(uploads, rules, upload_id)
    now = state.clock.now()
    # judged before the body is read: a part for a finished Upload is refused unread
    rules.enforce(NO_PARTS_AFTER_COMPLETE, upload.state != "completed",
                  message=f"Upload {upload.id} is already completed: no Parts may be added.")
    rules.enforce(NO_PARTS_AFTER_CANCEL, upload.state != "cancelled",
                  message=f"Upload {upload.id} was cancelled: no Parts may be added.")
    _refuse_if_expired(rules, upload, now, "adding a Part")
    length = declared_length(request)
    if length is not None:
        rules.enforce(
            PART_MAX,
            length <= PART_MAX_BYTES + FRAMING_ALLOWANCE,
            broken_ok=length <= PART_MAX_BYTES + 1 + FRAMING_ALLOWANCE,
            status=413,
            param="data",
            message=f"The request body is {length} bytes; a Part may be at most {PART_MAX_BYTES} bytes (64 MB).",
        )
    form = await read_form(request, file_fields=("data",), keep=KEEP_CONTENT_BYTES, stop_after=PART_MAX_BYTES + 1)
    unknown = sorted({*form.fields, *form.files} - {"data"})
    if unknown:
        raise APIError(400, f"Unknown parameter: '{unknown[0]}'.", param=unknown[0], code="unknown_parameter")
    data = form.files.get("data")
    if data is None:
        raise APIError(400, "Missing required parameter: 'data'.", param="data", code="missing_required_parameter")
    rules.enforce(
        PART_MAX,
        data.size <= PART_MAX_BYTES and not form.truncated,
        broken_ok=data.size <= PART_MAX_BYTES + 1 and not form.truncated,
        status=413,
        param="data",
        message=f"Part is too large: {'more than ' if form.truncated else ''}{data.size} bytes; the maximum is "
        f"{PART_MAX_BYTES} bytes (64 MB).",
    )
    rules.enforce(
        MAX_TOTAL,
        upload.received + data.size <= MAX_TOTAL_BYTES,
        broken_ok=upload.received + data.size <= MAX_TOTAL_BYTES + 1,
        param="data",
        message=f"This Part would take Upload {upload.id} past {MAX_TOTAL_BYTES} bytes (8 GB).",
    )
    part = Part(id=state.ids.next("part"), created_at=now, upload_id=upload.id, size=data.size,
                content=data.content)
    if upload.state == "pending":  # a part let through to a finished Upload (under a fault) changes nothing
        upload.parts[part.id] = part
        upload.received += part.size
    return part.render(rules)


def _listed_parts(rules: Rules, upload: Upload, part_ids: Any, *, sent: bool) -> list[Part]:
    """The parts ``part_ids`` names, in its order; refused unless it is a list of this Upload's parts, each once.

    ``sent``: the body had a ``part_ids`` member (an explicit null, under the fault, means every part).
    """
    is_list = isinstance(part_ids, list) and all(isinstance(part_id, str) for part_id in part_ids)
    rules.enforce(
        PART_IDS,
        is_list,
        broken_ok=is_list or (part_ids is None and sent),
        param="part_ids",
        code="missing_required_parameter" if part_ids is None else "invalid_type",
        message="Missing required parameter: 'part_ids'." if part_ids is None
        else "Invalid 'part_ids': expected an array of strings.",
    )
    ids: list[str] = part_ids if part_ids is not None else list(upload.parts)
    unknown = [part_id for part_id in ids if part_id not in upload.parts]
    repeated = sorted({part_id for part_id in ids if ids.count(part_id) > 1})
    valid = not unknown and not repeated
    rules.enforce(
        PART_IDS,
        valid,
        broken_ok=valid,  # the fault only lets a missing part_ids through
        param="part_ids",
        code="invalid_value",
        message=f"Invalid 'part_ids': {unknown[0]!r} is not a Part of Upload {upload.id}." if unknown
        else f"Invalid 'part_ids': {repeated[0]!r} is listed more than once." if repeated else "",
    )
    listed = [upload.parts[part_id] for part_id in ids]
    added = list(upload.parts)
    return rules.behaviour(PART_ORDER, listed, sorted(listed, key=lambda part: added.index(part.id)))


@router.post("/{upload_id}/complete")
async def complete_upload(
    upload_id: str,
    body: Annotated[CompleteUploadRequest, Depends(json_body(CompleteUploadRequest))],
    state: StateDep,
    uploads: UploadsDep,
    rules: RulesDep,
) -> dict[str, Any]:
    upload = _get(uploads, rules, upload_id)
    now = state.clock.now()
    _refuse_if_expired(rules, upload, now, "completing it")
    if upload.state != "pending":
        raise APIError(400, f"Upload {upload.id} is already {upload.state}.")
    parts = _listed_parts(rules, upload, body.part_ids, sent="part_ids" in body.model_fields_set)
    total = sum(part.size for part in parts)
    rules.enforce(
        BYTES_MATCH,
        total == upload.bytes,
        message=f"The Parts listed add up to {total} bytes, but the Upload was created with bytes={upload.bytes}.",
    )
    contents = [part.content for part in parts]
    content = b"".join(contents) if all(c is not None for c in contents) and total <= KEEP_CONTENT_BYTES else None
    if body.md5 is not None and content is not None and hashlib.md5(content).hexdigest() != body.md5.lower():
        raise APIError(400, "The md5 checksum does not match the bytes uploaded.", param="md5")
    seconds = upload.file_expires_after
    if seconds is None and upload.purpose == "batch":
        seconds = BATCH_FILE_EXPIRY_SECONDS  # batch files expire after 30 days unless told otherwise
    upload.file = add_file(state, filename=upload.filename, purpose=upload.purpose, size=total, content=content,
                           expires_at=now + seconds if seconds is not None else None)
    upload.state = "completed"
    return upload.render(now, rules)


@router.post("/{upload_id}/cancel")
async def cancel_upload(upload_id: str, state: StateDep, uploads: UploadsDep, rules: RulesDep) -> dict[str, Any]:
    upload = _get(uploads, rules, upload_id)
    now = state.clock.now()
    pending = upload.status(now, rules) == "pending"
    rules.enforce(
        CANCEL,
        pending,
        broken_ok=pending or upload.state == "cancelled",
        message=f"Upload {upload.id} is {upload.status(now, rules)}: only a pending Upload can be cancelled.",
    )
    upload.state = "cancelled"
    return upload.render(now, rules)
