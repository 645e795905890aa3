"""Run the bundled reference server on 127.0.0.1, on a free port, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the server (FastAPI, uvicorn) is imported only when a run needs it
    from openai_rulebook.server import ServerState


@dataclass
class ReferenceServer:
    """The reference server for one test session: started on first use, stopped at the end."""

    faults: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    #: "frozen" for a run's own server (the ``server_clock`` fixture jumps it), "wall" for one that stands in for a
    #: URL target (time passes only by waiting, as ``rulebook serve`` does)
    clock: str = "frozen"
    base_url: str = ""
    state: ServerState | None = None
    _server: object = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> str:
        if self._thread is not None:
            return self.base_url
        import uvicorn

        from openai_rulebook.server import create_app
        from openai_rulebook.server.core.clock import make_clock

        app = create_app(faults=self.faults, variants=self.variants, clock=make_clock(self.clock))
        self.state = app.state.rulebook
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # without it, delayed ACKs add 40 ms to every request (uvicorn writes headers and body separately)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="rulebook-server")
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the reference server did not start within 10 s")
            time.sleep(0.005)
        self._server, self._thread = server, thread
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self.base_url

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.should_exit = True  # type: ignore[attr-defined]
        self._thread.join(timeout=5)
        self._thread = None
