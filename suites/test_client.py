"""Client rules (``kind: client``): what a caller sends and keeps, judged over the run's own exchanges.

The harness is a client too: each test sends the valid request ``valid_request`` builds for an endpoint of the rule
(what the harness itself sends as its control everywhere) and judges the exchanges it made with the rule's client
check (``openai_rulebook.contracts.client``), the same check ``rulebook client-check`` runs over a user's
recordings and calibration runs over the real-traffic corpus. A finding is the client's, never the API's; the one
API behaviour a client rule needs is the ``x-request-id`` header, without which no client can keep it (R02.1).
"""

from __future__ import annotations

import pytest

from openai_rulebook.contracts.client import CLIENT_CHECKS, from_evidence


def judge_own_exchanges(api, rule, endpoint: str | None = None) -> int:
    """Run ``rule``'s client check over the test's own exchanges (those to ``endpoint`` if given); how many."""
    registered = CLIENT_CHECKS[rule.id]
    judged = 0
    for index, exchange in enumerate(api.exchanges):
        if exchange.phase != "test":
            continue
        matched = api.routes.match(exchange.method, exchange.path) if api.routes is not None else None
        if endpoint is not None and matched != endpoint:
            continue
        registered.check(rule, from_evidence(exchange, matched, where=f"exchange {index}"))
        judged += 1
    assert judged, f"no exchange of this test went to {endpoint}: nothing to judge"
    return judged


def send_valid(api, valid_request, endpoint) -> None:
    valid_request(endpoint).send(api)


@pytest.mark.rule("client.request_id_recorded")
def test_every_response_has_its_request_id_recorded(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    api.request(endpoint.method, endpoint.path(**{name: "rulebook-no-such-id" for name in endpoint.placeholders}),
                auth=False)  # a refusal: error responses carry their id too
    judge_own_exchanges(api, rule)


@pytest.mark.rule("client.path_params_filled")
def test_path_parameters_are_filled(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("client.temperature_or_top_p")
def test_temperature_or_top_p(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("chat.no_function_call")
def test_no_function_call(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("chat.no_functions")
def test_no_functions(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("chat.no_max_tokens")
def test_no_max_tokens(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("chat.no_seed")
def test_no_seed(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("chat.no_user_field")
def test_no_user_field(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("chat.safety_identifier_hashed")
def test_safety_identifier_hashed(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("assistants.beta_header_sent")
def test_assistants_beta_header(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("audio.speech.instructions_not_for_tts_1")
def test_no_instructions_for_tts_1(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("audio.transcription.language_iso_639_1")
def test_transcription_language_code(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("fine_tuning.hyperparameters_under_method")
def test_hyperparameters_under_method(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))


@pytest.mark.rule("fine_tuning.no_functions_in_training_data")
def test_training_uploads_use_tools(api, rule, endpoint, valid_request):
    send_valid(api, valid_request, endpoint)
    judge_own_exchanges(api, rule, str(endpoint))
