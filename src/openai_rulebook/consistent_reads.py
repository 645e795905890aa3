"""Reading two things that must agree (an object's counts and the list they count) on an API whose state moves.

Between two requests, processing may finish: a store read after its files were listed can count a file as
completed that the list showed in progress, and neither answer is wrong. ``read_consistently`` brackets the
counted object between two reads of the list and accepts the pair only when the list did not move in between;
a server whose counts disagree with a list that stands still is caught, a server that merely moved on is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from openai_rulebook.errors import Inconclusive

L = TypeVar("L")
C = TypeVar("C")


def read_consistently(read_list: Callable[[], L], read_counted: Callable[[], C], *, attempts: int = 5,
                      what: str = "the list") -> tuple[C, L]:
    """``(counted, listed)`` read while the list stood still; ``Inconclusive`` if it never did in ``attempts``."""
    before = read_list()
    for _ in range(attempts):
        counted = read_counted()
        after = read_list()
        if after == before:
            return counted, after
        before = after
    raise Inconclusive(f"{what} kept changing while it was read {attempts} times; nothing to compare it with")

