"""Load ``specs/rules.yaml`` into typed rules, reporting every bad entry with its file and line."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from openai_rulebook.catalog._model import Catalog, Rule
from openai_rulebook.errors import CatalogError

try:  # the C loader is ten times faster on large files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def _rule_nodes(path: Path, text: str) -> tuple[yaml.Node, list[yaml.Node]]:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise CatalogError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise CatalogError(f"{path}:1: the catalog must be a mapping with a top-level 'rules:' list")
    for key, value in root.value:
        if key.value == "rules":
            if not isinstance(value, yaml.SequenceNode):
                raise CatalogError(f"{path}:{value.start_mark.line + 1}: 'rules' must be a list")
            return root, list(value.value)
    raise CatalogError(f"{path}:1: the catalog has no top-level 'rules:' list")


def _describe(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "rule"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "literal_error":
        message += f" (got {error['input']!r})"
    if error["type"] == "extra_forbidden":
        message = f"unknown key; allowed: {', '.join(Rule.model_fields)}"
    return f"'{field}': {message}" if error["loc"] else message


def load_catalog(path: Path | str) -> Catalog:
    """Parse and validate the catalog; raise one ``CatalogError`` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog ({exc.strerror}); pass --catalog PATH") from exc
    root, nodes = _rule_nodes(path, text)
    data = yaml.load(text, Loader=_Loader)
    unknown_keys = sorted(set(data) - {"rules", "seeds_file"})
    problems: list[str] = []
    if unknown_keys:
        problems.append(f"{path}:1: unknown top-level keys {unknown_keys}; allowed: rules, seeds_file")
    rules: list[Rule] = []
    lines: dict[str, int] = {}
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
        if rule.id in lines:
            problems.append(f"{path}:{line}: rule {rule.id!r}: duplicate id, first defined at line {lines[rule.id]}")
            continue
        rules.append(rule)
        lines[rule.id] = line
    if problems:
        raise CatalogError("invalid catalog:\n  " + "\n  ".join(problems))
    seeds_file = data.get("seeds_file")
    if seeds_file is not None and not isinstance(seeds_file, str):
        raise CatalogError(f"{path}:1: 'seeds_file' must be a path (a string), got {seeds_file!r}")
    return Catalog(
        path=path,
        seeds_file=(path.parent / seeds_file).resolve() if seeds_file else None,
        rules=tuple(rules),
        lines=lines,
    )
