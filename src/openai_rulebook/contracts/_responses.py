"""The checks: what each contract rule's statement says about one response, and nothing more.

A missing field or a null where the rule wants a value is a violation, never a TypeError: bodies are read with
``.get`` and type tests throughout.
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract


# -- shared readings ------------------------------------------------------------------------------------------------
def _object(seen: Seen) -> dict[str, Any]:
    return seen.body if isinstance(seen.body, dict) else {}


def _is_collection(seen: Seen) -> bool:
    """A GET on a path that ends with a literal segment (``/files``, ``/vector_stores/{id}/files``) lists."""
    method, path = (seen.endpoint or " ").split(" ", 1)
    return method == "GET" and not path.rstrip("/").endswith("}")


def _expected_object(rule: Rule, seen: Seen) -> str:
    """Which of the rule's ``values`` this endpoint answers with: deletions, lists, else the object's own type."""
    values = [str(value) for value in rule.params["values"]]
    if seen.endpoint and seen.endpoint.startswith("DELETE "):
        return next((value for value in values if value.endswith(".deleted")), values[0])
    if _is_collection(seen) and "list" in values:
        return "list"
    return values[0]


def _items(seen: Seen) -> list[Any]:
    data = _object(seen).get("data")
    return data if isinstance(data, list) else []


def _check_object_type(rule: Rule, seen: Seen, *, status_of_items: bool = True) -> None:
    body = _object(seen)
    expected = _expected_object(rule, seen)
    expect(rule.id, body.get("object") == expected, expected=f"object={expected!r} from {seen.endpoint}",
           actual=body.get("object"))
    statuses = rule.params.get("statuses")
    if expected == "list":
        item_type = str(rule.params["values"][0])
        for index, item in enumerate(_items(seen)):
            item = item if isinstance(item, dict) else {}
            expect(rule.id, item.get("object") == item_type, expected=f"data[{index}].object={item_type!r}",
                   actual=item.get("object"))
            if statuses and status_of_items:
                expect(rule.id, item.get("status") in statuses, expected=f"data[{index}].status in {statuses}",
                       actual=item.get("status"))
    elif statuses and not expected.endswith(".deleted"):
        expect(rule.id, body.get("status") in statuses, expected=f"status in {statuses}", actual=body.get("status"))


def _check_deleted(rule: Rule, seen: Seen, id_name: str) -> None:
    body = _object(seen)
    expect(rule.id, body.get("deleted") is True, expected="deleted: true", actual=body.get("deleted"))
    expect(rule.id, body.get("id") == seen.ids.get(id_name), expected=f"id {seen.ids.get(id_name)!r}",
           actual=body.get("id"))


def _multipart_field(seen: Seen, name: str) -> Any:
    """A text field of a recorded multipart body; None when absent or not recorded."""
    parts = seen.request_body.get("multipart") if isinstance(seen.request_body, dict) else None
    return next((part.get("value") for part in parts or () if part.get("name") == name), None)


def _sent_json(seen: Seen) -> dict[str, Any]:
    return seen.request_body if isinstance(seen.request_body, dict) and "multipart" not in seen.request_body else {}


# -- errors ---------------------------------------------------------------------------------------------------------
@contract("errors.envelope", statuses="client_error", any_endpoint=True)
def error_envelope(rule: Rule, seen: Seen) -> None:
    """Every 4xx carries {"error": {message, type, param, code}}: the statement covers all endpoints."""
    error = _object(seen).get("error")
    expect(rule.id, isinstance(error, dict), expected='a JSON body {"error": {...}}', actual=seen.body)
    assert isinstance(error, dict)
    for name in ("message", "type"):
        expect(rule.id, isinstance(error.get(name), str), expected=f"error.{name} a string", actual=error.get(name))
    for name in ("param", "code"):
        expect(rule.id, name in error and (error[name] is None or isinstance(error[name], str)),
               expected=f"error.{name} a string or null", actual=error.get(name, "(absent)"))


# -- object types -----------------------------------------------------------------------------------------------------
@contract("vector_stores.object_type")
def vector_store_object_type(rule: Rule, seen: Seen) -> None:
    _check_object_type(rule, seen)


@contract("files.object_type")
def file_object_type(rule: Rule, seen: Seen) -> None:
    """A deletion says object 'file' with deleted: true (the spec's DeleteFileResponse)."""
    if seen.endpoint and seen.endpoint.startswith("DELETE "):
        expect(rule.id, _object(seen).get("object") == "file", expected="object='file' on deletion",
               actual=_object(seen).get("object"))
        _check_deleted(rule, seen, "file_id")
        return
    _check_object_type(rule, seen)


@contract("uploads.object_type")
def upload_object_type(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    expected = "upload.part" if (seen.endpoint or "").endswith("/parts") else "upload"
    expect(rule.id, body.get("object") == expected, expected=f"object={expected!r}", actual=body.get("object"))
    if expected == "upload":
        statuses = rule.params["statuses"]
        expect(rule.id, body.get("status") in statuses, expected=f"status in {statuses}", actual=body.get("status"))


@contract("batches.object_type")
def batch_object_type(rule: Rule, seen: Seen) -> None:
    _check_object_type(rule, seen)


@contract("vector_store_files.object_type")
def vector_store_file_object_type(rule: Rule, seen: Seen) -> None:
    _check_object_type(rule, seen)
    if seen.endpoint and seen.endpoint.startswith("DELETE "):
        _check_deleted(rule, seen, "file_id")


@contract("vector_store_file_batches.object_type")
def file_batch_object_type(rule: Rule, seen: Seen) -> None:
    _check_object_type(rule, seen)


@contract("vector_store_files.content")
def vector_store_file_content(rule: Rule, seen: Seen) -> None:
    """The page's type; whether its text is the file's needs the file (a lifecycle the suites check)."""
    expected = rule.params["values"][0]
    expect(rule.id, _object(seen).get("object") == expected, expected=f"object={expected!r}",
           actual=_object(seen).get("object"))


# -- endpoints answer with their objects ------------------------------------------------------------------------------
@contract("vector_stores.create_endpoint", when=lambda seen: seen.request_body in ({}, None))
def vector_store_created_from_empty_body(rule: Rule, seen: Seen) -> None:
    expect(rule.id, _object(seen).get("object") == "vector_store", expected="a vector_store object",
           actual=_object(seen).get("object"))


@contract("files.endpoints_exist")
def file_endpoints(rule: Rule, seen: Seen) -> None:
    """The only documented success status is 200."""
    expected = "list" if _is_collection(seen) else "file"
    expect(rule.id, seen.status == 200, expected="status 200", actual=seen.status)
    expect(rule.id, _object(seen).get("object") == expected, expected=f"a {expected!r} object",
           actual=_object(seen).get("object"))


_UPLOAD_FIELDS = ("id", "bytes", "created_at", "filename", "purpose", "status", "expires_at")
_PART_FIELDS = ("id", "object", "created_at", "upload_id")


@contract("uploads.endpoints_exist")
def upload_endpoints(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    is_part = (seen.endpoint or "").endswith("/parts")
    missing = [name for name in (_PART_FIELDS if is_part else _UPLOAD_FIELDS) if body.get(name) is None]
    expect(rule.id, seen.status == 200 and not missing, expected="status 200 and every required field",
           actual=f"status {seen.status}, missing or null: {missing}")
    if is_part:
        expect(rule.id, body.get("upload_id") == seen.ids.get("upload_id"),
               expected=f"upload_id {seen.ids.get('upload_id')!r}", actual=body.get("upload_id"))


@contract("uploads.complete_returns_file")
def upload_complete_returns_file(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    expect(rule.id, body.get("status") == rule.params["status"], expected=f"status {rule.params['status']!r}",
           actual=body.get("status"))
    file = body.get("file") if isinstance(body.get("file"), dict) else {}
    differ = [name for name in ("bytes", "filename", "purpose") if file.get(name) != body.get(name)]
    expect(rule.id, not differ, expected="file.bytes/filename/purpose equal to the Upload's",
           actual=f"differ: {differ}")


@contract("batches.endpoints_exist", when=lambda seen: (seen.endpoint or "").startswith("POST "))
def batch_created_validating(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    expect(rule.id, body.get("object") == "batch" and body.get("status") == rule.params["status"],
           expected=f"a batch in status {rule.params['status']!r}", actual=(body.get("object"), body.get("status")))


@contract("vector_store_files.endpoints_exist")
def vector_store_file_endpoints(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    if (seen.endpoint or "").startswith("DELETE "):
        _check_deleted(rule, seen, "file_id")
        return
    file_id = seen.ids.get("file_id") or _sent_json(seen).get("file_id")
    expect(rule.id, body.get("id") == file_id, expected=f"id {file_id!r} (the file's)", actual=body.get("id"))
    store = seen.ids.get("vector_store_id")
    expect(rule.id, body.get("vector_store_id") == store, expected=f"vector_store_id {store!r}",
           actual=body.get("vector_store_id"))


def _sent_file_ids(seen: Seen) -> set[str] | None:
    sent = _sent_json(seen)
    if isinstance(sent.get("file_ids"), list):
        return {str(file_id) for file_id in sent["file_ids"]}
    if isinstance(sent.get("files"), list):
        return {str(entry.get("file_id")) for entry in sent["files"] if isinstance(entry, dict)}
    return None


@contract("vector_store_file_batches.endpoint_exists", when=lambda seen: _sent_file_ids(seen) is not None)
def file_batch_created(rule: Rule, seen: Seen) -> None:
    """The listing of the batch's files is another request: only the store and the count are judged here."""
    body = _object(seen)
    store = seen.ids.get("vector_store_id")
    expect(rule.id, body.get("vector_store_id") == store, expected=f"vector_store_id {store!r}",
           actual=body.get("vector_store_id"))
    sent = _sent_file_ids(seen) or set()
    counts = body.get("file_counts") if isinstance(body.get("file_counts"), dict) else {}
    expect(rule.id, counts.get("total") == len(sent), expected=f"file_counts.total {len(sent)} (distinct files sent)",
           actual=counts.get("total"))


# -- counts ---------------------------------------------------------------------------------------------------------
_COUNTED = ("in_progress", "completed", "failed", "cancelled")


def _check_counts(rule: Rule, body: dict[str, Any], *, idle_status: str | None) -> None:
    """``file_counts`` add up; the status is in_progress exactly while a file is (``idle_status``: unless so)."""
    counts = body.get("file_counts") if isinstance(body.get("file_counts"), dict) else {}
    numbers = [counts.get(name) for name in _COUNTED]
    expect(rule.id, all(isinstance(n, int) for n in numbers) and sum(numbers) == counts.get("total"),
           expected="file_counts in_progress+completed+failed+cancelled == total", actual=counts)
    busy = counts.get("in_progress", 0) > 0
    status = body.get("status")
    if idle_status is not None and status == idle_status:
        return
    expect(rule.id, (status == "in_progress") == busy,
           expected=f"status in_progress exactly while a file is ({counts.get('in_progress')} in progress)",
           actual=status)


@contract("vector_stores.file_counts", when=lambda seen: "file_counts" in _object(seen))
def vector_store_counts(rule: Rule, seen: Seen) -> None:
    _check_counts(rule, _object(seen), idle_status="expired")


@contract("vector_store_file_batches.file_counts", when=lambda seen: "file_counts" in _object(seen))
def file_batch_counts(rule: Rule, seen: Seen) -> None:
    _check_counts(rule, _object(seen), idle_status="cancelled")


# -- lists ----------------------------------------------------------------------------------------------------------
def _check_page(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    items = [item if isinstance(item, dict) else {} for item in _items(seen)]
    first, last = (items[0].get("id"), items[-1].get("id")) if items else (None, None)
    expect(rule.id, isinstance(body.get("data"), list), expected="a data array", actual=body.get("data"))
    expect(rule.id, body.get("first_id") == first and body.get("last_id") == last,
           expected=f"first_id {first!r}, last_id {last!r} (the page's ends)",
           actual=f"first_id {body.get('first_id')!r}, last_id {body.get('last_id')!r}")
    expect(rule.id, isinstance(body.get("has_more"), bool), expected="has_more a boolean", actual=body.get("has_more"))


def _check_default_limit(rule: Rule, seen: Seen) -> None:
    count, default = len(_items(seen)), rule.params["default"]
    expect(rule.id, count <= default, expected=f"at most {default} items without limit", actual=count)
    if _object(seen).get("has_more") is True:
        expect(rule.id, count == default, expected=f"exactly {default} items when more exist", actual=count)


def _check_default_order(rule: Rule, seen: Seen) -> None:
    """Newest first; ties (whole seconds) in any order."""
    stamps = [item.get("created_at") if isinstance(item, dict) else None for item in _items(seen)]
    expect(rule.id, all(isinstance(stamp, int) for stamp in stamps) and stamps == sorted(stamps, reverse=True),
           expected="created_at non-increasing (newest first)", actual=stamps)


def _collection(seen: Seen) -> bool:
    return _is_collection(seen)


def _without(name: str) -> Any:
    return lambda seen: _is_collection(seen) and name not in seen.query


contract("vector_stores.list.cursor_pagination", when=_collection)(_check_page)
contract("vector_store_files.list.cursor_pagination", when=_collection)(_check_page)
contract("vector_stores.list.limit_default", when=_without("limit"))(_check_default_limit)
contract("vector_store_files.list.limit_default", when=_without("limit"))(_check_default_limit)
contract("vector_stores.list.order_default", when=_without("order"))(_check_default_order)
contract("vector_store_files.list.order_default", when=_without("order"))(_check_default_order)


# -- files -------------------------------------------------------------------------------------------------------------
@contract("files.list.purpose_filter", when=lambda seen: isinstance(seen.query.get("purpose"), str))
def files_of_purpose(rule: Rule, seen: Seen) -> None:
    purpose = seen.query["purpose"]
    others = [item.get("purpose") for item in _items(seen) if isinstance(item, dict) and item.get("purpose") != purpose]
    expect(rule.id, not others, expected=f"only files of purpose {purpose!r}", actual=others)


def _uploaded_purpose(seen: Seen) -> Any:
    return _multipart_field(seen, "purpose")


@contract("files.batch_default_expiry",
          when=lambda seen: _uploaded_purpose(seen) is not None and _multipart_field(seen, "expires_after[anchor]") is None)
def file_default_expiry(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    created, expires = body.get("created_at"), body.get("expires_at")
    if _uploaded_purpose(seen) == rule.params["purpose"]:
        wanted = created + rule.params["seconds"] if isinstance(created, int) else "created_at + seconds"
        expect(rule.id, expires == wanted, expected=f"expires_at {wanted}", actual=expires)
    else:
        expect(rule.id, expires is None, expected="expires_at null (no expiry)", actual=expires)


# -- search ----------------------------------------------------------------------------------------------------------
@contract("vector_stores.search.endpoint_exists")
def search_page(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    expected = rule.params["values"][0]
    expect(rule.id, body.get("object") == expected, expected=f"object={expected!r}", actual=body.get("object"))
    missing = [name for name in ("search_query", "data", "has_more") if name not in body]
    expect(rule.id, not missing, expected="search_query, data and has_more", actual=f"missing {missing}")


@contract("vector_stores.search.results_ranked")
def search_ranked(rule: Rule, seen: Seen) -> None:
    results = [item if isinstance(item, dict) else {} for item in _items(seen)]
    scores = [item.get("score") for item in results]
    low, high = rule.params["min"], rule.params["max"]
    expect(rule.id, all(isinstance(s, (int, float)) and low <= s <= high for s in scores),
           expected=f"every score from {low} to {high}", actual=scores)
    expect(rule.id, scores == sorted(scores, reverse=True), expected="scores highest first", actual=scores)
    for index, item in enumerate(results):
        missing = [name for name in ("file_id", "filename", "attributes", "content") if name not in item]
        expect(rule.id, not missing, expected=f"data[{index}] names its file and content", actual=f"missing {missing}")
        content = item.get("content") if isinstance(item.get("content"), list) else []
        expect(rule.id, all(isinstance(c, dict) and c.get("type") == "text" for c in content),
               expected=f"data[{index}].content text items", actual=content)
