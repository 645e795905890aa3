"""``load_seeds``: the seed rulebook TSV; every problem names the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_rulebook.catalog import load_seeds
from openai_rulebook.errors import CatalogError

HEADER = "id\tsection\tcontext\trule\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seeds.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(CatalogError) as raised:
        load_seeds(path)
    return str(raised.value)


def test_valid_seeds_load_by_id(tmp_path: Path) -> None:
    """Rows become seeds keyed by id; CSV quoting ("" inside quotes) is understood."""
    path = _write(tmp_path, HEADER + "R01.1\tAuth\t\tKeep keys secret.\n"
                                     'H.2\tHighlights\t**Auth**:\t"Send ""Bearer <key>""."\n')
    seeds = load_seeds(path)
    assert list(seeds) == ["R01.1", "H.2"]
    assert (seeds["H.2"].section, seeds["H.2"].context, seeds["H.2"].text) == \
        ("Highlights", "**Auth**:", 'Send "Bearer <key>".')


def test_wrong_header_names_file_and_line_1(tmp_path: Path) -> None:
    """A header other than id, section, context, rule is reported at line 1."""
    path = _write(tmp_path, "id\tsection\trule\nR01.1\tAuth\tKeep keys secret.\n")
    message = _error(path)
    assert message.startswith(f"{path}:1: expected the columns ['id', 'section', 'context', 'rule']")


def test_wrong_column_count_names_file_and_line(tmp_path: Path) -> None:
    """A row with too few tab-separated columns is reported at its line."""
    path = _write(tmp_path, HEADER + "R01.1\tAuth\t\tKeep keys secret.\nR01.2\tAuth\tno context column\n")
    assert _error(path) == f"{path}:3: expected 4 tab-separated columns, found 3"


def test_duplicate_seed_id_names_file_and_line(tmp_path: Path) -> None:
    """A seed id that appears twice is reported at its second line."""
    path = _write(tmp_path, HEADER + "R01.1\tAuth\t\tOne.\nR01.2\tAuth\t\tTwo.\nR01.1\tAuth\t\tThree.\n")
    assert _error(path) == f"{path}:4: seed id R01.1 appears twice"


def test_missing_file_names_it(tmp_path: Path) -> None:
    """A seed file that cannot be read is named, with the option to pass."""
    message = _error(tmp_path / "absent.tsv")
    assert str(tmp_path / "absent.tsv") in message and "--seeds" in message


def test_line_numbers_count_lines_after_a_multi_line_quoted_field(tmp_path: Path) -> None:
    """A row after a quoted field with a line break is still reported at its own line in the file."""
    path = _write(tmp_path, HEADER + 'R01.1\tAuth\t\t"First line,\nsecond line."\nR01.2\tAuth\tthree columns\n')
    assert _error(path) == f"{path}:4: expected 4 tab-separated columns, found 3"
