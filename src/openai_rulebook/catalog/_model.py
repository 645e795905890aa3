"""Typed catalog entries; validation happens once, when the catalog is loaded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["enforced", "contract", "lifecycle", "client", "advisory"]
Tier = Literal["free", "cheap", "paid", "admin", "destructive", "realtime", "heavy"]
KINDS: tuple[str, ...] = Kind.__args__
TIERS: tuple[str, ...] = Tier.__args__
#: kinds a request or a recording can check
CHECKABLE_KINDS = frozenset(KINDS) - {"advisory"}

AREA = r"^[a-z][a-z0-9_]*$"
RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
SEED_ID = r"^(R\d{2}(\.\d+)*|H\.\d+)$"
ENDPOINT = r"^(GET|POST|PUT|PATCH|DELETE) /v1(/[A-Za-z0-9_{}.:-]+)*$"

Scalar = Union[bool, int, float, str]
ParamValue = Union[Scalar, list[Scalar], None]


class Rule(BaseModel):
    """One rule of the catalog: a single checkable (or explained) statement about the API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=RULE_ID)
    seeds: list[str] = Field(default_factory=list)
    #: where a rule without seeds comes from: the official OpenAPI spec, or the official SDK's documentation
    #: (``sdk``: what the ``openai`` Python SDK promises on top of the wire, e.g. its error classes and retries)
    source: Literal["rulebook", "openapi", "sdk"] = "rulebook"
    statement: str = Field(min_length=10)
    kind: Kind
    tier: Tier
    endpoints: list[str] = Field(default_factory=list)
    #: areas whose endpoints this rule covers, for cross-cutting rules: the loader fills ``endpoints`` from them
    endpoints_of: list[str] = Field(default_factory=list)
    params: dict[str, ParamValue] = Field(default_factory=dict)
    disputed: str | None = None
    why_not_checkable: str | None = None
    #: the model role the rule's requests use (``chat``, ``embeddings``, ...): the run maps it to a model name
    model_role: str | None = None
    #: what one live run of the rule's tests is estimated to cost, in US dollars (a ``plan`` sums these)
    cost_usd: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        for seed in self.seeds:
            if not re.match(SEED_ID, seed):
                raise ValueError(f"seed id {seed!r} is not of the form R03.2.1 or H.4")
        for endpoint in self.endpoints:
            if not re.match(ENDPOINT, endpoint):
                raise ValueError(f"endpoint {endpoint!r} is not of the form 'GET /v1/vector_stores'")
        for area in self.endpoints_of:
            if not re.match(AREA, area):
                raise ValueError(f"'endpoints_of' names {area!r}, which is not an area (the first part of rule ids)")
        if self.endpoints and self.endpoints_of:
            raise ValueError("a rule lists 'endpoints' or names the areas they come from ('endpoints_of'), not both")
        if not self.seeds and self.source == "rulebook":
            raise ValueError("a rule with no seeds must say 'source: openapi' (or 'source: sdk')")
        if self.source != "rulebook" and self.seeds:
            raise ValueError(f"'source: {self.source}' is for rules with no seeds; drop it or the seeds")
        if self.kind == "advisory" and not self.why_not_checkable:
            raise ValueError("an advisory rule needs 'why_not_checkable'")
        if self.kind != "advisory" and self.why_not_checkable:
            raise ValueError(f"'why_not_checkable' is only for advisory rules, this one is {self.kind!r}")
        return self

    @property
    def area(self) -> str:
        """The API area the rule belongs to: the first part of its id."""
        return self.id.split(".", 1)[0]

    @property
    def checkable(self) -> bool:
        return self.kind in CHECKABLE_KINDS


#: the last part of the id of an area's rule that every one of its endpoints answers a valid request
ENDPOINTS_EXIST = ("endpoints_exist", "endpoint_exists")


@dataclass(frozen=True)
class Catalog:
    """All rules, in file order (a directory: its area files by name), with the file and line each one starts on.

    ``path`` is what was loaded (a directory of area files or one file); ``files`` names each rule's file where it
    is not ``path`` itself.
    """

    path: Path
    seeds_file: Path | None
    rules: tuple[Rule, ...]
    lines: dict[str, int]
    files: dict[str, Path] = field(default_factory=dict)
    #: the default model name per model role (``_catalog.yaml`` ``models:``), which ``--model ROLE=NAME`` overrides
    models: dict[str, str] = field(default_factory=dict)
    #: model x parameter tables by ``<area>.<name>`` (``images.generations``): see ``_matrix.py``
    matrices: dict[str, Any] = field(default_factory=dict)
    by_id: dict[str, Rule] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {rule.id: rule for rule in self.rules})

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.by_id

    def __getitem__(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]

    def where(self, rule_id: str) -> str:
        """``file:line`` of a rule, for messages."""
        return f"{self.files.get(rule_id, self.path)}:{self.lines[rule_id]}"

    def unknown(self, rule_ids: list[str] | tuple[str, ...]) -> list[str]:
        return [rule_id for rule_id in rule_ids if rule_id not in self]

    def endpoint_tier(self, endpoint: str) -> str:
        """What a valid request to ``endpoint`` costs, as a tier: the tier of its area's ``endpoints_exist`` rule
        (the rule whose tests send a valid request to each endpoint it lists), ``free`` when none lists it. A
        cross-cutting test that sends a valid control request to the endpoint needs this tier too."""
        for rule in self.rules:
            if rule.id.rsplit(".", 1)[-1] in ENDPOINTS_EXIST and endpoint in rule.endpoints:
                return rule.tier
        return "free"
