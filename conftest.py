"""Project-wide pytest set-up.

The rulebook plugin itself arrives through the ``pytest11`` entry point of the installed package
(``pip install -e .``); the suites' shared fixtures live in ``suites/conftest.py``.
"""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("rulebook") and not config.getoption("help"):
        config.issue_config_time_warning(
            pytest.PytestConfigWarning(
                "the rulebook plugin is not loaded: install the project (pip install -e .) to run the suites"
            ),
            stacklevel=2,
        )
