"""Assertions the suites make about responses, each raising ``RuleViolation`` for the rule it serves.

They assert what a rule says and no more: the status class, the error envelope's shape, the ``param`` it names.
Message texts and error codes are never pinned: the live API changes them without notice.

What a test reads from an accepted response is a ``Body``: a missing field, a null where a value is needed or a value
of the wrong type is a ``RuleViolation`` of the rule being checked (the server sent X), never a ``KeyError`` or a
``TypeError`` (which would read as a harness error). A request a test needs only as a step towards its rule goes
through ``precondition``: if it fails, the rule is inconclusive, not failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from openai_rulebook.errors import Inconclusive, RuleViolation

ENVELOPE_RULE = "errors.envelope"


def _brief(response: httpx.Response) -> str:
    text = response.text
    return f"{response.status_code} {text[:300]}{'…' if len(text) > 300 else ''}"


def error_envelope(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of a 4xx/5xx response; a malformed envelope violates ``errors.envelope``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    problems = []
    if not isinstance(error, dict):
        problems.append("no 'error' object")
    else:
        for key in ("message", "type"):
            if not isinstance(error.get(key), str):
                problems.append(f"'{key}' is not a string")
        for key in ("param", "code"):
            if key not in error or not (error[key] is None or isinstance(error[key], str)):
                problems.append(f"'{key}' is missing or neither a string nor null")
    if problems:
        raise RuleViolation(
            ENVELOPE_RULE,
            expected='{"error": {"message": str, "type": str, "param": str|null, "code": str|null}}',
            actual=f"{_brief(response)} ({'; '.join(problems)})", response=response,
        )
    return error  # type: ignore[return-value]


Control = httpx.Response | Callable[[], httpx.Response]


def expect_rejected(
    response: httpx.Response, rule: str, *, status: int | None = None, param: str | None = None, why: str = "",
    control: Control | None = None, control_accepted: Callable[[httpx.Response], bool] | None = None,
) -> dict[str, Any]:
    """The request broke ``rule``: a 4xx (exactly ``status`` if given) with the envelope, naming ``param`` if given.

    ``control`` is the same request without the violation (a response, or a function sending it, called only once
    the refusal is seen, so that a control that consumes an object runs last). A refusal counts only if the control
    was accepted (``control_accepted``, default: a 2xx); otherwise the test is inconclusive: the target refuses more
    than this rule.
    """
    wanted = str(status) if status else "4xx"
    refused = 400 <= response.status_code < 500
    if refused and control is not None:
        answer = control() if callable(control) else control
        if not (control_accepted(answer) if control_accepted else answer.is_success):
            request = answer.request
            raise Inconclusive(f"control not accepted: the same request without the violation ({request.method} "
                               f"{request.url.path}) answered {_brief(answer)}")
    ok = response.status_code == status if status else refused
    if not ok:
        raise RuleViolation(rule, expected=f"{wanted} rejecting the request{f' ({why})' if why else ''}",
                            actual=_brief(response), response=response)
    error = error_envelope(response)
    if param is not None and error.get("param") != param:
        raise RuleViolation(rule, expected=f"{wanted} with error.param = {param!r}",
                            actual=f"error.param = {error.get('param')!r} ({_brief(response)})", response=response)
    return error


def expect_accepted(response: httpx.Response, rule: str, *, why: str = "") -> Any:
    """The request kept to ``rule`` (its boundary included): a 2xx, whose JSON body is returned as a ``Body``."""
    if not response.is_success:
        raise RuleViolation(rule, expected=f"2xx accepting the request{f' ({why})' if why else ''}",
                            actual=_brief(response), response=response)
    try:
        return read(response.json(), rule)
    except ValueError:
        return response.text


def precondition(response: httpx.Response, what: str) -> Any:
    """A step the test needs (creating, listing, retrieving), not the rule it checks: a 2xx, else inconclusive.

    The body is returned as a ``Body`` of no rule: a surprise in it also ends the test inconclusive.
    """
    if not response.is_success:
        request = response.request
        raise Inconclusive(f"precondition failed: {what}: {request.method} {request.url.path} answered "
                           f"{_brief(response)}")
    try:
        return read(response.json(), None, what=what)
    except ValueError as exc:
        raise Inconclusive(f"precondition failed: {what}: the answer is not JSON: {_brief(response)}") from exc


def listed(response: httpx.Response, what: str, *, rule: str | None = None, limit: int | None = None) -> list[Any]:
    """The items of a list page a test reads to check *another* rule (the files of a store, a batch's files).

    The page is first held to the list's own rules: an answer, a ``data`` array, no id twice, at most ``limit``
    items. A broken list is the list rules' business (their own tests fail it): here it leaves the test
    inconclusive, with the broken list as evidence, so that one broken list never fails unrelated rules. With
    ``rule``, a refusal of the request is that rule's violation (the list is the rule's own endpoint).
    """
    page = expect_accepted(response, rule, why=what) if rule is not None else precondition(response, what)
    items = page.get("data") if isinstance(page, dict) else None
    if not isinstance(items, list):
        raise Inconclusive(f"precondition failed: {what}: the list has no data array: {_brief(response)}")
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    twice = sorted({i for i in ids if ids.count(i) > 1 and i is not None})
    if twice:
        raise Inconclusive(f"precondition failed: {what}: the list names {', '.join(twice)} more than once "
                           "(a broken list, judged by the list rules)")
    if limit is not None and len(items) > limit:
        raise Inconclusive(f"precondition failed: {what}: {len(items)} items for limit={limit} (a broken list, "
                           "judged by the list rules)")
    return items


# -- reading responses --------------------------------------------------------------------------------------------
def read(value: Any, rule: str | None, *, what: str = "", where: str = "") -> Any:
    """``value`` (parsed JSON) wrapped so that reading it for ``rule`` cannot crash the test (see ``Body``)."""
    if isinstance(value, dict) and not isinstance(value, Body):
        return Body(value, rule, what=what, where=where)
    if isinstance(value, list) and not isinstance(value, BodyList):
        return BodyList(value, rule, what=what, where=where)
    return value


def _shape_error(rule: str | None, what: str, expected: str, actual: Any) -> Exception:
    shown = repr(actual)
    shown = shown if len(shown) <= 300 else shown[:300] + "…"
    if rule is None:
        return Inconclusive(f"precondition failed: {what or 'a step of the test'}: expected {expected}, got {shown}")
    return RuleViolation(rule, expected=expected, actual=shown)


class Body(dict):  # type: ignore[type-arg]
    """A JSON object from a response, read for ``rule`` (None: for a precondition).

    ``body["x"]`` of a missing field raises the rule's violation; nested objects and arrays are wrapped too.
    ``body.field("x", int)`` also refuses a null or another type. ``.get`` stays a plain ``dict.get`` (wrapped).
    """

    def __init__(self, data: dict[str, Any], rule: str | None, *, what: str = "", where: str = "") -> None:
        super().__init__(data)
        self._rule, self._what, self._where = rule, what, where

    def _at(self, key: str) -> str:
        return f"{self._where}.{key}" if self._where else str(key)

    def __getitem__(self, key: str) -> Any:
        if not dict.__contains__(self, key):
            raise _shape_error(self._rule, self._what, f"a field {self._at(key)!r} in the response",
                               dict(self))
        value = dict.__getitem__(self, key)
        if value is None:
            return Null(self._rule, self._what, self._at(key), dict(self))
        return read(value, self._rule, what=self._what, where=self._at(key))

    def get(self, key: str, default: Any = None) -> Any:
        """``dict.get``; but a null where the caller gave a default to go on with (``.get("counts", {})``) is a
        ``Null``: going on with it is the rule's violation, as with ``body[key]``."""
        value = dict.get(self, key, default)
        if value is None and default is not None:
            return Null(self._rule, self._what, self._at(key), dict(self))
        return read(value, self._rule, what=self._what, where=self._at(key))

    def field(self, key: str, *types: type, nullable: bool = False) -> Any:
        """The value of ``key``, which must be present and of one of ``types`` (bool is not an int here)."""
        value = self[key]
        if value is None and nullable:
            return None
        ok = value is not None and (not types or (isinstance(value, types) and not (
            isinstance(value, bool) and bool not in types)))
        if not ok:
            names = " or ".join(t.__name__ for t in types) or "a value"
            raise _shape_error(self._rule, self._what, f"{self._at(key)!r} to be {names}"
                               f"{' or null' if nullable else ''}", value)
        return value


class BodyList(list):  # type: ignore[type-arg]
    """A JSON array from a response: items come out wrapped; an index past the end is the rule's violation."""

    def __init__(self, data: list[Any], rule: str | None, *, what: str = "", where: str = "") -> None:
        super().__init__(data)
        self._rule, self._what, self._where = rule, what, where

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return BodyList(list.__getitem__(self, index), self._rule, what=self._what, where=self._where)
        try:
            value = list.__getitem__(self, index)
        except IndexError:
            raise _shape_error(self._rule, self._what, f"an item [{index}] in {self._where or 'the list'}",
                               list(self)) from None
        return read(value, self._rule, what=self._what, where=f"{self._where}[{index}]")

    def __iter__(self) -> Any:
        for index, value in enumerate(list.__iter__(self)):
            yield read(value, self._rule, what=self._what, where=f"{self._where}[{index}]")


def expect(rule: str, condition: bool, *, expected: str, actual: Any, response: httpx.Response | None = None) -> None:
    """A property of a response that ``rule`` requires; ``response``, if given, is the one the evidence points at
    (else the test's last request)."""
    if not condition:
        raise RuleViolation(rule, expected=expected, actual=repr(actual) if not isinstance(actual, str) else actual,
                            response=response)


class Null:
    """A null read with ``body["x"]``: equal to None and falsy, but using it as a value is the rule's violation.

    ``body["x"] + 1``, ``len(body["x"])``, ``body["x"]["y"]``, ``sorted([... body["x"] ...])``: each raises the
    ``RuleViolation`` "expected 'x' to have a value, got null" instead of a ``TypeError``. Test for null with
    ``body.get("x") is None``: ``body["x"] is None`` is False by design.
    """

    __slots__ = ("_rule", "_what", "_where", "_body")

    def __init__(self, rule: str | None, what: str, where: str, body: Any) -> None:
        self._rule, self._what, self._where, self._body = rule, what, where, body

    def _violation(self, *_: Any, **__: Any) -> Any:
        raise _shape_error(self._rule, self._what, f"{self._where!r} to have a value, not null", self._body)

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, Null)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(None)

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "None"

    def __format__(self, spec: str) -> str:
        return format(None, spec) if not spec else self._violation()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._violation()

    __len__ = __iter__ = __getitem__ = __contains__ = __call__ = _violation
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __floordiv__ = _violation
    __lt__ = __le__ = __gt__ = __ge__ = __int__ = __float__ = __index__ = __neg__ = __abs__ = _violation
