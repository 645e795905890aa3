"""Load the catalog into typed rules, reporting every bad entry with its file and line.

The catalog is a directory (``specs/rules/``) with one file per API area, ``<area>.yaml``, holding the rules whose
ids start with ``<area>.``, and an optional ``_catalog.yaml`` for what concerns the whole catalog (``seeds_file``).
A single file with a top-level ``rules:`` list (and ``seeds_file``) loads too: users' own catalogs and tests' tiny
ones. Either way, a rule that says ``endpoints_of: [area, ...]`` gets as ``endpoints`` every endpoint those areas'
rules list, so a cross-cutting rule (auth, the error envelope) covers a new area by naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from openai_rulebook.catalog._matrix import Matrix, parse_matrices
from openai_rulebook.catalog._model import Catalog, Rule
from openai_rulebook.errors import CatalogError
from openai_rulebook.exits import nearest
from openai_rulebook.models import check_roles

try:  # the C loader is ten times faster on large files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: the file of a catalog directory that is about the whole catalog, not an area
SETTINGS_FILE = "_catalog.yaml"


@dataclass
class _Located:
    rule: Rule
    path: Path
    line: int


def _read_mapping(path: Path) -> tuple[yaml.MappingNode, dict[str, Any]]:
    """One YAML file whose top level is a mapping: its node (for lines) and its data."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog ({exc.strerror}); pass --catalog PATH") from exc
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise CatalogError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise CatalogError(f"{path}:1: the catalog must be a mapping with a top-level 'rules:' list")
    return root, data


def _rule_nodes(path: Path, root: yaml.MappingNode) -> list[yaml.Node]:
    for key, value in root.value:
        if key.value == "rules":
            if not isinstance(value, yaml.SequenceNode):
                raise CatalogError(f"{path}:{value.start_mark.line + 1}: 'rules' must be a list")
            return list(value.value)
    raise CatalogError(f"{path}:1: the catalog has no top-level 'rules:' list")


def _describe(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "rule"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "literal_error":
        message += f" (got {error['input']!r})"
    if error["type"] == "extra_forbidden":
        message = f"unknown key; allowed: {', '.join(Rule.model_fields)}"
    return f"'{field}': {message}" if error["loc"] else message


def _check_keys(path: Path, data: dict[str, Any], allowed: tuple[str, ...], problems: list[str]) -> None:
    unknown_keys = sorted(set(data) - set(allowed))
    if unknown_keys:
        problems.append(f"{path}:1: unknown top-level keys {unknown_keys}; allowed: {', '.join(allowed)}")


def _rules(path: Path, root: yaml.MappingNode, data: dict[str, Any], *, area: str | None,
           problems: list[str]) -> list[_Located]:
    """The rules of one file; ``area`` (a directory's area file) is the id prefix each of them must have."""
    nodes = _rule_nodes(path, root)
    _check_keys(path, data, ("rules", "matrices") if area else ("rules", "seeds_file", "models", "matrices"), problems)
    found: list[_Located] = []
    for node, raw in zip(nodes, data["rules"] or []):
        line = node.start_mark.line + 1
        rule_id = raw.get("id", "?") if isinstance(raw, dict) else "?"
        if not isinstance(raw, dict):
            problems.append(f"{path}:{line}: each rule must be a mapping")
            continue
        try:
            rule = Rule.model_validate(raw)
        except ValidationError as exc:
            problems.extend(f"{path}:{line}: rule {rule_id!r}: {_describe(err)}" for err in exc.errors())
            continue
        if rule.model_role is not None:
            problems.extend(check_roles([rule.model_role], f"{path}:{line}: rule {rule.id!r}: 'model_role'"))
        if area is not None and rule.area != area:
            problems.append(f"{path}:{line}: rule {rule.id!r} is in {path.name}, but its area is {rule.area!r}: "
                            f"it belongs in {rule.area}.yaml")  # kept, so a copy left in its own file is named too
        found.append(_Located(rule, path, line))
    return found


def _matrices(path: Path, root: yaml.MappingNode, data: dict[str, Any], located: list[_Located],
              problems: list[str]) -> dict[str, Matrix]:
    """The file's ``matrices:`` tables (see ``_matrix.py``), checked against the rules of the same file."""
    if data.get("matrices") is None:
        return {}
    lines: dict[str, int] = {}
    for key, value in root.value:
        if key.value == "matrices" and isinstance(value, yaml.MappingNode):
            lines = {name.value: name.start_mark.line + 1 for name, _ in value.value}
    rules = {entry.rule.id: entry.rule for entry in located if entry.path == path}
    return parse_matrices(data["matrices"], rules, str(path), lines, problems)


def _seeds_file(path: Path, data: dict[str, Any]) -> Path | None:
    seeds_file = data.get("seeds_file")
    if seeds_file is not None and not isinstance(seeds_file, str):
        raise CatalogError(f"{path}:1: 'seeds_file' must be a path (a string), got {seeds_file!r}")
    return (path.parent / seeds_file).resolve() if seeds_file else None


def _models(path: Path, data: dict[str, Any], problems: list[str]) -> dict[str, str]:
    """The default model per role: a mapping of known roles to model names."""
    models = data.get("models") or {}
    if not isinstance(models, dict) or not all(isinstance(name, str) and name for name in models.values()):
        problems.append(f"{path}:1: 'models' must map model roles to model names, got {models!r}")
        return {}
    problems.extend(check_roles(models, f"{path}:1: 'models'"))
    return dict(models)


def _from_directory(directory: Path, problems: list[str],
                    matrices: dict[str, Matrix]) -> tuple[list[_Located], Path | None, dict[str, str]]:
    models: dict[str, str] = {}
    if (directory / SETTINGS_FILE).is_file():
        settings_path = directory / SETTINGS_FILE
        _, settings = _read_mapping(settings_path)
        _check_keys(settings_path, settings, ("seeds_file", "models"), problems)
        seeds_file = _seeds_file(settings_path, settings)
        models = _models(settings_path, settings, problems)
    else:
        seeds_file = None
    problems.extend(f"{path}: a catalog file ends in .yaml: rename it to {path.stem}.yaml"
                    for path in sorted(directory.glob("*.yml")))
    area_files = sorted(path for path in directory.glob("*.yaml") if not path.name.startswith("_"))
    if not area_files:
        raise CatalogError(f"{directory}: no area files (<area>.yaml) in the catalog directory; pass --catalog PATH")
    located: list[_Located] = []
    for path in area_files:
        root, data = _read_mapping(path)
        found = _rules(path, root, data, area=path.stem, problems=problems)
        located += found
        matrices.update({f"{path.stem}.{name}": table
                         for name, table in _matrices(path, root, data, found, problems).items()})
    return located, seeds_file, models


def _duplicates(located: list[_Located], problems: list[str]) -> list[_Located]:
    first: dict[str, _Located] = {}
    for entry in located:
        earlier = first.get(entry.rule.id)
        if earlier is None:
            first[entry.rule.id] = entry
            continue
        where = f"line {earlier.line}" if earlier.path == entry.path else f"{earlier.path}:{earlier.line}"
        problems.append(f"{entry.path}:{entry.line}: rule {entry.rule.id!r}: duplicate id, first defined at {where}")
    return list(first.values())


def _expand_endpoints_of(located: list[_Located], problems: list[str]) -> None:
    """Fill ``endpoints`` of each rule with ``endpoints_of``: the areas in the order named, each area's rules in
    catalog order, each endpoint once, at its first place. Only listed endpoints count (no rule's expansion feeds
    another's), so the result does not depend on which rules expand first."""
    listed: dict[str, dict[str, None]] = {}
    for entry in located:
        listed.setdefault(entry.rule.area, {}).update(dict.fromkeys(entry.rule.endpoints))
    for entry in located:
        if not entry.rule.endpoints_of:
            continue
        endpoints: dict[str, None] = {}
        for area in entry.rule.endpoints_of:
            if area not in listed:
                problems.append(f"{entry.path}:{entry.line}: rule {entry.rule.id!r}: 'endpoints_of' names {area!r}, "
                                f"an area with no rules in the catalog{nearest(area, listed)}")
            elif not listed[area]:
                problems.append(f"{entry.path}:{entry.line}: rule {entry.rule.id!r}: 'endpoints_of' names {area!r}, "
                                f"whose rules list no endpoints")
            endpoints.update(listed.get(area, {}))
        entry.rule = entry.rule.model_copy(update={"endpoints": list(endpoints)})


def load_catalog(path: Path | str) -> Catalog:
    """Parse and validate the catalog (a directory of area files, or one file); raise one ``CatalogError`` listing
    every problem."""
    path = Path(path)
    problems: list[str] = []
    matrices: dict[str, Matrix] = {}
    if path.is_dir():
        located, seeds_file, models = _from_directory(path, problems, matrices)
    else:
        root, data = _read_mapping(path)
        located = _rules(path, root, data, area=None, problems=problems)
        matrices = _matrices(path, root, data, located, problems)
        seeds_file = _seeds_file(path, data) if not problems else None
        models = _models(path, data, problems)
    located = _duplicates(located, problems)
    _expand_endpoints_of(located, problems)
    if problems:
        raise CatalogError("invalid catalog:\n  " + "\n  ".join(problems))
    return Catalog(
        path=path,
        seeds_file=seeds_file,
        rules=tuple(entry.rule for entry in located),
        lines={entry.rule.id: entry.line for entry in located},
        files={entry.rule.id: entry.path for entry in located if entry.path != path},
        models=models,
        matrices=matrices,
    )
