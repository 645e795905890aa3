"""The reference server: the rulebook made executable, in memory and deterministic, with faults to break it.

    app = create_app(faults=("metadata.accept_long_keys",), clock=FrozenClock(1735689600), seed=0)
    state: ServerState = app.state.rulebook

Layout: one package per API area, named as the catalog names the area (the prefix of its rules' ids), holding its
routes, its domain code and its faults (``vector_stores``, ``files``, ``uploads``, ``batches``,
``vector_store_files``, ``vector_store_file_batches``, and the cross-cutting ``auth``, ``errors`` (the envelope),
``requests`` (JSON bodies), ``metadata``); ``areas`` lists the routers; ``core`` is what every area uses (the app,
state, clock, ids, the fault and variant registries and the one place each acts, errors, list pages, multipart).
Every module that breaks under a fault registers that fault itself, so ``FAULTS`` is complete once this package is
imported; so is ``VARIANTS`` (legal liberties of the server that no verdict may depend on).
"""

from openai_rulebook.server.core.app import create_app, serve
from openai_rulebook.server.core.clock import FrozenClock, WallClock
from openai_rulebook.server.core.faults import FAULTS, Fault
from openai_rulebook.server.core.state import ServerState
from openai_rulebook.server.core.variants import VARIANTS, Variant

__all__ = ["FAULTS", "Fault", "FrozenClock", "ServerState", "VARIANTS", "Variant", "WallClock", "create_app", "serve"]
