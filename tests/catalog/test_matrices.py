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
    ("speed:\n  rule: demo.n\n  range: {small: [0.25, 4.0]}\n", "needs 'step'"),
    ("speed:\n  rule: demo.n\n  range: {small: [1, 4]}\n  step: 0\n", "'step' is a positive number"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  step: 0.1\n", "'step' is a positive number"),
    ("n:\n  rule: demo.n\n  range: {small: [true, 2]}\n", "range"),
    ("size:\n  rule: {small: demo.size}\n  values: {small: [a], large: [b]}\n", "names no rule for ['large']"),
    ("size:\n  rule: {small: demo.size, large: demo.nope}\n  values: {small: [a], large: [b]}\n",
     "names rule 'demo.nope', which is not in this file"),
    ("size:\n  rule: {small: demo.size, tiny: demo.size}\n  values: {small: [a]}\n", "names models ['tiny']"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  refuses: {small: [a]}\n", "both accepts and refuses"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  refuses: {large: [b]}\n  invalid: [z]\n",
     "not both"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  refuses: {small: [b]}\n  refused: [small]\n",
     "both take and refuse"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  control: without-with\n", "needs 'with'"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  control: sideways\n", "control"),
    ("size:\n  rule: demo.size\n  values: {small: [a]}\n  status: 500\n", "status"),
    ("size:\n  rule: demo.size\n  values: {small: [a, a]}\n", "cell small-size-a comes twice"),
])
def test_a_bad_table_names_file_line_table_and_parameter(tmp_path: Path, params: str, message: str) -> None:
    text = error(tmp_path, params)
    assert "rules.yaml:" in text and "matrix 'gen'" in text and message in text, text


def test_a_range_of_decimals_is_judged_one_step_beyond_each_edge(tmp_path: Path) -> None:
    catalog = load(tmp_path, """\
        speed:
          rule: demo.n
          range: {small: [0.25, 4.0]}
          step: 0.01
        temperature:
          rule: demo.n
          range: {large: [0, 1]}
          step: 0.1
        """)
    found = {cell.id: cell for cell in cells("gen", catalog.matrices["gen"])}
    assert {cell_id: cell.accepted for cell_id, cell in found.items()} == {
        "small-speed-0.25": True, "small-speed-4.0": True, "small-speed-0.24": False, "small-speed-4.01": False,
        "large-temperature-0": True, "large-temperature-1": True, "large-temperature--0.1": False,
        "large-temperature-1.1": False}
    # no binary noise (4.0 + 0.01 is 4.01), and integer edges stay integers
    assert found["small-speed-4.01"].value == 4.01 and found["large-temperature--0.1"].value == -0.1
    assert isinstance(found["large-temperature-1"].value, int)


def test_entries_name_their_parameter_rules_refusals_and_controls(tmp_path: Path) -> None:
    catalog = load(tmp_path, """\
        size:
          rule: {small: demo.size, large: demo.n}
          values: {small: [a, b], large: [b]}
          refuses: {large: [c]}
          status: 400
          names_param: false
        pair:
          rule: demo.size
          param: size
          with: {extra: [x, y]}
          control: without-with
          values: {small: [b]}
          refuses: {small: [a], large: [b]}
        """)
    found = {cell.id: cell for cell in cells("gen", catalog.matrices["gen"])}
    # refuses: exactly the values listed (small refuses nothing; large refuses c, not a)
    assert sorted(cell_id for cell_id in found if cell_id.endswith(("-a", "-b", "-c")) and "-size-" in cell_id) == [
        "large-size-b", "large-size-c", "small-size-a", "small-size-b"]
    assert [found["large-size-c"].rule, found["small-size-a"].rule] == ["demo.n", "demo.size"]
    refused = found["large-size-c"]
    assert not refused.accepted and refused.status == 400 and refused.refusal_param is None
    assert found["small-size-a"].refusal_param is None
    # an entry named otherwise sets its parameter, sends `with` (a list) and controls without it
    pair = found["large-pair-b"]
    assert not pair.accepted and pair.param == "size" and pair.refusal_param == "size"
    assert pair.request() == {"model": "large", "extra": ["x", "y"], "size": "b"}
    assert pair.control() == {"model": "large", "size": "b"}
    assert found["small-pair-b"].accepted and found["small-pair-b"].with_ == {"extra": ["x", "y"]}


def test_a_list_value_reads_in_the_id(tmp_path: Path) -> None:
    catalog = load(tmp_path, """\
        size:
          rule: demo.size
          values: {small: [[word, segment]]}
          invalid: [[word, no such]]
        """)
    assert [(cell.id, cell.accepted) for cell in cells("gen", catalog.matrices["gen"])] == [
        ("small-size-word+segment", True), ("small-size-word+no_such", False)]


def test_the_audio_tables_agree_with_their_rules_params() -> None:
    """The spec drift report compares the rules' params (min, max, values): the tables must say the same."""
    catalog = load_catalog(CATALOG)
    speech, transcriptions = catalog.matrices["audio.speech"], catalog.matrices["audio.transcriptions"]
    translations = catalog.matrices["audio.translations"]
    speed = catalog["audio.speech.speed_range"].params
    assert set(speech.params["speed"].range.values()) == {(speed["min"], speed["max"])}
    temperature = catalog["audio.transcription.temperature_range"].params
    for matrix in (transcriptions, translations):
        assert set(matrix.params["temperature"].range.values()) == {(temperature["min"], temperature["max"])}
    for entry, rule in (("voice", "audio.speech.voice_values"), ("response_format",
                                                                 "audio.speech.response_format_values")):
        assert all(values == catalog[rule].params["values"] for values in speech.params[entry].values.values())
    assert transcriptions.params["file"].values["whisper-1"] == catalog["audio.transcription.file_formats"].params[
        "values"] == translations.params["file"].values["whisper-1"]
    assert transcriptions.params["timestamp_granularities"].with_["timestamp_granularities"] == catalog[
        "audio.transcription.timestamps_need_verbose_json"].params["values"]


def test_the_audio_tables_cells() -> None:
    catalog = load_catalog(CATALOG)
    assert {"audio.speech", "audio.transcriptions", "audio.translations"} <= set(catalog.matrices)
    found = {name: {cell.id: cell for cell in cells(name, catalog.matrices[name])}
             for name in ("audio.speech", "audio.transcriptions", "audio.translations")}
    speech, stt = found["audio.speech"], found["audio.transcriptions"]
    assert speech["tts-1-speed-4.0"].accepted and not speech["tts-1-speed-4.01"].accepted
    assert not speech["tts-1-stream_format-sse"].accepted and speech["gpt-4o-mini-tts-stream_format-sse"].accepted
    assert stt["gpt-4o-transcribe-response_format-text"].rule == "audio.transcription.gpt4o_json_only"
    assert stt["whisper-1-response_format-srt"].rule == "audio.response_format_values"
    assert "whisper-1-response_format-diarized_json" not in stt  # described nowhere: no cell
    logprobs = stt["whisper-1-include-text"]
    assert logprobs.request() == {"model": "whisper-1", "include": ["logprobs"], "response_format": "text"}
    assert logprobs.control() == {"model": "whisper-1", "response_format": "text"}
    assert not found["audio.translations"]["whisper-1-temperature--0.1"].accepted


def test_the_images_tables_load_and_every_cell_id_is_unique() -> None:
    catalog = load_catalog(CATALOG)
    assert {"images.generations", "images.edits", "images.variations"} <= set(catalog.matrices)
    for name, matrix in catalog.matrices.items():
        ids = [cell.id for cell in cells(name, matrix)]
        assert len(ids) == len(set(ids)), name
    generations = {cell.id: cell for cell in cells("images.generations", catalog.matrices["images.generations"])}
    assert generations["dall-e-3-size-1792x1024"].accepted and not generations["dall-e-2-size-1792x1024"].accepted
    assert not generations["dall-e-3-n-2"].accepted and generations["dall-e-2-n-10"].accepted
