"""Fixtures of the SDK suite: clients of the official ``openai`` SDK pointed at the run's target.

The suite needs the ``sdk`` extra (``pip install -e '.[sdk]'``); without ``openai`` its modules are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openai_rulebook.client import ApiClient
from openai_rulebook.sdk.client import SDK_ENVIRONMENT, SdkClients


@pytest.fixture
def sdk(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[SdkClients]:
    """``sdk.make(...)`` makes SDK clients for the target; their exchanges are the test's evidence, and what they
    create is deleted when the test ends. The SDK's own environment variables are cleared first: a test sets the
    ones it is about."""
    for name in SDK_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    clients = SdkClients(api)
    try:
        yield clients
    finally:
        clients.close()
    if clients.hook_errors:
        raise clients.hook_errors[0]


@pytest.fixture
def replay_recorded_nothing(request: pytest.FixtureRequest) -> bool:
    """In a replay: whether this test's cassette holds no request (its recording stopped before sending any)."""
    from openai_rulebook.plugin.plugin import STATE, _cassette_path

    state = request.config.stash[STATE]
    if not state.target.replaying:
        return False
    import yaml

    data = yaml.safe_load(_cassette_path(state, request.node).read_text(encoding="utf-8")) or {}
    return not data.get("interactions")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """What the raw client treats as unsupported or inconclusive is so through the SDK too: a route the target does
    not serve (whatever the test made of the SDK's NotFoundError), no answer at all, or a 429 or 5xx from the target
    that the test did not script (SDK tests send with ``max_retries=0``)."""
    from openai_rulebook.errors import Inconclusive, Unsupported

    clients = getattr(item, "funcargs", {}).get("sdk")

    def unsupported() -> Unsupported | None:
        if isinstance(clients, SdkClients) and clients.not_served:
            return Unsupported(f"{clients.not_served[0]} is not served by the target (it answered as it answers a "
                               "URL that exists nowhere)")
        return None

    try:
        result = yield
    except (Exception, pytest.skip.Exception) as exc:  # Inconclusive is a skip: not an Exception
        missing = unsupported()
        if missing is not None:
            raise missing from exc
        if type(exc).__module__.split(".")[0] != "openai":
            raise
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        scripted = response is not None and response.extensions.get("rulebook.scripted")
        if type(exc).__name__ in ("APIConnectionError", "APITimeoutError") or (
                status is not None and (status == 429 or status >= 500) and not scripted):
            raise Inconclusive(f"the SDK got no usable answer from the target: {type(exc).__name__}: {exc}") from exc
        raise
    missing = unsupported()
    if missing is not None:
        raise missing
    return result
