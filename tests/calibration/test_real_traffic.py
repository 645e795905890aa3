"""Calibrate the harness on real traffic: every single-exchange contract check and the spec's response schemas,
over every recorded exchange they apply to.

A rule may fail on real traffic only where its catalog entry's ``disputed`` says so, citing the recordings
(``source``) and lines (``seq``) and what the rulebook and the spec say. Spec drift (nulls the spec's types do
not allow) is a known gap whose evidence lines must show it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

from openai_rulebook.catalog import Catalog
from openai_rulebook.contracts import CHECKS, Seen, contract, findings
from openai_rulebook.errors import CatalogError, RuleViolation
from openai_rulebook.spec import KNOWN_GAPS, ResponseValidator
from openai_rulebook.traffic import Corpus, EndpointMatcher, Exchange

from .conftest import FAMILIES

SPEC_RULE = "openapi.response_schemas"


@dataclass
class Tally:
    checked: int = 0
    failures: list[tuple[Exchange, str]] = field(default_factory=list)


def exchanges(corpus: Corpus) -> list[Exchange]:
    """The tested areas' lines, and every 4xx of the corpus (errors.envelope speaks of every 4xx)."""
    lines = {(line.family, line.source, line.seq): line for line in corpus.exchanges(FAMILIES)}
    lines.update({(line.family, line.source, line.seq): line for line in corpus.client_errors()})
    return list(lines.values())


def seen(line: Exchange, matcher: EndpointMatcher) -> Seen:
    return Seen(matcher.match(line.method, line.path), line.path, line.query, line.request_body, line.status,
                line.json_body)


@pytest.fixture(scope="module")
def contract_tallies(corpus: Corpus, catalog: Catalog) -> dict[str, Tally]:
    matcher = EndpointMatcher(endpoint for rule_id in CHECKS for endpoint in catalog[rule_id].endpoints)
    tallies: dict[str, Tally] = defaultdict(Tally)
    for line in exchanges(corpus):
        for rule_id, violation in findings(catalog, seen(line, matcher)):
            tallies[rule_id].checked += 1
            if violation is not None:
                tallies[rule_id].failures.append((line, str(violation).replace("\n", " | ")))
    return dict(tallies)


def cut_floats(body: object) -> bool:
    """Whether the corpus cut a float array of the body (an embedding: its first numbers, then the string
    ``…[N floats total]``): such a body is the corpus' abridgement, not what the API sent."""
    if isinstance(body, dict):
        return any(cut_floats(value) for value in body.values())
    if isinstance(body, list):
        return bool(body) and isinstance(body[-1], str) and body[-1].endswith("floats total]") or \
            any(cut_floats(value) for value in body if isinstance(value, dict | list))
    return False


@pytest.fixture(scope="module")
def spec_tally(corpus: Corpus, catalog: Catalog, validator: ResponseValidator) -> Tally:
    """The spec's response schemas over the rule's endpoints (2xx: error bodies are errors.envelope's)."""
    matcher = EndpointMatcher(catalog[SPEC_RULE].endpoints)
    tally = Tally()
    for line in corpus.exchanges(FAMILIES):
        if not 200 <= line.status < 300 or matcher.match(line.method, line.path) is None or cut_floats(line.json_body):
            continue
        tally.checked += 1
        checked = validator.check(method=line.method, path=line.path, status=line.status,
                                  content_type=line.content_type, body=line.json_body)
        tally.failures.extend((line, str(problem)) for problem in checked.mismatches)
    return tally


def undisputed(rule_id: str, catalog: Catalog, failures: Iterable[tuple[Exchange, str]]) -> list[str]:
    """Failures the rule's ``disputed`` text does not account for: each failing recording must be cited, with the
    seq of at least one of its failing lines, and the text must say what the rulebook and the spec say."""
    text = " ".join((catalog[rule_id].disputed or "").split())
    by_source: dict[str, list[tuple[Exchange, str]]] = defaultdict(list)
    for line, message in failures:
        by_source[line.source].append((line, message))
    problems = []
    if by_source and not all(word in text for word in ("rulebook", "spec")):
        problems.append(f"{rule_id}: its disputed text must say what the rulebook and the spec say")
    for source, lines in by_source.items():
        cited = source in text and any(re.search(rf"\bseq {line.seq}\b", text) for line, _ in lines)
        if not cited:
            line, message = lines[0]
            problems.append(f"{rule_id}: {len(lines)} undisputed failure(s) in {line.cite} "
                            f"({line.recorded_at}): {message[:300]}")
    return problems


def test_every_check_is_for_a_contract_rule(catalog: Catalog) -> None:
    for rule_id in CHECKS:
        assert rule_id in catalog, rule_id
        assert catalog[rule_id].kind == "contract", rule_id


def test_a_rule_cannot_have_two_checks() -> None:
    with pytest.raises(CatalogError, match="errors.envelope"):
        contract("errors.envelope")(lambda rule, seen: None)


def test_contract_rules_fail_on_real_traffic_only_where_disputed(
    contract_tallies: dict[str, Tally], catalog: Catalog
) -> None:
    problems = [p for rule_id, tally in contract_tallies.items() for p in undisputed(rule_id, catalog, tally.failures)]
    assert not problems, "\n".join(problems)


def test_the_corpus_reaches_the_checks(contract_tallies: dict[str, Tally]) -> None:
    """The checks the corpus can feed are fed: a check that stops matching its lines would pass vacuously."""
    fed = {rule_id for rule_id, tally in contract_tallies.items() if tally.checked}
    assert {"errors.envelope", "files.object_type", "batches.object_type", "vector_stores.object_type",
            "vector_store_file_batches.object_type", "vector_store_files.list.cursor_pagination",
            "files.batch_default_expiry", "images.endpoints_exist", "images.gpt_image_returns_base64",
            "responses.endpoints_exist", "responses.status_values",
            "responses.max_output_tokens_bound", "responses.usage_arithmetic", "responses.output_shapes",
            "embeddings.endpoints_exist", "embeddings.usage",
            "embeddings.encoding_format", "embeddings.dimensions_shortens", "completions.endpoints_exist",
            "completions.object_type",
            "completions.usage", "completions.finish_reason", "completions.n_choices", "moderations.endpoints_exist",
            "moderations.input_shapes", "moderations.result_shape", "moderations.applied_input_types",
            "models.list_objects", "models.retrieve", "models.delete_endpoint",
            "fine_tuning.endpoints_exist", "fine_tuning.events.list.cursor_pagination",
            "fine_tuning.checkpoints.list.object_shape"} <= fed


def test_spec_response_schemas_fail_on_real_traffic_only_where_disputed(spec_tally: Tally, catalog: Catalog) -> None:
    assert spec_tally.checked > 250
    problems = undisputed(SPEC_RULE, catalog, spec_tally.failures)
    assert not problems, "\n".join(problems)


def test_checks_do_catch_a_wrong_object_type(catalog: Catalog) -> None:
    """The calibration has teeth: the value the spec's enum has is a violation of the corrected rule."""
    matcher = EndpointMatcher(catalog["vector_store_file_batches.object_type"].endpoints)
    path = "/v1/vector_stores/vs_1/file_batches"
    body = {"id": "vsfb_1", "object": "vector_store.files_batch", "status": "in_progress",
            "vector_store_id": "vs_1", "file_counts": {}}
    found = dict(findings(catalog, Seen(matcher.match("POST", path), path, {}, {"file_ids": []}, 200, body)))
    assert isinstance(found["vector_store_file_batches.object_type"], RuleViolation)


# -- spec drift ---------------------------------------------------------------------------------------------------
def find(corpus: Corpus, cite: str) -> Exchange:
    family, source, _, seq = cite.split(" ")
    return next(line for line in corpus.family(family.removesuffix(".jsonl"))
                if line.source == source and line.seq == int(seq))


@pytest.mark.parametrize("gap", [gap for gap in KNOWN_GAPS if gap.evidence], ids=lambda gap: gap.id)
def test_known_gap_evidence_shows_the_gap(
    gap, corpus: Corpus, validator: ResponseValidator, raw_validator: ResponseValidator
) -> None:
    raw = raw_validator
    for cite in gap.evidence:
        line = find(corpus, cite)
        args = dict(method=line.method, path=line.path, status=line.status, content_type=line.content_type,
                    body=line.json_body)
        assert raw.validate(**args), f"{cite}: conforms to the spec as written; it is no evidence of {gap.id}"
        checked = validator.check(**args)
        assert not checked.mismatches, f"{cite}: {checked.mismatches[0]}"
        if gap.nulls:
            assert {drift.gap for drift in checked.drift} >= {gap.id}, cite


@pytest.mark.parametrize("gap", [gap for gap in KNOWN_GAPS if gap.nulls], ids=lambda gap: gap.id)
def test_every_drifting_field_is_seen_null(gap, spec_drift: dict[str, set[str]]) -> None:
    fields = {field for _, field in gap.nulls}
    assert fields <= spec_drift.get(gap.id, set())


@pytest.fixture(scope="module")
def spec_drift(corpus: Corpus, validator: ResponseValidator) -> dict[str, set[str]]:
    """gap id -> the fields real traffic sent null under it."""
    seen_null: dict[str, set[str]] = defaultdict(set)
    for line in corpus.exchanges(FAMILIES):
        if 200 <= line.status < 300 and line.json_body is not None:
            for drift in validator.check(method=line.method, path=line.path, status=line.status,
                                         content_type=line.content_type, body=line.json_body).drift:
                seen_null[drift.gap].add(drift.instance_path.rsplit("/", 1)[1])
    return seen_null
