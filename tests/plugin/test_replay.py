"""Recording and replay: a cassette set replays to the same verdicts with no network, and a broken set stops the
run before anything ran, naming what is missing."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from openai_rulebook import exits

from .conftest import copy_real_suites, read_compliance, run_inline, verdicts, write_suite

#: a few rules of two areas, drawn (hypothesis) tests included: those are the ones a replay most easily misses
SUBSET = ("-k", "(test_vector_stores and (limit or object_type)) or (test_metadata and key_length)")
#: rules the subset judges, so that "the same verdicts" cannot hold vacuously
JUDGED = ("vector_stores.list.limit_range", "vector_stores.list.limit_default", "vector_stores.object_type",
          "metadata.key_length")

TRACING = """
    import pytest
    from pathlib import Path

    @pytest.mark.rule("demo.pass")
    def test_one():
        Path("ran-one").touch()

    @pytest.mark.rule("demo.pass")
    def test_two():
        Path("ran-two").touch()
"""
META = {"schema": "rulebook.cassettes/1", "target": "reference", "base_url": "http://127.0.0.1:9/v1"}
EMPTY_CASSETTE = "interactions: []\nversion: 1\n"


def _cassette_set(root: Path, cassettes: dict[str, str]) -> Path:
    directory = root / "cassettes"
    directory.mkdir()
    (directory / "cassette-set.json").write_text(json.dumps(META), encoding="utf-8")
    for name, text in cassettes.items():
        (directory / "test_demo").mkdir(exist_ok=True)
        (directory / "test_demo" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return directory


# -- a broken cassette set stops the run ----------------------------------------------------------------------------
def test_replay_without_cassette_set_description_names_the_file(project: pytest.Pytester) -> None:
    """A directory without ``cassette-set.json`` is not a recorded set: exit 2 naming that file."""
    write_suite(project, TRACING)
    (project.path / "empty").mkdir()
    result = project.runpytest("--target", "replay", "--cassette-dir", "empty", no_reraise_ctrlc=True)
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*empty/cassette-set.json: not found*"])
    assert not list(project.path.glob("ran-*"))


def test_missing_cassette_names_the_test_before_any_test_ran(project: pytest.Pytester) -> None:
    """One test without a cassette stops the whole replay (exit 2) naming its node id; no test ran."""
    write_suite(project, TRACING)
    _cassette_set(project.path, {"test_one": EMPTY_CASSETTE})
    result = project.runpytest("--target", "replay", "--cassette-dir", "cassettes", "--report-dir", "out")
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*nothing was sent*", "*suites/test_demo.py::test_two: no cassette at*"])
    assert "test_one" not in result.stderr.str()
    assert not list(project.path.glob("ran-*")) and not (project.path / "out").exists()


def test_corrupt_cassette_names_the_file(project: pytest.Pytester) -> None:
    """A cassette that is not YAML stops the replay (exit 2) naming the cassette file."""
    write_suite(project, TRACING)
    _cassette_set(project.path, {"test_one": EMPTY_CASSETTE, "test_two": "interactions: [\n  - {unclosed\n"})
    result = project.runpytest("--target", "replay", "--cassette-dir", "cassettes")
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*test_two: cassette cassettes/test_demo/test_two.yaml is corrupt*"])
    assert not list(project.path.glob("ran-*"))


#: valid YAML cut short: the second interaction has its request and lost its response
TRUNCATED_CASSETTE = """interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: http://127.0.0.1:9/v1/files
  response:
    body: {string: '{"object": "list", "data": []}'}
    headers: {}
    status: {code: 200, message: OK}
- request:
    body: null
    headers: {}
    method: GET
    uri: http://127.0.0.1:9/v1/vector_stores
version: 1
"""


def test_truncated_cassette_is_one_line_naming_the_file_and_the_fix(project: pytest.Pytester) -> None:
    """A cassette that is valid YAML but ends in a request without its response: exit 2 before any test ran, one
    line naming the test, the file, the request and the fix, never ``KeyError: 'response'`` inside a test."""
    write_suite(project, TRACING)
    _cassette_set(project.path, {"test_one": EMPTY_CASSETTE, "test_two": TRUNCATED_CASSETTE})
    result = project.runpytest("--target", "replay", "--cassette-dir", "cassettes", "--report-dir", "out")
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*test_two: cassette cassettes/test_demo/test_two.yaml is truncated or damaged: "
                                 "interaction 2 has a request (GET http://127.0.0.1:9/v1/vector_stores) but no "
                                 "response; re-record it with 'rulebook run --target record'*"])
    assert "KeyError" not in result.stdout.str() + result.stderr.str()
    assert not list(project.path.glob("ran-*")) and not (project.path / "out").exists()


def test_complete_cassette_set_replays(project: pytest.Pytester) -> None:
    """The counterpart: with every cassette present the same tests run and pass."""
    write_suite(project, TRACING)
    _cassette_set(project.path, {"test_one": EMPTY_CASSETTE, "test_two": EMPTY_CASSETTE})
    project.runpytest("--target", "replay", "--cassette-dir", "cassettes").assert_outcomes(passed=2)


# -- a request retried while recording ------------------------------------------------------------------------------
class _BusyOnce(BaseHTTPRequestHandler):
    """Answers 503 to the first request and 200 with an empty list to every later one."""

    answered = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).answered += 1
        status, body = (503, b'{"error": {"message": "busy", "type": "server_error", "param": null, "code": null}}') \
            if type(self).answered == 1 else (200, b'{"object": "list", "data": []}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def busy_once() -> Iterator[str]:
    """A server that is busy (503) the first time it is asked: the client retries and then passes."""
    _BusyOnce.answered = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BusyOnce)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_request_retried_while_recording_replays_to_the_same_verdict(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, busy_once: str
) -> None:
    """A 503 the client retried past during recording does not turn the replay's pass into inconclusive."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-rulebook-test")
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.pass")
        def test_list(api):
            assert api.get("/models").status_code == 200
    """)
    recorded = project.runpytest("--target", "record", "--record-from", "url", "--base-url", busy_once,
                                 "--cassette-dir", "cassettes", "--report-dir", "recorded")
    assert recorded.ret == pytest.ExitCode.OK and _BusyOnce.answered == 2
    project.runpytest("--target", "replay", "--cassette-dir", "cassettes", "--report-dir", "replayed")
    assert verdicts(read_compliance(project.path / "replayed")) == verdicts(read_compliance(project.path / "recorded"))


# -- a round trip over the real suites -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory, spec_loaded: Path) -> dict[str, Any]:
    """Record a subset of the real suites from the reference server, then replay it with every socket refused."""
    root = copy_real_suites(tmp_path_factory.mktemp("round-trip"), spec=True)
    recorded = run_inline(root, *SUBSET, "--target", "record", "--cassette-dir", "cassettes",
                          "--report-dir", "recorded")
    connects: list[object] = []

    def refuse(sock: socket.socket, address: object) -> None:
        connects.append(address)
        raise OSError(f"replay opened a socket to {address}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        replayed = run_inline(root, *SUBSET, "--target", "replay", "--cassette-dir", "cassettes",
                              "--report-dir", "replayed")
    return {"root": root, "codes": (recorded, replayed), "connects": connects,
            "recorded": read_compliance(root / "recorded"), "replayed": read_compliance(root / "replayed")}


def test_record_then_replay_gives_the_same_verdict_per_rule(round_trip: dict[str, Any]) -> None:
    """Every rule's verdict in the replay equals the recording's, and the subset really judged rules."""
    recorded, replayed = verdicts(round_trip["recorded"]), verdicts(round_trip["replayed"])
    assert replayed == recorded
    assert all(recorded[rule_id] in ("pass", "fail") for rule_id in JUDGED)
    assert round_trip["codes"][0] == round_trip["codes"][1] in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)


def test_recording_writes_one_cassette_per_test_and_the_set_description(round_trip: dict[str, Any]) -> None:
    """The set has ``cassette-set.json``, the capability probe's cassette and a cassette for each test that ran."""
    cassettes = round_trip["root"] / "cassettes"
    meta = json.loads((cassettes / "cassette-set.json").read_text(encoding="utf-8"))
    assert meta["schema"] == "rulebook.cassettes/1" and meta["target"] == "reference"
    ran = len({test["nodeid"] for rule in round_trip["recorded"]["rules"] for test in rule["tests"]})
    assert (cassettes / "_probe" / "capabilities.yaml").is_file()
    assert len(list(cassettes.rglob("*.yaml"))) == ran + 1 > 1


def test_replay_opens_no_socket(round_trip: dict[str, Any]) -> None:
    """With ``socket.connect`` refusing, the replay still judged every rule: vcrpy served every request."""
    assert round_trip["connects"] == []
    summary = round_trip["replayed"]["summary"]
    assert round_trip["replayed"]["run"]["target"] == "replay" and summary["error"] == summary["inconclusive"] == 0


def test_reference_server_conforms_to_the_official_spec(round_trip: dict[str, Any]) -> None:
    """The recording run checked responses against the spec and found no mismatch."""
    conformance = round_trip["recorded"]["spec_conformance"]
    assert conformance["responses_checked"] > 0
    assert conformance["mismatches"] == []
    # the reference server sends the nulls real traffic shows: spec drift, with its evidence, never a mismatch
    assert conformance["drift_count"] > 0 and all(group["evidence"] for group in conformance["spec_drift"])
