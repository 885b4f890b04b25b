"""The benchmark's shared fake Bot API and the table printed at the end of the run."""

from collections.abc import Iterator

import pytest

from tests.bench.fast_api import FastBotApi
from tests.bench.harness import Load, Result, table

RESULTS = pytest.StashKey[list[Result]]()


@pytest.fixture(scope="session")
def fake() -> Iterator[FastBotApi]:
    """One fake Bot API for every configuration of the run."""
    with FastBotApi() as server:
        yield server


@pytest.fixture(scope="session")
def results(pytestconfig: pytest.Config) -> list[Result]:
    """Each configuration's figures, printed side by side at the end."""
    return pytestconfig.stash.setdefault(RESULTS, [])


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Print the comparison table after the tests."""
    measured = config.stash.get(RESULTS, [])
    if measured:
        terminalreporter.write_line(table(measured, Load.from_env()))
