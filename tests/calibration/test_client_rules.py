"""Client rules over the real-traffic corpus: what real applications send, reported as *client* findings.

A client rule judges the caller (deprecated parameters, temperature and top_p together, request ids kept), so the
corpus's findings are no failure of the API and no dispute: they are the calibration's evidence that each check
reads real recordings and finds what real apps do (function_call, max_tokens on chat, scrubbed request ids...).
Figures as of the corpus of 2026-08 (6,793 exchanges): see ``FLOOR``.
"""

from __future__ import annotations

import pytest

from openai_rulebook.catalog import Catalog
from openai_rulebook.contracts.client import CLIENT_CHECKS, Sent, Tally, client_findings, from_corpus
from openai_rulebook.traffic import Corpus, EndpointMatcher

#: findings the corpus holds at least, per rule (exchanges; measured: function_call 5 in 4 recordings, functions 13
#: in 9, max_tokens 282 in 198, seed 153 in 74, user 18, temperature+top_p 31, assistants=v1 instead of v2 14,
#: request ids missing or scrubbed 2,975 in 1,477 recordings)
FLOOR = {"chat.no_function_call": 5, "chat.no_functions": 13, "chat.no_max_tokens": 282, "chat.no_seed": 153,
         "chat.no_user_field": 18, "client.temperature_or_top_p": 31, "assistants.beta_header_sent": 14,
         "client.request_id_recorded": 2975}


@pytest.fixture(scope="module")
def tally(corpus: Corpus, catalog: Catalog) -> Tally:
    matcher = EndpointMatcher(endpoint for rule in catalog.rules for endpoint in rule.endpoints)
    found = Tally()
    for line in corpus.exchanges(corpus.family_names):
        found.add(catalog, from_corpus(line, matcher.match(line.method, line.path)), source=line.source)
    return found


def test_every_check_is_for_a_client_rule(catalog: Catalog) -> None:
    for rule_id in CLIENT_CHECKS:
        assert catalog[rule_id].kind == "client", rule_id


def test_training_data_with_functions_is_found(catalog: Catalog) -> None:
    """The corpus keeps no file content, so this check is shown on a harness-style multipart body."""
    body = ('--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--b\r\n'
            'Content-Disposition: form-data; name="file"; filename="t.jsonl"\r\n\r\n'
            '{"messages": [], "functions": [{"name": "f"}]}\n\r\n--b--\r\n')
    sent = Sent("POST", "/v1/files", "POST /v1/files", {}, None, 200, {"x-request-id": "req_1"}, raw_body=body)
    assert dict(client_findings(catalog, sent))["fine_tuning.no_functions_in_training_data"] is not None
    clean = Sent("POST", "/v1/files", "POST /v1/files", {}, None, 200, {}, raw_body=body.replace("functions", "tools"))
    assert dict(client_findings(catalog, clean))["fine_tuning.no_functions_in_training_data"] is None


def test_the_corpus_feeds_every_check(tally: Tally) -> None:
    assert set(CLIENT_CHECKS) <= {rule_id for rule_id, checked, _, _ in tally.table() if checked}


def test_real_apps_break_client_rules_and_the_checks_see_it(tally: Tally) -> None:
    for rule_id, floor in FLOOR.items():
        assert tally.findings[rule_id] >= floor, (rule_id, tally.findings[rule_id], tally.samples[rule_id])
    assert not tally.findings["client.path_params_filled"], tally.samples["client.path_params_filled"]


def test_a_kept_request_id_passes(catalog: Catalog) -> None:
    sent = Sent("GET", "/v1/models", "GET /v1/models", {}, None, 200, {"x-request-id": "req_123"})
    assert dict(client_findings(catalog, sent))["client.request_id_recorded"] is None
    scrubbed = Sent("GET", "/v1/models", "GET /v1/models", {}, None, 200, {"x-request-id": "Sanitized"})
    assert dict(client_findings(catalog, scrubbed))["client.request_id_recorded"] is not None
