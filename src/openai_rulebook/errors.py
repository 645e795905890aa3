"""Every exception openai-rulebook raises, in three families.

    AssertionError
     └── RuleViolation          the API broke a catalog rule: a verdict of *fail* for that rule
    RulebookError               the harness cannot do its job: never a verdict, always a stop (exit 3)
     ├── CatalogError           specs/rules/ (or a marker, a fault) is wrong (exit 2)
     ├── UsageError             a bad option or combination of options (exit 2)
     ├── TargetError            the target cannot be used (no key for live, ...) (exit 2)
     │   └── TargetUnreachable  the target does not answer at all: nothing can be checked (exit 4)
     └── CassetteError          a cassette is missing or corrupt in replay (exit 2)

Each carries the exit code of the convention in ``exits`` as ``exit_code``.
    pytest.skip.Exception
     ├── Inconclusive           the API could not be asked (network, 429, 5xx after retries, a failed
     │                          precondition): a verdict of *inconclusive*, never a pass and never a fail
     └── Unsupported            the target does not serve an endpoint the test needs (route not found):
                                a verdict of *unsupported*, never a pass and never a fail
"""

from __future__ import annotations

import pytest


class RuleViolation(AssertionError):
    """The API's behaviour contradicts catalog rule ``rule``."""

    def __init__(self, rule: str, *, expected: str, actual: str, detail: str = "", response: object = None) -> None:
        self.rule = rule
        self.expected = expected
        self.actual = actual
        self.detail = detail
        #: the response that broke the rule (an ``httpx.Response``), when the check had it: the deciding exchange
        self.response = response
        lines = [f"[{rule}]", f"Expected: {expected}", f"Actual: {actual}"]
        if detail:
            lines.append(detail)
        super().__init__("\n".join(lines))


class RulebookError(Exception):
    """A harness error: the run stops; the message says what to fix."""

    exit_code = 3


class CatalogError(RulebookError):
    """The catalog, a rule marker or a fault is invalid."""

    exit_code = 2


class UsageError(RulebookError):
    """An option or a combination of options is invalid."""

    exit_code = 2


class TargetError(RulebookError):
    """The chosen target cannot be used as configured."""

    exit_code = 2


class TargetUnreachable(TargetError):
    """The target did not answer the preflight request: a run against it could check nothing."""

    exit_code = 4


class CassetteError(RulebookError):
    """A cassette needed for replay is missing or unreadable."""

    exit_code = 2


class Inconclusive(pytest.skip.Exception):
    """The API could not be asked; the rules the test checks stay unjudged.

    A kind of pytest skip, for three reasons: hypothesis lets it through at once (an API that cannot answer is no
    counterexample to shrink, and retrying example after example would hang the run); pytest's fixture machinery
    handles it when a fixture raises it; and even without our plugin it reads as a skip, never a pass.
    """

    def __init__(self, message: str) -> None:
        super().__init__(msg=f"inconclusive: {message}", pytrace=False)


class Unsupported(pytest.skip.Exception):
    """The target does not serve an endpoint the test needs: "your server lacks this", not "gets it wrong".

    A kind of skip for the reasons ``Inconclusive`` gives. Raised by the client when a response is the target's
    route-not-found answer, and by the plugin before a test whose endpoints the capability probe found missing.
    """

    def __init__(self, message: str) -> None:
        super().__init__(msg=f"unsupported: {message}", pytrace=False)
