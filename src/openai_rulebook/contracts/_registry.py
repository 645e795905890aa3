"""A registry of single-exchange contract checks, one per catalog rule; a rule registered twice is an error."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from openai_rulebook.catalog import Catalog, Rule
from openai_rulebook.errors import CatalogError, RuleViolation

_PLACEHOLDER = re.compile(r"{([a-z_]+)}")


@dataclass(frozen=True, slots=True)
class Seen:
    """One exchange as a check sees it: what was asked, what came back."""

    endpoint: str | None  #: the catalog endpoint it matched (``GET /v1/files/{file_id}``), None if none
    path: str  #: ``/v1/files/file-abc``
    query: Mapping[str, Any]
    request_body: Any
    status: int
    body: Any  #: the parsed JSON body; None when there was none or it was not JSON

    @property
    def ids(self) -> dict[str, str]:
        """The endpoint's placeholders filled from the path: ``{"file_id": "file-abc"}``."""
        if self.endpoint is None:
            return {}
        template = self.endpoint.split(" ", 1)[1].strip("/").split("/")
        return {
            match.group(1): value
            for segment, value in zip(template, self.path.strip("/").split("/"), strict=False)
            if (match := _PLACEHOLDER.fullmatch(segment))
        }


Check = Callable[[Rule, Seen], None]
Statuses = Literal["success", "client_error"]


@dataclass(frozen=True, slots=True)
class ContractCheck:
    rule_id: str
    check: Check  #: raises ``RuleViolation`` naming ``rule_id``; returns None when the exchange keeps the rule
    statuses: Statuses  #: 2xx or 4xx responses
    any_endpoint: bool  #: the rule's statement covers every endpoint, not only those the catalog lists
    when: Callable[[Seen], bool] | None  #: a further precondition (a query parameter was sent, ...)

    def applies(self, rule: Rule, seen: Seen) -> bool:
        if self.statuses == "success" and not 200 <= seen.status < 300:
            return False
        if self.statuses == "client_error" and not 400 <= seen.status < 500:
            return False
        if not self.any_endpoint and seen.endpoint not in rule.endpoints:
            return False
        return self.when is None or self.when(seen)


#: rule id -> its check; filled as ``_responses`` is imported
CHECKS: dict[str, ContractCheck] = {}


def contract(
    rule_id: str, *, statuses: Statuses = "success", any_endpoint: bool = False,
    when: Callable[[Seen], bool] | None = None,
) -> Callable[[Check], Check]:
    """Register ``check`` as the single-exchange check of ``rule_id``."""

    def register(check: Check) -> Check:
        if rule_id in CHECKS:
            raise CatalogError(
                f"rule {rule_id!r} has a contract check already ({CHECKS[rule_id].check.__name__}); "
                f"{check.__name__} cannot be registered for it too"
            )
        CHECKS[rule_id] = ContractCheck(rule_id, check, statuses, any_endpoint, when)
        return check

    return register


def findings(catalog: Catalog, seen: Seen) -> Iterator[tuple[str, RuleViolation | None]]:
    """``(rule id, violation or None)`` for every registered check that applies to ``seen``."""
    for rule_id, registered in CHECKS.items():
        rule = catalog[rule_id]
        if registered.applies(rule, seen):
            try:
                registered.check(rule, seen)
            except RuleViolation as violation:
                yield rule_id, violation
            else:
                yield rule_id, None
