"""Model x parameter matrices: which model takes which value of which parameter on one endpoint, as catalog data.

An area file may hold, beside ``rules:``, a ``matrices:`` mapping of tables, one per endpoint (format in
``specs/rules/README.md``). Each parameter of a table names the rule it belongs to; the suites are generated from
the tables (``cells``): every allowed value at its edge is a cell that must be accepted, every forbidden one a cell
that must be refused (naming the parameter unless the table says the rule does not promise it), each with its own
test id (``dall-e-3-size-1792x1024``, ``tts-1-speed-4.0``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, model_validator

from openai_rulebook.catalog._model import ENDPOINT, RULE_ID, Rule

Scalar = Union[bool, int, float, str]
#: what a cell sets a parameter to: a scalar, or a list of scalars (``include: [logprobs]``)
Value = Union[Scalar, list[Scalar]]
#: a range's bounds and step: integers or decimals, never booleans
Number = Union[StrictInt, StrictFloat]


class MatrixParam(BaseModel):
    """One entry of a table: a parameter, the values (or range) each model takes, and those it refuses.

    The entry's name in the table is the parameter it sets, unless ``param`` names another (two entries of one table
    that vary the same parameter under different rules, as ``response_format`` alone and with ``include``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    #: the rule whose tests the entry's cells are (it must list the table's endpoint), or model -> rule where the
    #: rulebook splits one parameter's table between rules
    rule: Union[str, dict[str, str]]
    #: the request parameter the cells set, when it is not the entry's name
    param: str | None = None
    #: model -> the values it accepts; every other value the table names for the entry is refused with it
    values: dict[str, list[Value]] = Field(default_factory=dict)
    #: model -> [min, max]: the range it accepts (both edges accepted, one ``step`` beyond each refused)
    range: dict[str, tuple[Number, Number]] = Field(default_factory=dict)
    #: the smallest difference the range is judged at: 1 for integers, e.g. 0.01 for speed 0.25-4.0 (0.24 and 4.01
    #: refused); required when a bound is not an integer
    step: Number | None = None
    #: models with which the parameter itself is refused, whatever its value
    refused: list[str] = Field(default_factory=list)
    #: values refused by every model that takes the parameter (a value no model's list has)
    invalid: list[Value] = Field(default_factory=list)
    #: model -> the values refused with it, where not every other value the entry names is (the rulebook says nothing
    #: of the rest): with ``refuses``, a model's refused cells are exactly the values listed for it
    refuses: dict[str, list[Value]] = Field(default_factory=dict)
    #: other parameters sent along with this one's cells, for the models that take it or that ``refuses`` lists
    #: (output_format with output_compression)
    with_: dict[str, Value] = Field(default_factory=dict, alias="with")
    #: what a refused cell's control leaves out: the parameter (the default), or the ``with`` parameters, where the
    #: refusal is of the pair (timestamp_granularities with response_format json: the control is json alone)
    control: Literal["without-param", "without-with"] = "without-param"
    #: the status a refusal must have, where the rule states one (default: any 4xx)
    status: int | None = Field(default=None, ge=400, le=499)
    #: whether a refusal must name the parameter in ``error.param`` (false where the rule does not promise it)
    names_param: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> MatrixParam:
        if isinstance(self.rule, str):
            _check_rule_id(self.rule)
        else:
            for rule in self.rule.values():
                _check_rule_id(rule)
        if bool(self.values or self.refuses) == bool(self.range):
            raise ValueError("give either 'values' (model -> accepted values) or 'range' (model -> [min, max])")
        self._check_range()
        both = sorted(set(self.refused) & {*self.takers, *self.refuses})
        if both:
            raise ValueError(f"{both} both take and refuse the parameter")
        if self.refused and not self.range and not any([*self.values.values(), *self.refuses.values()]):
            raise ValueError("'refused' models are sent the entry's first value: give at least one value")
        if self.refuses and self.invalid:
            raise ValueError("give 'invalid' (refused by every model) or 'refuses' (model -> refused values), not both")
        for model, refused in self.refuses.items():
            taken = [value for value in refused if value in self.values.get(model, [])]
            if taken:
                raise ValueError(f"{model!r} both accepts and refuses {taken}")
        if self.control == "without-with" and not self.with_:
            raise ValueError("'control: without-with' needs 'with' (the parameters the control leaves out)")
        if isinstance(self.rule, dict):
            missing = [model for model in self.models if model not in self.rule]
            if missing:
                raise ValueError(f"'rule' names no rule for {missing}")
        return self

    def _check_range(self) -> None:
        if self.range and (self.invalid or self.refuses):
            raise ValueError("'invalid' and 'refuses' are for 'values' entries; a range's refused edges are one "
                             "step beyond each")
        if self.step is not None and (not self.range or self.step <= 0):
            raise ValueError("'step' is a positive number, for a 'range'")
        for model, (low, high) in self.range.items():
            if low > high:
                raise ValueError(f"range of {model!r} is [{low}, {high}]: min above max")
            if self.step is None and not (isinstance(low, int) and isinstance(high, int)):
                raise ValueError(f"range of {model!r} is [{low}, {high}]: a range that is not of integers needs "
                                 f"'step' (the difference judged: 0.01 refuses 0.24 below 0.25)")

    @property
    def takers(self) -> list[str]:
        return list(self.values or self.range)

    @property
    def models(self) -> list[str]:
        """Every model the entry gives cells to, in the catalog's order."""
        return list(dict.fromkeys([*self.takers, *self.refuses, *self.refused]))

    def rule_for(self, model: str) -> str:
        return self.rule if isinstance(self.rule, str) else self.rule[model]

    @property
    def rules(self) -> list[str]:
        return [self.rule] if isinstance(self.rule, str) else list(dict.fromkeys(self.rule.values()))


def _check_rule_id(rule: str) -> None:
    if not re.match(RULE_ID, rule):
        raise ValueError(f"rule {rule!r} is not a rule id (area.name...)")


class Matrix(BaseModel):
    """One endpoint's table: the models it serves, each with its cheapest valid request, and the parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str = Field(pattern=ENDPOINT)
    #: model -> the fields of the cheapest valid request with it (smallest size, lowest quality), sent with each cell
    models: dict[str, dict[str, Value]]
    params: dict[str, MatrixParam]

    @model_validator(mode="after")
    def _models_known(self) -> Matrix:
        for name, param in self.params.items():
            named = {*param.models, *(param.rule if isinstance(param.rule, dict) else {})}
            unknown = sorted(named - set(self.models))
            if unknown:
                raise ValueError(f"param {name!r} names models {unknown} that 'models' does not list "
                                 f"(known: {', '.join(self.models)})")
        return self


@dataclass(frozen=True)
class Cell:
    """One generated test case: a model, one parameter set to one value, and whether the API must accept it."""

    matrix: str
    endpoint: str
    model: str
    param: str
    value: Value
    accepted: bool
    rule: str
    #: the model's cheapest valid request
    base: dict[str, Value] = field(default_factory=dict)
    #: what else the cell sends (``with``); a refused cell's control is ``base`` + ``with_`` (see ``control``)
    with_: dict[str, Value] = field(default_factory=dict)
    #: the table entry the cell comes from (the middle of its id): the parameter, unless the entry names another
    entry: str = ""
    #: what a refusal must be: exactly this status (None: any 4xx), naming the parameter or not
    status: int | None = None
    names_param: bool = True
    #: the control leaves out ``with_`` instead of the parameter (the refusal is of the pair)
    control_without_with: bool = False

    @property
    def id(self) -> str:
        return f"{self.model}-{self.entry or self.param}-{_slug(self.value)}"

    @property
    def refusal_param(self) -> str | None:
        """The ``error.param`` a refusal must carry, or None where the rule does not promise one."""
        return self.param if self.names_param else None

    def request(self) -> dict[str, Any]:
        """The cell's fields (without the prompt or file): the base, what goes with it, the parameter."""
        return {"model": self.model, **self.base, **self.with_, self.param: self.value}

    def control(self) -> dict[str, Any]:
        """The same request without the violation (the parameter, or the ``with`` fields): accepted whenever the
        cell is refused for that alone."""
        if self.control_without_with:
            return {"model": self.model, **self.base, self.param: self.value}
        return {"model": self.model, **self.base, **self.with_}


def _slug(value: Value) -> str:
    if isinstance(value, list):
        return "+".join(_slug(item) for item in value)
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def _union(param: MatrixParam) -> list[Value]:
    seen: list[Value] = []
    for values in param.values.values():
        seen += [value for value in values if value not in seen]  # lists are values too: no set
    return seen


def _beyond(edge: Number, step: Number, sign: int) -> Number:
    """``edge`` +/- ``step`` without binary noise (4.0 + 0.01 is 4.01, not 4.010000000000001)."""
    moved = Decimal(str(edge)) + sign * Decimal(str(step))
    return int(moved) if isinstance(edge, int) and isinstance(step, int) else float(moved)


def cells(name: str, matrix: Matrix) -> list[Cell]:
    """Every cell of one table, entry by entry, model by model (the order of the catalog)."""
    found: list[Cell] = []
    for entry, param in matrix.params.items():
        def cell(model: str, value: Value, accepted: bool, *, along: bool = True) -> Cell:
            return Cell(name, matrix.endpoint, model, param.param or entry, value, accepted, param.rule_for(model),
                        dict(matrix.models[model]), dict(param.with_) if along else {}, entry, param.status,
                        param.names_param, param.control == "without-with" and along)

        if param.range:
            step = 1 if param.step is None else param.step
            for model, (low, high) in param.range.items():
                edges = [low] if low == high else [low, high]
                found += [cell(model, edge, True) for edge in edges]
                found += [cell(model, _beyond(low, step, -1), False), cell(model, _beyond(high, step, 1), False)]
            first: Value = next(iter(param.range.values()))[0]
        else:
            union = _union(param)
            for model in dict.fromkeys([*param.values, *param.refuses]):
                allowed = param.values.get(model, [])
                others = param.refuses.get(model, []) if param.refuses else [*union, *param.invalid]
                found += [cell(model, value, True) for value in allowed]
                found += [cell(model, value, False) for value in others if value not in allowed]
            first = next(value for values in [union, *param.refuses.values()] for value in values) \
                if param.refused else None
        found += [cell(model, first, False, along=False) for model in param.refused]
    return found


def parse_matrices(raw: Any, rules: dict[str, Rule], where: str, line_of: dict[str, int],
                   problems: list[str]) -> dict[str, Matrix]:
    """The ``matrices:`` of one area file; every problem names the file, line, table and rule."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: 'matrices' must map table names to tables, got {type(raw).__name__}")
        return {}
    matrices: dict[str, Matrix] = {}
    for name, table in raw.items():
        at = f"{where}:{line_of.get(name, 1)}: matrix {name!r}"
        try:
            matrix = Matrix.model_validate(table)
        except ValidationError as exc:
            for error in exc.errors():
                loc = ".".join(str(part) for part in error["loc"])
                problems.append(f"{at}: {loc + ': ' if loc else ''}{error['msg'].removeprefix('Value error, ')}")
            continue
        for param_name, param in matrix.params.items():
            for rule_id in param.rules:
                rule = rules.get(rule_id)
                if rule is None:
                    problems.append(f"{at}: param {param_name!r} names rule {rule_id!r}, which is not in this file")
                elif matrix.endpoint not in rule.endpoints:
                    problems.append(f"{at}: param {param_name!r}: rule {rule_id!r} does not list {matrix.endpoint}")
        seen: set[str] = set()
        for cell in cells(name, matrix):
            if cell.id in seen:
                problems.append(f"{at}: param {cell.entry!r}: cell {cell.id} comes twice (a value listed twice)")
            seen.add(cell.id)
        matrices[name] = matrix
    return matrices
