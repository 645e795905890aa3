"""Cursor pagination as OpenAI's list endpoints do it: ``limit``, ``order``, ``after`` and ``before``.

One ``ListRules`` per list endpoint names its catalog rules (``<prefix>.limit_range`` and so on) and its limits;
``list_page`` applies them, so an area's list route is a few lines and its faults act through the same code.
Under a fault: the default limit halves (20 -> 10), the limit range grows by one at each end (0 and 101 pass),
unknown orders pass as ``desc``, the default order becomes ``asc``, and the page after X starts with X itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openai_rulebook.server.core.clock import REAL_SECONDS_TIES
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Rules
from openai_rulebook.server.core.state import Stored

ORDERS = ("asc", "desc")
#: a limit we read as an integer; a hundred digits is plenty, and int() refuses strings past 4300 digits
_INTEGER = re.compile(r"[+-]?[0-9]{1,100}")


@dataclass(frozen=True)
class ListRules:
    """The pagination rules of one list endpoint."""

    #: the catalog ids' common prefix, e.g. ``vector_stores.list``
    prefix: str
    default_limit: int = 20
    max_limit: int = 100
    default_order: str = "desc"

    @property
    def limit_range(self) -> str:
        return f"{self.prefix}.limit_range"

    @property
    def limit_default(self) -> str:
        return f"{self.prefix}.limit_default"

    @property
    def order_values(self) -> str:
        return f"{self.prefix}.order_values"

    @property
    def order_default(self) -> str:
        return f"{self.prefix}.order_default"

    @property
    def cursor_pagination(self) -> str:
        return f"{self.prefix}.cursor_pagination"


@dataclass(frozen=True)
class Page:
    """One page of a list, in the requested order."""

    items: Sequence[Stored]
    #: whether more objects lie beyond the page in the direction of travel (towards ``before`` when paging back)
    has_more: bool

    def body(self, render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        """The ``{"object": "list", ...}`` response; ``first_id``/``last_id`` are null on an empty page, as live."""
        return {
            "object": "list",
            "data": [render(item) for item in self.items],
            "first_id": self.items[0].id if self.items else None,
            "last_id": self.items[-1].id if self.items else None,
            "has_more": self.has_more,
        }


def list_page(
    rules: Rules,
    spec: ListRules,
    oldest_first: Sequence[Stored],
    *,
    limit: str | None,
    order: str | None,
    after: str | None,
    before: str | None,
) -> Page:
    """Select the page the query asks for, or raise a 400 naming the parameter at fault."""
    if limit is None:
        size = rules.behaviour(spec.limit_default, spec.default_limit, spec.default_limit // 2)
    elif _INTEGER.fullmatch(limit):
        size = int(limit)
    else:
        raise APIError(
            400, f"Invalid 'limit': expected an integer, but got {limit!r} instead.", param="limit", code="invalid_type"
        )
    rules.enforce_range(spec.limit_range, size, 1, spec.max_limit, param="limit", name="limit")
    if order is None:
        flipped = "asc" if spec.default_order == "desc" else "desc"
        order = rules.behaviour(spec.order_default, spec.default_order, flipped)
    rules.enforce(
        spec.order_values,
        order in ORDERS,
        param="order",
        code="invalid_value",
        message=f"Invalid 'order': expected one of 'asc', 'desc', but got {order!r} instead.",
    )
    # equal created_at may come in any order: a variant lists them newest first (sorted() is stable)
    oldest_first = rules.variants.choose(REAL_SECONDS_TIES, list(oldest_first),
                                         sorted(reversed(oldest_first), key=lambda item: item.created_at))
    items = list(oldest_first) if order == "asc" else list(reversed(oldest_first))
    positions = {item.id: index for index, item in enumerate(items)}

    def position(cursor: str, param: str) -> int:
        if cursor not in positions:
            raise APIError(400, f"Invalid '{param}': no object with id {cursor!r} in this list.", param=param)
        return positions[cursor]

    start = position(after, "after") + rules.behaviour(spec.cursor_pagination, 1, 0) if after is not None else 0
    end = position(before, "before") if before is not None else len(items)
    window = items[start:end]
    if before is not None and after is None:  # paging back: the objects just before the cursor
        page = window[max(len(window) - size, 0) :]
    else:
        page = window[:size]
    return Page(items=page, has_more=len(window) > len(page))
