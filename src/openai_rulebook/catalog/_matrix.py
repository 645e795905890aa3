"""Model x parameter matrices: which model takes which value of which parameter on one endpoint, as catalog data.

An area file may hold, beside ``rules:``, a ``matrices:`` mapping of tables, one per endpoint (format in
``specs/rules/README.md``). Each parameter of a table names the rule it belongs to; the suites are generated from
the tables (``cells``): every allowed value at its edge is a cell that must be accepted, every forbidden one a cell
that must be refused naming the parameter, each with its own test id (``dall-e-3-size-1792x1024``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openai_rulebook.catalog._model import ENDPOINT, RULE_ID, Rule

Scalar = Union[bool, int, float, str]


class MatrixParam(BaseModel):
    """One parameter of a table: the values (or integer range) each model takes, and the models that refuse it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    #: the rule whose tests the parameter's cells are (it must list the table's endpoint)
    rule: str = Field(pattern=RULE_ID)
    #: model -> the values it accepts; every other value the table names for the parameter is refused with it
    values: dict[str, list[Scalar]] = Field(default_factory=dict)
    #: model -> [min, max]: the integer range it accepts (both edges accepted, one beyond each refused)
    range: dict[str, tuple[int, int]] = Field(default_factory=dict)
    #: models with which the parameter itself is refused, whatever its value
    refused: list[str] = Field(default_factory=list)
    #: values refused by every model that takes the parameter (a value no model's list has)
    invalid: list[Scalar] = Field(default_factory=list)
    #: other parameters sent along with this one's cells, for the models that take it (output_format with
    #: output_compression)
    with_: dict[str, Scalar] = Field(default_factory=dict, alias="with")

    @model_validator(mode="after")
    def _one_kind(self) -> MatrixParam:
        if bool(self.values) == bool(self.range):
            raise ValueError("give either 'values' (model -> accepted values) or 'range' (model -> [min, max])")
        for model, (low, high) in self.range.items():
            if low > high:
                raise ValueError(f"range of {model!r} is [{low}, {high}]: min above max")
        both = sorted(set(self.refused) & (set(self.values) | set(self.range)))
        if both:
            raise ValueError(f"{both} both take and refuse the parameter")
        if self.range and self.invalid:
            raise ValueError("'invalid' is for 'values' tables; a range's refused edges are min-1 and max+1")
        return self

    @property
    def takers(self) -> list[str]:
        return list(self.values or self.range)


class Matrix(BaseModel):
    """One endpoint's table: the models it serves, each with its cheapest valid request, and the parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str = Field(pattern=ENDPOINT)
    #: model -> the fields of the cheapest valid request with it (smallest size, lowest quality), sent with each cell
    models: dict[str, dict[str, Scalar]]
    params: dict[str, MatrixParam]

    @model_validator(mode="after")
    def _models_known(self) -> Matrix:
        for name, param in self.params.items():
            unknown = sorted({*param.takers, *param.refused} - set(self.models))
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
    value: Scalar
    accepted: bool
    rule: str
    #: the model's cheapest valid request
    base: dict[str, Scalar] = field(default_factory=dict)
    #: what else the cell sends (``with``); the control of a refused cell is ``base`` + ``with_``
    with_: dict[str, Scalar] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.model}-{self.param}-{_slug(self.value)}"

    def request(self) -> dict[str, Any]:
        """The cell's fields (without the prompt or image): the base, what goes with it, the parameter."""
        return {"model": self.model, **self.base, **self.with_, self.param: self.value}

    def control(self) -> dict[str, Any]:
        """The same request without the parameter: accepted whenever the cell is refused for the parameter alone."""
        return {"model": self.model, **self.base, **self.with_}


def _slug(value: Scalar) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return re.sub(r"[^A-Za-z0-9._]+", "_", text)


def _union(param: MatrixParam) -> list[Scalar]:
    seen: dict[Any, None] = {}
    for values in param.values.values():
        seen.update((value, None) for value in values)
    return list(seen)


def cells(name: str, matrix: Matrix) -> list[Cell]:
    """Every cell of one table, parameter by parameter, model by model (the order of the catalog)."""
    found: list[Cell] = []
    for param_name, param in matrix.params.items():
        def cell(model: str, value: Scalar, accepted: bool, *, along: bool = True) -> Cell:
            return Cell(name, matrix.endpoint, model, param_name, value, accepted, param.rule,
                        dict(matrix.models[model]), dict(param.with_) if along else {})

        if param.values:
            union = _union(param)
            for model, allowed in param.values.items():
                found += [cell(model, value, True) for value in allowed]
                found += [cell(model, value, False) for value in [*union, *param.invalid] if value not in allowed]
            found += [cell(model, union[0], False, along=False) for model in param.refused]
        else:
            for model, (low, high) in param.range.items():
                edges = [low] if low == high else [low, high]
                found += [cell(model, edge, True) for edge in edges]
                found += [cell(model, low - 1, False), cell(model, high + 1, False)]
            first_low = next(iter(param.range.values()))[0]
            found += [cell(model, first_low, False, along=False) for model in param.refused]
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
            rule = rules.get(param.rule)
            if rule is None:
                problems.append(f"{at}: param {param_name!r} names rule {param.rule!r}, which is not in this file")
            elif matrix.endpoint not in rule.endpoints:
                problems.append(f"{at}: param {param_name!r}: rule {param.rule!r} does not list {matrix.endpoint}")
        matrices[name] = matrix
    return matrices
