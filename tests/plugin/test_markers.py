"""The ``rule`` marker: every rule id a test names is in the catalog, and every suite test names one."""

from __future__ import annotations

import pytest

from openai_rulebook import exits

from .conftest import TINY_INI, write_suite


def test_unknown_rule_is_a_usage_error_naming_test_rule_and_catalog(project: pytest.Pytester) -> None:
    """A test naming a rule the catalog lacks stops the run (exit 2) and says which test, which rule, which file."""
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.pass")
        def test_known():
            pass

        @pytest.mark.rule("demo.no_such_rule")
        def test_unknown():
            pass
    """)
    result = project.runpytest("--report-dir", "out")
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*suites/test_demo.py::test_unknown*'demo.no_such_rule'*rules.yaml*"])
    assert not (project.path / "out" / "compliance.json").exists()


def test_unknown_rule_on_an_endpoint_test_is_a_usage_error_too(project: pytest.Pytester) -> None:
    """Most suite tests run once per endpoint: an unknown rule there stops the run with exit 2 as well."""
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.no_such_rule")
        def test_per_endpoint(endpoint):
            pass
    """)
    result = project.runpytest()
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*test_per_endpoint*'demo.no_such_rule'*rules.yaml*"])


def test_suite_test_without_rule_marker_is_a_usage_error(project: pytest.Pytester) -> None:
    """In the suites directory, a test that names no rule stops the run."""
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.pass")
        def test_marked():
            pass

        def test_unmarked():
            pass
    """)
    result = project.runpytest()
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*suites/test_demo.py::test_unmarked*must name the rule*"])


def test_suites_directory_comes_from_the_ini(project: pytest.Pytester) -> None:
    """``rulebook_suites`` names the directory whose tests must carry a marker."""
    project.makeini(TINY_INI.replace("rulebook_suites = suites", "rulebook_suites = checks"))
    project.makepyfile(**{"checks/test_checks": "import pytest\n\n@pytest.mark.rule('demo.pass')\ndef test_marked():"
                                                "\n    pass\n\ndef test_unmarked():\n    pass\n"})
    result = project.runpytest()
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*checks/test_checks.py::test_unmarked*must name the rule*"])


def test_unmarked_test_outside_the_suites_is_allowed(project: pytest.Pytester) -> None:
    """Only the suites directory demands markers: a helper test elsewhere runs without one."""
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.pass")
        def test_marked():
            pass
    """)
    project.makepyfile(test_helper="def test_helper():\n    pass\n")
    project.runpytest().assert_outcomes(passed=2)


@pytest.mark.parametrize("marker", ["rule(42)", "rule()", "rule('demo.pass', strict=True)"])
def test_rule_marker_with_anything_but_string_ids_is_a_usage_error(project: pytest.Pytester, marker: str) -> None:
    """``@pytest.mark.rule`` takes rule ids as strings and nothing else."""
    write_suite(project, f"""
        import pytest

        @pytest.mark.{marker}
        def test_bad_marker():
            pass
    """)
    result = project.runpytest()
    assert result.ret == exits.USAGE
    result.stderr.fnmatch_lines(["*test_bad_marker*takes rule ids as strings*"])


def test_unmarked_test_with_an_endpoint_argument_is_left_alone(project: pytest.Pytester) -> None:
    """The plugin stays out of tests that name no rule, whatever their arguments are called."""
    project.makepyfile(test_helper="""
        import pytest

        @pytest.mark.parametrize("endpoint", ["GET /v1/models"])
        def test_helper(endpoint):
            assert endpoint.startswith("GET")
    """)
    project.runpytest().assert_outcomes(passed=1)


ENDPOINT_TIER_CATALOG = """\
rules:
  - id: demo.endpoints_exist
    source: openapi
    statement: Each endpoint answers a valid request; a valid generation costs money.
    kind: contract
    tier: paid
    endpoints: [POST /v1/images/generations]
  - id: listing.endpoints_exist
    source: openapi
    statement: Listing answers a valid request, for free.
    kind: contract
    tier: free
    endpoints: [GET /v1/files]
  - id: cross.auth
    source: openapi
    statement: A free cross-cutting rule whose control is a valid request to each endpoint.
    kind: enforced
    tier: free
    endpoints_of: [demo, listing]
"""


def test_a_cross_cutting_test_needs_the_tier_of_its_endpoints_control(project: pytest.Pytester) -> None:
    """A free rule's test on an endpoint whose valid request is paid sends a paid control: it runs only with the
    paid tier, while the same test on a free endpoint runs."""
    project.makefile(".yaml", rules=ENDPOINT_TIER_CATALOG)
    write_suite(project, """
        import pytest

        @pytest.mark.rule("cross.auth")
        def test_per_endpoint(endpoint):
            pass
    """)
    result = project.runpytest("--tiers", "free,cheap", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*tier paid not enabled*"])
    project.runpytest("--tiers", "free,paid").assert_outcomes(passed=2)
