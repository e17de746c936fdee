"""Fixtures for the deadline and cancellation tests: the hostile server and clients on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile import HostileServer

TOKEN = "r8_HostileDeadlineTests"


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A started hostile server on 127.0.0.1, stopped (connections closed) at teardown."""
    with HostileServer() as server:
        yield server
