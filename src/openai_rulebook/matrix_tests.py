"""The suites' matrix tests: one test per cell of a catalog table (``catalog.cells``), judged alike in every area.

A suite maps each of its matrix test functions to a table (``{"test_speech_matrix": "audio.speech"}``) and calls
``parametrize`` from its ``pytest_generate_tests``: the function then runs once per cell, with the cell's id
(``tts-1-speed-4.0``) and marked with the cell's rule. ``judge`` sends a cell through the area's own request builder
and holds the answer to the table: a model the target does not serve ends the cell ``unsupported``; an accepted
cell's response is returned for the area's checks of what was answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest

from openai_rulebook.catalog import Cell, cells
from openai_rulebook.checks import expect_accepted, expect_rejected
from openai_rulebook.models import require_served
from openai_rulebook.plugin.plugin import catalog_of


def parametrize(metafunc: pytest.Metafunc, tables: Mapping[str, str]) -> None:
    """Give the test function ``tables`` names (if any) one ``cell`` per cell of its table, marked with its rule."""
    table = tables.get(metafunc.definition.name)
    if table is None:
        return
    matrix = catalog_of(metafunc.config).matrices.get(table)
    generated = cells(table, matrix) if matrix is not None else []
    metafunc.parametrize("cell", [pytest.param(cell, id=cell.id, marks=pytest.mark.rule(cell.rule))
                                  for cell in generated])


def judge(cell: Cell, send: Callable[[dict[str, Any]], httpx.Response]) -> httpx.Response | None:
    """Send ``cell.request()``; an accepted cell must be 2xx (its response is returned), a refused one a 4xx as the
    table says (status, ``error.param``) while its control, sent only then, is accepted (None is returned)."""
    response = send(cell.request())
    require_served(response, cell.model, cell.rule)
    why = f"{cell.param}={cell.value!r} with {cell.model}" + "".join(
        f", {name}={value!r}" for name, value in cell.with_.items())
    if cell.accepted:
        expect_accepted(response, cell.rule, why=why)
        return response
    expect_rejected(response, cell.rule, status=cell.status, param=cell.refusal_param, why=why,
                    control=lambda: send(cell.control()))
    return None
