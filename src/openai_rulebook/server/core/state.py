"""Everything one reference server remembers: stored objects, the id sequence, the clock and the active faults."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Generic, Protocol, TypeVar

from fastapi import Depends, Request

from openai_rulebook.server.core.clock import Clock, FrozenClock
from openai_rulebook.server.core.faults import check_fault_names
from openai_rulebook.server.core.ids import IdSequence
from openai_rulebook.server.core.variants import check_variant_names


class Stored(Protocol):
    """What a collection needs of an object: an id and a creation time to sort lists by."""

    id: str
    created_at: int


S = TypeVar("S", bound=Stored)


class Collection(Generic[S]):
    """The objects of one kind, by id, listed in creation order (``created_at``, then the order of creation)."""

    def __init__(self) -> None:
        self._objects: dict[str, S] = {}  # dicts keep insertion order: the tie-break for equal created_at

    def add(self, obj: S) -> S:
        self._objects[obj.id] = obj
        return obj

    def get(self, object_id: str) -> S | None:
        return self._objects.get(object_id)

    def remove(self, object_id: str) -> S | None:
        return self._objects.pop(object_id, None)

    def ordered(self) -> list[S]:
        """Oldest first; ``sorted`` is stable, so objects created in the same second keep their creation order."""
        return sorted(self._objects.values(), key=lambda obj: obj.created_at)

    def clear(self) -> None:
        self._objects.clear()

    def __len__(self) -> int:
        return len(self._objects)


class ServerState:
    """The state of one app, at ``app.state.rulebook``; a test round starts from ``reset()``."""

    def __init__(self, faults: Iterable[str] = (), clock: Clock | None = None, seed: int = 0,
                 variants: Iterable[str] = ()) -> None:
        #: names of the active faults; change it with ``set_faults`` to have names checked
        self.faults: set[str] = check_fault_names(faults)
        #: names of the active variants (legal liberties, see ``variants.py``); change it with ``set_variants``
        self.variants: set[str] = check_variant_names(variants)
        #: the URL paths of objects deleted since ``reset()`` (a variant answers their second DELETE differently)
        self.deleted_paths: set[str] = set()
        #: how many requests were served since ``reset()``: variants draw their virtual delays from it
        self.requests = 0
        #: the rules requests were judged by since the set was last cleared (see ``Rules``)
        self.consulted: set[str] = set()
        self.clock: Clock = clock if clock is not None else FrozenClock()
        self.seed = seed
        self.ids = IdSequence(seed)
        self._collections: dict[str, Collection] = {}

    def collection(self, kind: str) -> Collection:
        """The collection of ``kind`` (``"vector_stores"``), created empty on first use."""
        return self._collections.setdefault(kind, Collection())

    def set_faults(self, names: Iterable[str]) -> None:
        """Replace the active faults; an unknown name is a ``CatalogError`` and leaves them unchanged."""
        wanted = check_fault_names(names)
        self.faults.clear()
        self.faults.update(wanted)

    def set_variants(self, names: Iterable[str]) -> None:
        """Replace the active variants; an unknown name is a ``CatalogError`` and leaves them unchanged."""
        wanted = check_variant_names(names)
        self.variants.clear()
        self.variants.update(wanted)

    def reset(self) -> None:
        """Forget every object and restart ids and clock: the same seed gives the same ids again. Faults and
        variants stay."""
        for collection in self._collections.values():
            collection.clear()
        self.ids.reset()
        self.clock.reset()
        self.deleted_paths.clear()
        self.requests = 0

    def __repr__(self) -> str:
        sizes = {kind: len(objects) for kind, objects in self._collections.items()}
        return (f"ServerState(seed={self.seed}, faults={sorted(self.faults)}, variants={sorted(self.variants)}, "
                f"clock={self.clock!r}, objects={sizes})")


async def state_for(request: Request) -> ServerState:
    return request.app.state.rulebook


StateDep = Annotated[ServerState, Depends(state_for)]
