"""Secrets never reach disk: the key, organization and project sent to a target appear in no cassette or report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openai_rulebook.plugin.server_thread import ReferenceServer

from .conftest import copy_real_suites

KEY = "sk-proj-" + "Zq7RuLeBoOk0SeCrEt1x2y3z4w5v6u7t8s9r0q1p"  # 8 + 40 characters, as a project key has
ORGANIZATION = "org-RuLeBoOkSeCrEtOrGaNiZaTiOn"
PROJECT = "proj_RuLeBoOkSeCrEtPrOjEcT"
#: requests with and without the key, with and without a body
SUBSET = "(test_auth and GET) or (test_metadata and key_length and not drawn) or (test_vector_stores and object_type)"


@pytest.fixture
def url_target() -> Iterator[str]:
    """A reference server started by the test itself, to be recorded as an arbitrary ``--base-url``: on a wall clock,
    as ``rulebook serve`` runs, so that waiting for processing takes a fraction of a second (a frozen clock never moves)."""
    server = ReferenceServer(clock="wall")
    try:
        yield server.start()
    finally:
        server.stop()


def test_key_organization_and_project_reach_no_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, url_target: str
) -> None:
    """Record from a url target with all three secrets set; no file of cassettes or reports holds any of them."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_ORG_ID", ORGANIZATION)
    monkeypatch.setenv("OPENAI_PROJECT_ID", PROJECT)
    copy_real_suites(pytester.path)
    result = pytester.runpytest("-k", SUBSET, "--target", "record", "--record-from", "url", "--base-url", url_target,
                                "--report-dir", "reports", "--cassette-dir", "cassettes")
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()[-2000:]
    written = [path for directory in ("cassettes", "reports") for path in (pytester.path / directory).rglob("*")
               if path.is_file()]
    assert len(written) > 10
    secrets = {"key": KEY, "organization": ORGANIZATION, "project": PROJECT}
    leaks = [(str(path), name) for path in written for name, secret in secrets.items() if secret in _text(path)]
    assert leaks == []
    # not vacuous: the secrets were sent, and the cassettes show their headers redacted
    cassettes = "".join(_text(path) for path in (pytester.path / "cassettes").rglob("*.yaml"))
    for header in ("authorization", "openai-organization", "openai-project"):
        assert f"      {header}:\n      - REDACTED\n" in cassettes


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")
