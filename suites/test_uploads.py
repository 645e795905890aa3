"""Uploads: a large file in parts (R04.1.17-R04.1.20, R05.5.1-R05.5.6, R07.2, R07.3.1, R07.3.2).

Each rule has plain tests at its edges; ``UploadLifecycle`` then walks random sequences of create, add part,
complete, cancel and (where the clock can jump) an hour passing, trying the forbidden transitions and checking after
every step what the Upload objects seen so far must hold. Uploads are named ``rulebook-…`` and cancelled when the
test ends; the File a completed Upload creates is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, read
from openai_rulebook.errors import Inconclusive

UPLOADS = "/uploads"
UNKNOWN_UPLOAD_ID = "upload_rulebook000000000000000"
UNKNOWN_PART_ID = "part_rulebook000000000000000000"
#: parts of a batch input file: JSON lines of different lengths, so that any reordering changes the content
LINES = (b'{"custom_id": "rulebook-a"}\n', b'{"custom_id": "rulebook-bb"}\n', b'{"custom_id": "rulebook-ccc"}\n')

ENDPOINTS = "uploads.endpoints_exist"
OBJECT_TYPE = "uploads.object_type"
REQUIRED_FIELDS = "uploads.required_fields"
PART_IDS = "uploads.complete_requires_part_ids"
PART_ORDER = "uploads.complete_part_order"
BYTES_MATCH = "uploads.complete_bytes_match"
RETURNS_FILE = "uploads.complete_returns_file"
CANCEL = "uploads.cancel_status"
EXPIRY = "uploads.expires_after_one_hour"
NO_PARTS_AFTER_COMPLETE = "uploads.no_parts_after_complete"
NO_PARTS_AFTER_CANCEL = "uploads.no_parts_after_cancel"
UPLOAD_FIELDS = {"id": str, "bytes": int, "created_at": int, "filename": str, "purpose": str, "status": str,
                 "expires_at": int}
PART_FIELDS = {"id": str, "object": str, "created_at": int, "upload_id": str}


# -- requests -----------------------------------------------------------------------------------------------------------
def create(api, size: int, *, purpose: str = "batch", mime_type: str = "text/jsonl",
           filename: str = "rulebook-upload.jsonl", **extra: Any):
    return api.post(UPLOADS, {"bytes": size, "filename": filename, "mime_type": mime_type, "purpose": purpose,
                              **extra})


def add_part(api, upload_id: str, data: bytes):
    return api.post(f"{UPLOADS}/{upload_id}/parts", None, files={"data": ("blob", data, "application/octet-stream")})


def complete(api, upload_id: str, part_ids: list[str] | None):
    return api.post(f"{UPLOADS}/{upload_id}/complete", {} if part_ids is None else {"part_ids": part_ids})


def cancel(api, upload_id: str):
    return api.post(f"{UPLOADS}/{upload_id}/cancel")


# -- set-up that a test needs but does not judge: a refusal leaves the test inconclusive ---------------------------
def _needed(response, what: str) -> Any:
    if not response.is_success:
        raise Inconclusive(f"could not {what} to test with: {response.status_code} {response.text[:200]}")
    return read(response.json(), None)


def opened(api, size: int, **kwargs: Any) -> dict[str, Any]:
    return _needed(create(api, size, **kwargs), "create an upload")


def with_parts(api, *parts: bytes, size: int | None = None) -> tuple[dict[str, Any], list[str]]:
    """A pending upload of ``size`` bytes (the parts' total by default) holding ``parts``; returns it and part ids."""
    upload = opened(api, sum(map(len, parts)) if size is None else size)
    return upload, [_needed(add_part(api, upload["id"], part), "add a part")["id"] for part in parts]


def completed(api, *parts: bytes) -> dict[str, Any]:
    upload, part_ids = with_parts(api, *parts)
    return _needed(complete(api, upload["id"], part_ids), "complete an upload")


def content_of(api, file_id: str) -> bytes:
    response = api.get(f"/files/{file_id}/content")
    if not response.is_success:
        raise Inconclusive(f"could not download {file_id}: {response.status_code} {response.text[:200]}")
    return response.content


def check_fields(rule_id: str, body: Any, fields: dict[str, type], what: str) -> None:
    problems = [f"{name} is {type(body.get(name)).__name__ if name in body else 'missing'}"
                for name, kind in fields.items() if not isinstance(body.get(name), kind)] if isinstance(body, dict) \
        else ["not an object"]
    expect(rule_id, not problems, expected=f"{what} with {', '.join(fields)}", actual=f"{'; '.join(problems)}: {body}")


# -- endpoints and objects ------------------------------------------------------------------------------------------
@pytest.mark.rule(ENDPOINTS)
def test_each_route_answers_its_object(api, rule):
    def answered(response, what):
        expect(rule.id, response.status_code == 200, expected=f"200 from {what}",
               actual=f"{response.status_code} {response.text[:200]}")
        return read(response.json(), None)

    upload = answered(create(api, len(LINES[0])), "create")
    check_fields(rule.id, upload, UPLOAD_FIELDS, "an Upload")
    part = answered(add_part(api, upload["id"], LINES[0]), "add part")
    check_fields(rule.id, part, PART_FIELDS, "a Part")
    expect(rule.id, part["upload_id"] == upload["id"], expected=f"upload_id={upload['id']}",
           actual=part["upload_id"])
    check_fields(rule.id, answered(complete(api, upload["id"], [part["id"]]), "complete"), UPLOAD_FIELDS,
                 "an Upload")
    other = answered(create(api, 10), "create")
    check_fields(rule.id, answered(cancel(api, other["id"]), "cancel"), UPLOAD_FIELDS, "an Upload")


@pytest.mark.rule(OBJECT_TYPE)
def test_object_types_and_statuses(api, rule):
    upload_type, part_type = rule.params["values"]
    statuses = rule.params["statuses"]
    upload = expect_accepted(create(api, len(LINES[0])), rule.id)
    part = expect_accepted(add_part(api, upload["id"], LINES[0]), rule.id)
    done = expect_accepted(complete(api, upload["id"], [part["id"]]), rule.id)
    gone = expect_accepted(cancel(api, expect_accepted(create(api, 10), rule.id)["id"]), rule.id)
    for action, body in (("create", upload), ("complete", done), ("cancel", gone)):
        expect(rule.id, body.get("object") == upload_type and body.get("status") in statuses,
               expected=f"object={upload_type!r} and a status in {statuses} on {action}",
               actual=f"object={body.get('object')!r}, status={body.get('status')!r}")
    expect(rule.id, part.get("object") == part_type, expected=f"object={part_type!r} on add part",
           actual=part.get("object"))


@pytest.mark.rule("uploads.unknown_id")
def test_unknown_ids_are_404(api, rule, endpoint):
    path = endpoint.path(upload_id=UNKNOWN_UPLOAD_ID)
    if path.endswith("/parts"):
        response = add_part(api, UNKNOWN_UPLOAD_ID, LINES[0])
    else:
        response = api.post(path, {"part_ids": []} if path.endswith("/complete") else None)
    expect_rejected(response, rule.id, status=rule.params["status"], why=f"{endpoint} with an id that names nothing")


# -- create: required fields, purpose, MIME type, size ------------------------------------------------------------------
FULL_BODY = {"bytes": 100, "filename": "rulebook-upload.jsonl", "mime_type": "text/jsonl", "purpose": "batch"}


@pytest.mark.rule(REQUIRED_FIELDS)
@pytest.mark.parametrize("missing", list(FULL_BODY))
def test_each_required_field(api, rule, missing):
    assert missing in rule.params["required"]
    body = {name: value for name, value in FULL_BODY.items() if name != missing}
    expect_rejected(api.post(UPLOADS, body), rule.id, param=missing, why=f"no {missing}")


@pytest.mark.rule(REQUIRED_FIELDS)
def test_all_required_fields_create_a_pending_upload(api, rule):
    upload = expect_accepted(api.post(UPLOADS, FULL_BODY), rule.id, why="all four fields")
    expect(rule.id, upload.get("status") == "pending", expected="status 'pending'", actual=upload.get("status"))


@pytest.mark.rule(REQUIRED_FIELDS)
@given(sent=st.sets(st.sampled_from(list(FULL_BODY))))
def test_required_fields_drawn(api, rule, sent):
    response = api.post(UPLOADS, {name: FULL_BODY[name] for name in sorted(sent)})
    missing = sorted(set(rule.params["required"]) - sent)
    if not missing:
        expect_accepted(response, rule.id, why="all four fields")
        return
    error = expect_rejected(response, rule.id, why=f"missing {missing}")
    expect(rule.id, error.get("param") in missing, expected=f"param naming one of {missing}",
           actual=error.get("param"))


def mime_pairs(rulebook_catalog):
    params = rulebook_catalog["uploads.mime_type_matches_purpose"].params
    return dict(zip(params["purposes"], params["accepted"], strict=True))


@pytest.mark.rule("uploads.purpose_values")
def test_each_purpose_is_accepted(api, rule, rulebook_catalog):
    supported = mime_pairs(rulebook_catalog)
    for purpose in rule.params["values"]:
        upload = expect_accepted(create(api, 10, purpose=purpose, mime_type=supported[purpose]), rule.id,
                                 why=f"purpose={purpose}")
        expect(rule.id, upload.get("purpose") == purpose, expected=f"purpose={purpose!r}",
               actual=upload.get("purpose"))


@pytest.mark.rule("uploads.purpose_values")
@pytest.mark.parametrize("purpose", ["user_data", "evals", "Batch", "fine_tune", "batch_output", "assistant"])
def test_other_purposes_are_rejected(api, rule, purpose):
    expect_rejected(create(api, 10, purpose=purpose, mime_type="text/plain"), rule.id, param=rule.params["param"],
                    why=f"purpose={purpose}")


@pytest.mark.rule("uploads.purpose_values")
@given(purpose=st.one_of(st.sampled_from(["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]),
                         st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=12)))
def test_purpose_values_drawn(api, rule, rulebook_catalog, purpose):
    supported = mime_pairs(rulebook_catalog)
    response = create(api, 10, purpose=purpose, mime_type=supported.get(purpose, "text/plain"))
    if purpose in rule.params["values"]:
        expect_accepted(response, rule.id, why=f"purpose={purpose}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"purpose={purpose}")


@pytest.mark.rule("uploads.mime_type_matches_purpose")
def test_supported_mime_types_are_accepted(api, rule):
    for purpose, mime_type in zip(rule.params["purposes"], rule.params["accepted"], strict=True):
        expect_accepted(create(api, 10, purpose=purpose, mime_type=mime_type), rule.id,
                        why=f"mime_type={mime_type} for purpose {purpose}")


@pytest.mark.rule("uploads.mime_type_matches_purpose")
def test_other_mime_types_are_rejected(api, rule):
    for purpose, mime_type in zip(rule.params["rejected_purposes"], rule.params["rejected"], strict=True):
        expect_rejected(create(api, 10, purpose=purpose, mime_type=mime_type), rule.id, param=rule.params["param"],
                        why=f"mime_type={mime_type} for purpose {purpose}")


@pytest.mark.rule("uploads.max_total_bytes")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_total_size_edges(api, rule, delta):
    size = rule.params["max_bytes"] + delta
    response = create(api, size)
    if delta == 0:
        upload = expect_accepted(response, rule.id, why=f"bytes={size}")
        expect(rule.id, upload.get("bytes") == size, expected=f"bytes={size}", actual=upload.get("bytes"))
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"bytes={size}")


@pytest.mark.rule("uploads.max_total_bytes")
@given(delta=st.integers(min_value=-1000, max_value=1000))
def test_total_size_drawn(api, rule, delta):
    size = rule.params["max_bytes"] + delta
    if delta <= 0:
        expect_accepted(create(api, size), rule.id, why=f"bytes={size}")
    else:
        expect_rejected(create(api, size), rule.id, param=rule.params["param"], why=f"bytes={size}")


# -- parts: size (heavy: 64 MB, streamed) -------------------------------------------------------------------------------
def judge_part(api, rule, post_large_file, size: int) -> None:
    upload = opened(api, 2 * rule.params["max_bytes"] + 2)
    response = post_large_file(f"{UPLOADS}/{upload['id']}/parts", field="data", filename="blob", size=size)
    if size <= rule.params["max_bytes"]:
        expect_accepted(response, rule.id, why=f"a part of {size} bytes")
        return
    expect_rejected(response, rule.id, why=f"a part of {size} bytes")
    expect_accepted(add_part(api, upload["id"], LINES[0]), rule.id, why="a small part after the refused one: the "
                    "upload is still pending")


@pytest.mark.rule("uploads.part_max_size")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_part_size_edges(api, rule, post_large_file, delta):
    judge_part(api, rule, post_large_file, rule.params["max_bytes"] + delta)


@pytest.mark.rule("uploads.part_max_size")
@settings(max_examples=4)
@given(delta=st.integers(min_value=-3, max_value=3))
def test_part_size_drawn(api, rule, post_large_file, delta):
    judge_part(api, rule, post_large_file, rule.params["max_bytes"] + delta)


# -- complete: part_ids, order, byte count, the File --------------------------------------------------------------------
@pytest.mark.rule(PART_IDS)
@pytest.mark.parametrize("body", [{}, {"part_ids": None}, {"part_ids": "PART"}, {"part_ids": [1]},
                                  {"part_ids": {"0": "PART"}}],
                         ids=["absent", "null", "a-string", "a-number", "an-object"])
def test_part_ids_must_be_a_list_of_ids(api, rule, body):
    upload, (part_id,) = with_parts(api, LINES[0])
    body = {key: part_id if value == "PART" else {"0": part_id} if isinstance(value, dict) else value
            for key, value in body.items()}
    response = api.post(f"{UPLOADS}/{upload['id']}/complete", body)
    expect_rejected(response, rule.id, param=rule.params["param"], why=f"complete with {body}")
    expect_accepted(complete(api, upload["id"], [part_id]), rule.id, why="a valid complete after the refused one")


@pytest.mark.rule(PART_IDS)
@pytest.mark.parametrize("case", ["unknown", "unknown-after-ours", "twice", "another-uploads"])
def test_part_ids_must_name_this_uploads_parts_once(api, rule, case):
    size = 2 * len(LINES[0]) if case == "twice" else len(LINES[0])
    upload, (part_id,) = with_parts(api, LINES[0], size=size)
    if case == "another-uploads":
        _, (foreign,) = with_parts(api, LINES[0])
        part_ids = [foreign]
    else:
        part_ids = {"unknown": [UNKNOWN_PART_ID], "unknown-after-ours": [part_id, UNKNOWN_PART_ID],
                    "twice": [part_id, part_id]}[case]
    expect_rejected(complete(api, upload["id"], part_ids), rule.id, param=rule.params["param"],
                    why=f"part_ids={part_ids}")
    if case == "twice":  # the upload is still pending: a second distinct part of the same size completes it
        second = _needed(add_part(api, upload["id"], LINES[0]), "add a part")["id"]
        expect_accepted(complete(api, upload["id"], [part_id, second]), rule.id, why="a valid complete afterwards")


@pytest.mark.rule(PART_IDS)
@given(picks=st.lists(st.sampled_from(["first", "second", "unknown"]), min_size=1, max_size=4))
def test_part_ids_drawn(api, rule, picks):
    if "unknown" not in picks and len(set(picks)) == len(picks):
        picks = [*picks, "unknown"]  # only lists that break the rule: a valid one would hang on the byte count
    upload, (first, second) = with_parts(api, LINES[0], LINES[1])
    names = {"first": first, "second": second, "unknown": UNKNOWN_PART_ID}
    part_ids = [names[pick] for pick in picks]
    expect_rejected(complete(api, upload["id"], part_ids), rule.id, param=rule.params["param"],
                    why=f"part_ids={part_ids}")


@pytest.mark.rule(PART_ORDER)
def test_parts_are_joined_in_the_order_listed(api, rule):
    upload, (first, second) = with_parts(api, LINES[0], LINES[1])
    done = expect_accepted(complete(api, upload["id"], [second, first]), rule.id, why="parts listed in reverse")
    if not isinstance(done.get("file"), dict):
        raise Inconclusive("the completed upload names no file to download (uploads.complete_returns_file)")
    content = content_of(api, done["file"]["id"])
    expect(rule.id, content == LINES[1] + LINES[0], expected=f"{LINES[1] + LINES[0]!r}", actual=content)


@pytest.mark.rule(PART_ORDER)
@given(order=st.permutations(range(len(LINES))))
def test_part_order_drawn(api, rule, order):
    upload, part_ids = with_parts(api, *LINES)
    done = expect_accepted(complete(api, upload["id"], [part_ids[i] for i in order]), rule.id,
                           why=f"parts in the order {order}")
    if not isinstance(done.get("file"), dict):
        raise Inconclusive("the completed upload names no file to download (uploads.complete_returns_file)")
    wanted = b"".join(LINES[i] for i in order)
    content = content_of(api, done["file"]["id"])
    expect(rule.id, content == wanted, expected=f"{wanted!r}", actual=content)


@pytest.mark.rule(BYTES_MATCH)
def test_byte_count_must_match_at_the_edges(api, rule):
    declared = len(LINES[2]) + 1
    upload, (main, one, two) = with_parts(api, LINES[2], b"\n", b"\n\n", size=declared)
    for part_ids, total in (([main], declared - 1), ([main, two], declared + 1), ([one, two], 3)):
        expect_rejected(complete(api, upload["id"], part_ids), rule.id,
                        why=f"parts adding up to {total} bytes, {declared} declared")
    expect_accepted(complete(api, upload["id"], [main, one]), rule.id,
                    why=f"parts adding up to {declared} bytes, as declared (the upload stayed pending)")


@pytest.mark.rule(BYTES_MATCH)
@given(declared=st.integers(min_value=1, max_value=len(b"".join(LINES)) + 2),
       chosen=st.lists(st.sampled_from(range(len(LINES))), min_size=1, max_size=3, unique=True))
def test_byte_count_drawn(api, rule, declared, chosen):
    upload, part_ids = with_parts(api, *LINES, size=declared)
    total = sum(len(LINES[i]) for i in chosen)
    response = complete(api, upload["id"], [part_ids[i] for i in chosen])
    why = f"parts adding up to {total} bytes, {declared} declared"
    if total == declared:
        expect_accepted(response, rule.id, why=why)
    else:
        expect_rejected(response, rule.id, why=why)


@pytest.mark.rule(RETURNS_FILE)
def test_complete_returns_the_file(api, rule):
    upload, part_ids = with_parts(api, LINES[0], LINES[1])
    done = expect_accepted(complete(api, upload["id"], part_ids), rule.id)
    file = done.get("file")
    expect(rule.id, done.get("status") == rule.params["status"], expected=f"status {rule.params['status']!r}",
           actual=done.get("status"))
    expect(rule.id, isinstance(file, dict) and file.get("object") == "file" and isinstance(file.get("id"), str),
           expected="a nested file object", actual=file)
    mismatched = {key: (file.get(key), upload[key]) for key in ("bytes", "filename", "purpose")
                  if file.get(key) != upload[key]}
    expect(rule.id, not mismatched, expected="the file's bytes, filename and purpose as the upload's",
           actual=mismatched)


# -- cancel, expiry, and no parts after the end --------------------------------------------------------------------------
@pytest.mark.rule(CANCEL)
def test_cancel_a_pending_upload_once(api, rule):
    upload = opened(api, 10)
    cancelled = expect_accepted(cancel(api, upload["id"]), rule.id, why="cancelling a pending upload")
    expect(rule.id, cancelled.get("status") == rule.params["status"] and cancelled.get("id") == upload["id"],
           expected=f"the upload, status {rule.params['status']!r}", actual=cancelled)
    expect_rejected(cancel(api, upload["id"]), rule.id, why="cancelling it a second time")


@pytest.mark.rule(CANCEL)
def test_cancel_a_completed_upload_is_rejected(api, rule):
    done = completed(api, LINES[0])
    expect_rejected(cancel(api, done["id"]), rule.id, why="cancelling a completed upload")


@pytest.mark.rule(EXPIRY)
def test_expires_an_hour_after_creation(api, rule):
    upload = expect_accepted(create(api, 10), rule.id)
    expect(rule.id, upload.get("expires_at") == upload["created_at"] + rule.params["seconds"],
           expected=f"expires_at = created_at + {rule.params['seconds']}", actual=upload.get("expires_at"))


@pytest.mark.rule(EXPIRY)
def test_expired_upload_takes_no_part_and_no_complete(api, rule, server_clock):
    upload, (part_id,) = with_parts(api, LINES[0], size=2 * len(LINES[0]))
    # a margin on each side: the API's clock runs on between requests, so "a second before" may already be after
    server_clock.advance(rule.params["seconds"] - 30)
    part = expect_accepted(add_part(api, upload["id"], LINES[0]), rule.id, why="a part 30 s before expires_at")
    server_clock.advance(60)
    expect_rejected(add_part(api, upload["id"], LINES[0]), rule.id, why="a part 30 s after expires_at")
    expect_rejected(complete(api, upload["id"], [part_id, part["id"]]), rule.id,
                    why="completing it 30 s after expires_at")


@pytest.mark.rule(NO_PARTS_AFTER_COMPLETE)
def test_no_part_after_complete(api, rule):
    done = completed(api, LINES[0])
    expect_rejected(add_part(api, done["id"], LINES[1]), rule.id, why="a part for a completed upload")
    if isinstance(done.get("file"), dict):
        file = expect_accepted(api.get(f"/files/{done['file']['id']}"), rule.id)
        expect(rule.id, file.get("bytes") == done["file"]["bytes"], expected=f"the file still {done['file']['bytes']}"
               " bytes", actual=file.get("bytes"))


@pytest.mark.rule(NO_PARTS_AFTER_CANCEL)
def test_no_part_after_cancel(api, rule):
    upload = opened(api, 10)
    _needed(cancel(api, upload["id"]), "cancel an upload")
    expect_rejected(add_part(api, upload["id"], LINES[0]), rule.id, why="a part for a cancelled upload")


# -- the lifecycle, as a state machine -------------------------------------------------------------------------------
@dataclass
class Tracked:
    """What the machine knows of one Upload: its model state, its parts, and the last Upload object seen."""

    id: str
    declared: int
    plan: list[bytes]
    last: dict[str, Any]
    status: str = "pending"
    parts: dict[str, bytes] = field(default_factory=dict)
    #: a cancel was tried after it finished (once is enough to see it refused)
    refused_cancel: bool = False

    @property
    def expires_at(self) -> int:
        return self.last["created_at"] + 3600


class UploadLifecycle(RuleBasedStateMachine):
    """Create, add parts, complete, cancel and let time pass, in any order; forbidden moves must be refused.

    Each check names the rule it serves, so that a server breaking one rule fails that rule alone.
    """

    def __init__(self, api, server_clock, statuses: list[str]) -> None:
        super().__init__()
        self.api, self.clock, self.statuses = api, server_clock, statuses
        self.uploads: list[Tracked] = []
        self.now = 0  #: the server's time as far as the machine knows: the latest created_at, plus time let pass

    def expired(self, upload: Tracked) -> bool:
        return upload.status == "pending" and self.now >= upload.expires_at

    def open_uploads(self) -> list[Tracked]:
        return [upload for upload in self.uploads if upload.status == "pending"]

    @initialize(plan=st.lists(st.sampled_from(LINES), min_size=1, max_size=3))
    def start_with_all_parts_sent(self, plan: list[bytes]) -> None:
        """Every run starts with an upload holding its planned parts: one complete away from done."""
        self.create(plan)
        self.send_planned_parts(self.uploads[0])

    @precondition(lambda self: len(self.uploads) < 3)
    @rule(plan=st.lists(st.sampled_from(LINES), min_size=1, max_size=3))
    def create(self, plan: list[bytes]) -> None:
        declared = sum(map(len, plan))
        upload = expect_accepted(create(self.api, declared), ENDPOINTS, why=f"creating an upload of {declared} bytes")
        expect(REQUIRED_FIELDS, upload.get("status") == "pending", expected="a new upload is pending",
               actual=upload.get("status"))
        self.now = max(self.now, upload["created_at"])
        self.uploads.append(Tracked(upload["id"], declared, list(plan), upload))

    def send_part(self, upload: Tracked, line: bytes) -> None:
        """Add ``line`` to ``upload``: refused unless the upload is pending and unexpired, under the rule that says so."""
        response = add_part(self.api, upload.id, line)
        why = f"a part for a {'expired' if self.expired(upload) else upload.status} upload"
        event(why)
        if upload.status == "completed":
            expect_rejected(response, NO_PARTS_AFTER_COMPLETE, why=why)
        elif upload.status == "cancelled":
            expect_rejected(response, NO_PARTS_AFTER_CANCEL, why=why)
        elif self.expired(upload):
            expect_rejected(response, EXPIRY, why=why)
        else:
            part = expect_accepted(response, ENDPOINTS, why=why)
            expect(ENDPOINTS, part.get("upload_id") == upload.id, expected=f"upload_id={upload.id}",
                   actual=part.get("upload_id"))
            expect(OBJECT_TYPE, part.get("object") == "upload.part", expected="object='upload.part'",
                   actual=part.get("object"))
            upload.parts[part["id"]] = line

    @precondition(lambda self: any(len(upload.parts) < len(upload.plan) for upload in self.uploads))
    @rule(data=st.data())
    def add_planned_parts(self, data: st.DataObject) -> None:
        """Every part of the plan not sent yet: the way to an upload that can complete."""
        self.send_planned_parts(data.draw(st.sampled_from(
            [upload for upload in self.uploads if len(upload.parts) < len(upload.plan)])))

    def send_planned_parts(self, upload: Tracked) -> None:
        for line in upload.plan[len(upload.parts):]:
            self.send_part(upload, line)

    @precondition(lambda self: self.uploads)
    @rule(data=st.data(), line=st.sampled_from(LINES))
    def add_extra_part(self, data: st.DataObject, line: bytes) -> None:
        """A part the plan does not have: the byte count no longer matches unless it is left out."""
        self.send_part(data.draw(st.sampled_from(self.uploads)), line)

    @precondition(lambda self: any(upload.status == "pending" for upload in self.uploads))
    @rule(data=st.data(), some=st.sampled_from([False, False, False, True]),
          spoil=st.sampled_from([None, None, None, None, "unknown", "twice"]))
    def complete(self, data: st.DataObject, some: bool, spoil: str | None) -> None:
        """All parts or (``some``) a part of them, in any order; ``spoil`` adds an unknown id or repeats one."""
        upload = data.draw(st.sampled_from(self.open_uploads()))
        ids = data.draw(st.permutations(list(upload.parts)))
        if some:
            ids = ids[: data.draw(st.integers(min_value=0, max_value=len(ids)))]
        if spoil == "unknown":
            ids = [*ids, UNKNOWN_PART_ID]
        elif spoil == "twice" and ids:
            ids = [*ids, ids[0]]
        total = sum(len(upload.parts.get(part_id, b"")) for part_id in ids)
        response = complete(self.api, upload.id, ids)
        spoiled = spoil == "unknown" or (spoil == "twice" and len(ids) > len(set(ids)))
        event("complete: " + ("expired" if self.expired(upload) else f"spoiled ({spoil})" if spoiled else
                              "wrong byte count" if total != upload.declared else "accepted"))
        if self.expired(upload):
            expect_rejected(response, EXPIRY, why="completing an expired upload")
        elif spoiled:
            expect_rejected(response, PART_IDS, why=f"part_ids={ids}")
        elif total != upload.declared:
            expect_rejected(response, BYTES_MATCH, why=f"parts adding up to {total} bytes, {upload.declared} declared")
        else:
            body = expect_accepted(response, ENDPOINTS, why=f"completing with part_ids={ids}")
            file = body.get("file")
            expect(RETURNS_FILE, body.get("status") == "completed" and isinstance(file, dict),
                   expected="status 'completed' and the nested file", actual=body)
            upload.status, upload.last = "completed", body
            download = self.api.get(f"/files/{file['id']}/content")
            if download.is_success:  # a refused download is not this rule's to judge
                wanted = b"".join(upload.parts[part_id] for part_id in ids)
                expect(PART_ORDER, download.content == wanted, expected=f"{wanted!r}", actual=download.content)

    def cancellable(self) -> list[Tracked]:
        """Uploads worth cancelling: unexpired (the rules are silent on expired ones), and each finished one once."""
        return [upload for upload in self.uploads
                if not self.expired(upload) and (upload.status == "pending" or not upload.refused_cancel)]

    @precondition(lambda self: self.cancellable())
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        upload = data.draw(st.sampled_from(self.cancellable()))
        upload.refused_cancel = upload.status != "pending"
        response = cancel(self.api, upload.id)
        event(f"cancel a {upload.status} upload")
        if upload.status != "pending":
            expect_rejected(response, CANCEL, why=f"cancelling a {upload.status} upload")
            return
        body = expect_accepted(response, CANCEL, why="cancelling a pending upload")
        expect(CANCEL, body.get("status") == "cancelled", expected="status 'cancelled'", actual=body.get("status"))
        upload.status, upload.last = "cancelled", body

    @precondition(lambda self: self.uploads and self.clock.can_jump)
    @rule(seconds=st.sampled_from([1, 1, 1, 1801, 3601]))  # never exactly expires_at: "once that time passes"
    def let_time_pass(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.now += seconds

    @invariant()
    def uploads_are_consistent(self) -> None:
        for upload in self.uploads:
            last = upload.last
            expect(OBJECT_TYPE, last.get("object") == "upload" and last.get("status") in self.statuses,
                   expected=f"object 'upload', a status in {self.statuses}",
                   actual=f"object={last.get('object')!r}, status={last.get('status')!r}")
            expect(EXPIRY, last.get("expires_at") == last.get("created_at", 0) + 3600,
                   expected="expires_at = created_at + 3600", actual=last.get("expires_at"))
            file = last.get("file")
            expect(RETURNS_FILE, (file is not None) == (last.get("status") == "completed"),
                   expected="a file exactly when completed", actual=f"status={last.get('status')!r}, file={file}")
            expect(RETURNS_FILE, file is None or file.get("bytes") == upload.declared == last.get("bytes"),
                   expected=f"bytes {upload.declared} on the upload and its file", actual=last)


@pytest.mark.rule(ENDPOINTS, OBJECT_TYPE, REQUIRED_FIELDS, PART_IDS, PART_ORDER, BYTES_MATCH, RETURNS_FILE, CANCEL,
                  EXPIRY, NO_PARTS_AFTER_COMPLETE, NO_PARTS_AFTER_CANCEL)
def test_upload_lifecycle(api, server_clock, rulebook_catalog):
    statuses = rulebook_catalog[OBJECT_TYPE].params["statuses"]
    run_state_machine_as_test(lambda: UploadLifecycle(api, server_clock, statuses),
                              settings=settings(max_examples=2 * settings.default.max_examples, stateful_step_count=15))

