"""The benchmark's shared fake Bot API and the table printed at the end of the run."""

from collections.abc import Iterator

import pytest

from tests.bench.fast_api import FastBotApi
from tests.bench.load import Load
from tests.bench.report import Result, table

RESULTS = pytest.StashKey[list[Result]]()


@pytest.fixture(scope="session")
def inbound_api() -> Iterator[FastBotApi]:
    """One fake Bot API for every configuration of the inbound benchmark."""
    with FastBotApi() as server:
        yield server


@pytest.fixture(scope="session")
def inbound_results(pytestconfig: pytest.Config) -> list[Result]:
    """Each inbound run's figures, printed side by side at the end."""
    return pytestconfig.stash.setdefault(RESULTS, [])


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Print the inbound comparison table after the tests."""
    measured = config.stash.get(RESULTS, [])
    if measured:
        load = Load.from_env()
        text = table(measured, users=load.users, updates=load.updates, probes=load.probes)
        terminalreporter.write_line(text)
