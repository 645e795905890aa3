"""Faults: named, deliberate breaches of one catalog rule each, and the one place they take effect.

A fault is data (``Fault(name, rule, description)``), registered by the module whose behaviour it breaks. Handlers
never ask whether a fault is on: they state the rule through a ``Rules`` object, and ``Rules`` decides.

* ``rules.enforce(rule, ok, ...)`` rejects the request unless ``ok``, and is the only way a rule-bound rejection
  happens. When a fault breaks ``rule``, the request is judged by ``broken_ok`` instead (by default: let it
  through; give a looser condition for an off-by-one mutant).
* ``rules.behaviour(rule, normal, faulty)`` picks a value (a default, an object type, a cursor offset): ``faulty``
  when a fault breaks ``rule``, ``normal`` otherwise.

Each rule has at most one fault, so a fault is identified by the rule it breaks; registering a second fault for a
rule, or a fault name twice, is a ``CatalogError`` at import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from openai_rulebook.errors import CatalogError
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.variants import Variants

T = TypeVar("T")


@dataclass(frozen=True)
class Fault:
    """A mutant of the reference server that breaks exactly one catalog rule."""

    #: ``<area>.<what it does>``, e.g. ``metadata.accept_long_keys``
    name: str
    #: the catalog rule id the fault breaks, e.g. ``metadata.key_length``
    rule: str
    #: one sentence: what a client sees when the fault is on
    description: str


#: every fault the server knows, by name; filled in as the server's modules are imported
FAULTS: dict[str, Fault] = {}


def register(*faults: Fault) -> None:
    """Add faults to ``FAULTS``; a name or a rule that is already taken is an error, never an overwrite."""
    for fault in faults:
        if fault.name in FAULTS:
            raise CatalogError(f"fault {fault.name!r} is registered twice: {FAULTS[fault.name]} and {fault}")
        taken = next((other for other in FAULTS.values() if other.rule == fault.rule), None)
        if taken is not None:
            raise CatalogError(
                f"fault {fault.name!r} breaks rule {fault.rule!r}, which fault {taken.name!r} already breaks; "
                "one fault per rule"
            )
        if fault.name.split(".", 1)[0] != fault.rule.split(".", 1)[0]:
            raise CatalogError(
                f"fault {fault.name!r} breaks rule {fault.rule!r} of another area; name a fault after its rule's area"
            )
        FAULTS[fault.name] = fault


def check_fault_names(names: Iterable[str]) -> set[str]:
    """Return ``names`` as a set, or raise a ``CatalogError`` naming each unknown fault and listing the known ones."""
    wanted = set(names)
    unknown = sorted(wanted - FAULTS.keys())
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise CatalogError(
            f"unknown fault{plural} {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}"
        )
    return wanted


class Rules:
    """The catalog rules one request is served under: all of them, minus those an active fault breaks."""

    def __init__(self, broken: Iterable[str] = (), consulted: set[str] | None = None,
                 variants: Variants | None = None) -> None:
        #: ids of the rules the active faults break
        self.broken = frozenset(broken)
        #: where to note every rule whose fault would change this request's answer: a fault campaign runs, for each
        #: fault, only the tests in which some request would have been answered differently (no other test can
        #: tell), so a rule is noted only where its fault would act, not wherever it is looked at
        self._consulted = consulted if consulted is not None else set()
        #: the legal liberties this request is served with (see ``variants.py``)
        self.variants = variants if variants is not None else Variants(acting=self._consulted)

    @classmethod
    def with_faults(cls, names: Iterable[str], consulted: set[str] | None = None,
                    variants: Variants | None = None) -> Rules:
        return cls((FAULTS[name].rule for name in check_fault_names(names)), consulted, variants)

    def enforce(
        self,
        rule: str,
        ok: bool,
        *,
        message: str,
        broken_ok: bool = True,
        status: int = 400,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        """Reject the request with ``APIError(status, message, param=..., code=...)`` unless it obeys ``rule``."""
        if ok != broken_ok:
            self._consulted.add(rule)
        if not (broken_ok if rule in self.broken else ok):
            raise APIError(status, message, param=param, code=code)

    def enforce_range(self, rule: str, value: int, low: int, high: int, *, param: str, name: str) -> None:
        """Reject ``value`` outside ``low..high`` (a 400 naming ``param``); a fault moves each bound out by one."""
        self.enforce(
            rule,
            low <= value <= high,
            broken_ok=low - 1 <= value <= high + 1,
            param=param,
            code="integer_below_min_value" if value < low else "integer_above_max_value",
            message=f"Invalid '{name}': expected an integer between {low} and {high}, but got {value} instead.",
        )

    def behaviour(self, rule: str, normal: T, faulty: T) -> T:
        """``normal`` while ``rule`` holds, ``faulty`` when a fault breaks it."""
        if normal != faulty:
            self._consulted.add(rule)
        return faulty if rule in self.broken else normal


def rules_for(request: Request) -> Rules:
    """The rules of the app serving ``request``: faults are read from its state, never from a global."""
    state = request.app.state.rulebook
    return Rules.with_faults(state.faults, state.consulted, Variants(state.variants, state.consulted))


async def _rules(request: Request) -> Rules:
    return rules_for(request)  # async: a sync dependency would cost every request a trip to the thread pool


RulesDep = Annotated[Rules, Depends(_rules)]
