"""Variants: named, legal liberties of the reference server, which a correct harness must pass unchanged.

Faults prove the suites sensitive (each breaks one rule, and that rule must fail); variants prove them specific:
each changes something the rulebook leaves open (tie order, error wording, timing, extra fields, nulls), and no
verdict may change. A variant is data (``Variant(name, description)``), registered once by the module that applies
it; handlers never ask whether a variant is on. The few places a variant acts ask a ``Variants`` object:

* ``variants.choose(name, normal, varied)`` picks ``varied`` when the variant is active, ``normal`` otherwise, and
  notes the variant as *acting* on this request whenever the two differ (active or not), so that a campaign
  re-runs under a variant only the tests where it would have changed an answer.
* ``variants.note(name)`` notes a variant that acts on every request it sees (the clock, extra fields).

``area.off.<area>`` variants unmount an API area: its ``area`` names the routes' area, whose rules must then turn
``unsupported`` and nothing else may change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from openai_rulebook.errors import CatalogError

T = TypeVar("T")

#: the prefix under which a variant's name is noted in ``ServerState.consulted`` (rule ids never start with it)
NOTE_PREFIX = "variant:"


@dataclass(frozen=True)
class Variant:
    """A behaviour of the reference server that the rulebook allows, and that no verdict may depend on."""

    #: ``<concern>.<what it does>``, e.g. ``errors.reworded``
    name: str
    #: one sentence: what a client sees when the variant is on
    description: str
    #: for ``area.off.*``: the API area (a catalog rule-id prefix, e.g. ``vector_stores.search``) left unmounted
    area: str | None = None
    #: False for the few *illegal* variants kept for the harness's own tests (malformed responses, which must end
    #: as rule violations, never as harness errors); the campaign runs only legal ones
    legal: bool = True


#: every variant the server knows, by name; filled in as the server's modules are imported
VARIANTS: dict[str, Variant] = {}


def register_variant(*variants: Variant) -> None:
    """Add variants to ``VARIANTS``; a name that is already taken is an error, never an overwrite."""
    for variant in variants:
        if variant.name in VARIANTS:
            raise CatalogError(f"variant {variant.name!r} is registered twice: {VARIANTS[variant.name]} and {variant}")
        VARIANTS[variant.name] = variant


def check_variant_names(names: Iterable[str]) -> set[str]:
    """Return ``names`` as a set, or raise a ``CatalogError`` naming each unknown variant and listing the known ones."""
    wanted = set(names)
    unknown = sorted(wanted - VARIANTS.keys())
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise CatalogError(
            f"unknown variant{plural} {', '.join(unknown)}; known variants: {', '.join(sorted(VARIANTS))}"
        )
    return wanted


class Variants:
    """The variants one request is served under, and where to note those that act on it."""

    def __init__(self, active: Iterable[str] = (), acting: set[str] | None = None) -> None:
        self.active = frozenset(active)
        self._acting = acting if acting is not None else set()

    def __contains__(self, name: str) -> bool:
        return name in self.active

    def note(self, name: str) -> None:
        """Note that ``name`` changes (or would change) what this request is answered."""
        self._acting.add(NOTE_PREFIX + name)

    def choose(self, name: str, normal: T, varied: T) -> T:
        """``varied`` when variant ``name`` is on, ``normal`` otherwise; noted whenever they differ."""
        if normal != varied:
            self.note(name)
        return varied if name in self.active else normal
