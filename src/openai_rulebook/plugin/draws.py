"""Hypothesis settings of a run: what decides which examples a drawn test sends.

A replay must draw exactly what its recording drew, or it asks for requests that were never recorded. So the
settings a recording ran with are written into its cassette set (``cassette-set.json``, key ``hypothesis``) and a
replay loads them from there; a set recorded before they were written replays with the defaults for its source.
The database is always off (a saved example would change the requests), and derandomized draws take their seed from
each test's own source, so the same suites with the same settings draw the same examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai_rulebook.errors import CassetteError

PROFILE_PREFIX = "rulebook"
#: examples per drawn test, the same on every target: the fault campaign shows that 8 find every fault of the
#: reference server, and more would only slow the suites (--explore draws new values on every run instead)
DEFAULT_EXAMPLES = {"reference": 10, "url": 10, "live": 10}
#: what sets recorded before their settings were written into cassette-set.json drew with
UNWRITTEN_EXAMPLES = {"reference": 25, "url": 10, "live": 10}
#: a fault campaign runs every test once per fault: fewer examples, and no shrinking
CAMPAIGN_EXAMPLES = 8
ALL_PHASES = ("explicit", "reuse", "generate", "target", "shrink", "explain")
CAMPAIGN_PHASES = ("explicit", "reuse", "generate")


@dataclass(frozen=True)
class Draws:
    """The settings that decide what a drawn test sends (the others - deadline, health checks - change no request)."""

    max_examples: int
    derandomize: bool = True
    phases: tuple[str, ...] = ALL_PHASES
    report_multiple_bugs: bool = True

    def profile_name(self) -> str:
        """One name per set of values, so that a nested session cannot redefine the profile its outer session uses."""
        phases = "all" if self.phases == ALL_PHASES else "+".join(self.phases)
        return (f"{PROFILE_PREFIX}-{self.max_examples}-{'derandomized' if self.derandomize else 'random'}-{phases}"
                f"{'' if self.report_multiple_bugs else '-first-bug'}")

    def register(self) -> str:
        """Register these settings as a hypothesis profile; its name."""
        from hypothesis import HealthCheck, Phase, settings

        name = self.profile_name()
        settings.register_profile(
            name,
            derandomize=self.derandomize,
            database=None,
            deadline=None,
            max_examples=self.max_examples,
            phases=tuple(Phase[phase] for phase in self.phases),
            report_multiple_bugs=self.report_multiple_bugs,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            print_blob=False,
        )
        return name

    def as_meta(self) -> dict[str, Any]:
        """For ``cassette-set.json``: the values, the database (always off) and the version that drew with them."""
        import hypothesis

        return {"max_examples": self.max_examples, "derandomize": self.derandomize, "database": None,
                "phases": list(self.phases), "report_multiple_bugs": self.report_multiple_bugs,
                "version": hypothesis.__version__}


def draws_for_run(source: str | None, *, derandomize: bool, campaign: bool) -> Draws:
    """Today's settings for a run whose requests go to ``source`` (None: a replay of a set that does not say)."""
    if campaign:
        # a fault campaign needs to know whether a test fails, not its smallest counterexample
        return Draws(CAMPAIGN_EXAMPLES, derandomize, CAMPAIGN_PHASES, report_multiple_bugs=False)
    return Draws(DEFAULT_EXAMPLES.get(source or "reference", DEFAULT_EXAMPLES["live"]), derandomize)


def current_draws() -> Draws:
    """The settings hypothesis draws with now (the loaded profile: ours, or one named by --hypothesis-profile)."""
    from hypothesis import settings

    default = settings.default
    return Draws(default.max_examples, default.derandomize, tuple(phase.name for phase in default.phases),
                 default.report_multiple_bugs)


def draws_of_set(meta: Mapping[str, Any], meta_path: Path) -> Draws:
    """The settings a cassette set was recorded with; for a set that does not say, the defaults for its source."""
    written = meta.get("hypothesis")
    if written is None:
        source = str(meta.get("target") or "reference")
        return Draws(UNWRITTEN_EXAMPLES.get(source, UNWRITTEN_EXAMPLES["live"]), True)
    try:
        if not isinstance(written, Mapping):
            raise TypeError("not an object")
        phases = tuple(written.get("phases", ALL_PHASES))
        unknown = [phase for phase in phases if phase not in ALL_PHASES]
        max_examples, derandomize = written["max_examples"], written.get("derandomize", True)
        if unknown or not isinstance(max_examples, int) or max_examples < 1 or not isinstance(derandomize, bool):
            raise ValueError(f"max_examples {max_examples!r}, derandomize {derandomize!r}, phases {list(phases)}")
        return Draws(max_examples, derandomize, phases, bool(written.get("report_multiple_bugs", True)))
    except (KeyError, TypeError, ValueError) as exc:
        raise CassetteError(f"{meta_path}: unreadable \"hypothesis\" settings ({exc}); re-record the set") from exc


def version_note(meta: Mapping[str, Any]) -> str:
    """A hint when the set was drawn by another hypothesis version (which may draw other values); else ''."""
    import hypothesis

    written = meta.get("hypothesis")
    recorded = written.get("version") if isinstance(written, Mapping) else None
    if recorded and recorded != hypothesis.__version__:
        return f" (the set was drawn by hypothesis {recorded}, this is {hypothesis.__version__})"
    return ""
