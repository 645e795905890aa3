"""The rulebook pytest plugin: targets, the ``rule`` marker, verdicts per rule, reports and fault campaigns.

Reads top to bottom: constants, options and markers, configuration (the target is resolved before anything is
sent), collection (every rule id checked against the catalog), running (outcomes classified per rule), the end
of the session (reports), and fixtures last.

Precedence of settings: command line > environment (RULEBOOK_SPEC) > ini (pyproject) > built-in default.
The plugin stays inert in sessions whose tests carry no ``rule`` marker.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import replace as _replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from openai_rulebook import __version__, exits
from openai_rulebook.catalog import TIERS, Catalog, Rule, Seed, load_catalog, load_seeds
from openai_rulebook.client import ApiClient
from openai_rulebook.endpoints import Endpoint
from openai_rulebook.errors import RulebookError, TargetUnreachable, Unsupported, UsageError
from openai_rulebook.models import ModelMap, parse_model_options
from openai_rulebook.observations import Observer, rule_statuses, rules_part
from openai_rulebook.plugin import recording
from openai_rulebook.plugin.clock import MAX_WAIT, ServerClock, clock_of_set, max_wait_of_set, recording_clock
from openai_rulebook.plugin.draws import current_draws, draws_for_run, draws_of_set, version_note
from openai_rulebook.plugin.gathered import WORKER_KEY, Gathered, join
from openai_rulebook.plugin.outcomes import PhaseOutcome, classify
from openai_rulebook.plugin.server_thread import ReferenceServer
from openai_rulebook.plugin.spec_check import SpecCheck
from openai_rulebook.plugin.targets import META_FILE, SOURCES, TARGETS, Target, resolve_target
from openai_rulebook.routes import RouteIndex
from openai_rulebook.verdicts import TestResult, rule_verdicts

RULE_MARKER = "rule"
STATE = pytest.StashKey["RulebookState"]()
PHASES = pytest.StashKey[list[PhaseOutcome]]()
DECIDING = pytest.StashKey[int | None]()
PREVIOUS_PROFILE = pytest.StashKey[str]()
#: set on an item when its test context started, so that a test skipped before its fixtures carries no evidence
STARTED = pytest.StashKey[bool]()
#: the exit code the plugin decided for the session (``exits``), for callers such as ``rulebook run``
EXIT_CODE = pytest.StashKey[int]()
#: the key of xdist's ``workeroutput`` under which a worker tells the controller why it stopped
STOP_KEY = "rulebook_stop"
#: how long the preflight waits for the target to answer at all
PREFLIGHT_TIMEOUT = 5.0


class RulebookStop(pytest.UsageError):
    """Stop the session before (or instead of) running tests: one ``rulebook: error:`` line, the given exit code."""

    def __init__(self, message: str, code: int = exits.USAGE) -> None:
        super().__init__(exits.error_line(message))
        self.code = code


def _stop(exc: RulebookError) -> RulebookStop:
    return RulebookStop(str(exc), exc.exit_code)


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Iterator[Any]:
    """Our stops print one line and exit with the convention's code (pytest would print 'ERROR:' and exit 4)."""
    try:
        return (yield)
    except RulebookStop as stop:
        import sys

        print(str(stop), file=sys.stderr)
        config.stash[EXIT_CODE] = stop.code
        return stop.code


# -- options and markers ------------------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rulebook", "openai-rulebook: check the OpenAI API rule by rule")
    group.addoption("--target", default="reference",
                    help="where requests go: reference (bundled server, default), url, live, record, replay")
    group.addoption("--record-from", default="reference",
                    help="with --target record: the target whose answers are recorded (default reference)")
    group.addoption("--base-url", default=None, help="with --target url (or --record-from url): the API's base URL")
    group.addoption("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    group.addoption("--cassette-dir", default=None,
                    help="cassette set to record into or replay from (default cassettes/<source>)")
    group.addoption("--tiers", default=None,
                    help="comma-separated tiers to run (default: all but heavy on the reference server, "
                         "free,cheap elsewhere)")
    group.addoption("--fault", action="append", default=[], dest="rulebook_faults",
                    help="switch on a fault of the reference server (repeatable)")
    group.addoption("--variant", action="append", default=[], dest="rulebook_variants",
                    help="switch on a variant (a legal liberty) of the reference server (repeatable)")
    group.addoption("--catalog", default=None, help="the catalog (default: ini rulebook_catalog, specs/rules)")
    group.addoption("--spec", default=None,
                    help="the official OpenAPI spec for response checks (default: $RULEBOOK_SPEC, ini rulebook_spec); "
                         "a path given here or in $RULEBOOK_SPEC must exist")
    group.addoption("--report-dir", default=None, help="write compliance.json into this directory")
    group.addoption("--areas", default=None, metavar="AREA,…",
                    help="run only the tests of rules in these API areas (e.g. files,uploads); the others' rules "
                         "are reported skipped")
    group.addoption("--model", action="append", default=[], dest="rulebook_models", metavar="ROLE=NAME",
                    help="the target's model for a model role (chat, embeddings, ...), repeatable or comma-separated; "
                         "default: the catalog's _catalog.yaml 'models'")
    group.addoption("--explore", action="store_true",
                    help="let hypothesis draw new values each run (default: derandomized, repeatable)")
    group.addoption("--mutants", default=None, metavar="DIR",
                    help="run the suites once per reference-server fault and write DIR/mutants.json")
    group.addoption("--mutants-select", default=None, metavar="TEXT",
                    help="with --mutants: only faults whose name or rule contains TEXT")
    group.addoption("--mutants-shard", default=None, metavar="I/N",
                    help="with --mutants: play only shard I (0-based) of N of the rounds, balanced by the tests each "
                         "re-runs ('rulebook mutants --jobs N' runs the N shards in parallel and merges them)")
    parser.addini("rulebook_catalog", "path of the rule catalog (a directory of area files, or one file), relative "
                  "to the rootdir", default="specs/rules")
    parser.addini("rulebook_spec", "path of the official OpenAPI spec, relative to the rootdir", default="")
    parser.addini("rulebook_suites", "directory whose tests must all carry a rule marker", default="suites")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(*ids): the catalog rule(s) this test checks")
    try:
        _check_workers(config)
        target = resolve_target(
            name=config.getoption("target"),
            record_from=config.getoption("record_from"),
            base_url=config.getoption("base_url"),
            api_key_env=config.getoption("api_key_env"),
            cassette_dir=config.getoption("cassette_dir"),
            tiers=config.getoption("tiers"),
            faults=tuple(config.getoption("rulebook_faults")),
            root=config.rootpath,
        )
        if config.getoption("mutants") and target.source != "reference":
            raise UsageError("--mutants switches faults of the reference server; it needs --target reference")
        if target.faults:
            _check_faults(target.faults)
        if config.getoption("rulebook_variants"):
            _check_variants(config.getoption("rulebook_variants"), target)
        if config.getoption("mutants") and not config.getoption("tiers"):
            # a fault campaign runs on the reference server, where even heavy rules cost nothing but seconds
            target = _replace(target, tiers=frozenset(TIERS))
        models = parse_model_options(config.getoption("rulebook_models"))
        _check_writable(config.getoption("report_dir"), "--report-dir")
        _check_writable(config.getoption("mutants"), "--mutants")
        _check_spec(config)
    except RulebookError as exc:
        raise _stop(exc) from None
    if target.source in ("url", "live") and not config.getoption("collectonly"):
        # before collection, so that a dead --base-url is the first thing printed (not pytest's header first)
        _check_answers(target.base_url)
    config.stash[STATE] = RulebookState(config, target)
    config.stash[STATE].models_given = models
    if _distributed(config) and not _is_worker(config):
        # the controller collects nothing: what it can check before the workers start, it checks here
        _check_areas(config, catalog_of(config))
    try:
        _load_hypothesis_profile(config, target)
    except RulebookError as exc:
        raise pytest.UsageError(str(exc)) from None


def _distributed(config: pytest.Config) -> bool:
    """Whether pytest-xdist spreads this session's tests over worker processes (``-n N``)."""
    return bool(getattr(config.option, "numprocesses", None)) and getattr(config.option, "dist", "no") != "no"


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _check_workers(config: pytest.Config) -> None:
    """Workers (``-n``) each run a share of the tests against their own reference server or the target; a
    recording, a replay and a fault campaign keep one process (one cassette set, one server per fault)."""
    if _is_worker(config) or not _distributed(config):
        return
    if config.getoption("mutants"):
        raise UsageError("-n (pytest-xdist) does not apply to a fault campaign; 'rulebook mutants --jobs N' "
                         "shards it instead")
    if config.getoption("target") in ("record", "replay"):
        raise UsageError(f"--target {config.getoption('target')} runs in one process (one cassette set, written or read in test "
                         "order); leave out -n")


def _check_faults(names: tuple[str, ...]) -> None:
    from openai_rulebook.server import FAULTS

    unknown = [name for name in names if name not in FAULTS]
    if unknown:
        raise UsageError(f"--fault {unknown[0]!r} is not a fault of the reference server"
                         f"{exits.nearest(unknown[0], FAULTS)} ('rulebook serve --list-faults' lists them)")


def _check_writable(text: str | None, option: str) -> None:
    """A report directory must be a writable directory, or creatable: found now, not after the whole run."""
    if not text:
        return
    path = Path(text).absolute()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {text}: is a file, not a directory; nothing was run")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{option} {text}: {existing} is a file, so the directory cannot be made; nothing was run")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {text}: {existing} is not writable; nothing was run")


def _check_spec(config: pytest.Config) -> None:
    """A spec named by --spec or $RULEBOOK_SPEC must exist; only the ini's default may be absent (then loudly)."""
    for origin, text in (("--spec", config.getoption("spec")), ("RULEBOOK_SPEC", os.environ.get("RULEBOOK_SPEC"))):
        if text:
            path = _spec_path(config)
            if path is None or not path.is_file():
                raise UsageError(f"{origin} {text}: no such file; the response-schema checks need the official "
                                 f"OpenAPI spec there (or leave {origin} unset to use the default)")
            return


def _check_variants(names: list[str], target: Target) -> None:
    from openai_rulebook.server import VARIANTS

    if not target.uses_reference_server:
        raise UsageError("--variant changes the reference server; it needs --target reference (or record from it)")
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise UsageError(f"--variant {unknown[0]!r} is not a variant of the reference server; "
                         f"'rulebook serve --list-variants' lists them")


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(PREVIOUS_PROFILE, None)
    if previous is not None:  # a session run inside another (pytester) leaves the outer one's profile as it was
        from hypothesis import settings

        settings.load_profile(previous)


def _load_hypothesis_profile(config: pytest.Config, target: Target) -> None:
    """Load the settings drawn tests run with: a replay's are the ones its set was recorded with, exactly."""
    if target.replaying:
        assert target.cassette_dir is not None
        draws = draws_of_set(target.recorded_as, target.cassette_dir / META_FILE)
    else:
        derandomize = not config.getoption("explore") or target.recording
        draws = draws_for_run(target.source, derandomize=derandomize, campaign=bool(config.getoption("mutants")))
    if draws.derandomize:
        _pin_hypothesis_constants()
    profile = draws.register()
    # a replay draws what its recording drew, whatever --hypothesis-profile says; other runs let it win
    if target.replaying or not config.getoption("hypothesis_profile", default=None):
        from hypothesis import settings

        config.stash[PREVIOUS_PROFILE] = settings.get_current_profile_name()
        settings.load_profile(profile)


def _pin_hypothesis_constants() -> None:
    """Keep derandomized draws the same whatever modules happen to be imported.

    Hypothesis mixes literals found in every *local* module imported so far into the values it draws. A recording
    (server modules loaded) and its replay (no server, maybe the harness's own tests collected too) import different
    modules, so the same seed would draw different values and miss the cassette. An empty pool keeps them equal;
    tests/test_recording.py proves it still holds after a hypothesis upgrade.
    """
    from hypothesis.internal.conjecture import providers

    providers._get_local_constants = lambda: providers._local_constants


class RulebookState:
    """Everything one session of the plugin holds."""

    def __init__(self, config: pytest.Config, target: Target) -> None:
        self.config = config
        self.target = target
        self.catalog: Catalog | None = None
        self.items: list[pytest.Item] = []
        self.results: list[TestResult] = []
        #: rules of tests that -k/-m (or another plugin) deselected
        self.deselected: set[str] = set()
        self.server: ReferenceServer | None = None
        self.client: ApiClient | None = None
        #: what the capability probe found, per catalog endpoint; None until the first test runs
        self.probes: dict[str, Any] | None = None
        #: objects the tests created that clean-up could not delete (logged, never a verdict)
        self.leftovers: list[str] = []
        #: rules outside --areas
        self.out_of_areas: set[str] = set()
        #: replay: the first request a cassette could not answer since the last test phase was judged
        self.replay_miss: str | None = None
        self.spec = SpecCheck(_spec_path(config))
        #: what the run saw, per operation (compliance.json's ``observations``); made with the client
        self.observer: Observer | None = None
        self._seeds: dict[str, Seed] | None = None
        self.started_at = datetime.now(UTC).replace(microsecond=0).isoformat()
        #: ``--model ROLE=NAME``: the target's model names per role, over the catalog's defaults
        self.models_given: dict[str, str] = {}
        #: under pytest-xdist, on the controller: the parts the workers sent, then joined
        self.worker_parts: list[str] = []
        #: under pytest-xdist, on the controller: (message, exit code) of a worker that stopped at collection
        self.worker_stop: tuple[str, int] | None = None
        self.joined: Gathered | None = None

    def models(self) -> ModelMap:
        return ModelMap(self.catalog.models if self.catalog else {}, self.models_given)

    def sections(self, rule: Rule) -> list[str]:
        """The rulebook sections a rule's seeds come from ("OpenAPI spec" for spec-only rules), for report labels."""
        if not rule.seeds:
            return ["SDK documentation" if rule.source == "sdk" else "OpenAPI spec"]
        if self._seeds is None:
            try:
                self._seeds = load_seeds(self.catalog.seeds_file) if self.catalog and self.catalog.seeds_file else {}
            except RulebookError:
                self._seeds = {}
        return sorted({self._seeds[seed].section for seed in rule.seeds if seed in self._seeds}) or [rule.area]

    @property
    def active(self) -> bool:
        return self.catalog is not None

    def base_url(self) -> str:
        if self.target.uses_reference_server:
            if self.server is None:
                self.server = ReferenceServer(faults=self.target.faults,
                                              variants=tuple(self.config.getoption("rulebook_variants")))
            return self.server.start()
        assert self.target.base_url is not None
        return self.target.base_url

    def api(self) -> ApiClient:
        if self.client is None:
            base_url = self.base_url()
            if self.target.name == "record":
                self.target = _with_base_url(self.target, base_url)
            routes = RouteIndex(e for rule in self.catalog.rules for e in rule.endpoints) if self.catalog else None
            self.observer = Observer(routes) if routes is not None else None
            self.client = ApiClient(base_url=base_url, api_key=self.target.api_key, headers=self.target.headers,
                                    backoff=0.0 if self.target.replaying else 0.5, on_exchange=self._on_exchange,
                                    routes=routes)
        return self.client

    def _on_exchange(self, request: httpx.Request, response: httpx.Response) -> None:
        self.spec.check(request, response)
        if self.observer is not None:
            self.observer.on_exchange(request, response)

    def probed(self) -> dict[str, Any]:
        """Probe, once, every endpoint the selected tests' rules list (recorded and replayed like a test)."""
        if self.probes is None:
            from openai_rulebook.capabilities import probe

            endpoints = self.endpoints_to_probe()
            if not endpoints:  # rules without endpoints: nothing to probe, nothing to tell missing
                self.probes = {}
                return self.probes
            client = self.api()
            client.start_test()
            with _cassette(self, self.probe_cassette(), "the capability probe"):
                self.probes = probe(client, endpoints)
                left = client.clean_up()
            self.leftovers.extend(left)
            client.start_test()
        return self.probes

    def endpoints_to_probe(self) -> list[str]:
        assert self.catalog is not None
        return list(dict.fromkeys(e for item in self.items if not item.get_closest_marker("skip")
                                  for rule_id in _rule_ids(item) for e in self.catalog[rule_id].endpoints))

    def probe_cassette(self) -> Path | None:
        if not (self.target.recording or self.target.replaying) or not self.endpoints_to_probe():
            return None
        assert self.target.cassette_dir is not None
        return recording.cassette_path(self.target.cassette_dir, "_probe", "capabilities")

    def run_info(self) -> dict[str, Any]:
        info = self.target.describe()
        if self.target.uses_reference_server and self.server is not None:
            info["base_url"] = self.server.base_url
        info.update(started_at=self.started_at, finished_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
                    harness_version=__version__, catalog=str(self.catalog.path) if self.catalog else None,
                    tests=len(self.results))
        if self.worker_parts:
            info["workers"] = len(self.worker_parts)
        # the model names the run's requests used, per role, and which roles --model chose
        info.update(models=self.models().effective(), models_given=dict(self.models_given))
        leftovers = self.joined.leftovers if self.joined is not None else self.leftovers
        if leftovers:
            info["leftovers"] = list(leftovers)
        return info


def _with_base_url(target: Target, base_url: str) -> Target:
    return _replace(target, base_url=base_url)


def _spec_path(config: pytest.Config) -> Path | None:
    text = config.getoption("spec") or os.environ.get("RULEBOOK_SPEC") or config.getini("rulebook_spec")
    if not text:
        return None
    path = Path(text)
    return path if path.is_absolute() else (config.rootpath / path).resolve()


def _catalog_path(config: pytest.Config) -> Path:
    text = config.getoption("catalog") or config.getini("rulebook_catalog")
    path = Path(text)
    return path if path.is_absolute() else config.rootpath / path


def catalog_of(config: pytest.Config) -> Catalog:
    """The run's catalog, loaded once: for suites that generate their tests from it (the matrices) at collection."""
    state = config.stash[STATE]
    if state.catalog is None:
        try:
            state.catalog = load_catalog(_catalog_path(config))
        except RulebookError as exc:
            raise _stop(exc) from None
    return state.catalog


# -- collection ---------------------------------------------------------------------------------------------------------
def _rule_ids(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for marker in item.iter_markers(RULE_MARKER):
        if not marker.args or marker.kwargs or not all(isinstance(arg, str) for arg in marker.args):
            raise RulebookStop(f"{item.nodeid}: @pytest.mark.rule takes rule ids as strings, "
                                    f"e.g. @pytest.mark.rule('vector_stores.list.limit_range'); got {marker}")
        ids.extend(arg for arg in marker.args if arg not in ids)
    return tuple(ids)


def _in_suites(config: pytest.Config, item: pytest.Item) -> bool:
    suites = (config.rootpath / config.getini("rulebook_suites")).resolve()
    return suites in Path(item.path).resolve().parents


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    try:
        _collected(config, items)
    except RulebookStop as stop:
        if not _is_worker(config):
            raise
        # a worker that stopped would crash xdist's scheduling: it runs nothing and the controller says why, once
        config.workeroutput[STOP_KEY] = [str(stop), stop.code]
        config.hook.pytest_deselected(items=list(items))
        items[:] = []


def _collected(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash[STATE]
    marked = [(item, _rule_ids(item)) for item in items]
    if not any(ids for _, ids in marked):
        return
    if state.catalog is None:
        try:
            state.catalog = load_catalog(_catalog_path(config))
        except RulebookError as exc:
            raise _stop(exc) from None
    catalog = state.catalog
    problems = []
    for item, ids in marked:
        if not ids and _in_suites(config, item):
            problems.append(f"{item.nodeid}: a suite test must name the rule(s) it checks with @pytest.mark.rule(...)")
        unknown = catalog.unknown(ids)
        for rule_id in unknown:
            problems.append(f"{item.nodeid}: @pytest.mark.rule names {rule_id!r}, which is not in {catalog.path}"
                            f"{exits.nearest(rule_id, (rule.id for rule in catalog.rules))}")
        if ids and not unknown and "endpoint" in getattr(item, "fixturenames", ()) and not any(
                catalog[rule_id].endpoints for rule_id in ids):
            problems.append(f"{item.nodeid}: asks for 'endpoint', but its rules list no endpoints in {catalog.path}")
    if problems:
        raise RulebookStop(problems[0] if len(problems) == 1 else
                           f"{len(problems)} unknown or missing rule ids:\n  " + "\n  ".join(problems))
    marked = _select_areas(config, catalog, marked, items)
    for item, ids in marked:
        if not ids:
            continue
        state.items.append(item)
        needed = {catalog[rule_id].tier for rule_id in ids}
        callspec = getattr(item, "callspec", None)
        if callspec is not None and isinstance(callspec.params.get("endpoint"), Endpoint):
            # its control is a valid request to that endpoint: a free rule's test on a paid endpoint costs money
            needed.add(catalog.endpoint_tier(str(callspec.params["endpoint"])))
        tiers = sorted(needed - state.target.tiers)
        if tiers:
            item.add_marker(pytest.mark.skip(reason=f"tier {', '.join(tiers)} not enabled for --target "
                                                    f"{state.target.name}; pass --tiers to include it"))
        item.user_properties.extend(("rule", rule_id) for rule_id in ids)
    if config.option.collectonly:
        return
    if state.target.replaying:
        _check_cassettes(state)


def _check_answers(base_url: str | None) -> None:
    """One request before any test: a target that does not answer at all fails in seconds, not after every test
    has sat out its retries. Any HTTP answer will do (even 401 or 404): it only has to be there."""
    import httpx

    assert base_url is not None
    try:
        httpx.get(base_url.rstrip("/") + "/models", timeout=PREFLIGHT_TIMEOUT)
    except httpx.HTTPError as exc:
        raise _stop(TargetUnreachable(
            f"the target {base_url} does not answer ({type(exc).__name__}: {exc or 'no detail'}); no test ran and "
            "nothing was written. Check --base-url and that the server is up")) from None


def _check_areas(config: pytest.Config, catalog: Catalog) -> set[str]:
    """The areas --areas names (none: every area); an unknown one stops the run with the nearest known name."""
    text = config.getoption("areas")
    if not text:
        return set()
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    known = {rule.area for rule in catalog.rules}
    unknown = sorted(wanted - known)
    if unknown:
        hint = exits.nearest(unknown[0], known)
        raise RulebookStop(f"--areas: unknown area(s) {', '.join(unknown)}"
                           f"{hint or '; the catalog areas are ' + ', '.join(sorted(known))}")
    return wanted


def _select_areas(config: pytest.Config, catalog: Catalog, marked: list[tuple[pytest.Item, tuple[str, ...]]],
                  items: list[pytest.Item]) -> list[tuple[pytest.Item, tuple[str, ...]]]:
    """With --areas, deselect tests none of whose rules is in those areas; their rules are reported skipped."""
    wanted = _check_areas(config, catalog)
    if not wanted:
        return marked
    state = config.stash[STATE]
    state.out_of_areas = {rule.id for rule in catalog.rules if rule.area not in wanted}
    dropped = [item for item, ids in marked if ids and not any(catalog[r].area in wanted for r in ids)]
    if dropped:
        keep = set(map(id, dropped))
        items[:] = [item for item in items if id(item) not in keep]
        config.hook.pytest_deselected(items=dropped)
    return [(item, ids) for item, ids in marked if id(item) not in set(map(id, dropped))]


def pytest_deselected(items: list[pytest.Item]) -> None:
    if not items:
        return
    state = items[0].config.stash.get(STATE, None)
    if state is None:
        return
    for item in items:
        try:
            state.deselected.update(_rule_ids(item))
        except pytest.UsageError:
            continue


def _check_cassettes(state: RulebookState) -> None:
    problems = []
    probe = state.probe_cassette()
    if probe is not None:
        try:
            recording.check_cassette(probe, "the capability probe")
        except RulebookError as exc:
            problems.append(str(exc))
    for item in state.items:
        if item.get_closest_marker("skip"):
            continue
        try:
            recording.check_cassette(_cassette_path(state, item), item.nodeid)
        except RulebookError as exc:
            problems.append(str(exc))
    if problems:
        more = f"\n  … and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise RulebookStop("replay cannot start, nothing was sent:\n  " + "\n  ".join(problems[:5]) + more)


def _cassette_path(state: RulebookState, item: pytest.Item) -> Path:
    assert state.target.cassette_dir is not None
    suites = state.config.rootpath / state.config.getini("rulebook_suites")
    try:
        module = Path(item.path).resolve().relative_to(suites.resolve()).with_suffix("")
    except ValueError:
        module = Path(Path(item.path).stem)
    return recording.cassette_path(state.target.cassette_dir, module.as_posix(), item.name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A rule test that asks for ``endpoint`` runs once per endpoint of its rule, as the catalog lists them.

    Bad markers are not reported here but by ``pytest_collection_modifyitems``, with all the others at once.
    """
    if "endpoint" not in metafunc.fixturenames:
        return
    try:
        ids = _rule_ids(metafunc.definition)
    except pytest.UsageError:
        return
    if not ids:
        return
    state = metafunc.config.stash[STATE]
    if state.catalog is None:
        try:
            state.catalog = load_catalog(_catalog_path(metafunc.config))
        except RulebookError as exc:
            raise _stop(exc) from None
    if state.catalog.unknown(ids):
        return
    endpoints = list(dict.fromkeys(e for rule_id in ids for e in state.catalog[rule_id].endpoints))
    if endpoints:
        metafunc.parametrize("endpoint", [Endpoint.parse(text) for text in endpoints], ids=endpoints)


# -- running ------------------------------------------------------------------------------------------------------------
def _endpoints_needed(state: RulebookState, item: pytest.Item) -> list[str]:
    """The catalog endpoints a test is about: its ``endpoint`` parameter, else every endpoint its rules list."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and isinstance(callspec.params.get("endpoint"), Endpoint):
        return [str(callspec.params["endpoint"])]
    assert state.catalog is not None
    return [e for rule_id in _rule_ids(item) for e in state.catalog[rule_id].endpoints]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash[STATE]
    if not state.active or item not in state.items or item.get_closest_marker("skip"):
        return
    from openai_rulebook.capabilities import unsupported_reason

    reason = unsupported_reason(_endpoints_needed(state, item), state.probed())
    if reason:
        if state.target.recording:  # an empty cassette, so that the replay's check finds one for every test
            recording.write_empty_cassette(_cassette_path(state, item))
        raise Unsupported(reason)
    if not item.config.pluginmanager.hasplugin("allure_pytest"):
        return
    import allure  # only when allure-pytest is installed and enabled

    assert state.catalog is not None
    for rule_id in _rule_ids(item):
        rule = state.catalog[rule_id]
        for section in state.sections(rule):
            allure.dynamic.label("section", section)
            allure.dynamic.parent_suite(section)
        allure.dynamic.label("rule", rule_id)
        allure.dynamic.feature(rule.area)
        allure.dynamic.story(rule_id)
        allure.dynamic.tag(rule.kind, rule.tier)
        for endpoint in rule.endpoints:
            allure.dynamic.label("endpoint", endpoint)
        for seed in rule.seeds:
            allure.dynamic.label("seed", seed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report: pytest.TestReport = yield
    state = item.config.stash[STATE]
    if not state.active or item not in state.items:
        return report
    reason = report.longrepr[2] if report.skipped and isinstance(report.longrepr, tuple) else ""
    phase = classify(call.when, call.excinfo, reason, replay_miss=state.replay_miss or "")
    if state.replay_miss is not None:  # whatever the test made of vcrpy's exception, the replay went astray here
        state.replay_miss = None
        report.outcome, report.longrepr = "failed", phase.message
    phase.duration = report.duration
    assert state.catalog is not None
    unknown = state.catalog.unknown(phase.violated)
    if unknown:  # a harness bug, not a verdict: no such rule can have failed
        phase = PhaseOutcome("error", message=f"RuleViolation names {unknown[0]!r}, which is not in "
                                              f"{state.catalog.path}", duration=report.duration)
    phases = item.stash.setdefault(PHASES, [])
    phases.append(phase)
    if call.when == "call" and phase.outcome != "pass" and state.client is not None:
        item.stash[DECIDING] = _deciding(state.client, call.excinfo)
    if phase.outcome in ("inconclusive", "unsupported"):
        # not a failure of the API, not a pass either: shown as a skip whose reason says which
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0,
                           f"{phase.outcome}: {phase.message.splitlines()[0] if phase.message else ''}")
    if call.when == "teardown":
        worst = phases[0]
        for other in phases[1:]:
            if other.worse_than(worst):
                worst = other
        # a test skipped before its fixtures ran never started: the client's log is the previous test's
        client = state.client if item.stash.get(STARTED, False) else None
        state.results.append(TestResult(
            nodeid=item.nodeid, rules=_rule_ids(item), outcome=worst.outcome, violated=worst.violated,
            message=worst.message, duration=sum(p.duration for p in phases),
            exchanges=[exchange.summary() for exchange in client.exchanges] if client else [],
            refused=tuple(sorted(client.refused)) if client else (),
            deciding=item.stash.get(DECIDING, None) if client else None,
        ))
        del item.stash[PHASES]
        if DECIDING in item.stash:
            del item.stash[DECIDING]
    return report


def _deciding(client: ApiClient, excinfo: pytest.ExceptionInfo[BaseException] | None) -> int | None:
    """Which of the test's exchanges decided its outcome: the response a violation names, else the last request
    the test itself sent (never clean-up, which runs later)."""
    from openai_rulebook.client import EXCHANGE_INDEX
    from openai_rulebook.errors import RuleViolation

    if excinfo is not None:
        leaves = list(excinfo.value.exceptions) if isinstance(excinfo.value, BaseExceptionGroup) else [excinfo.value]
        for leaf in leaves:
            response = getattr(leaf, "response", None) if isinstance(leaf, RuleViolation) else None
            if response is not None and EXCHANGE_INDEX in response.extensions:
                return int(response.extensions[EXCHANGE_INDEX])
    return len(client.exchanges) - 1 if client.exchanges else None


# -- end of session -----------------------------------------------------------------------------------------------------
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    try:
        if _is_worker(session.config):
            # a worker's part goes to the controller, which judges the rules once all workers are done
            if state.active:
                session.config.workeroutput[WORKER_KEY] = _gathered(state).to_json()
            return
        if state.worker_stop is not None:  # every worker stopped at collection for the same reason: say it once
            import sys

            message, code = state.worker_stop
            print(message, file=sys.stderr)
            session.exitstatus = session.config.stash[EXIT_CODE] = int(code)
            return
        if state.worker_parts:
            catalog_of(session.config)
            state.joined = join(state.worker_parts)
            state.results = state.joined.results
        alluredir = getattr(session.config.option, "allure_report_dir", None)
        if state.active and alluredir:  # Allure's categories: violations, harness errors, inconclusive, unsupported
            from openai_rulebook.reporting.allure import write_categories

            write_categories(Path(alluredir))
        if state.active and exitstatus not in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERRUPTED):
            summary = _write_reports(state)
            if summary is not None and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
                # the convention of exits: a run that judged no rule never exits 0, a harness error is 3
                session.exitstatus = exits.for_verdicts(summary) or exitstatus
                session.config.stash[EXIT_CODE] = int(session.exitstatus)
    finally:
        if state.client is not None:
            state.client.close()
        if state.server is not None:
            state.server.stop()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist, on the controller: a worker finished and sent its part, or why it stopped."""
    state = node.config.stash.get(STATE, None)
    output = getattr(node, "workeroutput", {})
    if state is None:
        return
    if output.get(STOP_KEY) is not None:
        state.worker_stop = tuple(output[STOP_KEY])
    elif output.get(WORKER_KEY) is not None:
        state.worker_parts.append(output[WORKER_KEY])


def _gathered(state: RulebookState) -> Gathered:
    """What this process gathered for the reports (under xdist, a worker's part)."""
    client = state.client
    return Gathered(
        results=state.results,
        items=[(item.nodeid, _rule_ids(item)) for item in state.items],
        deselected=state.deselected, out_of_areas=state.out_of_areas,
        accepted=client.accepted if client else set(),
        probes=state.probes or {},
        not_served=client.not_served if client else {},
        spec=state.spec.summary(),
        observations=state.observer.as_dict() if state.observer is not None else None,
        leftovers=state.leftovers,
    )


def _write_reports(state: RulebookState) -> dict[str, int] | None:
    """Write the reports; the verdict counts of the run (None for a fault campaign, which judges faults)."""
    assert state.catalog is not None
    config = state.config
    if state.target.recording and state.client is not None:
        recording.write_meta(state.target, hypothesis=current_draws().as_meta(),
                             clock=recording_clock(state.target.source), max_wait=MAX_WAIT)
    if config.getoption("mutants"):
        return None
    from openai_rulebook.reporting import compliance_document, write_compliance
    from openai_rulebook.verdicts import count

    gathered = state.joined if state.joined is not None else _gathered(state)
    verdicts = rule_verdicts(state.catalog, gathered.results, not_run=gathered.not_run_reasons(),
                             accepted=gathered.accepted)
    report_dir = config.getoption("report_dir")
    if not report_dir:
        return count(verdicts)
    observations = gathered.observations
    if observations is not None:
        observations = {**observations, "rules": rules_part(rule_statuses(gathered.results))}
    document = compliance_document(state.catalog, verdicts, run=state.run_info(), spec_conformance=gathered.spec,
                                   probes=gathered.probes, not_served=gathered.not_served, observations=observations)
    path = write_compliance(Path(report_dir), document)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"rulebook: wrote {path}")
    return document["summary"]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say loudly when the response-schema checks were off: a quiet pass would hide that nothing was checked."""
    state = config.stash.get(STATE, None)
    if state is None or not state.active or not state.results or config.getoption("mutants"):
        return
    spec = state.spec.path
    if spec is None or not spec.is_file():
        where = f"no spec at the default path {spec}" if spec else "no spec configured"
        terminalreporter.write_line(f"rulebook: SCHEMA CHECKS OFF: {where}; responses were not checked against the "
                                    "official spec (pass --spec PATH or set RULEBOOK_SPEC)", red=True, bold=True)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    if not session.config.getoption("mutants") or session.config.option.collectonly:
        return None
    from openai_rulebook.plugin.mutants import run_mutants

    state = session.config.stash[STATE]
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        raise session.Interrupted(f"{session.testsfailed} error(s) during collection")
    if not state.active:
        raise RulebookStop("--mutants found no test with a rule marker to run")
    run_mutants(session, state)
    return True


# -- fixtures -----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def rulebook_target(request: pytest.FixtureRequest) -> Target:
    """The resolved target of this run."""
    return request.config.stash[STATE].target


@pytest.fixture(scope="session")
def rulebook_catalog(request: pytest.FixtureRequest) -> Catalog:
    """The loaded catalog."""
    catalog = request.config.stash[STATE].catalog
    if catalog is None:
        catalog = load_catalog(_catalog_path(request.config))
    return catalog


@pytest.fixture(scope="session")
def api(request: pytest.FixtureRequest) -> ApiClient:
    """The client every suite sends through (started server, auth, retries, evidence, clean-up)."""
    return request.config.stash[STATE].api()


@pytest.fixture
def rule(request: pytest.FixtureRequest, rulebook_catalog: Catalog) -> Rule:
    """The catalog rule of a test that names exactly one; tests read its params instead of repeating numbers."""
    ids = _rule_ids(request.node)
    if len(ids) != 1:
        raise UsageError(f"{request.node.nodeid}: the 'rule' fixture needs exactly one rule marker, found {ids}")
    return rulebook_catalog[ids[0]]


@pytest.fixture
def model(request: pytest.FixtureRequest, rulebook_catalog: Catalog) -> Callable[..., str]:
    """``model(role)``: the target's model for a role (``--model ROLE=NAME``, else the catalog's default);
    ``model()`` is the role of the test's rule (its ``model_role``)."""
    state = request.config.stash[STATE]
    models = ModelMap(rulebook_catalog.models, state.models_given)

    def pick(role: str | None = None) -> str:
        if role is None:
            roles = {rulebook_catalog[i].model_role for i in _rule_ids(request.node) if i in rulebook_catalog}
            roles.discard(None)
            if len(roles) != 1:
                raise UsageError(f"{request.node.nodeid}: model() needs a role: its rules name {sorted(roles)}")
            role = roles.pop()
        return models(role)

    return pick


@pytest.fixture
def server_clock(request: pytest.FixtureRequest, api: ApiClient) -> ServerClock:
    """Let time pass on the API: the reference server's clock jumps, a replay needs nothing, a real API is waited for."""
    state = request.config.stash[STATE]
    if state.target.replaying:
        meta = state.target.recorded_as
        return ServerClock("replay", recorded=clock_of_set(meta), max_wait=max_wait_of_set(meta))
    if state.server is not None and state.server.state is not None:
        return ServerClock("jump", state.server.state.clock.advance)
    return ServerClock("wait")


@pytest.fixture(autouse=True)
def _rulebook_test_context(request: pytest.FixtureRequest) -> Iterator[None]:
    """Around each rule test: a fresh evidence log, its cassette when recording or replaying, clean-up after."""
    state = request.config.stash[STATE]
    item = request.node
    if not state.active or item not in state.items:
        yield
        return
    client = state.api()
    client.start_test()
    item.stash[STARTED] = True
    state.spec.current_test = item.nodeid
    path = _cassette_path(state, item) if state.target.recording or state.target.replaying else None
    with _cassette(state, path, item.nodeid):
        try:
            yield
        finally:
            # clean-up never judges: what it could not delete is logged as a leftover, not charged to the test
            state.leftovers.extend(f"{item.nodeid}: {left}" for left in client.clean_up())


@contextlib.contextmanager
def _cassette(state: RulebookState, path: Path | None, who: str) -> Iterator[None]:
    """Record into or replay from the cassette at ``path`` (None: neither) for ``who`` (a node id, the probe).

    In a replay, a request the cassette cannot answer is noted in ``state.replay_miss``, naming ``who``, the
    request and the cassette: the test it happened in ends as a harness error with that message.
    """
    if path is None:
        yield
        return
    mode = "all" if state.target.recording else "none"
    cassette = recording.make_vcr(mode).use_cassette(str(path), allow_playback_repeats=False)

    def missed(request: str, held: int) -> None:
        if state.replay_miss is None:
            state.replay_miss = _replay_miss_message(state, who, request, held, path)

    try:
        with cassette as played:
            if state.target.replaying:
                recording.watch_misses(played, missed)
            yield
            if state.target.replaying and not played.all_played and state.replay_miss is None:
                # fewer requests than recorded: the replay took another path and checked less than the recording
                state.replay_miss = _replay_short_message(state, who, len(played.play_counts), len(played), path)
    finally:
        if state.target.recording:
            recording.write_empty_cassette(path)


def _replay_miss_message(state: RulebookState, who: str, request: str, held: int, path: Path) -> str:
    asked = (f"{request} once more than {path} holds it ({held} time{'s' if held > 1 else ''})" if held
             else f"{request}, which {path} does not hold")
    return f"replay: {who} asked for {asked}; {_rerecord_hint(state)}"


def _replay_short_message(state: RulebookState, who: str, played: int, held: int, path: Path) -> str:
    return f"replay: {who} asked for {played} of the {held} requests {path} holds; {_rerecord_hint(state)}"


def _rerecord_hint(state: RulebookState) -> str:
    meta = state.target.recorded_as
    source = str(meta.get("target") or "reference")
    again = f"rulebook run --target record --record-from {source}"
    if source == "url":
        again += f" --base-url {meta.get('base_url') or 'URL'}"
    return (f"the test no longer sends what was recorded (changed test code or settings{version_note(meta)}). "
            f"Re-record the set: {again} --cassette-dir {state.target.cassette_dir}")
