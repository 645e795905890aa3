"""Record from a URL, then replay: the same verdicts, rule by rule, with no network.

The URL is the reference server on a free port with a wall clock (as ``rulebook serve`` will have): time passes on
it only by waiting, so the recording's clock is ``wait`` - ``can_jump`` is false, processing is polled second by
second - and the recording draws the examples of a URL target (10), not the reference server's 25. A replay has to do
exactly the same, from what the cassette set says, or it asks for requests that were never recorded.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from openai_rulebook.plugin.draws import DEFAULT_EXAMPLES
from openai_rulebook.plugin.server_thread import ReferenceServer
from openai_rulebook.plugin.targets import REFERENCE_KEY

from .conftest import copy_real_suites, read_compliance, run_inline

#: drawn tests (hypothesis), tests that poll a processing object, a test that needs more time than a URL target
#: waits (skipped there, so its replay must skip at the same point): the ways a replay used to go astray
SUBSET = ("-k", "(test_vector_stores and limit) or (test_metadata and key_length) "
                "or test_an_attached_file_ends_completed or test_a_repeated_custom_id_fails_the_batch "
                "or test_expired_upload_takes_no_part_and_no_complete")
#: rules the subset must judge, so that "the same verdicts" cannot hold vacuously
JUDGED = ("vector_stores.list.limit_range", "vector_stores.list.limit_default", "metadata.key_length",
          "vector_store_files.processing", "batches.custom_id_unique")
POLLING_CASSETTE = "test_vector_store_files/test_an_attached_file_ends_completed.yaml"
#: a URL target cannot wait an upload's hour: the recording skips this test after creating the upload
WAITED_TOO_LONG = "suites/test_uploads.py::test_expired_upload_takes_no_part_and_no_complete"
DRAWN_CASSETTE = "test_vector_stores/test_limit_drawn.yaml"


@pytest.fixture(scope="module")
def url_server() -> Iterator[str]:
    """A reference server on 127.0.0.1, a free port, with a wall clock (as ``rulebook serve``); its base URL."""
    server = ReferenceServer(clock="wall")
    try:
        yield server.start()
    finally:
        server.stop()


def _by_rule(document: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Rule id -> (verdict, the tests that judged it and their outcomes): what must not change in a replay."""
    return {rule["id"]: (rule["verdict"], tuple(sorted(f"{test['nodeid']}={test['outcome']}"
                                                       for test in rule.get("tests", []))))
            for rule in document["rules"]}


@pytest.fixture(scope="module")
def url_round_trip(tmp_path_factory: pytest.TempPathFactory, url_server: str) -> dict[str, Any]:
    """Record the subset from the URL server, then replay it with every socket refused."""
    root = copy_real_suites(tmp_path_factory.mktemp("url-round-trip"))
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", REFERENCE_KEY)
        recorded = run_inline(root, *SUBSET, "--target", "record", "--record-from", "url", "--base-url", url_server,
                              "--cassette-dir", "cassettes", "--report-dir", "recorded")
    recording_seconds = time.monotonic() - started
    connects: list[object] = []

    def refuse(sock: socket.socket, address: object) -> None:
        connects.append(address)
        raise OSError(f"replay opened a socket to {address}")

    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        replayed = run_inline(root, *SUBSET, "--target", "replay", "--cassette-dir", "cassettes",
                              "--report-dir", "replayed")
    return {"root": root, "codes": (recorded, replayed), "connects": connects,
            "seconds": (recording_seconds, time.monotonic() - started),
            "recorded": read_compliance(root / "recorded"), "replayed": read_compliance(root / "replayed")}


def test_replay_of_a_url_recording_gives_the_same_verdicts_rule_by_rule(url_round_trip: dict[str, Any]) -> None:
    """Every rule: the same verdict from the same tests with the same outcomes; none errs, the subset judged rules."""
    recorded, replayed = _by_rule(url_round_trip["recorded"]), _by_rule(url_round_trip["replayed"])
    changed = {rule_id: (recorded[rule_id], replayed.get(rule_id)) for rule_id in recorded
               if recorded[rule_id] != replayed.get(rule_id)}
    assert changed == {}
    assert all(recorded[rule_id][0] == "pass" for rule_id in JUDGED), {rule_id: recorded[rule_id] for rule_id in JUDGED}
    assert url_round_trip["codes"] == (pytest.ExitCode.OK, pytest.ExitCode.OK)
    summary = url_round_trip["replayed"]["summary"]
    assert summary.get("error", 0) == 0 and summary.get("inconclusive", 0) == 0
    assert url_round_trip["connects"] == []


def test_the_set_says_how_it_was_drawn_and_timed(url_round_trip: dict[str, Any]) -> None:
    """``cassette-set.json`` holds the hypothesis settings (a URL's 10 examples, derandomized, no database) and the
    clock (wait): the replay's source of truth."""
    meta = json.loads((url_round_trip["root"] / "cassettes" / "cassette-set.json").read_text(encoding="utf-8"))
    assert meta["target"] == "url" and meta["clock"] == "wait" and meta["max_wait"] == 30
    assert meta["hypothesis"]["max_examples"] == DEFAULT_EXAMPLES["url"]
    assert meta["hypothesis"]["derandomize"] is True and meta["hypothesis"]["database"] is None


def test_a_polling_test_recorded_every_poll(url_round_trip: dict[str, Any]) -> None:
    """The processing test attached a file (in progress) and polled it until completed: the same GET is in its
    cassette once per poll, each with its own answer, and the replay played them in order (its verdict is the
    recording's, and a GET asked once more than recorded would have been an error)."""
    cassette = yaml.safe_load((url_round_trip["root"] / "cassettes" / POLLING_CASSETTE).read_text(encoding="utf-8"))
    attached = [interaction for interaction in cassette["interactions"]
                if "/vector_stores/" in interaction["request"]["uri"] and "/files" in interaction["request"]["uri"]
                and interaction["request"]["method"] in ("POST", "GET")]
    statuses = [(interaction["request"]["method"], json.loads(interaction["response"]["body"]["string"])["status"])
                for interaction in attached]
    assert statuses[0] == ("POST", "in_progress") and statuses[-1] == ("GET", "completed"), statuses
    polls = [interaction["request"]["uri"] for interaction in attached if interaction["request"]["method"] == "GET"]
    assert len(polls) >= 2 and len(set(polls)) == 1, polls


def test_a_test_skipped_for_time_is_skipped_at_the_same_point_in_replay(url_round_trip: dict[str, Any]) -> None:
    """Waiting an hour is beyond a URL target: the recording skipped the expiry test; the replay, whose clock
    behaves as the recording's, skips it too instead of sending the requests that come after the wait."""
    outcomes = [{test["nodeid"]: test["outcome"] for rule in url_round_trip[run]["rules"] for test in rule["tests"]}
                for run in ("recorded", "replayed")]
    assert outcomes[0][WAITED_TOO_LONG] == outcomes[1][WAITED_TOO_LONG] == "skipped"


def test_record_and_replay_take_seconds(url_round_trip: dict[str, Any]) -> None:
    """The proof stays cheap: the recording waits for processing on a real clock, the replay waits for nothing."""
    recording, replaying = url_round_trip["seconds"]
    assert recording < 45 and replaying < recording, url_round_trip["seconds"]
