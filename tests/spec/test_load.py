"""load_spec: errors name the file and the way out; an unchanged file is parsed once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openai_rulebook.errors import UsageError
from openai_rulebook.spec import load_spec

MINIMAL = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"


def test_missing_file_is_a_usage_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(UsageError) as caught:
        load_spec(missing)
    message = str(caught.value)
    assert str(missing) in message
    assert "--spec PATH" in message and "RULEBOOK_SPEC" in message


def test_invalid_yaml_is_a_usage_error_with_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\npaths:\n  /a: [unclosed\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_spec(broken)
    message = str(caught.value)
    assert str(broken.resolve()) in message
    assert "not valid YAML" in message and "--spec PATH" in message


@pytest.mark.parametrize("text", ["- a list\n", "openapi: 3.1.0\n", "just a string\n", ""])
def test_yaml_that_is_not_openapi_is_a_usage_error(tmp_path: Path, text: str) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match="not an OpenAPI document"):
        load_spec(other)


def test_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=str(tmp_path)):
        load_spec(tmp_path)


def test_second_load_returns_the_same_object(tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(MINIMAL, encoding="utf-8")
    first = load_spec(small)
    assert load_spec(str(small)) is first
    assert load_spec(tmp_path / "." / "small.yaml") is first  # the same file by another spelling


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(MINIMAL, encoding="utf-8")
    first = load_spec(small)
    small.write_text(MINIMAL.replace("paths: {}", "paths: {/a: {}}"), encoding="utf-8")
    stat = small.stat()
    os.utime(small, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = load_spec(small)
    assert second is not first
    assert second["paths"] == {"/a": {}}


def test_the_real_spec_loads_once(spec_path: Path) -> None:
    first = load_spec(spec_path)
    assert first["openapi"].startswith("3.1")
    assert load_spec(spec_path) is first
