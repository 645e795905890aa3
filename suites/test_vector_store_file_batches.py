"""Vector store file batches: create, retrieve, cancel, list their files (R03.2.1, R03.2.2, R04.1.28, R04.3, and
the spec).

Every batch attaches files uploaded for the test (``make_file``, named ``rulebook-…``) to a store made for it; the
store's deletion at the end takes the batch and its files with it, and the client deletes the files.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, listed, read
from openai_rulebook.consistent_reads import read_consistently
from openai_rulebook.errors import Inconclusive

STORES = "/vector_stores"
UNKNOWN_BATCH_ID = "vsfb_rulebook0000000000000000"
UNKNOWN_STORE_ID = "vs_rulebook000000000000000000"
STATUSES = ("in_progress", "completed", "failed", "cancelled")


def batches_path(store_id: str, *rest: str) -> str:
    return "/".join([f"{STORES}/{store_id}/file_batches", *rest])


def ids_of(page):
    return [item["id"] for item in page["data"]]


def listed_files(api, rule_id: str, store_id: str, batch_id: str) -> list[dict]:
    """The batch's files; a list that breaks its own rules (an id twice) leaves the test inconclusive."""
    return listed(api.get(batches_path(store_id, batch_id, "files"), params={"limit": 100, "order": "asc"}),
                  "listing the batch's files", rule=rule_id, limit=100)


def counts_agree(rule_id: str, counts: dict, files: list[dict], what: str) -> None:
    statuses = [item.get("status") for item in files]
    expect(rule_id, all(counts.get(s) == statuses.count(s) for s in STATUSES)
           and counts.get("total") == len(statuses) == sum(counts.get(s, 0) for s in STATUSES),
           expected=f"{what}'s file_counts matching its listed files' statuses {statuses}", actual=counts)


@pytest.fixture
def file_ids(make_file):
    """Upload ``count`` small text files; return their ids."""
    return lambda count: [make_file()["id"] for _ in range(count)]


@pytest.fixture
def make_batch(api):
    """Create a batch a test needs but does not judge; an API that refuses leaves the test inconclusive."""

    def make(store_id: str, **body):
        response = api.post(batches_path(store_id), body)
        if not response.is_success:
            raise Inconclusive(f"could not create a file batch to test with: {response.status_code} "
                               f"{response.text[:200]}")
        return read(response.json(), None)

    return make


# -- the endpoint and the object --------------------------------------------------------------------------------------
@pytest.mark.rule("vector_store_file_batches.endpoint_exists")
@pytest.mark.parametrize("style", ["file_ids", "files"])
def test_a_batch_attaches_every_file(api, rule, vector_store, file_ids, style):
    store_id, ids = vector_store["id"], file_ids(3)
    body = {"file_ids": ids} if style == "file_ids" else {"files": [{"file_id": file_id} for file_id in ids]}
    batch = expect_accepted(api.post(batches_path(store_id), body), rule.id, why=f"a batch of 3 files by {style}")
    expect(rule.id, batch.get("vector_store_id") == store_id and batch.get("file_counts", {}).get("total") == 3,
           expected=f"vector_store_id={store_id}, file_counts.total=3", actual=batch)
    again = expect_accepted(api.get(batches_path(store_id, batch["id"])), rule.id, why="retrieving the batch")
    expect(rule.id, again.get("id") == batch["id"], expected=f"the batch {batch['id']}", actual=again)
    listed = [item["id"] for item in listed_files(api, rule.id, store_id, batch["id"])]
    expect(rule.id, sorted(listed) == sorted(ids), expected=f"the batch's files: {ids}", actual=listed)


@pytest.mark.rule("vector_store_file_batches.object_type")
def test_object_types(api, rule, vector_store, file_ids):
    store_id = vector_store["id"]
    created = expect_accepted(api.post(batches_path(store_id), {"file_ids": file_ids(2)}), rule.id)
    answers = {"create": created, "retrieve": expect_accepted(api.get(batches_path(store_id, created["id"])), rule.id)}
    cancelled = api.post(batches_path(store_id, created["id"], "cancel"))
    if cancelled.is_success:  # a batch that finished first cannot be cancelled: the cancel rule's business
        answers["cancel"] = read(cancelled.json(), rule.id)
    for action, body in answers.items():
        expect(rule.id, body.get("object") in rule.params["values"],
               expected=f"object in {rule.params['values']} on {action}", actual=body.get("object"))
        expect(rule.id, body.get("status") in rule.params["statuses"],
               expected=f"status in {rule.params['statuses']} on {action}", actual=body.get("status"))


# -- how many files ---------------------------------------------------------------------------------------------------
def batch_of(key: str, file_id: str, count: int) -> dict:
    """``count`` entries naming one file: the count limit is about the list, not about distinct uploads."""
    entries = [file_id] * count if key == "file_ids" else [{"file_id": file_id}] * count
    return {key: entries}


def param_for(rule, key: str) -> str:
    return rule.params["param"] if key == "file_ids" else rule.params["files_param"]


@pytest.mark.rule("vector_store_file_batches.file_ids_range")
@pytest.mark.parametrize("key", ["file_ids", "files"])
@pytest.mark.parametrize("edge", ["min", "max", "min-1", "max+1"])
def test_file_count_edges(api, rule, vector_store, make_file, key, edge):
    count = {"min": rule.params["min"], "max": rule.params["max"], "min-1": rule.params["min"] - 1,
             "max+1": rule.params["max"] + 1}[edge]
    response = api.post(batches_path(vector_store["id"]), batch_of(key, make_file()["id"], count))
    if edge in ("min", "max"):
        expect_accepted(response, rule.id, why=f"{count} {key}")
    else:
        expect_rejected(response, rule.id, param=param_for(rule, key), why=f"{count} {key}")


@pytest.mark.rule("vector_store_file_batches.file_ids_range")
@given(count=st.one_of(st.integers(0, 4), st.integers(1996, 2004)))
def test_file_count_drawn(api, rule, vector_store, make_file, count):
    response = api.post(batches_path(vector_store["id"]), batch_of("file_ids", make_file()["id"], count))
    if rule.params["min"] <= count <= rule.params["max"]:
        expect_accepted(response, rule.id, why=f"{count} file_ids")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"{count} file_ids")


@pytest.mark.rule("vector_store_file_batches.file_ids_range")
def test_one_of_file_ids_or_files(api, rule, vector_store, make_file):
    file_id = make_file()["id"]
    path = batches_path(vector_store["id"])
    expect_rejected(api.post(path, {}), rule.id, why="neither file_ids nor files")
    expect_rejected(api.post(path, {"attributes": {"k": "v"}}), rule.id, why="attributes alone")
    expect_rejected(api.post(path, {"file_ids": [file_id], "files": [{"file_id": file_id}]}), rule.id,
                    why="both file_ids and files")


# -- attributes --------------------------------------------------------------------------------------------------------
def attribute_cases(rule):
    """(attributes, accepted, why) at the edges of each limit."""
    key, value, pairs = rule.params["max_key_length"], rule.params["max_value_length"], rule.params["max_pairs"]
    return [
        ({"k" * key: "v"}, True, f"a {key}-character key"),
        ({"k" * (key + 1): "v"}, False, f"a {key + 1}-character key"),
        ({"k": "v" * value}, True, f"a {value}-character value"),
        ({"k": "v" * (value + 1)}, False, f"a {value + 1}-character value"),
        ({f"k{i}": i for i in range(pairs)}, True, f"{pairs} pairs"),
        ({f"k{i}": i for i in range(pairs + 1)}, False, f"{pairs + 1} pairs"),
        ({"n": 1.5, "b": False, "s": "x"}, True, "number, boolean and string values"),
        ({"k": None}, False, "a null value"),
        ({"k": ["a"]}, False, "an array value"),
        ({"k": {"a": 1}}, False, "an object value"),
    ]


@pytest.mark.rule("vector_store_file_batches.attributes")
@pytest.mark.parametrize("case", range(10))
@pytest.mark.parametrize("where", ["batch", "entry"])
def test_attribute_limits(api, rule, vector_store, make_file, case, where):
    attributes, accepted, why = attribute_cases(rule)[case]
    store_id, file_id = vector_store["id"], make_file()["id"]
    body = ({"file_ids": [file_id], "attributes": attributes} if where == "batch"
            else {"files": [{"file_id": file_id, "attributes": attributes}]})
    response = api.post(batches_path(store_id), body)
    if not accepted:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"{why} on the {where}")
        return
    batch = expect_accepted(response, rule.id, why=f"{why} on the {where}")
    for item in listed_files(api, rule.id, store_id, batch["id"]):
        expect(rule.id, item.get("attributes") == attributes, expected=f"{item.get('id')} with {attributes}",
               actual=item.get("attributes"))


@pytest.mark.rule("vector_store_file_batches.attributes")
def test_batch_attributes_reach_every_file(api, rule, vector_store, file_ids):
    attributes = {"source": "rulebook", "year": 2025, "public": True}
    batch = expect_accepted(api.post(batches_path(vector_store["id"]), {"file_ids": file_ids(3),
                                                                        "attributes": attributes}), rule.id)
    files = listed_files(api, rule.id, vector_store["id"], batch["id"])
    if len(files) != 3:  # whether a batch attaches all its files is the endpoint rule's business
        raise Inconclusive(f"the batch of 3 files lists {len(files)}")
    expect(rule.id, all(item.get("attributes") == attributes for item in files),
           expected=f"each file with {attributes}", actual=[item.get("attributes") for item in files])


@pytest.mark.rule("vector_store_file_batches.attributes")
@given(length=st.integers(min_value=1, max_value=160))
def test_key_length_drawn(api, rule, vector_store, make_file, length):
    response = api.post(batches_path(vector_store["id"]), {"file_ids": [make_file()["id"]],
                                                           "attributes": {"k" * length: "v"}})
    if length <= rule.params["max_key_length"]:
        expect_accepted(response, rule.id, why=f"a {length}-character key")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"a {length}-character key")


# -- cancel, counts, unknown ids ------------------------------------------------------------------------------------
@pytest.mark.rule("vector_store_file_batches.cancel")
def test_cancel_ends_files_in_progress(api, rule, server_clock, vector_store, file_ids, make_batch):
    store_id = vector_store["id"]
    for _ in range(3):  # processing may finish at any moment: a batch that finished first is tried again
        batch = make_batch(store_id, file_ids=file_ids(3))
        before = {item["id"]: item.get("status") for item in listed_files(api, rule.id, store_id, batch["id"])}
        running = [file_id for file_id, status in before.items() if status == "in_progress"]
        response = api.post(batches_path(store_id, batch["id"], "cancel"))
        now = expect_accepted(api.get(batches_path(store_id, batch["id"])), rule.id).get("status")
        if running and (response.is_success or now == "in_progress"):
            break  # else processing ended between the list and the cancel: a refusal then is no finding
    else:
        raise Inconclusive("three batches finished before they could be cancelled")
    cancelled = expect_accepted(response, rule.id, why="cancelling a batch in progress")
    expect(rule.id, cancelled.get("status") == "cancelled", expected="status cancelled", actual=cancelled.get("status"))
    server_clock.advance(2)
    after = {item["id"]: item.get("status") for item in listed_files(api, rule.id, store_id, batch["id"])}
    expect(rule.id, all(after.get(file_id) in ("cancelled", "in_progress") for file_id in running),
           expected=f"the files in progress at the cancel ({running}) not completed", actual=after)
    again = expect_accepted(api.get(batches_path(store_id, batch["id"])), rule.id)
    expect(rule.id, again.get("status") == "cancelled", expected="still cancelled", actual=again.get("status"))


@pytest.mark.rule("vector_store_file_batches.cancel")
def test_a_finished_batch_stays_as_it_was(api, rule, vector_store, file_ids, make_batch, wait_processed):
    store_id = vector_store["id"]
    batch = make_batch(store_id, file_ids=file_ids(2))
    finished = wait_processed(batches_path(store_id, batch["id"]))
    response = api.post(batches_path(store_id, batch["id"], "cancel"))
    if response.is_success:
        status = read(response.json(), rule.id).get("status")
        expect(rule.id, status == finished["status"],
               expected=f"the cancel refused or answered unchanged ({finished['status']})", actual=status)
    else:
        expect_rejected(response, rule.id, why="cancelling a finished batch")
    again = expect_accepted(api.get(batches_path(store_id, batch["id"])), rule.id)
    expect(rule.id, again.get("status") == finished["status"], expected=f"still {finished['status']}",
           actual=again.get("status"))


@pytest.mark.rule("vector_store_file_batches.file_counts")
def test_counts_follow_the_files(api, rule, server_clock, vector_store, file_ids, make_batch):
    store_id = vector_store["id"]
    batch = make_batch(store_id, file_ids=file_ids(3))
    for step in range(3):
        current = expect_accepted(api.get(batches_path(store_id, batch["id"])), rule.id)
        files = listed_files(api, rule.id, store_id, batch["id"])
        counts_agree(rule.id, current.get("file_counts", {}), files, "the batch")
        processing = any(item.get("status") == "in_progress" for item in files)
        expect(rule.id, (current.get("status") == "in_progress") == processing,
               expected=f"status {'in_progress' if processing else 'finished'} with files "
                        f"{[item.get('status') for item in files]}", actual=current.get("status"))
        server_clock.moment()


@pytest.mark.rule("vector_store_file_batches.unknown_ids")
def test_unknown_ids_are_404(api, rule, endpoint, vector_store, make_vector_store, file_ids, make_batch):
    batch = make_batch(vector_store["id"], file_ids=file_ids(1))
    other = make_vector_store()["id"]
    cases = {
        "an unknown batch": endpoint.path(vector_store_id=vector_store["id"], batch_id=UNKNOWN_BATCH_ID),
        "another store's batch": endpoint.path(vector_store_id=other, batch_id=batch["id"]),
        "an unknown store": endpoint.path(vector_store_id=UNKNOWN_STORE_ID, batch_id=batch["id"]),
    }
    for why, path in cases.items():
        expect_rejected(api.request(endpoint.method, path), rule.id, status=rule.params["status"], why=why)


# -- the lifecycle, step by step ---------------------------------------------------------------------------------------
ENDPOINT = "vector_store_file_batches.endpoint_exists"
CANCEL = "vector_store_file_batches.cancel"
COUNTS = "vector_store_file_batches.file_counts"
STORE_COUNTS = "vector_stores.file_counts"


class FileBatches(RuleBasedStateMachine):
    """Create batches, let time pass, cancel them (also once they have finished); after every step each batch's
    status and counts agree with its files, and the store's with all of them."""

    def __init__(self, api, clock, make_file, store_id):
        super().__init__()
        self.api, self.clock, self.make_file, self.store_id = api, clock, make_file, store_id
        self.batches: dict[str, list[str]] = {}  # batch id -> its files
        self.cancelled: set[str] = set()
        self.doomed: set[str] = set()  # files in progress when their batch was cancelled

    @precondition(lambda self: len(self.batches) < 3)
    @rule(count=st.integers(1, 3), style=st.sampled_from(["file_ids", "files"]))
    def create(self, count, style):
        ids = [self.make_file()["id"] for _ in range(count)]
        body = {"file_ids": ids} if style == "file_ids" else {"files": [{"file_id": file_id} for file_id in ids]}
        batch = expect_accepted(self.api.post(batches_path(self.store_id), body), ENDPOINT, why="creating a batch")
        expect(ENDPOINT, batch.get("file_counts", {}).get("total") == count,
               expected=f"file_counts.total={count}", actual=batch.get("file_counts"))
        self.batches[batch["id"]] = ids

    @rule()
    def advance(self):
        self.clock.moment()

    @precondition(lambda self: self.batches)
    @rule(data=st.data())
    def cancel(self, data):
        batch_id = data.draw(st.sampled_from(sorted(self.batches)))
        path = batches_path(self.store_id, batch_id)
        before = expect_accepted(self.api.get(path), CANCEL).get("status")
        running = [item["id"] for item in listed_files(self.api, CANCEL, self.store_id, batch_id)
                   if item.get("status") == "in_progress"]
        response = self.api.post(f"{path}/cancel")
        if before == "in_progress" and response.is_success:
            status = read(response.json(), CANCEL).get("status")
            expect(CANCEL, status == "cancelled", expected="status cancelled", actual=status)
            self.cancelled.add(batch_id)
            self.doomed.update(running)
            return
        after = expect_accepted(self.api.get(path), CANCEL).get("status")
        if before == "in_progress" and after == "in_progress":
            expect_accepted(response, CANCEL, why="cancelling a batch in progress")
        if before != "in_progress":  # forbidden: a finished batch stays as it was
            if response.is_success:
                status = read(response.json(), CANCEL).get("status")
                expect(CANCEL, status == before, expected=f"answered unchanged ({before})", actual=status)
            else:
                expect_rejected(response, CANCEL, why=f"cancelling a {before} batch")
            expect(CANCEL, after == before, expected=f"still {before}", actual=after)

    @invariant()
    def batches_agree_with_their_files(self):
        for batch_id, ids in self.batches.items():
            # processing may end between two requests: the batch is compared with a list that stood still around it
            batch, files = read_consistently(
                lambda: listed_files(self.api, COUNTS, self.store_id, batch_id),
                lambda: expect_accepted(self.api.get(batches_path(self.store_id, batch_id)), COUNTS),
                what=f"{batch_id}'s files")
            expect(ENDPOINT, sorted(item["id"] for item in files) == sorted(ids), expected=f"{batch_id} holds {ids}",
                   actual=[item["id"] for item in files])
            counts_agree(COUNTS, batch.get("file_counts", {}), files, batch_id)
            statuses = {item["id"]: item.get("status") for item in files}
            if batch_id in self.cancelled:
                expect(CANCEL, batch.get("status") == "cancelled", expected=f"{batch_id} still cancelled",
                       actual=batch.get("status"))
            else:
                processing = "in_progress" in statuses.values()
                expect(COUNTS, (batch.get("status") == "in_progress") == processing,
                       expected=f"{batch_id} {'in_progress' if processing else 'finished'} with files {statuses}",
                       actual=batch.get("status"))
            completed = [file_id for file_id in self.doomed & set(statuses) if statuses[file_id] == "completed"]
            expect(CANCEL, not completed, expected="files in progress at a cancel do not complete", actual=completed)
        store, store_files = read_consistently(
            lambda: listed(self.api.get(f"{STORES}/{self.store_id}/files", params={"limit": 100, "order": "asc"}),
                           "listing the store's files", rule=STORE_COUNTS, limit=100),
            lambda: expect_accepted(self.api.get(f"{STORES}/{self.store_id}"), STORE_COUNTS),
            what="the store's files")
        counts_agree(STORE_COUNTS, store.get("file_counts", {}), store_files, "the store")


@pytest.mark.rule("vector_store_file_batches.endpoint_exists", "vector_store_file_batches.cancel",
                  "vector_store_file_batches.file_counts", "vector_stores.file_counts")
def test_file_batch_lifecycle(api, server_clock, make_file, make_vector_store):
    examples = min(settings().max_examples, 10 if server_clock.can_jump else 2)

    def machine():  # a fresh store for each run
        return FileBatches(api, server_clock, make_file, make_vector_store()["id"])

    # no shrinking: every step is a request, and on a live API a shrink is hundreds of them
    run_state_machine_as_test(machine, settings=settings(max_examples=examples, stateful_step_count=8,
                                                         phases=[Phase.explicit, Phase.reuse, Phase.generate]))
