"""Model x parameter matrices: loaded with the catalog, validated (a typo names file, line, table and rule), and
turned into cells (one test each)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from openai_rulebook.catalog import cells, load_catalog
from openai_rulebook.errors import CatalogError

CATALOG = Path(__file__).resolve().parents[2] / "specs" / "rules"

RULES = """\
rules:
  - id: demo.size
    source: openapi
    statement: Sizes per model, as a table.
    kind: enforced
    tier: free
    endpoints: [POST /v1/images/generations]
  - id: demo.n
    source: openapi
    statement: n per model, as a table.
    kind: enforced
    tier: free
    endpoints: [POST /v1/images/generations]
  - id: demo.other
    source: openapi
    statement: A rule about another endpoint.
    kind: enforced
    tier: free
    endpoints: [POST /v1/images/edits]
matrices:
  gen:
    endpoint: POST /v1/images/generations
    models:
      small: {size: 1x1}
      large: {}
    params:
"""


def load(tmp_path: Path, params: str):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES + textwrap.indent(textwrap.dedent(params), " " * 6), encoding="utf-8")
    return load_catalog(path)


def error(tmp_path: Path, params: str) -> str:
    with pytest.raises(CatalogError) as raised:
        load(tmp_path, params)
    return str(raised.value)


def test_cells_cover_every_value_edge_and_refusal(tmp_path: Path) -> None:
    catalog = load(tmp_path, """\
        size:
          rule: demo.size
          values: {small: [a, b], large: [b, c]}
          invalid: [z]
        n:
          rule: demo.n
          range: {small: [1, 1], large: [1, 10]}
          with: {size: b}
        style:
          rule: demo.size
          values: {large: [x]}
          refused: [small]
        """)
    found = {cell.id: cell for cell in cells("gen", catalog.matrices["gen"])}
    accepted = sorted(cell_id for cell_id, cell in found.items() if cell.accepted)
    assert accepted == ["large-n-1", "large-n-10", "large-size-b", "large-size-c", "large-style-x", "small-n-1",
                        "small-size-a", "small-size-b"]
    assert sorted(set(found) - set(accepted)) == ["large-n-0", "large-n-11", "large-size-a", "large-size-z",
                                                  "small-n-0", "small-n-2", "small-size-c", "small-size-z",
                                                  "small-style-x"]
    cell = found["small-n-2"]
    assert cell.request() == {"model": "small", "size": "b", "n": 2} and cell.control() == {"model": "small",
                                                                                          "size": "b"}
    assert found["small-style-x"].with_ == {} and found["small-style-x"].rule == "demo.size"


@pytest.mark.parametrize(("params", "message"), [
    ("size:\n  rule: demo.nope\n  values: {small: [a]}\n", "names rule 'demo.nope', which is not in this file"),
    ("size:\n  rule: demo.other\n  values: {small: [a]}\n", "rule 'demo.other' does not list POST /v1/images/gen"),
    ("size:\n  rule: demo.size\n  values: {tiny: [a]}\n", "names models ['tiny']"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  range: {small: [1, 2]}\n", "either 'values'"),
    ("size:\n  rule: demo.size\n", "either 'values'"),
    ("n:\n  rule: demo.n\n  range: {small: [3, 2]}\n", "min above max"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  refused: [small]\n", "both take and refuse"),
    ("size:\n  rule: demo.size\n  vales: {small: [a]}\n", "vales"),
])
def test_a_bad_table_names_file_line_table_and_parameter(tmp_path: Path, params: str, message: str) -> None:
    text = error(tmp_path, params)
    assert "rules.yaml:" in text and "matrix 'gen'" in text and message in text, text


def test_the_images_tables_load_and_every_cell_id_is_unique() -> None:
    catalog = load_catalog(CATALOG)
    assert {"images.generations", "images.edits", "images.variations"} <= set(catalog.matrices)
    for name, matrix in catalog.matrices.items():
        ids = [cell.id for cell in cells(name, matrix)]
        assert len(ids) == len(set(ids)), name
    generations = {cell.id: cell for cell in cells("images.generations", catalog.matrices["images.generations"])}
    assert generations["dall-e-3-size-1792x1024"].accepted and not generations["dall-e-2-size-1792x1024"].accepted
    assert not generations["dall-e-3-n-2"].accepted and generations["dall-e-2-n-10"].accepted
