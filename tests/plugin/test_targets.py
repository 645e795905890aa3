"""Targets: resolved once from the options, before anything is sent; tiers decide which rule tests run."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from openai_rulebook import exits

from openai_rulebook.catalog import TIERS
from openai_rulebook.errors import TargetError, UsageError
from openai_rulebook.plugin.targets import resolve_target

from .conftest import write_suite

SECRET = "sk-test-never-real"

#: a test that leaves a trace, so that a run can prove it never started
TRACING = """
    import pytest
    from pathlib import Path

    @pytest.mark.rule("demo.pass")
    def test_free():
        Path("ran-free").touch()

    @pytest.mark.rule("demo.heavy")
    def test_heavy():
        Path("ran-heavy").touch()
"""


# -- resolve_target --------------------------------------------------------------------------------------------------
def test_live_without_key_names_the_variable(tmp_path: Path) -> None:
    """``live`` without a key is a TargetError naming OPENAI_API_KEY."""
    with pytest.raises(TargetError, match="OPENAI_API_KEY"):
        resolve_target(name="live", root=tmp_path, environ={})


def test_live_without_key_names_a_custom_variable(tmp_path: Path) -> None:
    """With ``--api-key-env``, the message names that variable instead."""
    with pytest.raises(TargetError, match="MY_OPENAI_KEY"):
        resolve_target(name="live", api_key_env="MY_OPENAI_KEY", root=tmp_path, environ={"OPENAI_API_KEY": SECRET})


def test_url_without_base_url_is_a_usage_error(tmp_path: Path) -> None:
    """``url`` needs ``--base-url``, and says so before asking for a key."""
    with pytest.raises(UsageError, match="--base-url"):
        resolve_target(name="url", root=tmp_path, environ={"OPENAI_API_KEY": SECRET})


def test_fault_with_live_is_a_usage_error(tmp_path: Path) -> None:
    """Faults belong to the reference server; asking for one with ``live`` is refused."""
    with pytest.raises(UsageError, match="--fault"):
        resolve_target(name="live", faults=("auth.accept_any_scheme",), root=tmp_path,
                       environ={"OPENAI_API_KEY": SECRET})


def test_unknown_tier_is_a_usage_error_listing_the_tiers(tmp_path: Path) -> None:
    """A bad ``--tiers`` value names the bad tier and every allowed one."""
    with pytest.raises(UsageError) as raised:
        resolve_target(name="reference", tiers="free,gold", root=tmp_path)
    assert "gold" in str(raised.value)
    assert all(tier in str(raised.value) for tier in TIERS)


def test_default_tiers_are_all_but_heavy_on_reference_and_free_cheap_on_live(tmp_path: Path) -> None:
    """The reference server is free, so everything but heavy runs; live only free and cheap calls."""
    reference = resolve_target(name="reference", root=tmp_path)
    live = resolve_target(name="live", root=tmp_path, environ={"OPENAI_API_KEY": SECRET})
    assert reference.tiers == set(TIERS) - {"heavy"}
    assert live.tiers == {"free", "cheap"}


def test_target_description_never_holds_the_key_or_headers(tmp_path: Path) -> None:
    """``Target.describe`` (what reports print) has no key and no header value."""
    live = resolve_target(name="live", root=tmp_path,
                          environ={"OPENAI_API_KEY": SECRET, "OPENAI_ORG_ID": "org-secret-42"})
    assert live.headers == {"OpenAI-Organization": "org-secret-42"}
    assert SECRET not in repr(live.describe()) and "org-secret-42" not in repr(live.describe())


# -- through pytest ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("variable", ["OPENAI_API_KEY", "RULEBOOK_TEST_KEY"])
def test_live_without_key_stops_at_configure_naming_the_variable(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """``--target live`` without a key exits 4 naming the variable, before collection: no test ran, no socket opened."""
    monkeypatch.delenv(variable, raising=False)
    write_suite(project, TRACING)
    connects: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: connects.append(address))
    result = project.runpytest("--target", "live", "--api-key-env", variable, "--report-dir", "out", no_reraise_ctrlc=True)
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines([f"*{variable}*nothing was sent*"])
    assert "collected" not in result.stdout.str()
    assert connects == [] and not list(project.path.glob("ran-*")) and not (project.path / "out").exists()


def test_unknown_target_is_a_usage_error(project: pytest.Pytester) -> None:
    """``--target bogus`` is refused with the list of targets (exit 2)."""
    write_suite(project, TRACING)
    result = project.runpytest("--target", "bogus", no_reraise_ctrlc=True)
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["rulebook: error: --target 'bogus' is unknown*reference, url, live*"])


def test_heavy_rule_test_is_skipped_on_reference_by_default(project: pytest.Pytester) -> None:
    """Without ``--tiers``, a heavy rule's test is skipped with a reason that says how to include it."""
    write_suite(project, TRACING)
    result = project.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*tier heavy not enabled*--tiers*"])
    assert not (project.path / "ran-heavy").exists()


def test_tiers_option_runs_only_the_named_tiers(project: pytest.Pytester) -> None:
    """``--tiers heavy`` runs the heavy rule's test and skips the free one."""
    write_suite(project, TRACING)
    result = project.runpytest("--tiers", "heavy")
    result.assert_outcomes(passed=1, skipped=1)
    assert (project.path / "ran-heavy").exists() and not (project.path / "ran-free").exists()
