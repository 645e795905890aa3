"""The reference server: the rulebook made executable, in memory and deterministic, with faults to break it.

    app = create_app(faults=("metadata.accept_long_keys",), clock=FrozenClock(1735689600), seed=0)
    state: ServerState = app.state.rulebook

Modules: ``app`` (create_app, serve), ``state`` (objects, ids, clock, faults), ``faults`` (the registry and the one
place faults act), ``handlers`` (the error envelope), ``auth``, ``bodies``, ``metadata``, ``pagination``, and one
router per API area in ``routes/``. Every module that breaks under a fault registers that fault itself, so
``FAULTS`` is complete once this package is imported; so is ``VARIANTS`` (``variants``: legal liberties of the
server that no verdict may depend on, applied in ``variant_layer``, ``clock``, ``handlers`` and ``attachments``).
"""

from openai_rulebook.server.app import create_app, serve
from openai_rulebook.server.clock import FrozenClock, WallClock
from openai_rulebook.server.faults import FAULTS, Fault
from openai_rulebook.server.state import ServerState
from openai_rulebook.server.variants import VARIANTS, Variant

__all__ = ["FAULTS", "Fault", "FrozenClock", "ServerState", "VARIANTS", "Variant", "WallClock", "create_app", "serve"]
