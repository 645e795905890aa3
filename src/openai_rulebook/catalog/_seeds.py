"""The seed rulebook (``seed-rules.tsv``): 288 leaf rules with stable ids."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from openai_rulebook.errors import CatalogError

COLUMNS = ["id", "section", "context", "rule"]


@dataclass(frozen=True)
class Seed:
    id: str
    section: str
    context: str
    text: str


def load_seeds(path: Path) -> dict[str, Seed]:
    """Read the seed file; every problem names the file and line."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the seed rulebook ({exc.strerror}); pass --seeds PATH") from exc
    seeds: dict[str, Seed] = {}
    with handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header != COLUMNS:
            raise CatalogError(f"{path}:1: expected the columns {COLUMNS}, found {header}")
        for row in reader:
            line = reader.line_num  # where the record ends: a quoted field may span lines
            if len(row) != len(COLUMNS):
                raise CatalogError(f"{path}:{line}: expected {len(COLUMNS)} tab-separated columns, found {len(row)}")
            seed = Seed(*row)
            if seed.id in seeds:
                raise CatalogError(f"{path}:{line}: seed id {seed.id} appears twice")
            seeds[seed.id] = seed
    return seeds
