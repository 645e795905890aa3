"""A replay does what its recording did: it draws with the set's hypothesis settings, its clock behaves as the
recording's, and a request the set does not hold ends the test as one clear harness error naming the test, the
request, the cassette and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_rulebook import exits
from openai_rulebook.plugin.draws import DEFAULT_EXAMPLES, UNWRITTEN_EXAMPLES

from .conftest import read_compliance, rule_entry, write_suite

EMPTY_CASSETTE = "interactions: []\nversion: 1\n"
#: one recorded GET /v1/models, answered with an empty list
ONE_GET = """\
interactions:
- request:
    body: ''
    headers: {}
    method: GET
    uri: http://127.0.0.1:9/v1/models
  response:
    body: {string: '{"object": "list", "data": []}'}
    headers: {content-type: [application/json]}
    status: {code: 200, message: OK}
version: 1
"""

#: counts the examples a drawn test runs
DRAWN = """
    import pytest
    from hypothesis import given, strategies as st
    from pathlib import Path

    @pytest.mark.rule("demo.pass")
    @given(st.integers())
    def test_drawn(value):
        with Path("examples").open("a") as out:
            out.write(f"{value}\\n")
"""


def _cassette_set(root: Path, meta: dict[str, Any], cassettes: dict[str, str]) -> None:
    directory = root / "cassettes"
    (directory / "test_demo").mkdir(parents=True)
    (directory / "cassette-set.json").write_text(json.dumps({"schema": "rulebook.cassettes/1", **meta}),
                                                 encoding="utf-8")
    for name, text in cassettes.items():
        (directory / "test_demo" / f"{name}.yaml").write_text(text, encoding="utf-8")


def _examples(project: pytest.Pytester) -> int:
    return len((project.path / "examples").read_text(encoding="utf-8").splitlines())


# -- hypothesis settings -----------------------------------------------------------------------------------------
def test_replay_draws_as_many_examples_as_the_set_says(project: pytest.Pytester) -> None:
    """A set recorded with 3 examples replays 3, not today's default for anything."""
    write_suite(project, DRAWN)
    _cassette_set(project.path, {"target": "url", "hypothesis": {"max_examples": 3, "derandomize": True,
                                                                 "phases": ["explicit", "generate"]}},
                  {"test_drawn": EMPTY_CASSETTE})
    project.runpytest("--target", "replay", "--cassette-dir", "cassettes").assert_outcomes(passed=1)
    assert _examples(project) == 3


@pytest.mark.parametrize("source", ["url", "reference"])
def test_a_set_that_does_not_say_replays_with_the_defaults_of_its_source(project: pytest.Pytester,
                                                                       source: str) -> None:
    """Sets recorded before the settings were written: a URL's set draws a URL's examples, a reference set 25."""
    write_suite(project, DRAWN)
    _cassette_set(project.path, {"target": source}, {"test_drawn": EMPTY_CASSETTE})
    project.runpytest("--target", "replay", "--cassette-dir", "cassettes").assert_outcomes(passed=1)
    assert _examples(project) == UNWRITTEN_EXAMPLES[source]


def test_recording_writes_the_settings_it_drew_with(project: pytest.Pytester) -> None:
    """A recording (from the reference server here) writes its hypothesis settings and clock into the set."""
    write_suite(project, DRAWN)
    project.runpytest("--target", "record", "--cassette-dir", "cassettes").assert_outcomes(passed=1)
    meta = json.loads((project.path / "cassettes" / "cassette-set.json").read_text(encoding="utf-8"))
    assert meta["clock"] == "jump" and meta["max_wait"] == 30
    assert meta["hypothesis"]["max_examples"] == DEFAULT_EXAMPLES["reference"] == _examples(project)
    assert meta["hypothesis"]["derandomize"] is True and meta["hypothesis"]["database"] is None


def test_unreadable_settings_stop_the_replay_naming_the_file(project: pytest.Pytester) -> None:
    write_suite(project, DRAWN)
    _cassette_set(project.path, {"target": "url", "hypothesis": {"max_examples": "many"}},
                  {"test_drawn": EMPTY_CASSETTE})
    result = project.runpytest("--target", "replay", "--cassette-dir", "cassettes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cassettes/cassette-set.json: unreadable \"hypothesis\" settings*re-record*"])
    assert not (project.path / "examples").exists()


# -- the clock ---------------------------------------------------------------------------------------------------
CLOCKED = """
    import pytest
    from pathlib import Path

    @pytest.mark.rule("demo.pass")
    def test_waits_an_hour(server_clock):
        Path("can_jump").write_text(str(server_clock.can_jump))
        server_clock.advance(3600)
        Path("after").touch()
"""


@pytest.mark.parametrize(("meta", "can_jump", "outcome"), [
    ({"target": "url", "clock": "wait"}, "False", "skipped"),
    ({"target": "live"}, "False", "skipped"),  # a set that does not say: a live API was waited for
    ({"target": "reference", "clock": "jump"}, "True", "passed"),
    ({"target": "reference"}, "True", "passed"),
    ({"target": "url", "clock": "wait", "max_wait": 7200}, "False", "passed"),  # the recording waited the hour
])
def test_replay_clock_behaves_as_the_recordings(project: pytest.Pytester, meta: dict[str, Any], can_jump: str,
                                                outcome: str) -> None:
    """A recording that waited could not wait an hour and skipped there: its replay skips at the same point (and
    says it cannot jump), so it never sends what comes after; a reference recording jumped, and so does its replay."""
    write_suite(project, CLOCKED)
    _cassette_set(project.path, meta, {"test_waits_an_hour": EMPTY_CASSETTE})
    project.runpytest("--target", "replay", "--cassette-dir", "cassettes").assert_outcomes(**{outcome: 1})
    assert (project.path / "can_jump").read_text(encoding="utf-8") == can_jump
    assert (project.path / "after").exists() == (outcome == "passed")


# -- a request the set does not hold -----------------------------------------------------------------------------
ASKS_TWICE = """
    import pytest

    @pytest.mark.rule("demo.pass")
    def test_list(api):
        assert api.get("/models").status_code == 200
        assert api.get("/models").status_code == 200
"""

ASKS_OTHER = """
    import pytest

    @pytest.mark.rule("demo.pass")
    def test_list(api):
        try:  # a test that swallows what went wrong does not hide it
            api.post("/vector_stores", {"name": "rulebook-other"})
        except Exception:
            pass
"""


@pytest.mark.parametrize(("suite", "asked"), [
    (ASKS_TWICE, "GET /v1/models once more than cassettes/test_demo/test_list.yaml holds it (1 time)"),
    (ASKS_OTHER, 'POST /v1/vector_stores {"name": "rulebook-other"}, which cassettes/test_demo/test_list.yaml '
                 'does not hold'),
], ids=["asked-once-more", "never-recorded"])
def test_a_request_the_set_does_not_hold_is_one_clear_error(project: pytest.Pytester, suite: str, asked: str) -> None:
    """The test errs (not a pass, not vcrpy's traceback): the message names the test, the request, the cassette, and
    says to re-record, with the command for the set's source."""
    write_suite(project, suite)
    _cassette_set(project.path, {"target": "url", "base_url": "http://127.0.0.1:9/v1"}, {"test_list": ONE_GET})
    result = project.runpytest("--target", "replay", "--cassette-dir", "cassettes", "--report-dir", "out")
    assert result.ret == exits.HARNESS  # the verdict is error: the harness erred (README, Exit codes)
    entry = rule_entry(read_compliance(project.path / "out"), "demo.pass")
    message = entry["evidence"][0]["message"]
    assert entry["verdict"] == "error"
    assert f"replay: suites/test_demo.py::test_list asked for {asked}; " in message, message
    assert "rulebook run --target record --record-from url --base-url http://127.0.0.1:9/v1" in message
    assert "CannotOverwriteExistingCassetteException" not in result.stdout.str()


def test_a_replay_that_asks_for_fewer_requests_than_recorded_errs(project: pytest.Pytester) -> None:
    """Fewer requests than recorded is another path, checking less than the recording did: an error as well."""
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.pass")
        def test_list(api):
            pass
    """)
    _cassette_set(project.path, {"target": "reference"}, {"test_list": ONE_GET})
    result = project.runpytest("--target", "replay", "--cassette-dir", "cassettes", "--report-dir", "out")
    assert result.ret == exits.HARNESS  # the verdict is error: the harness erred (README, Exit codes)
    entry = rule_entry(read_compliance(project.path / "out"), "demo.pass")
    assert entry["verdict"] == "error"
    assert entry["evidence"][0]["message"].startswith(
        "replay: suites/test_demo.py::test_list asked for 0 of the 1 requests cassettes/test_demo/test_list.yaml "
        "holds; the test no longer sends what was recorded"), entry["evidence"][0]["message"]
    assert "--record-from reference --cassette-dir cassettes" in entry["evidence"][0]["message"]
