"""``load_catalog``: a valid file becomes typed rules with their lines; each bad entry is named with file and line."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from openai_rulebook.catalog import KINDS, TIERS, load_catalog
from openai_rulebook.errors import CatalogError

VALID = """\
seeds_file: seeds.tsv
rules:
  - id: demo.first
    seeds: [R01.2.1, H.2]
    statement: The first rule, which cites two seeds.
    kind: enforced
    tier: free
    endpoints:
      - GET /v1/vector_stores
      - POST /v1/vector_stores/{vector_store_id}
    params: {min: 1, max: 100, values: [asc, desc], default: null}
  - id: demo.second
    source: openapi
    statement: The second rule, from the spec only.
    kind: advisory
    tier: heavy
    why_not_checkable: No request can show it.
"""

Write = Callable[[str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write a catalog (dedented) to ``rules.yaml`` and return its path."""

    def write_(text: str) -> Path:
        path = tmp_path / "rules.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_


def _rule(rule_id: str = "demo.rule", **fields: str) -> str:
    """One rule entry as YAML; ``fields`` replace or add keys (a value of None drops the key)."""
    entry = {"id": rule_id, "source": "openapi", "statement": "A statement that is long enough.",
             "kind": "enforced", "tier": "free", **fields}
    lines = [f"{key}: {value}" for key, value in entry.items() if value is not None]
    return "  - " + "\n    ".join(lines) + "\n"


def _error(path: Path) -> str:
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    return str(raised.value)


# -- what loads --------------------------------------------------------------------------------------------------
def test_valid_catalog_loads_typed_rules_with_their_lines(write: Write) -> None:
    """Rules come back typed, in file order, each with the line it starts on."""
    path = write(VALID)
    catalog = load_catalog(path)
    assert [rule.id for rule in catalog.rules] == ["demo.first", "demo.second"]
    assert catalog.lines == {"demo.first": 3, "demo.second": 12}
    assert catalog.where("demo.second") == f"{path}:12"
    first = catalog["demo.first"]
    assert (first.kind, first.tier, first.area, first.checkable) == ("enforced", "free", "demo", True)
    assert first.params == {"min": 1, "max": 100, "values": ["asc", "desc"], "default": None}
    assert not catalog["demo.second"].checkable
    assert catalog.seeds_file == (path.parent / "seeds.tsv").resolve()


def test_unknown_ids_are_listed(write: Write) -> None:
    """``Catalog.unknown`` returns the ids the catalog lacks, in the order asked."""
    catalog = load_catalog(write(VALID))
    assert catalog.unknown(["demo.first", "demo.zzz", "demo.aaa"]) == ["demo.zzz", "demo.aaa"]


# -- what does not -----------------------------------------------------------------------------------------------
def test_missing_file_names_it(tmp_path: Path) -> None:
    """A catalog that cannot be read is a CatalogError naming the path and the option to pass."""
    message = _error(tmp_path / "nope.yaml")
    assert str(tmp_path / "nope.yaml") in message and "--catalog" in message


def test_invalid_yaml_names_file_and_line(write: Write) -> None:
    """YAML that does not parse is reported at ``file:line``."""
    path = write("rules:\n  - id: demo.rule\n    statement: [never closed\n    kind: enforced\n  - id: x\n")
    message = _error(path)
    assert message.startswith(f"{path}:4: not valid YAML")  # where the parser finds the list still open


def test_bad_kind_names_file_line_rule_and_allowed_kinds(write: Write) -> None:
    """A bad ``kind`` names the file, the line, the rule id, the bad value and every allowed kind."""
    path = write("rules:\n" + _rule("demo.ok") + _rule("demo.bad_kind", kind="mandatory"))
    message = _error(path)
    assert f"{path}:7: rule 'demo.bad_kind': 'kind'" in message
    assert "'mandatory'" in message
    assert all(f"'{kind}'" in message for kind in KINDS)


def test_bad_tier_lists_the_allowed_tiers(write: Write) -> None:
    """A bad ``tier`` lists every allowed tier too."""
    message = _error(write("rules:\n" + _rule(tier="expensive")))
    assert "'tier'" in message and all(f"'{tier}'" in message for tier in TIERS)


def test_duplicate_id_names_both_lines(write: Write) -> None:
    """A repeated id is reported at its second line, naming the first."""
    path = write("rules:\n" + _rule("demo.twice") + _rule("demo.other") + _rule("demo.twice"))
    message = _error(path)
    assert f"{path}:12: rule 'demo.twice': duplicate id, first defined at line 2" in message


def test_advisory_rule_needs_why_not_checkable(write: Write) -> None:
    """An advisory rule without ``why_not_checkable`` is refused, with file and line."""
    path = write("rules:\n" + _rule(kind="advisory"))
    assert f"{path}:2: rule 'demo.rule': an advisory rule needs 'why_not_checkable'" in _error(path)


def test_rule_without_seeds_must_say_source_openapi(write: Write) -> None:
    """No seeds and no ``source: openapi`` is refused: every rule says where it comes from."""
    path = write("rules:\n" + _rule(source=None))
    assert f"{path}:2: rule 'demo.rule': a rule with no seeds must say 'source: openapi'" in _error(path)


def test_unknown_top_level_key_is_named_with_the_allowed_ones(write: Write) -> None:
    """A top-level key other than ``rules`` and ``seeds_file`` is refused by name."""
    path = write("rule_set: v2\nrules:\n" + _rule())
    message = _error(path)
    assert f"{path}:1: unknown top-level keys ['rule_set']" in message and "rules, seeds_file" in message


@pytest.mark.parametrize("rule_id", ["Demo.rule", "demo", "demo.rule-name", "demo..rule", "1demo.rule"])
def test_rule_id_must_match_the_pattern(write: Write, rule_id: str) -> None:
    """Rule ids are lower-case, dotted, at least two parts."""
    path = write("rules:\n" + _rule(f"'{rule_id}'"))
    message = _error(path)
    assert f"{path}:2: rule '{rule_id}': 'id': String should match pattern" in message


# not called "endpoint": the plugin parametrizes any test with an argument of that name (see tests/plugin)
@pytest.mark.parametrize("text", ["GET vector_stores", "get /v1/vector_stores", "GET /v2/models", "FETCH /v1/x"])
def test_endpoint_must_be_method_and_v1_path(write: Write, text: str) -> None:
    """Endpoints are ``METHOD /v1/path``; anything else is named with the expected form."""
    path = write("rules:\n" + _rule(endpoints=f"['{text}']"))
    message = _error(path)
    assert f"{path}:2: rule 'demo.rule':" in message
    assert f"endpoint {text!r} is not of the form 'GET /v1/vector_stores'" in message


def test_every_problem_is_reported_at_once(write: Write) -> None:
    """Several bad rules give one error listing each of them, not just the first."""
    path = write("rules:\n" + _rule("demo.a", kind="x") + _rule("demo.b", tier="y") + _rule("demo.c", source=None))
    message = _error(path)
    assert all(f"{path}:{line}:" in message for line in (2, 7, 12))


def test_rule_that_is_not_a_mapping_is_named(write: Write) -> None:
    """A list item that is not a mapping is reported at its line."""
    path = write("rules:\n" + _rule() + "  - just a sentence\n")
    assert f"{path}:7: each rule must be a mapping" in _error(path)


def test_unknown_rule_key_names_the_allowed_keys(write: Write) -> None:
    """A misspelt key (``endpoint`` for ``endpoints``) names the key and the keys a rule may have."""
    path = write("rules:\n" + _rule(endpoint="['GET /v1/models']"))
    message = _error(path)
    assert f"{path}:2: rule 'demo.rule': 'endpoint'" in message
    assert "endpoints" in message and "why_not_checkable" in message


def test_seeds_file_that_is_not_a_path_is_a_catalog_error(write: Write) -> None:
    """``seeds_file: 5`` is a CatalogError naming the file, like every other bad entry."""
    path = write("seeds_file: 5\nrules:\n" + _rule())
    assert str(path) in _error(path)


# -- a catalog directory: one file per area ----------------------------------------------------------------------
Area = Callable[..., Path]


@pytest.fixture
def area(tmp_path: Path) -> Area:
    """Write ``<name>.yaml`` in a catalog directory with the given rule entries (see ``_rule``); return its path."""
    directory = tmp_path / "rules"
    directory.mkdir()

    def area_(name: str, *rules: str, header: str = "") -> Path:
        path = directory / name
        path.write_text(header + "rules:\n" + "".join(rules), encoding="utf-8")
        return path

    return area_


def test_directory_loads_each_area_file_in_name_order_with_file_and_line(area: Area) -> None:
    """Area files load in name order, rules in file order; ``where`` names each rule's own file and line, and
    ``seeds_file`` comes from ``_catalog.yaml``, relative to the directory."""
    zebra = area("zebra.yaml", _rule("zebra.one"))
    alpha = area("alpha.yaml", _rule("alpha.one"), _rule("alpha.two"))
    directory = alpha.parent
    (directory / "_catalog.yaml").write_text("seeds_file: ../seeds.tsv\n", encoding="utf-8")
    (directory / "README.md").write_text("not a catalog file\n", encoding="utf-8")
    catalog = load_catalog(directory)
    assert [rule.id for rule in catalog.rules] == ["alpha.one", "alpha.two", "zebra.one"]
    assert catalog.path == directory
    assert catalog.where("alpha.two") == f"{alpha}:7" and catalog.where("zebra.one") == f"{zebra}:2"
    assert catalog.seeds_file == (directory.parent / "seeds.tsv").resolve()


def test_rule_in_the_wrong_area_file_names_both(area: Area) -> None:
    """A rule whose id does not start with its file's name is refused, naming the file and the one it belongs in."""
    path = area("files.yaml", _rule("files.ok"), _rule("uploads.misplaced"))
    message = _error(path.parent)
    assert f"{path}:7: rule 'uploads.misplaced' is in files.yaml, but its area is 'uploads'" in message
    assert "it belongs in uploads.yaml" in message


def test_duplicate_id_across_files_names_both_places(area: Area) -> None:
    """A rule copied into another area's file is named there, and as a duplicate of the original, file and line."""
    original = area("uploads.yaml", _rule("uploads.one"), _rule("uploads.copied"))
    copy = area("files.yaml", _rule("files.ok"), _rule("uploads.copied"))
    message = _error(copy.parent)
    assert f"{copy}:7: rule 'uploads.copied' is in files.yaml" in message
    assert f"{original}:7: rule 'uploads.copied': duplicate id, first defined at {copy}:7" in message


def test_area_file_takes_only_rules_and_settings_only_seeds_file(area: Area) -> None:
    """``seeds_file`` goes in ``_catalog.yaml`` once; any other top-level key is refused, naming its file."""
    path = area("demo.yaml", _rule(), header="seeds_file: seeds.tsv\n")
    settings = path.parent / "_catalog.yaml"
    settings.write_text("seeds_file: seeds.tsv\nversion: 2\n", encoding="utf-8")
    message = _error(path.parent)
    assert f"{path}:1: unknown top-level keys ['seeds_file']; allowed: rules" in message
    assert f"{settings}:1: unknown top-level keys ['version']; allowed: seeds_file" in message


def test_directory_without_area_files_or_with_yml_is_a_catalog_error(tmp_path: Path, area: Area) -> None:
    """An empty directory is not a catalog; a ``.yml`` file would be silently skipped, so it is named."""
    assert "no area files" in _error(tmp_path)
    path = area("demo.yaml", _rule())
    (path.parent / "other.yml").write_text("rules: []\n", encoding="utf-8")
    assert "other.yml: a catalog file ends in .yaml" in _error(path.parent)


def test_invalid_yaml_in_an_area_file_names_that_file(area: Area) -> None:
    area("demo.yaml", _rule())
    path = area("other.yaml", "  - id: other.rule\n    statement: [never closed\n")
    assert _error(path.parent).startswith(f"{path}:")


# -- endpoints_of: cross-cutting rules name the areas whose endpoints they cover -------------------------------
def _endpoints(*endpoints: str) -> str:
    return "[" + ", ".join(f"'{endpoint}'" for endpoint in endpoints) + "]"


def test_endpoints_of_is_the_union_of_the_named_areas_endpoints(area: Area) -> None:
    """The named areas in the order named, each area's rules in file order, every endpoint once at its first place;
    a rule that itself says ``endpoints_of`` contributes nothing (only listed endpoints count)."""
    area("files.yaml", _rule("files.a", endpoints=_endpoints("POST /v1/files", "GET /v1/files")),
         _rule("files.b", endpoints=_endpoints("GET /v1/files", "GET /v1/files/{file_id}")))
    area("batches.yaml", _rule("batches.a", endpoints=_endpoints("POST /v1/batches", "POST /v1/files")),
         _rule("batches.cross", endpoints_of="[files]"))
    path = area("auth.yaml", _rule("auth.cross", endpoints_of="[batches, files]"),
                _rule("auth.own", endpoints=_endpoints("GET /v1/models")))
    catalog = load_catalog(path.parent)
    assert catalog["auth.cross"].endpoints == ["POST /v1/batches", "POST /v1/files", "GET /v1/files",
                                               "GET /v1/files/{file_id}"]
    assert catalog["auth.cross"].endpoints_of == ["batches", "files"]
    assert catalog["batches.cross"].endpoints == ["POST /v1/files", "GET /v1/files", "GET /v1/files/{file_id}"]


def test_endpoints_of_works_in_a_single_file_catalog(write: Write) -> None:
    path = write("rules:\n" + _rule("demo.cross", endpoints_of="[other]")
                 + _rule("other.rule", endpoints=_endpoints("GET /v1/models")))
    assert load_catalog(path)["demo.cross"].endpoints == ["GET /v1/models"]


def test_endpoints_of_an_unknown_or_endpointless_area_is_named(write: Write) -> None:
    """Naming an area no rule has (a typo gets the nearest area) or one whose rules list no endpoint is refused."""
    path = write("rules:\n" + _rule("demo.cross", endpoints_of="[demos, plain]") + _rule("plain.rule"))
    message = _error(path)
    assert f"{path}:2: rule 'demo.cross': 'endpoints_of' names 'demos', an area with no rules" in message
    assert "did you mean 'demo'" in message
    assert "'endpoints_of' names 'plain', whose rules list no endpoints" in message


def test_endpoints_and_endpoints_of_are_exclusive(write: Write) -> None:
    path = write("rules:\n" + _rule(endpoints=_endpoints("GET /v1/models"), endpoints_of="[demo]"))
    assert "'endpoints' or names the areas they come from ('endpoints_of'), not both" in _error(path)
