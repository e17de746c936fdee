"""Fixtures for the deadline and cancellation tests: the hostile server and clients on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile import HostileServer


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that selects these tests (``-m deadlines``)."""
    config.addinivalue_line("markers", "deadlines: issue 8 deadline and cancellation proofs")


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A started hostile server on 127.0.0.1, stopped (connections closed) at teardown."""
    with HostileServer() as server:
        yield server
