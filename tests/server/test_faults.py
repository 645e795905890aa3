"""Faults: a registry that refuses duplicates, and each fault breaks its own rule and no other.

The matrix test runs one probe per catalog rule against a server with each fault in turn: exactly the probe of the
fault's rule must fail. Probes judge status codes and data, and look at ``param`` only when the envelope is there,
so that the envelope's own fault does not make every other probe fail.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from openai_rulebook.errors import CatalogError
from openai_rulebook.server.areas import ROUTERS
from openai_rulebook.server import FAULTS, Fault, FrozenClock, ServerState, create_app
from openai_rulebook.server.core.faults import register
from openai_rulebook.server.files.stored import add_file

from .responses_probes import RESPONSES_PROBES

STORES = "/v1/vector_stores"


@dataclass
class Server:
    api: httpx.Client
    anonymous: httpx.Client
    state: ServerState

    @property
    def clock(self) -> FrozenClock:
        assert isinstance(self.state.clock, FrozenClock)
        return self.state.clock

    def create(self, **body: Any) -> dict[str, Any]:
        """Create a store; probes other than create_endpoint's always send a field, as real callers do."""
        response = self.api.post(STORES, json={"name": "probe", **body})
        assert response.status_code == 200, response.text
        return response.json()


def refused(response, status=400, param=None):
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = response.json()
    if "error" in body:
        assert body["error"]["param"] == param, body


def accepted(response):
    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.text}"
    return response.json()


def listed(server, **query):
    return [store["id"] for store in accepted(server.api.get(STORES, params=query))["data"]]


# -- one probe per rule: it passes while the server obeys the rule ----------------------------------------------------


def probe_header_required(server: Server):
    refused(server.anonymous.get(STORES), 401)


def probe_bearer_scheme(server: Server):
    for value in ("Basic c2s=", "sk-bare", "Bearer a b"):
        refused(server.anonymous.get(STORES, headers={"Authorization": value}), 401)
    accepted(server.anonymous.get(STORES, headers={"Authorization": "bearer sk-x"}))


def probe_json_content_type(server: Server):
    body = b'{"name": "probe"}'
    refused(server.api.post(STORES, content=body, headers={"Content-Type": "text/plain"}))
    accepted(server.api.post(STORES, content=body, headers={"Content-Type": "application/json; charset=utf-8"}))


def probe_envelope(server: Server):
    # not a 401: the auth faults would turn it into a 200 (the 401's envelope is test_auth's)
    for response in (server.api.get(f"{STORES}/vs_nope"), server.api.get(STORES, params={"limit": "x"}),
                     server.api.put(STORES), server.api.post(STORES, json={"nope": 1})):
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body


def metadata_probe(good: dict, bad: dict) -> Callable[[Server], None]:
    def probe(server: Server):
        store_id = accepted(server.api.post(STORES, json={"metadata": good}))["id"]
        refused(server.api.post(STORES, json={"metadata": bad}), param="metadata")
        accepted(server.api.post(f"{STORES}/{store_id}", json={"metadata": good}))
        refused(server.api.post(f"{STORES}/{store_id}", json={"metadata": bad}), param="metadata")

    return probe


def probe_limit_range(server: Server):
    for limit in (0, 101):
        refused(server.api.get(STORES, params={"limit": limit}), param="limit")
    for limit in (1, 100):
        accepted(server.api.get(STORES, params={"limit": limit}))


def probe_limit_default(server: Server):
    for _ in range(21):
        server.create()
    body = accepted(server.api.get(STORES))
    assert len(body["data"]) == 20 and body["has_more"]


def probe_order_values(server: Server):
    refused(server.api.get(STORES, params={"order": "sideways"}), param="order")
    accepted(server.api.get(STORES, params={"order": "asc"}))


def probe_order_default(server: Server):
    older = server.create()["id"]
    server.clock.advance(1)
    newer = server.create()["id"]
    assert listed(server) == [newer, older]


def probe_cursor_pagination(server: Server):
    ids = [server.create()["id"] for _ in range(5)]
    for order, expected in (("asc", ids), ("desc", ids[::-1])):
        seen, query = [], {"order": order, "limit": 2}
        for _ in range(5):
            body = accepted(server.api.get(STORES, params=query))
            seen += [store["id"] for store in body["data"]]
            if not body["has_more"]:
                break
            query["after"] = body["last_id"]
        assert seen == expected
        assert listed(server, order=order, limit=2, before=expected[3]) == expected[1:3]


def probe_create_endpoint(server: Server):
    for response in (server.api.post(STORES, json={}), server.api.post(STORES)):
        assert accepted(response)["object"] in ("vector_store", "vectorstore")  # the type is object_type's business


def probe_object_type(server: Server):
    store = server.create()
    assert store["object"] == "vector_store"
    assert accepted(server.api.get(STORES))["object"] == "list"
    assert accepted(server.api.delete(f"{STORES}/{store['id']}"))["object"] == "vector_store.deleted"


PROBES: dict[str, Callable[[Server], None]] = {
    "auth.header_required": probe_header_required,
    "auth.bearer_scheme": probe_bearer_scheme,
    "requests.json_content_type": probe_json_content_type,
    "errors.envelope": probe_envelope,
    "metadata.key_length": metadata_probe({"k" * 64: "v"}, {"k" * 65: "v"}),
    "metadata.value_length": metadata_probe({"k": "v" * 512}, {"k": "v" * 513}),
    "metadata.value_type": metadata_probe({"k": "7"}, {"k": 7}),
    "metadata.max_pairs": metadata_probe({f"k{i}": "v" for i in range(16)}, {f"k{i}": "v" for i in range(17)}),
    "vector_stores.list.limit_range": probe_limit_range,
    "vector_stores.list.limit_default": probe_limit_default,
    "vector_stores.list.order_values": probe_order_values,
    "vector_stores.list.order_default": probe_order_default,
    "vector_stores.list.cursor_pagination": probe_cursor_pagination,
    "vector_stores.object_type": probe_object_type,
    "vector_stores.create_endpoint": probe_create_endpoint,
}


# -- batches: probes that build input files in the server's state (no files route needed) -----------------------------
BATCHES = "/v1/batches"
#: a rulebook endpoint without the embeddings' input limit, so that 50,001 requests break one rule only
CHAT = "/v1/chat/completions"
EMBEDDINGS = "/v1/embeddings"


def batch_line(custom_id: str, *, url: str = CHAT, method: str = "POST", body: Any = None) -> str:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]} if body is None else body
    return json.dumps({"custom_id": custom_id, "method": method, "url": url, "body": body})


def batch_jsonl(*lines: str) -> bytes:
    return "".join(f"{text}\n" for text in lines).encode()


@functools.cache
def requests_over_the_limit() -> bytes:
    """50,001 chat requests (about 6 MB), built once for every round of the matrix."""
    return batch_jsonl(*(batch_line(f"r{index}") for index in range(50_001)))


def send_batch(server: Server, content: bytes = b"", *, purpose: str = "batch", **body: Any) -> httpx.Response:
    content = content or batch_jsonl(batch_line("a"), batch_line("b"))
    file_id = add_file(server.state, filename="in.jsonl", purpose=purpose, size=len(content), content=content).id
    return server.api.post(BATCHES, json={"input_file_id": file_id, "endpoint": CHAT,
                                          "completion_window": "24h", **body})


def batch_after(server: Server, batch_id: str, seconds: int) -> dict[str, Any]:
    server.clock.advance(seconds)
    return accepted(server.api.get(f"{BATCHES}/{batch_id}"))


def validation_probe(good: bytes | None, bad: bytes, endpoint: str = CHAT) -> Callable[[Server], None]:
    """The bad input fails its validation (failed, never in_progress); the good one, if given, passes it."""

    def probe(server: Server):
        bad_batch = accepted(send_batch(server, bad, endpoint=endpoint))
        assert batch_after(server, bad_batch["id"], 1)["status"] == "failed"
        if good is not None:
            good_batch = accepted(send_batch(server, good, endpoint=endpoint))
            assert batch_after(server, good_batch["id"], 1)["status"] in ("in_progress", "finalizing")

    return probe


def probe_batch_endpoints_exist(server: Server):
    created = accepted(send_batch(server))
    assert created["status"] == "validating"
    assert accepted(server.api.get(f"{BATCHES}/{created['id']}"))["id"] == created["id"]


def probe_batch_object_type(server: Server):
    created = accepted(send_batch(server))
    page = accepted(server.api.get(BATCHES))
    cancelled = accepted(server.api.post(f"{BATCHES}/{created['id']}/cancel"))
    assert created["object"] == cancelled["object"] == "batch" and page["object"] == "list"
    assert [item["object"] for item in page["data"]] == ["batch"]


def probe_batch_unknown_id(server: Server):
    refused(server.api.get(f"{BATCHES}/batch_nope"), 404)
    refused(server.api.post(f"{BATCHES}/batch_nope/cancel"), 404)


def probe_batch_input_file_id_required(server: Server):
    for missing in ("input_file_id", "endpoint", "completion_window"):
        body = {"input_file_id": "file-x", "endpoint": CHAT, "completion_window": "24h"}
        del body[missing]
        refused(server.api.post(BATCHES, json=body), param=missing)


def probe_batch_input_file_purpose(server: Server):
    refused(server.api.post(BATCHES, json={"input_file_id": "file-nope", "endpoint": CHAT,
                                           "completion_window": "24h"}), param="input_file_id")
    refused(send_batch(server, purpose="assistants"), param="input_file_id")
    accepted(send_batch(server))


def probe_batch_endpoint_values(server: Server):
    refused(send_batch(server, endpoint="/v1/audio/speech"), param="endpoint")
    for endpoint in ("/v1/chat/completions", "/v1/embeddings", "/v1/completions"):  # the rulebook's three
        accepted(send_batch(server, endpoint=endpoint))


def probe_batch_completion_window(server: Server):
    refused(send_batch(server, completion_window="48h"), param="completion_window")
    accepted(send_batch(server, completion_window="24h"))


def probe_batch_output_expiry(server: Server):
    for seconds, ok in ((3599, False), (3600, True), (2592000, True), (2592001, False)):
        response = send_batch(server, output_expires_after={"anchor": "created_at", "seconds": seconds})
        accepted(response) if ok else refused(response, param="output_expires_after")


def probe_batch_list_limit_range(server: Server):
    for limit in (0, 101):
        refused(server.api.get(BATCHES, params={"limit": limit}), param="limit")
    for limit in (1, 100):
        accepted(server.api.get(BATCHES, params={"limit": limit}))


def probe_batch_list_limit_default(server: Server):
    for _ in range(21):
        accepted(send_batch(server))
    page = accepted(server.api.get(BATCHES))
    assert len(page["data"]) == 20 and page["has_more"]


def probe_batch_list_cursor(server: Server):
    ids = [accepted(send_batch(server))["id"] for _ in range(5)]
    seen, query = [], {"limit": 2}
    for _ in range(5):
        page = accepted(server.api.get(BATCHES, params=query))
        seen += [item["id"] for item in page["data"]]
        if not page["has_more"]:
            break
        query["after"] = page["last_id"]
    assert seen == ids[::-1]


def probe_batch_status_lifecycle(server: Server):
    done = batch_after(server, accepted(send_batch(server))["id"], 3600)
    assert done["status"] == "completed" and done["request_counts"] == {"total": 2, "completed": 2, "failed": 0}
    assert done.get("output_file_id")


def probe_batch_cancel_lifecycle(server: Server):
    running = accepted(send_batch(server))["id"]
    assert accepted(server.api.post(f"{BATCHES}/{running}/cancel"))["status"] == "cancelling"
    assert batch_after(server, running, 1)["status"] == "cancelled"
    for content in (b"", b"\n"):  # a completed batch, a failed one
        finished = accepted(send_batch(server, content))["id"]
        status = batch_after(server, finished, 3600)["status"]
        refused(server.api.post(f"{BATCHES}/{finished}/cancel"))
        assert batch_after(server, finished, 0)["status"] == status


def _embedding_lines(total: int) -> bytes:
    sizes = [2000] * (total // 2000) + [total % 2000]
    return batch_jsonl(*(batch_line(f"r{index}", url=EMBEDDINGS, body={"model": "m", "input": ["x"] * size})
                         for index, size in enumerate(sizes) if size))


BATCH_PROBES: dict[str, Callable[[Server], None]] = {
    "batches.endpoints_exist": probe_batch_endpoints_exist,
    "batches.object_type": probe_batch_object_type,
    "batches.unknown_id": probe_batch_unknown_id,
    "batches.input_file_id_required": probe_batch_input_file_id_required,
    "batches.input_file_purpose": probe_batch_input_file_purpose,
    "batches.input_jsonl": validation_probe(None, batch_jsonl(batch_line("a"), "junk")),
    "batches.max_requests": validation_probe(None, requests_over_the_limit()),
    "batches.custom_id_unique": validation_probe(None, batch_jsonl(batch_line("a"), batch_line("a"))),
    "batches.request_method_post": validation_probe(None, batch_jsonl(batch_line("a"), batch_line("b", method="GET"))),
    "batches.request_url_matches_endpoint": validation_probe(
        None, batch_jsonl(batch_line("a"), batch_line("b", url=EMBEDDINGS))),
    "batches.embedding_inputs_max": validation_probe(_embedding_lines(50_000), _embedding_lines(50_001), EMBEDDINGS),
    "batches.endpoint_values": probe_batch_endpoint_values,
    "batches.completion_window_values": probe_batch_completion_window,
    "batches.output_expires_after_range": probe_batch_output_expiry,
    "batches.list.limit_range": probe_batch_list_limit_range,
    "batches.list.limit_default": probe_batch_list_limit_default,
    "batches.list.cursor_pagination": probe_batch_list_cursor,
    "batches.status_lifecycle": probe_batch_status_lifecycle,
    "batches.cancel_lifecycle": probe_batch_cancel_lifecycle,
}
PROBES.update(BATCH_PROBES)


# -- vector store files, file batches, search and the store's own file parameters -------------------------------------
VS_STATUSES = ("in_progress", "completed", "failed", "cancelled")
ROMAN = b"alpha beta gamma delta"


def vs_file(server: Server, content: bytes = ROMAN) -> str:
    return add_file(server.state, filename="doc.txt", purpose="assistants", size=len(content), content=content).id


def vs_files(server: Server, store_id: str, *rest: str) -> str:
    return "/".join([f"{STORES}/{store_id}/files", *rest])


def vs_batches(server: Server, store_id: str, *rest: str) -> str:
    return "/".join([f"{STORES}/{store_id}/file_batches", *rest])


def vs_attach(server: Server, store_id: str, file_id: str, **body: Any) -> httpx.Response:
    return server.api.post(vs_files(server, store_id), json={"file_id": file_id, **body})


def vs_store_with_files(server: Server, count: int) -> tuple[str, list[str]]:
    """A store holding ``count`` files, attached one second apart (oldest first)."""
    store_id = server.create()["id"]
    ids = []
    for _ in range(count):
        ids.append(accepted(vs_attach(server, store_id, vs_file(server)))["id"])
        server.clock.advance(1)
    return store_id, ids


def vs_store_holding(server: Server, count: int) -> tuple[str, list[str]]:
    """A store created holding ``count`` files at once (one request; listed oldest first in the order given)."""
    ids = [vs_file(server) for _ in range(count)]
    return accepted(server.api.post(STORES, json={"file_ids": ids}))["id"], ids


def vs_listed(server: Server, path: str, **query: Any) -> list[str]:
    return [item["id"] for item in accepted(server.api.get(path, params=query))["data"]]


def counts_match(counts: dict[str, int], listed: list[dict[str, Any]]) -> None:
    statuses = [item["status"] for item in listed]
    assert all(counts[status] == statuses.count(status) for status in VS_STATUSES), (counts, statuses)
    assert counts["total"] == len(statuses) == sum(counts[status] for status in VS_STATUSES), (counts, statuses)


def attributes_probe(good: dict, bad: dict) -> Callable[[Server], None]:
    def probe(server: Server):
        store_id = server.create()["id"]
        file_id = vs_file(server)
        refused(vs_attach(server, store_id, file_id, attributes=bad), param="attributes")
        assert accepted(vs_attach(server, store_id, file_id, attributes=good))["attributes"] == good
        refused(server.api.post(vs_files(server, store_id, file_id), json={"attributes": bad}), param="attributes")

    return probe


def probe_vsf_endpoints_exist(server: Server):
    store_id, file_id = server.create()["id"], vs_file(server)
    attached = accepted(vs_attach(server, store_id, file_id))
    assert (attached["id"], attached["vector_store_id"]) == (file_id, store_id)
    assert vs_listed(server, vs_files(server, store_id)) == [file_id]
    gone = accepted(server.api.delete(vs_files(server, store_id, file_id)))
    assert gone["id"] == file_id and gone["deleted"] is True
    assert vs_listed(server, vs_files(server, store_id)) == []


def probe_vsf_object_type(server: Server):
    store_id, file_id = server.create()["id"], vs_file(server)
    assert accepted(vs_attach(server, store_id, file_id))["object"] == "vector_store.file"
    assert accepted(server.api.get(vs_files(server, store_id, file_id)))["object"] == "vector_store.file"
    page = accepted(server.api.get(vs_files(server, store_id)))
    assert page["object"] == "list" and page["data"][0]["object"] == "vector_store.file"
    assert accepted(server.api.delete(vs_files(server, store_id, file_id)))["object"] == "vector_store.file.deleted"


def probe_vsf_file_id_required(server: Server):
    refused(server.api.post(vs_files(server, server.create()["id"]), json={}), param="file_id")


def probe_vsf_file_must_exist(server: Server):
    store_id = server.create()["id"]
    refused(vs_attach(server, store_id, "file-nope"), 404)
    refused(server.api.post(vs_batches(server, store_id), json={"file_ids": [vs_file(server), "file-nope"]}), 404)
    assert vs_listed(server, vs_files(server, store_id)) == []


def probe_vsf_update_requires_attributes(server: Server):
    store_id, file_id = server.create()["id"], vs_file(server)
    accepted(vs_attach(server, store_id, file_id, attributes={"a": "1"}))
    refused(server.api.post(vs_files(server, store_id, file_id), json={}), param="attributes")
    assert accepted(server.api.post(vs_files(server, store_id, file_id), json={"attributes": {"b": 2}}))[
        "attributes"] == {"b": 2}


def static(size: int, overlap: int) -> dict[str, Any]:
    return {"type": "static", "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}}


def probe_vsf_chunking(server: Server):
    store_id = server.create()["id"]
    for bad in (static(99, 0), static(4097, 0), static(100, 51)):
        refused(vs_attach(server, store_id, vs_file(server), chunking_strategy=bad), param="chunking_strategy")
        refused(server.api.post(vs_batches(server, store_id), json={"file_ids": [vs_file(server)],
                                                                    "chunking_strategy": bad}),
                param="chunking_strategy")
    for good in (static(100, 50), static(4096, 0)):
        assert accepted(vs_attach(server, store_id, vs_file(server), chunking_strategy=good))[
            "chunking_strategy"] == good


def probe_vsf_limit_range(server: Server):
    store_id, _ = vs_store_holding(server, 2)
    for limit in (0, 101):
        refused(server.api.get(vs_files(server, store_id), params={"limit": limit}), param="limit")
    assert len(vs_listed(server, vs_files(server, store_id), limit=1)) == 1
    accepted(server.api.get(vs_files(server, store_id), params={"limit": 100}))


def probe_vsf_limit_default(server: Server):
    store_id, _ = vs_store_holding(server, 21)
    page = accepted(server.api.get(vs_files(server, store_id)))
    assert len(page["data"]) == 20 and page["has_more"]


def probe_vsf_order_values(server: Server):
    store_id, ids = vs_store_with_files(server, 2)
    refused(server.api.get(vs_files(server, store_id), params={"order": "sideways"}), param="order")
    assert vs_listed(server, vs_files(server, store_id), order="asc") == ids


def probe_vsf_order_default(server: Server):
    store_id, ids = vs_store_with_files(server, 2)
    assert vs_listed(server, vs_files(server, store_id)) == ids[::-1]


def probe_vsf_cursor_pagination(server: Server):
    store_id, ids = vs_store_holding(server, 5)
    path = vs_files(server, store_id)
    for order, expected in (("asc", ids), ("desc", ids[::-1])):
        seen, query = [], {"order": order, "limit": 2}
        for _ in range(5):
            body = accepted(server.api.get(path, params=query))
            seen += [item["id"] for item in body["data"]]
            if not body["has_more"]:
                break
            query["after"] = body["last_id"]
        assert seen == expected
        assert vs_listed(server, path, order=order, limit=2, before=expected[3]) == expected[1:3]


def probe_vsf_filter_values(server: Server):
    store_id, _ = vs_store_holding(server, 1)
    refused(server.api.get(vs_files(server, store_id), params={"filter": "done"}), param="filter")
    accepted(server.api.get(vs_files(server, store_id), params={"filter": "in_progress"}))


def probe_vsf_delete_keeps_file(server: Server):
    store_id, file_id = server.create()["id"], vs_file(server)
    accepted(vs_attach(server, store_id, file_id))
    accepted(server.api.delete(vs_files(server, store_id, file_id)))
    assert server.state.collection("files").get(file_id) is not None


def probe_vsf_processing(server: Server):
    store_id, file_id = server.create()["id"], vs_file(server)
    assert accepted(vs_attach(server, store_id, file_id))["status"] == "in_progress"
    for _ in range(2):
        server.clock.advance(1)
        assert accepted(server.api.get(vs_files(server, store_id, file_id)))["status"] == "completed"


def probe_vsf_unknown_ids(server: Server):
    one, other, file_id = server.create()["id"], server.create()["id"], vs_file(server)
    accepted(vs_attach(server, one, file_id))
    refused(server.api.get(vs_files(server, other, file_id)), 404)
    refused(server.api.post(vs_files(server, other, file_id), json={"attributes": {}}), 404)
    refused(server.api.get(vs_files(server, one, "file-nope")), 404)


def probe_vsf_content(server: Server):
    store_id, file_id = server.create()["id"], vs_file(server)
    accepted(vs_attach(server, store_id, file_id))
    page = accepted(server.api.get(vs_files(server, store_id, file_id, "content")))
    assert page["object"] == "vector_store.file_content.page"
    assert " ".join(item["text"] for item in page["data"]) == ROMAN.decode()


def probe_vsfb_endpoint_exists(server: Server):
    store_id, ids = server.create()["id"], [vs_file(server) for _ in range(3)]
    batch = accepted(server.api.post(vs_batches(server, store_id), json={"file_ids": ids}))
    assert batch["file_counts"]["total"] == 3 and batch["vector_store_id"] == store_id
    assert sorted(vs_listed(server, vs_batches(server, store_id, batch["id"], "files"))) == sorted(ids)


def probe_vsfb_object_type(server: Server):
    store_id = server.create()["id"]
    batch = accepted(server.api.post(vs_batches(server, store_id), json={"file_ids": [vs_file(server)]}))
    again = accepted(server.api.get(vs_batches(server, store_id, batch["id"])))
    cancelled = accepted(server.api.post(vs_batches(server, store_id, batch["id"], "cancel")))
    assert batch["object"] == again["object"] == cancelled["object"] == "vector_store.file_batch"


def probe_vsfb_file_ids_range(server: Server):
    store_id, file_id = server.create()["id"], vs_file(server)
    for bad, param in (({"file_ids": []}, "file_ids"), ({"file_ids": [file_id] * 2001}, "file_ids"),
                       ({"files": []}, "files"), ({}, "file_ids")):
        refused(server.api.post(vs_batches(server, store_id), json=bad), param=param)
    for good in ({"file_ids": [file_id]}, {"file_ids": [file_id] * 2000}, {"files": [{"file_id": file_id}]}):
        accepted(server.api.post(vs_batches(server, store_id), json=good))


def probe_vsfb_attributes(server: Server):
    store_id, file_id = server.create()["id"], vs_file(server)
    for bad in ({"k" * 65: "v"}, {"k": "v" * 513}, {f"k{i}": 1 for i in range(17)}, {"k": None}):
        refused(server.api.post(vs_batches(server, store_id), json={"file_ids": [file_id], "attributes": bad}),
                param="attributes")
    good = {"k" * 64: "v" * 512, "n": 1}
    batch = accepted(server.api.post(vs_batches(server, store_id), json={"file_ids": [file_id], "attributes": good}))
    assert accepted(server.api.get(vs_files(server, store_id, file_id)))["attributes"] == good
    assert batch["file_counts"]["total"] == 1


def probe_vsfb_cancel(server: Server):
    store_id = server.create()["id"]
    batch = accepted(server.api.post(vs_batches(server, store_id), json={"file_ids": [vs_file(server)] * 1}))
    assert accepted(server.api.post(vs_batches(server, store_id, batch["id"], "cancel")))["status"] == "cancelled"
    server.clock.advance(1)
    listed = accepted(server.api.get(vs_batches(server, store_id, batch["id"], "files")))["data"]
    assert [item["status"] for item in listed] == ["cancelled"]


def probe_vsfb_file_counts(server: Server):
    store_id = server.create()["id"]
    batch = accepted(server.api.post(vs_batches(server, store_id), json={"file_ids": [vs_file(server) for _ in "ab"]}))
    for _ in range(2):
        again = accepted(server.api.get(vs_batches(server, store_id, batch["id"])))
        counts_match(again["file_counts"], accepted(server.api.get(vs_batches(server, store_id, batch["id"],
                                                                               "files")))["data"])
        server.clock.advance(1)


def probe_vsfb_unknown_ids(server: Server):
    one, other = server.create()["id"], server.create()["id"]
    batch = accepted(server.api.post(vs_batches(server, one), json={"file_ids": [vs_file(server)]}))
    refused(server.api.get(vs_batches(server, other, batch["id"])), 404)
    refused(server.api.get(vs_batches(server, one, "vsfb_nope", "files")), 404)


def vs_searchable(server: Server) -> str:
    """A store of three processed files: 'alpha beta gamma delta', 'alpha beta', 'alpha'."""
    store_id = server.create()["id"]
    for content in (ROMAN, b"alpha beta", b"alpha"):
        accepted(vs_attach(server, store_id, vs_file(server, content), attributes={"size": len(content)}))
    server.clock.advance(1)
    return store_id


def vs_search(server: Server, store_id: str, **body: Any) -> httpx.Response:
    return server.api.post(f"{STORES}/{store_id}/search", json=body)


def probe_search_endpoint(server: Server):
    page = accepted(vs_search(server, vs_searchable(server), query="alpha"))
    assert page["object"] == "vector_store.search_results.page" and page["search_query"] == ["alpha"]


def probe_search_query_required(server: Server):
    refused(vs_search(server, server.create()["id"]), param="query")


def probe_search_max_num_results(server: Server):
    store_id = vs_searchable(server)
    for bad in (0, 51):
        refused(vs_search(server, store_id, query="alpha", max_num_results=bad), param="max_num_results")
    assert len(accepted(vs_search(server, store_id, query="alpha", max_num_results=1))["data"]) <= 1
    accepted(vs_search(server, store_id, query="alpha", max_num_results=50))


def probe_search_ranking_options(server: Server):
    store_id = vs_searchable(server)
    for bad in ({"score_threshold": 1.1}, {"score_threshold": -0.1}, {"ranker": "best"}):
        refused(vs_search(server, store_id, query="alpha", ranking_options=bad), param="ranking_options")
    accepted(vs_search(server, store_id, query="alpha", ranking_options={"score_threshold": 1, "ranker": "auto"}))


def probe_search_filter_types(server: Server):
    store_id = vs_searchable(server)
    refused(vs_search(server, store_id, query="alpha", filters={"type": "like", "key": "size", "value": 5}),
            param="filters")
    accepted(vs_search(server, store_id, query="alpha", filters={"type": "gt", "key": "size", "value": 5}))


def probe_search_results_ranked(server: Server):
    page = accepted(vs_search(server, vs_searchable(server), query="alpha beta gamma"))
    scores = [item["score"] for item in page["data"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= score <= 1 for score in scores), scores


def probe_vs_file_ids_range(server: Server):
    file_id = vs_file(server)
    refused(server.api.post(STORES, json={"file_ids": [file_id] * 501}), param="file_ids")
    refused(server.api.post(STORES, json={"file_ids": ["file-nope"]}), param="file_ids")
    assert accepted(server.api.post(STORES, json={"file_ids": [file_id] * 500}))["file_counts"]["total"] == 1


def probe_vs_expires_after_range(server: Server):
    store_id = server.create()["id"]
    for days in (0, 366):
        body = {"expires_after": {"anchor": "last_active_at", "days": days}}
        refused(server.api.post(STORES, json=body), param="expires_after")
        refused(server.api.post(f"{STORES}/{store_id}", json=body), param="expires_after")
    for days in (1, 365):
        accepted(server.api.post(STORES, json={"expires_after": {"anchor": "last_active_at", "days": days}}))


def probe_vs_expiry(server: Server):
    store = server.create(expires_after={"anchor": "last_active_at", "days": 1})
    assert store["expires_at"] == store["last_active_at"] + 86400
    server.clock.advance(86400)
    assert accepted(server.api.get(f"{STORES}/{store['id']}"))["status"] == "expired"


def probe_vs_chunking_strategy(server: Server):
    for bad in (static(99, 0), static(4097, 0), static(100, 51)):
        refused(server.api.post(STORES, json={"chunking_strategy": bad}), param="chunking_strategy")
    store = accepted(server.api.post(STORES, json={"chunking_strategy": static(100, 50), "file_ids": [vs_file(server)]}))
    assert accepted(server.api.get(vs_files(server, store["id"])))["data"][0]["chunking_strategy"] == static(100, 50)


def probe_vs_file_counts(server: Server):
    store = accepted(server.api.post(STORES, json={"file_ids": [vs_file(server), vs_file(server)]}))
    for _ in range(2):
        again = accepted(server.api.get(f"{STORES}/{store['id']}"))
        listed = accepted(server.api.get(vs_files(server, store["id"])))["data"]
        counts_match(again["file_counts"], listed)
        assert (again["status"] == "in_progress") == any(item["status"] == "in_progress" for item in listed)
        server.clock.advance(1)


VECTOR_STORE_FILE_PROBES: dict[str, Callable[[Server], None]] = {
    "vector_store_files.endpoints_exist": probe_vsf_endpoints_exist,
    "vector_store_files.object_type": probe_vsf_object_type,
    "vector_store_files.file_id_required": probe_vsf_file_id_required,
    "vector_store_files.file_must_exist": probe_vsf_file_must_exist,
    "vector_store_files.attributes.key_length": attributes_probe({"k" * 64: "v"}, {"k" * 65: "v"}),
    "vector_store_files.attributes.value_length": attributes_probe({"k": "v" * 512}, {"k": "v" * 513}),
    "vector_store_files.attributes.value_types": attributes_probe({"s": "v", "n": 1.5, "b": True}, {"k": None}),
    "vector_store_files.attributes.max_pairs": attributes_probe({f"k{i}": 1 for i in range(16)},
                                                                {f"k{i}": 1 for i in range(17)}),
    "vector_store_files.update_requires_attributes": probe_vsf_update_requires_attributes,
    "vector_store_files.chunking_static_range": probe_vsf_chunking,
    "vector_store_files.list.limit_range": probe_vsf_limit_range,
    "vector_store_files.list.limit_default": probe_vsf_limit_default,
    "vector_store_files.list.order_values": probe_vsf_order_values,
    "vector_store_files.list.order_default": probe_vsf_order_default,
    "vector_store_files.list.cursor_pagination": probe_vsf_cursor_pagination,
    "vector_store_files.list.filter_values": probe_vsf_filter_values,
    "vector_store_files.delete_keeps_file": probe_vsf_delete_keeps_file,
    "vector_store_files.processing": probe_vsf_processing,
    "vector_store_files.unknown_ids": probe_vsf_unknown_ids,
    "vector_store_files.content": probe_vsf_content,
    "vector_store_file_batches.endpoint_exists": probe_vsfb_endpoint_exists,
    "vector_store_file_batches.object_type": probe_vsfb_object_type,
    "vector_store_file_batches.file_ids_range": probe_vsfb_file_ids_range,
    "vector_store_file_batches.attributes": probe_vsfb_attributes,
    "vector_store_file_batches.cancel": probe_vsfb_cancel,
    "vector_store_file_batches.file_counts": probe_vsfb_file_counts,
    "vector_store_file_batches.unknown_ids": probe_vsfb_unknown_ids,
    "vector_stores.search.endpoint_exists": probe_search_endpoint,
    "vector_stores.search.query_required": probe_search_query_required,
    "vector_stores.search.max_num_results_range": probe_search_max_num_results,
    "vector_stores.search.ranking_options": probe_search_ranking_options,
    "vector_stores.search.filter_types": probe_search_filter_types,
    "vector_stores.search.results_ranked": probe_search_results_ranked,
    "vector_stores.file_ids_range": probe_vs_file_ids_range,
    "vector_stores.expires_after_range": probe_vs_expires_after_range,
    "vector_stores.expiry": probe_vs_expiry,
    "vector_stores.chunking_strategy": probe_vs_chunking_strategy,
    "vector_stores.file_counts": probe_vs_file_counts,
}
PROBES.update(VECTOR_STORE_FILE_PROBES)


# -- openapi: the official spec's schemas, which suites/test_openapi.py fuzzes with schemathesis -----------------------
def probe_openapi_response_schemas(server: Server):
    """VectorStoreObject's ``expires_after`` is null (real traffic) or an object with anchor and days."""
    store = server.create()
    shown = [store, accepted(server.api.get(f"{STORES}/{store['id']}")), *accepted(server.api.get(STORES))["data"]]
    for body in shown:
        policy = body.get("expires_after")
        assert policy is None or {"anchor", "days"} <= set(policy), body


def probe_openapi_negative_data(server: Server):
    """CreateVectorStoreRequest's ``description`` is a string: any other type (null too) is refused."""
    for description in (7, None, {"text": "x"}, ["x"], True):
        refused(server.api.post(STORES, json={"name": "probe", "description": description}), param="description")
    accepted(server.api.post(STORES, json={"name": "probe", "description": "a store"}))


PROBES.update({
    "openapi.response_schemas": probe_openapi_response_schemas,
    "openapi.negative_data_rejection": probe_openapi_negative_data,
})


# -- files and uploads: multipart bodies through the in-thread client; sizes judged from the Content-Length -------------
FILES = "/v1/files"
UPLOADS = "/v1/uploads"
#: a Content-Length the files and parts routes refuse unread (a fault of the size rule lets it through: one more)
FILE_FRAMING, PART_FRAMING = 64 * 1024, 64 * 1024


def upload_file(server: Server, content: bytes = b"hi", *, filename: str = "a.txt", purpose: str | None = "assistants",
                headers: dict[str, str] | None = None, **fields: str) -> httpx.Response:
    data = {**({"purpose": purpose} if purpose is not None else {}), **fields}
    return server.api.post(FILES, files={"file": (filename, content, "text/plain")}, data=data, headers=headers)


def uploaded_file(server: Server, **kwargs: Any) -> dict[str, Any]:
    """A file for a probe that judges something else: any 2xx (files.endpoints_exist judges the 200)."""
    response = upload_file(server, **kwargs)
    assert response.is_success, response.text
    return response.json()


def probe_files_endpoints(server: Server):
    created = accepted(upload_file(server))
    assert created["id"] in [item["id"] for item in accepted(server.api.get(FILES))["data"]]


def probe_files_object_type(server: Server):
    created = uploaded_file(server)
    assert accepted(server.api.get(f"{FILES}/{created['id']}"))["object"] == created["object"] == "file"
    assert accepted(server.api.get(FILES))["object"] == "list"
    assert accepted(server.api.delete(f"{FILES}/{created['id']}")) == {"id": created["id"], "object": "file",
                                                                       "deleted": True}


def probe_files_file_required(server: Server):
    refused(server.api.post(FILES, files={"purpose": (None, b"assistants")}), param="file")


def probe_files_purpose_values(server: Server):
    for purpose in ("batch_output", "nope"):
        refused(upload_file(server, purpose=purpose), param="purpose")
    for purpose in ("assistants", "vision", "user_data", "evals"):
        uploaded_file(server, purpose=purpose)


def probe_files_max_size(server: Server):
    limit = 512 * 1024 * 1024 + FILE_FRAMING
    refused(upload_file(server, headers={"Content-Length": str(limit + 1)}), 413, param="file")
    uploaded_file(server, headers={"Content-Length": str(limit)})


def jsonl_probe(purpose: str) -> Callable[[Server], None]:
    def probe(server: Server):
        for filename in ("in.txt", "in.json"):
            refused(upload_file(server, filename=filename, purpose=purpose), param="file")
        uploaded_file(server, filename="in.jsonl", purpose=purpose)

    return probe


def probe_files_batch_max_size(server: Server):
    """Judged again when a batch names the file: a stored file of 200 MB + 1 byte is refused there."""
    for size, ok in ((200 * 1024 * 1024 + 1, False), (200 * 1024 * 1024, True)):
        file_id = add_file(server.state, filename="in.jsonl", purpose="batch", size=size, content=None).id
        response = server.api.post(BATCHES, json={"input_file_id": file_id, "endpoint": CHAT,
                                                  "completion_window": "24h"})
        accepted(response) if ok else refused(response, param="input_file_id")


def probe_files_list_limit(server: Server):
    for limit in (0, 10_001):
        refused(server.api.get(FILES, params={"limit": limit}), param="limit")
    for limit in (1, 10_000):
        accepted(server.api.get(FILES, params={"limit": limit}))


def probe_files_list_order(server: Server):
    refused(server.api.get(FILES, params={"order": "sideways"}), param="order")
    accepted(server.api.get(FILES, params={"order": "asc"}))


def probe_files_list_cursor(server: Server):
    ids = [uploaded_file(server)["id"] for _ in range(3)]
    page = accepted(server.api.get(FILES, params={"order": "asc", "limit": 2, "after": ids[0]}))
    assert [item["id"] for item in page["data"]] == ids[1:]


def probe_files_purpose_filter(server: Server):
    uploaded_file(server, purpose="assistants")
    ours = uploaded_file(server, purpose="user_data")["id"]
    assert [item["id"] for item in accepted(server.api.get(FILES, params={"purpose": "user_data"}))["data"]] == [ours]


def probe_files_expires_after(server: Server):
    for seconds in (3599, 2_592_001):
        refused(upload_file(server, **{"expires_after[anchor]": "created_at", "expires_after[seconds]": str(seconds)}),
                param="expires_after")
    created = uploaded_file(server, **{"expires_after[anchor]": "created_at", "expires_after[seconds]": "3600"})
    assert created.get("expires_at") == created["created_at"] + 3600


def probe_files_batch_default_expiry(server: Server):
    created = uploaded_file(server, filename="in.jsonl", purpose="batch")
    assert created.get("expires_at") == created["created_at"] + 2_592_000


def probe_files_unknown_id(server: Server):
    for response in (server.api.get(f"{FILES}/file-nope"), server.api.delete(f"{FILES}/file-nope"),
                     server.api.get(f"{FILES}/file-nope/content")):
        refused(response, 404)


def probe_files_delete_detaches(server: Server):
    file_id = uploaded_file(server)["id"]
    store_id = server.create()["id"]
    assert server.api.post(f"{STORES}/{store_id}/files", json={"file_id": file_id}).is_success
    assert server.api.delete(f"{FILES}/{file_id}").is_success
    listing = server.api.get(f"{STORES}/{store_id}/files")
    assert listing.is_success and file_id not in [item["id"] for item in listing.json()["data"]]


def probe_files_assistants_limits(server: Server):
    response = server.api.post(FILES, files={"file": ("rulebook.xyz", b"not searchable", "application/octet-stream")},
                               data={"purpose": "assistants"})
    assert response.is_success, response.text  # the exact status is files.endpoints_exist's business
    file_id = response.json()["id"]
    store_id = server.create()["id"]
    assert server.api.post(f"{STORES}/{store_id}/files", json={"file_id": file_id}).is_success
    server.clock.advance(5)
    attached = server.api.get(f"{STORES}/{store_id}/files/{file_id}").json()
    # still in progress is the processing rule's business; finishing is this one's
    assert attached["status"] != "completed"
    assert attached["status"] != "failed" or attached["last_error"]["code"] == "unsupported_file"


def create_upload(server: Server, size: int = 6, **body: Any) -> httpx.Response:
    return server.api.post(UPLOADS, json={"bytes": size, "filename": "a.jsonl", "mime_type": "text/jsonl",
                                          "purpose": "batch", **body})


def upload_part(server: Server, upload_id: str, data: bytes = b"abc",
                headers: dict[str, str] | None = None) -> httpx.Response:
    return server.api.post(f"{UPLOADS}/{upload_id}/parts", files={"data": ("blob", data, "application/octet-stream")},
                           headers=headers)


def open_upload(server: Server, *parts: bytes) -> tuple[str, list[str]]:
    """An upload of the parts' total size holding them: (upload id, part ids)."""
    upload_id = accepted(create_upload(server, sum(map(len, parts))))["id"]
    return upload_id, [accepted(upload_part(server, upload_id, part))["id"] for part in parts]


def complete_upload(server: Server, upload_id: str, part_ids: list[str] | None) -> httpx.Response:
    return server.api.post(f"{UPLOADS}/{upload_id}/complete", json={} if part_ids is None else {"part_ids": part_ids})


def probe_uploads_endpoints(server: Server):
    upload_id = accepted(create_upload(server, 3))["id"]
    part = accepted(upload_part(server, upload_id))
    assert part.get("upload_id") == upload_id
    accepted(complete_upload(server, upload_id, [part["id"]]))
    accepted(server.api.post(f"{UPLOADS}/{accepted(create_upload(server))['id']}/cancel"))


def probe_uploads_object_type(server: Server):
    upload = accepted(create_upload(server, 3))
    assert upload["object"] == "upload" and upload["status"] == "pending"
    assert accepted(upload_part(server, upload["id"]))["object"] == "upload.part"


def probe_uploads_required_fields(server: Server):
    for missing in ("bytes", "filename", "mime_type", "purpose"):
        body = {"bytes": 6, "filename": "a.jsonl", "mime_type": "text/jsonl", "purpose": "batch"}
        del body[missing]
        refused(server.api.post(UPLOADS, json=body), param=missing)


def probe_uploads_purpose_values(server: Server):
    for purpose in ("user_data", "evals"):
        refused(create_upload(server, purpose=purpose, mime_type="text/plain"), param="purpose")
    accepted(create_upload(server, purpose="vision", mime_type="image/png"))


def probe_uploads_mime_type(server: Server):
    refused(create_upload(server, mime_type="image/png"), param="mime_type")
    accepted(create_upload(server, mime_type="application/jsonl"))


def probe_uploads_max_total_bytes(server: Server):
    refused(create_upload(server, 8 * 1024**3 + 1), param="bytes")
    accepted(create_upload(server, 8 * 1024**3))


def probe_uploads_part_max_size(server: Server):
    upload_id = accepted(create_upload(server))["id"]
    limit = 64 * 1024 * 1024 + PART_FRAMING
    refused(upload_part(server, upload_id, headers={"Content-Length": str(limit + 1)}), 413, param="data")
    accepted(upload_part(server, upload_id, headers={"Content-Length": str(limit)}))


def probe_uploads_part_ids(server: Server):
    upload_id, part_ids = open_upload(server, b"abc")
    refused(complete_upload(server, upload_id, None), param="part_ids")
    refused(server.api.post(f"{UPLOADS}/{upload_id}/complete", json={"part_ids": None}), param="part_ids")
    refused(complete_upload(server, upload_id, ["part_nope"]), param="part_ids")
    accepted(complete_upload(server, upload_id, part_ids))


def probe_uploads_part_order(server: Server):
    upload_id, (abc, def_) = open_upload(server, b"abc", b"def")
    file = accepted(complete_upload(server, upload_id, [def_, abc]))["file"]
    file_id = file["id"] if file else server.state.collection("uploads").get(upload_id).file.id
    assert accepted(server.api.get(f"{FILES}/{file_id}")) and server.api.get(f"{FILES}/{file_id}/content").content == (
        b"defabc")


def probe_uploads_bytes_match(server: Server):
    upload_id, (abc, def_) = open_upload(server, b"abc", b"def")
    refused(complete_upload(server, upload_id, [abc]))
    accepted(complete_upload(server, upload_id, [abc, def_]))


def probe_uploads_returns_file(server: Server):
    upload_id, part_ids = open_upload(server, b"abc")
    done = accepted(complete_upload(server, upload_id, part_ids))
    assert done["status"] == "completed" and (done["file"] or {}).get("bytes") == 3


def probe_uploads_cancel(server: Server):
    upload_id = accepted(create_upload(server))["id"]
    assert accepted(server.api.post(f"{UPLOADS}/{upload_id}/cancel"))["status"] == "cancelled"
    refused(server.api.post(f"{UPLOADS}/{upload_id}/cancel"))


def probe_uploads_expiry(server: Server):
    upload = accepted(create_upload(server))
    assert upload["expires_at"] == upload["created_at"] + 3600
    server.clock.advance(3600)
    refused(upload_part(server, upload["id"]))


def probe_uploads_no_parts_after_complete(server: Server):
    upload_id, part_ids = open_upload(server, b"abc")
    accepted(complete_upload(server, upload_id, part_ids))
    refused(upload_part(server, upload_id))


def probe_uploads_no_parts_after_cancel(server: Server):
    upload_id = accepted(create_upload(server))["id"]
    accepted(server.api.post(f"{UPLOADS}/{upload_id}/cancel"))
    refused(upload_part(server, upload_id))


def probe_uploads_unknown_id(server: Server):
    refused(upload_part(server, "upload_nope"), 404)
    refused(complete_upload(server, "upload_nope", []), 404)
    refused(server.api.post(f"{UPLOADS}/upload_nope/cancel"), 404)


FILE_PROBES: dict[str, Callable[[Server], None]] = {
    "files.endpoints_exist": probe_files_endpoints,
    "files.object_type": probe_files_object_type,
    "files.file_required": probe_files_file_required,
    "files.purpose_values": probe_files_purpose_values,
    "files.max_size": probe_files_max_size,
    "files.fine_tune_jsonl_only": jsonl_probe("fine-tune"),
    "files.batch_jsonl_only": jsonl_probe("batch"),
    "files.batch_max_size": probe_files_batch_max_size,
    "files.list.limit_range": probe_files_list_limit,
    "files.list.order_values": probe_files_list_order,
    "files.list.cursor_pagination": probe_files_list_cursor,
    "files.list.purpose_filter": probe_files_purpose_filter,
    "files.expires_after_range": probe_files_expires_after,
    "files.batch_default_expiry": probe_files_batch_default_expiry,
    "files.unknown_id": probe_files_unknown_id,
    "files.delete_detaches_from_vector_stores": probe_files_delete_detaches,
    "files.assistants_file_limits": probe_files_assistants_limits,
    "uploads.endpoints_exist": probe_uploads_endpoints,
    "uploads.object_type": probe_uploads_object_type,
    "uploads.required_fields": probe_uploads_required_fields,
    "uploads.purpose_values": probe_uploads_purpose_values,
    "uploads.mime_type_matches_purpose": probe_uploads_mime_type,
    "uploads.max_total_bytes": probe_uploads_max_total_bytes,
    "uploads.part_max_size": probe_uploads_part_max_size,
    "uploads.complete_requires_part_ids": probe_uploads_part_ids,
    "uploads.complete_part_order": probe_uploads_part_order,
    "uploads.complete_bytes_match": probe_uploads_bytes_match,
    "uploads.complete_returns_file": probe_uploads_returns_file,
    "uploads.cancel_status": probe_uploads_cancel,
    "uploads.expires_after_one_hour": probe_uploads_expiry,
    "uploads.no_parts_after_complete": probe_uploads_no_parts_after_complete,
    "uploads.no_parts_after_cancel": probe_uploads_no_parts_after_cancel,
    "uploads.unknown_id": probe_uploads_unknown_id,
}
PROBES.update(FILE_PROBES)
PROBES.update(RESPONSES_PROBES)

from .test_audio import AUDIO_PROBES  # noqa: E402 - the audio area's probes live with its server tests

PROBES.update(AUDIO_PROBES)


# -- chat -------------------------------------------------------------------------------------------------------------
CHAT = "/v1/chat/completions"
CHAT_TOOLS = [{"type": "function", "function": {"name": name, "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}} for name in ("a", "b")]


def chat(server: Server, text: str = "Say hi.", **body: Any) -> httpx.Response:
    return server.api.post(CHAT, json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}],
                                       **body})


def chat_stored(server: Server, **body: Any) -> dict[str, Any]:
    return accepted(chat(server, store=True, max_completion_tokens=1, **body))


def chat_events(response: httpx.Response) -> list[Any]:
    assert response.status_code == 200, response.text
    return [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]


def probe_chat_endpoints(server: Server):
    created = chat_stored(server)
    assert accepted(server.api.post(f"{CHAT}/{created['id']}", json={"metadata": {}})).get("id") == created["id"]


def probe_chat_object_type(server: Server):
    created = chat_stored(server)
    assert accepted(server.api.delete(f"{CHAT}/{created['id']}"))["object"] == "chat.completion.deleted"


def chat_range_probe(param: str, good: list[Any], bad: list[Any], **extra: Any) -> Callable[[Server], None]:
    def probe(server: Server) -> None:
        for value in good:
            accepted(chat(server, max_completion_tokens=1, **extra, **{param: value}))
        for value in bad:
            refused(chat(server, max_completion_tokens=1, **extra, **{param: value}), param=param)

    return probe


def completions_range_probe(param: str, good: list[Any], bad: list[Any]) -> Callable[[Server], None]:
    """The same range on POST /v1/completions, where a rule of chat's also holds (chat.temperature_range)."""
    def probe(server: Server) -> None:
        body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Hi", "max_tokens": 1}
        for value in good:
            accepted(server.api.post("/v1/completions", json={**body, param: value}))
        for value in bad:
            refused(server.api.post("/v1/completions", json={**body, param: value}), param=param)

    return probe


def responses_range_probe(param: str, good: list[Any], bad: list[Any]) -> Callable[[Server], None]:
    """The same range on POST /v1/responses, where a rule of chat's also holds (chat.safety_identifier_length)."""
    def probe(server: Server) -> None:
        body = {"model": "gpt-4o-mini", "input": "Hi", "max_output_tokens": 16}
        for value in good:
            accepted(server.api.post("/v1/responses", json={**body, param: value}))
        for value in bad:
            refused(server.api.post("/v1/responses", json={**body, param: value}), param=param)

    return probe


def both(*probes: Callable[[Server], None]) -> Callable[[Server], None]:
    """A rule whose endpoints several probes cover: every one of them must pass."""
    def probe(server: Server) -> None:
        for each in probes:
            each(server)

    return probe


def probe_chat_bound(server: Server):
    body = accepted(chat(server, max_completion_tokens=3))
    assert body["usage"]["completion_tokens"] <= 3 and body["choices"][0]["finish_reason"] == "length", body


def probe_chat_reasoning_refusals(param: str, value: Any) -> Callable[[Server], None]:
    def probe(server: Server) -> None:
        body = {"model": "o4-mini", "messages": [{"role": "user", "content": "Hi."}], param: value}
        refused(server.api.post(CHAT, json=body), param=param)

    return probe


def probe_chat_json_mode(server: Server):
    body = accepted(chat(server, "Answer in JSON.", response_format={"type": "json_object"}))
    try:
        json.loads(body["choices"][0]["message"]["content"])
    except ValueError as error:
        raise AssertionError(f"not JSON: {body}") from error


def probe_chat_json_mention(server: Server):
    refused(chat(server, response_format={"type": "json_object"}), param="messages")


def probe_chat_stored_only(server: Server):
    created = accepted(chat(server, max_completion_tokens=1))
    refused(server.api.get(f"{CHAT}/{created['id']}"), 404, param="completion_id")


def probe_chat_update_metadata_only(server: Server):
    created = chat_stored(server)
    refused(server.api.post(f"{CHAT}/{created['id']}", json={"metadata": {}, "model": "gpt-4o"}), param="model")


def probe_chat_large_images(server: Server):
    import base64

    from openai_rulebook.server.chat import stored

    # the threshold shrunk for the matrix (it runs this probe once per fault): 8 MB is tests/server/test_chat.py's
    limit, stored.MAX_IMAGE_BYTES = stored.MAX_IMAGE_BYTES, 1000
    try:
        url = "data:image/png;base64," + base64.b64encode(b"\0" * 1001).decode()
        content = [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": url}}]
        created = accepted(server.api.post(CHAT, json={"model": "gpt-4o-mini", "store": True,
                                                        "messages": [{"role": "user", "content": content}]}))
    finally:
        stored.MAX_IMAGE_BYTES = limit
    parts = accepted(server.api.get(f"{CHAT}/{created['id']}/messages"))["data"][0]["content_parts"]
    assert [part["type"] for part in parts] == ["text"], parts


def probe_chat_deprecated(server: Server):
    for extra in ({"seed": 1}, {"user": "u"}, {"max_tokens": 2}, {"functions": [CHAT_TOOLS[0]["function"]]}):
        accepted(chat(server, **extra))


def probe_chat_n_choices(server: Server):
    assert len(accepted(chat(server, n=3, max_completion_tokens=1))["choices"]) == 3


def probe_chat_tool_calls(server: Server):
    body = accepted(chat(server, tools=CHAT_TOOLS, tool_choice="required"))
    assert body["choices"][0]["message"].get("tool_calls"), body


def probe_chat_parallel(server: Server):
    body = accepted(chat(server, tools=CHAT_TOOLS, tool_choice="required", parallel_tool_calls=False))
    assert len(body["choices"][0]["message"].get("tool_calls") or []) <= 1, body


def probe_chat_stream(server: Server):
    assert chat_events(chat(server, stream=True, max_completion_tokens=2))[-1] == "[DONE]"


def probe_chat_include_usage(server: Server):
    events = chat_events(chat(server, stream=True, max_completion_tokens=2, stream_options={"include_usage": True}))
    last = json.loads([event for event in events if event != "[DONE]"][-1])
    assert last["choices"] == [] and last["usage"]["total_tokens"] > 0, last


def probe_chat_usage(server: Server):
    usage = accepted(chat(server, max_completion_tokens=2))["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"], usage


def probe_chat_finish_values(server: Server):
    reasons = [json.loads(event)["choices"][0]["finish_reason"] for event in chat_events(chat(server, stream=True))
               if event != "[DONE]"]
    assert reasons[-1] == "stop", reasons


def chat_listed(server: Server, path: str = CHAT, **query: Any) -> list[str]:
    return [item["id"] for item in accepted(server.api.get(path, params=query))["data"]]


def chat_two_stored(server: Server) -> list[str]:
    first = chat_stored(server, metadata={"side": "a"})["id"]
    server.clock.advance(1)
    return [first, chat_stored(server, metadata={"side": "b"})["id"]]


def probe_chat_list_order_default(server: Server):
    ids = chat_two_stored(server)
    assert chat_listed(server) == ids


def probe_chat_list_order_values(server: Server):
    ids = chat_two_stored(server)
    assert chat_listed(server, order="desc") == ids[::-1]
    refused(server.api.get(CHAT, params={"order": "up"}), param="order")


def probe_chat_list_cursor(server: Server):
    ids = chat_two_stored(server)
    assert chat_listed(server, after=ids[0], order="asc") == ids[1:]


def probe_chat_list_filters(server: Server):
    ids = chat_two_stored(server)
    assert chat_listed(server, **{"metadata[side]": "a"}) == ids[:1]


def chat_conversation(server: Server) -> str:
    messages = [{"role": "user", "content": text} for text in ("one", "two", "three")]
    return accepted(server.api.post(CHAT, json={"model": "gpt-4o-mini", "messages": messages, "store": True}))["id"]


def probe_chat_messages_order(server: Server):
    completion_id = chat_conversation(server)
    assert chat_listed(server, f"{CHAT}/{completion_id}/messages") == [f"{completion_id}-{i}" for i in range(3)]


def probe_chat_messages_cursor(server: Server):
    completion_id = chat_conversation(server)
    after = chat_listed(server, f"{CHAT}/{completion_id}/messages", after=f"{completion_id}-0", order="asc")
    assert after == [f"{completion_id}-1", f"{completion_id}-2"], after


CHAT_PROBES: dict[str, Callable[[Server], None]] = {
    "chat.endpoints_exist": probe_chat_endpoints,
    "chat.object_type": probe_chat_object_type,
    "chat.temperature_range": both(chat_range_probe("temperature", [0, 2], [-0.1, 2.1]),
                                   completions_range_probe("temperature", [0, 2], [-0.1, 2.1])),
    "chat.top_p_range": both(chat_range_probe("top_p", [0, 1], [-0.1, 1.1]),
                             completions_range_probe("top_p", [0, 1], [-0.1, 1.1])),
    "chat.max_completion_tokens_bound": probe_chat_bound,
    "chat.max_tokens_rejected_for_o_series": probe_chat_reasoning_refusals("max_tokens", 5),
    "chat.json_mode_valid_json": probe_chat_json_mode,
    "chat.json_object_requires_json_mention": probe_chat_json_mention,
    "chat.safety_identifier_length": both(chat_range_probe("safety_identifier", ["a" * 64], ["a" * 65, 5]),
                                          responses_range_probe("safety_identifier", ["a" * 64], ["a" * 65, 5])),
    "chat.top_logprobs_range": chat_range_probe("top_logprobs", [0, 20], [-1, 21], logprobs=True),
    "chat.stop_not_for_o3": probe_chat_reasoning_refusals("stop", ["\n"]),
    "chat.stored_completions_only": probe_chat_stored_only,
    "chat.update_metadata_only": probe_chat_update_metadata_only,
    "chat.store_large_images_dropped": probe_chat_large_images,
    "chat.deprecated_parameters_accepted": probe_chat_deprecated,
    "chat.n_range": chat_range_probe("n", [1, 128], [0, 129]),
    "chat.n_choices": probe_chat_n_choices,
    "chat.penalty_range": chat_range_probe("presence_penalty", [-2, 2], [-2.1, 2.1]),
    "chat.logit_bias_range": chat_range_probe("logit_bias", [{"1": 100}, {"1": -100}], [{"1": 101}, {"1": -101}]),
    "chat.stop_max_sequences": chat_range_probe("stop", [["a"] * 4], [["a"] * 5]),
    "chat.tool_choice_values": chat_range_probe("tool_choice", ["none", "auto", "required"], ["sometimes"],
                                                tools=CHAT_TOOLS),
    "chat.tool_choice_calls": probe_chat_tool_calls,
    "chat.parallel_tool_calls": probe_chat_parallel,
    "chat.stream_chunks": probe_chat_stream,
    "chat.stream_include_usage": probe_chat_include_usage,
    "chat.usage_arithmetic": probe_chat_usage,
    "chat.finish_reason_values": probe_chat_finish_values,
    "chat.list.order_default": probe_chat_list_order_default,
    "chat.list.order_values": probe_chat_list_order_values,
    "chat.list.cursor_pagination": probe_chat_list_cursor,
    "chat.list.filters": probe_chat_list_filters,
    "chat.messages.list.order_default": probe_chat_messages_order,
    "chat.messages.list.cursor_pagination": probe_chat_messages_cursor,
}
PROBES.update(CHAT_PROBES)


# -- images: one probe per rule, dall-e-2 and gpt-image-1 at the cheapest ---------------------------------------------
def _image(width: int = 64, height: int = 64, fmt: str = "PNG") -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", (width, height)).save(out, fmt)
    return out.getvalue()


def generate(server: Server, **body: Any) -> httpx.Response:
    return server.api.post("/v1/images/generations", json={"prompt": "a dot", **body})


def image_form(server: Server, path: str, fields: dict[str, str], *files: tuple[str, bytes]) -> httpx.Response:
    parts = [(name, (f"{name}.png", data, "image/png")) for name, data in files or [("image", _image())]]
    return server.api.post(path, data=fields, files=parts)


def image_edit(server: Server, *files: tuple[str, bytes], **fields: str) -> httpx.Response:
    return image_form(server, "/v1/images/edits", {"prompt": "a dot", **fields}, *files)


def image_variation(server: Server, *files: tuple[str, bytes], **fields: str) -> httpx.Response:
    return image_form(server, "/v1/images/variations", fields, *files)


def probe_images_endpoints(server: Server):
    for response in (generate(server), image_edit(server, model="dall-e-2"), image_variation(server)):
        body = accepted(response)
        assert isinstance(body.get("created"), int) and body["data"], body


def probe_images_url_expiry(server: Server):
    url = accepted(generate(server, model="dall-e-2", size="256x256"))["data"][0]["url"]
    assert server.anonymous.get(url).status_code == 200
    server.clock.advance(3600)
    assert server.anonymous.get(url).status_code == 403


def probe_images_base64(server: Server):
    for response in (generate(server, model="gpt-image-1"), image_edit(server, model="gpt-image-1")):
        assert [set(item) for item in accepted(response)["data"]] == [{"b64_json"}]


def probe_images_generation_prompt(server: Server):
    accepted(generate(server, model="dall-e-2", prompt="a" * 1000))
    refused(generate(server, model="dall-e-2", prompt="a" * 1001), param="prompt")


def probe_images_edit_prompt(server: Server):
    accepted(image_edit(server, model="dall-e-2", prompt="a" * 1000))
    refused(image_edit(server, model="dall-e-2", prompt="a" * 1001), param="prompt")


def probe_images_n(server: Server):
    accepted(generate(server, model="dall-e-2", n=10))
    for model, n in (("dall-e-2", 0), ("dall-e-2", 11), ("dall-e-3", 2)):
        refused(generate(server, model=model, n=n), param="n")


def image_value_probe(param: str, ok: dict[str, Any], bad: dict[str, Any], **along: Any):
    """Accepted with ``ok`` (model and value), refused naming ``param`` with ``bad``."""

    def probe(server: Server):
        accepted(generate(server, **along, **ok))
        refused(generate(server, **along, **bad), param=param)

    return probe


def probe_images_transparent(server: Server):
    accepted(generate(server, model="gpt-image-1", background="transparent", output_format="png"))
    refused(generate(server, model="gpt-image-1", background="transparent", output_format="jpeg"),
            param="output_format")


def probe_images_stream(server: Server):
    streamed = generate(server, model="gpt-image-1", stream=True)
    assert streamed.headers["content-type"].startswith("text/event-stream")
    refused(generate(server, model="dall-e-2", stream=True), param="stream")


def probe_images_edit_image(server: Server):
    accepted(image_edit(server, ("image", _image()), model="dall-e-2"))
    refused(image_edit(server, ("image", _image(64, 32)), model="dall-e-2"), param="image")


def probe_images_mask(server: Server):
    accepted(image_edit(server, ("image", _image()), ("mask", _image()), model="dall-e-2"))
    refused(image_edit(server, ("image", _image()), ("mask", _image(32, 32)), model="dall-e-2"), param="mask")


def probe_images_input_fidelity(server: Server):
    accepted(image_edit(server, model="gpt-image-1", input_fidelity="high"))
    refused(image_edit(server, model="gpt-image-1-mini", input_fidelity="high"), param="input_fidelity")


def probe_images_response_format(server: Server):
    accepted(image_edit(server, model="dall-e-2", response_format="b64_json"))
    refused(image_edit(server, model="gpt-image-1", response_format="url"), param="response_format")


def probe_images_variation_image(server: Server):
    accepted(image_variation(server, ("image", _image())))
    refused(image_variation(server, ("image", _image(64, 32))), param="image")


IMAGE_PROBES: dict[str, Callable[[Server], None]] = {
    "images.endpoints_exist": probe_images_endpoints,
    "images.url_expiry": probe_images_url_expiry,
    "images.gpt_image_returns_base64": probe_images_base64,
    "images.generation.prompt_length": probe_images_generation_prompt,
    "images.edit.prompt_length": probe_images_edit_prompt,
    "images.generation.n_range": probe_images_n,
    "images.generation.quality_values": image_value_probe(
        "quality", {"model": "dall-e-3", "quality": "hd"}, {"model": "dall-e-2", "quality": "hd"}),
    "images.generation.size_values": image_value_probe(
        "size", {"model": "dall-e-3", "size": "1792x1024"}, {"model": "dall-e-2", "size": "1792x1024"}),
    "images.generation.background_values": image_value_probe(
        "background", {"model": "gpt-image-1", "background": "opaque"}, {"model": "dall-e-2", "background": "opaque"}),
    "images.generation.transparent_needs_alpha_format": probe_images_transparent,
    "images.generation.moderation_values": image_value_probe(
        "moderation", {"model": "gpt-image-1", "moderation": "low"}, {"model": "dall-e-3", "moderation": "low"}),
    "images.generation.output_compression_range": image_value_probe(
        "output_compression", {"output_compression": 100}, {"output_compression": 101}, model="gpt-image-1",
        output_format="jpeg"),
    "images.generation.output_format_values": image_value_probe(
        "output_format", {"model": "gpt-image-1", "output_format": "png"},
        {"model": "dall-e-2", "output_format": "png"}),
    "images.generation.partial_images_range": image_value_probe(
        "partial_images", {"partial_images": 3}, {"partial_images": 4}, model="gpt-image-1"),
    "images.generation.stream_gpt_image_only": probe_images_stream,
    "images.generation.style_values": image_value_probe(
        "style", {"model": "dall-e-3", "style": "vivid"}, {"model": "gpt-image-1", "style": "vivid"}),
    "images.edit.image_constraints": probe_images_edit_image,
    "images.edit.mask_constraints": probe_images_mask,
    "images.edit.input_fidelity_values": probe_images_input_fidelity,
    "images.edit.response_format_dall_e_2_only": probe_images_response_format,
    "images.variation.image_constraints": probe_images_variation_image,
}
PROBES.update(IMAGE_PROBES)


# -- embeddings -------------------------------------------------------------------------------------------------------
EMBEDDINGS = "/v1/embeddings"


def embed(server: Server, input_: Any, model: str = "text-embedding-3-small", **extra: Any) -> httpx.Response:
    return server.api.post(EMBEDDINGS, json={"model": model, "input": input_, **extra})


def probe_embeddings_endpoints(server: Server):
    assert [item["index"] for item in accepted(embed(server, ["a", "b"]))["data"]] == [0, 1]


def probe_embeddings_usage(server: Server):
    usage = accepted(embed(server, "a"))["usage"]
    assert usage["prompt_tokens"] == usage["total_tokens"], usage


def probe_embeddings_encoding(server: Server):
    import base64

    encoded = accepted(embed(server, "a", encoding_format="base64"))["data"][0]["embedding"]
    assert len(base64.b64decode(encoded)) == 4 * 1536


def probe_embeddings_token_limit(server: Server):
    accepted(embed(server, [[1] * 8192], dimensions=1))
    refused(embed(server, [[1] * 8193], dimensions=1))


def probe_embeddings_array_length(server: Server):
    accepted(embed(server, ["a"] * 2048, dimensions=1))
    refused(embed(server, ["a"] * 2049, dimensions=1))


@functools.cache
def total_tokens_body(tokens: int) -> bytes:
    """A request of ``tokens`` tokens in token arrays of 8,192 at most, encoded once (1.5 MB of JSON)."""
    full, rest = divmod(tokens, 8192)
    return json.dumps({"model": "text-embedding-3-small", "input": [[1] * 8192] * full + [[1] * rest],
                       "dimensions": 1}).encode()


def probe_embeddings_total(server: Server):
    headers = {"Content-Type": "application/json"}
    accepted(server.api.post(EMBEDDINGS, content=total_tokens_body(300_000), headers=headers))
    refused(server.api.post(EMBEDDINGS, content=total_tokens_body(300_001), headers=headers))


def probe_embeddings_not_empty(server: Server):
    refused(embed(server, ""))
    refused(embed(server, ["a", ""]))


def probe_embeddings_dimensions_support(server: Server):
    accepted(embed(server, "a", dimensions=4))
    refused(embed(server, "a", model="text-embedding-ada-002", dimensions=4))


def probe_embeddings_shortens(server: Server):
    assert len(accepted(embed(server, "a", dimensions=2))["data"][0]["embedding"]) == 2


def probe_embeddings_dimensions_min(server: Server):
    accepted(embed(server, "a", dimensions=1))
    refused(embed(server, "a", dimensions=0))


PROBES.update({
    "embeddings.endpoints_exist": probe_embeddings_endpoints,
    "embeddings.usage": probe_embeddings_usage,
    "embeddings.encoding_format": probe_embeddings_encoding,
    "embeddings.input_token_limit": probe_embeddings_token_limit,
    "embeddings.input_array_length": probe_embeddings_array_length,
    "embeddings.total_token_limit": probe_embeddings_total,
    "embeddings.input_not_empty": probe_embeddings_not_empty,
    "embeddings.dimensions_model_support": probe_embeddings_dimensions_support,
    "embeddings.dimensions_shortens": probe_embeddings_shortens,
    "embeddings.dimensions_min": probe_embeddings_dimensions_min,
})


# -- legacy completions --------------------------------------------------------------------------------------------
COMPLETIONS = "/v1/completions"


def complete(server: Server, **body: Any) -> httpx.Response:
    payload = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi", "max_tokens": 1, **body}
    return server.api.post(COMPLETIONS, json={key: value for key, value in payload.items() if value is not None})


def probe_completions_endpoints(server: Server):
    for prompt in ("Say hi", ["Say hi", "Yo"], [46864, 5509], [[46864, 5509], [46864]]):
        body = accepted(complete(server, prompt=prompt))
        assert isinstance(body["id"], str) and body["choices"], body


def probe_completions_required(server: Server):
    refused(complete(server, prompt=None), param="prompt")
    refused(complete(server, model=None), param="model")


def probe_completions_best_of(server: Server):
    accepted(complete(server, best_of=2, n=2))
    refused(complete(server, best_of=1, n=2), param="best_of")
    refused(complete(server, best_of=2, stream=True), param="best_of")


def probe_completions_logprobs(server: Server):
    accepted(complete(server, logprobs=5))
    refused(complete(server, logprobs=6), param="logprobs")


def probe_completions_context(server: Server):
    accepted(complete(server, prompt="Say hi", max_tokens=4094))  # 2 prompt tokens: 4,096 in all
    refused(complete(server, prompt="Say hi", max_tokens=4095), param="max_tokens")


def probe_completions_stream(server: Server):
    response = complete(server, stream=True)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.endswith("data: [DONE]\n\n"), response.text[-80:]


def probe_completions_suffix(server: Server):
    accepted(complete(server, suffix="x"))
    refused(complete(server, model="davinci-002", suffix="x"), param="suffix")


def probe_completions_object(server: Server):
    assert accepted(complete(server))["object"] == "text_completion"


def probe_completions_usage(server: Server):
    usage = accepted(complete(server))["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"], usage


def probe_completions_finish(server: Server):
    assert accepted(complete(server))["choices"][0]["finish_reason"] == "length"


def probe_completions_n(server: Server):
    assert len(accepted(complete(server, n=2))["choices"]) == 2


def probe_completions_echo(server: Server):
    assert accepted(complete(server, echo=True))["choices"][0]["text"].startswith("Say hi")


PROBES.update({
    "completions.endpoints_exist": probe_completions_endpoints,
    "completions.required_fields": probe_completions_required,
    "completions.best_of": probe_completions_best_of,
    "completions.logprobs_max": probe_completions_logprobs,
    "completions.context_length": probe_completions_context,
    "completions.stream_sse": probe_completions_stream,
    "completions.suffix_model": probe_completions_suffix,
    "completions.object_type": probe_completions_object,
    "completions.usage": probe_completions_usage,
    "completions.finish_reason": probe_completions_finish,
    "completions.n_choices": probe_completions_n,
    "completions.echo": probe_completions_echo,
})


# -- moderations and models ------------------------------------------------------------------------------------------
def moderate(server: Server, input_: Any) -> dict[str, Any]:
    return accepted(server.api.post("/v1/moderations", json={"input": input_}))


def probe_moderations_endpoints(server: Server):
    assert isinstance(moderate(server, "hi").get("id"), str)


def probe_moderations_inputs(server: Server):
    assert len(moderate(server, ["hi", "yo"])["results"]) == 2


def probe_moderations_results(server: Server):
    result = moderate(server, "hi")["results"][0]
    assert set(result["categories"]) == set(result["category_scores"])


def probe_moderations_applied(server: Server):
    applied = moderate(server, "hi")["results"][0]["category_applied_input_types"]
    assert all(kinds == ["text"] for kinds in applied.values()), applied


def ft_model(server: Server) -> str:
    return next(item["id"] for item in accepted(server.api.get("/v1/models"))["data"] if item["id"].startswith("ft:"))


def probe_models_list(server: Server):
    assert all("owned_by" in item for item in accepted(server.api.get("/v1/models"))["data"])


def probe_models_retrieve(server: Server):
    assert accepted(server.api.get("/v1/models/gpt-4o-mini"))["id"] == "gpt-4o-mini"


def probe_models_unknown(server: Server):
    refused(server.api.get("/v1/models/nope"), 404, param="model")
    refused(server.api.delete("/v1/models/nope"), 404, param="model")


def probe_models_delete(server: Server):
    model = ft_model(server)
    assert accepted(server.api.delete(f"/v1/models/{model}")).get("deleted") is True


def probe_models_delete_owner(server: Server):
    refused(server.api.delete("/v1/models/gpt-4o-mini"), 403)


def probe_request_ids(server: Server):
    assert server.api.get(STORES).headers.get("x-request-id", "").startswith("req_")


PROBES.update({
    "client.request_id_recorded": probe_request_ids,
    "moderations.endpoints_exist": probe_moderations_endpoints,
    "moderations.input_shapes": probe_moderations_inputs,
    "moderations.result_shape": probe_moderations_results,
    "moderations.applied_input_types": probe_moderations_applied,
    "models.list_objects": probe_models_list,
    "models.retrieve": probe_models_retrieve,
    "models.unknown_model": probe_models_unknown,
    "models.delete_endpoint": probe_models_delete,
    "models.delete_requires_owner": probe_models_delete_owner,
})


def _probes_beside(name: str) -> dict[str, Callable[[Server], None]]:
    """The ``PROBES`` of a module next to this one (the suites run with --import-mode=importlib: no sys.path)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PROBES


# -- fine_tuning and evals: their probes live beside this module ------------------------------------------------------
PROBES.update(_probes_beside("probes_fine_tuning_evals"))


@pytest.fixture
def server_with(client_for) -> Callable[..., Server]:
    def make(*faults: str) -> Server:
        app = create_app(faults=faults)
        return Server(client_for(app), client_for(app, auth=False), app.state.rulebook)

    return make


def broken_rules(server: Server) -> dict[str, str]:
    """Run every probe on a fresh state; return the rules whose probe failed, with the failure."""
    broken = {}
    for rule, probe in PROBES.items():
        server.state.reset()
        try:
            probe(server)
        except AssertionError as failure:
            broken[rule] = str(failure).splitlines()[0]
    return broken


def test_without_faults_every_probe_passes(server_with):
    assert broken_rules(server_with()) == {}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_breaks_its_rule_and_no_other(server_with, name):
    broken = broken_rules(server_with(name))
    assert set(broken) == {FAULTS[name].rule}, broken


# -- the registry -----------------------------------------------------------------------------------------------------


def served_endpoints() -> set[str]:
    """``GET /v1/vector_stores`` and so on: every method and path the app routes."""
    # the area routers themselves: FastAPI 0.165 mounts included routers lazily, so the app's own route list
    # no longer shows their routes
    routes = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
    assert routes, "no routes found: has FastAPI changed how routers are stored again?"
    return {f"{method} /v1{route.path}" for route in routes for method in route.methods}


#: rules on served endpoints (GET /v1/models, since the models area) about credentials the reference server does not
#: model yet: organization and project headers, admin keys; they have no test either (rulebook catalog lists them)
NOT_MODELLED = frozenset({"auth.organization_header", "auth.project_header", "auth.admin_key_not_for_other_endpoints"})


def test_every_fault_breaks_a_catalog_rule_and_every_served_rule_has_a_fault(catalog):
    served = served_endpoints()
    # a rule the server can be asked about: checkable, and every endpoint it names is one the server routes; the
    # sdk area's rules judge the official SDK on the answers it gets (suites/sdk): their sensitivity shows across SDK
    # versions (rulebook sdk-matrix). Only sdk.request_id has a server side (the x-request-id header), without a
    # fault for now
    due = {
        rule.id
        for rule in catalog.rules
        if rule.kind in ("enforced", "contract") and rule.endpoints and set(rule.endpoints) <= served
        and rule.area != "sdk"
    }
    faulted = {fault.rule for fault in FAULTS.values()}
    assert faulted <= set(catalog.by_id), f"faults name rules the catalog lacks: {sorted(faulted - set(catalog.by_id))}"
    assert due - NOT_MODELLED <= faulted, f"rules on served endpoints that no fault breaks: {sorted(due - faulted)}"
    assert set(PROBES) == faulted


def test_registering_a_name_twice_is_an_error():
    existing = FAULTS["metadata.accept_long_keys"]
    with pytest.raises(CatalogError, match="registered twice"):
        register(Fault(existing.name, rule="metadata.some_other_rule", description="a second definition"))
    assert FAULTS[existing.name] is existing


def test_a_second_fault_for_a_rule_is_an_error():
    with pytest.raises(CatalogError, match="already breaks"):
        register(Fault("metadata.accept_longer_keys", rule="metadata.key_length", description="same rule again"))
    assert "metadata.accept_longer_keys" not in FAULTS


def test_a_fault_must_share_its_rules_area():
    with pytest.raises(CatalogError, match="another area"):
        register(Fault("auth.breaks_metadata", rule="metadata.some_new_rule", description="wrong area"))
    assert "auth.breaks_metadata" not in FAULTS


def test_set_faults_checks_names_and_replaces_the_set(state):
    state.set_faults(["errors.bare_detail"])
    state.set_faults(["auth.accept_any_scheme", "metadata.accept_17_pairs"])
    assert state.faults == {"auth.accept_any_scheme", "metadata.accept_17_pairs"}
    with pytest.raises(CatalogError, match="unknown fault no.such_fault; known faults: .*auth.accept_any_scheme"):
        state.set_faults(["no.such_fault", "errors.bare_detail"])
    assert state.faults == {"auth.accept_any_scheme", "metadata.accept_17_pairs"}


def test_faults_change_at_runtime(client, anonymous, state):
    assert anonymous.get(STORES).status_code == 401
    state.faults.add("auth.accept_missing_header")
    assert anonymous.get(STORES).status_code == 200
    state.set_faults([])
    assert anonymous.get(STORES).status_code == 401


# -- what each fault does, beyond breaking its rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "loosest", "tightest"),
    [
        ("metadata.accept_long_keys", {"k" * 65: "v"}, {"k" * 66: "v"}),
        ("metadata.accept_long_values", {"k": "v" * 513}, {"k": "v" * 514}),
        ("metadata.accept_17_pairs", {f"k{i}": "v" for i in range(17)}, {f"k{i}": "v" for i in range(18)}),
    ],
)
def test_metadata_limit_faults_are_off_by_one(server_with, expect_error, name, loosest, tightest):
    server = server_with(name)
    assert accepted(server.api.post(STORES, json={"metadata": loosest}))["metadata"] == loosest
    expect_error(server.api.post(STORES, json={"metadata": tightest}), 400, param="metadata")


def test_non_string_values_are_stored_as_sent(server_with):
    server = server_with("metadata.accept_non_string_values")
    sent = {"n": 7, "b": True, "z": None, "o": {"x": "y"}}
    assert accepted(server.api.post(STORES, json={"metadata": sent}))["metadata"] == sent


def test_out_of_range_limits_are_off_by_one(server_with, expect_error):
    server = server_with("vector_stores.list.accept_limit_out_of_range")
    for _ in range(102):
        server.create()
    assert listed(server, limit=0) == []
    assert len(listed(server, limit=101)) == 101
    expect_error(server.api.get(STORES, params={"limit": 102}), 400, param="limit")
    expect_error(server.api.get(STORES, params={"limit": -1}), 400, param="limit")


def test_default_limit_10(server_with):
    server = server_with("vector_stores.list.default_limit_10")
    for _ in range(12):
        server.create()
    assert len(listed(server)) == 10


def test_any_order_lists_as_desc(server_with):
    server = server_with("vector_stores.list.accept_any_order")
    ids = [server.create()["id"] for _ in range(3)]
    assert listed(server, order="sideways") == ids[::-1]
    assert listed(server, order="asc") == ids


def test_after_includes_the_cursor_and_before_is_unchanged(server_with):
    server = server_with("vector_stores.list.after_includes_cursor")
    ids = [server.create()["id"] for _ in range(4)]
    assert listed(server, order="asc", after=ids[1]) == ids[1:]
    assert listed(server, order="asc", before=ids[2]) == ids[:2]


def test_bare_detail_keeps_every_status(server_with):
    server = server_with("errors.bare_detail")
    responses = {
        401: server.anonymous.get(STORES),
        404: server.api.get(f"{STORES}/vs_nope"),
        400: server.api.get(STORES, params={"limit": 0}),
        405: server.api.put(STORES),
    }
    for status, response in responses.items():
        assert response.status_code == status
        assert set(response.json()) == {"detail"} and isinstance(response.json()["detail"], str)


def test_wrong_object_type_touches_only_vector_store_objects(server_with):
    server = server_with("vector_stores.wrong_object_type")
    store = server.create()
    assert store["object"] == "vectorstore"
    assert accepted(server.api.get(f"{STORES}/{store['id']}"))["object"] == "vectorstore"
    body = accepted(server.api.get(STORES))
    assert body["object"] == "list" and body["data"][0]["object"] == "vectorstore"
    assert accepted(server.api.delete(f"{STORES}/{store['id']}"))["object"] == "vector_store.deleted"


def test_any_scheme_still_refuses_a_missing_header(server_with):
    server = server_with("auth.accept_any_scheme")
    assert server.anonymous.get(STORES, headers={"Authorization": "Basic x"}).status_code == 200
    assert server.anonymous.get(STORES).status_code == 401


def test_missing_header_fault_still_refuses_a_bad_scheme(server_with):
    server = server_with("auth.accept_missing_header")
    assert server.anonymous.get(STORES).status_code == 200
    assert server.anonymous.get(STORES, headers={"Authorization": "Basic x"}).status_code == 401


def test_any_content_type_still_refuses_bad_json(server_with, expect_error):
    server = server_with("requests.accept_any_content_type")
    accepted(server.api.post(STORES, content=b'{"name": "x"}', headers={"Content-Type": "text/plain"}))
    expect_error(server.api.post(STORES, content=b"name=x", headers={"Content-Type": "text/plain"}), 400)
